"""Meaning-based re-ranking of excerpt search: a small sentence encoder run by ONNX Runtime, and its fusion."""
