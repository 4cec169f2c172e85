"""Meaning-based re-ranking of excerpt search: a small sentence encoder run in NumPy, and its fusion."""
