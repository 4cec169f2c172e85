"""The core: content, progress, rendering and use cases. Never imports ``discord``."""
