"""Meaning vectors of texts, remembered on disk so a restart or reload encodes only new text.

Encoding the shipped course (85 passages, 376 sentences) takes ~15 s of CPU; read from
this file it takes milliseconds. Keyed by a digest of the model and the text, so an edited
passage is encoded again and an unchanged one never is. The file holds only the texts of the
content last loaded; it is written whole, atomically, and read without pickle, so a damaged
or foreign file is ignored (and replaced), never trusted. It keeps the texts of earlier
loads too (a draft tried in the console, the content before a reload), up to MAX_ENTRIES.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.core.atomic_files import write_atomically
from bot.core.lookup.semantic.minilm import Vectors

log = logging.getLogger(__name__)

KEY_BYTES = 16
"""Length of a text's digest, the cache's key."""
MAX_ENTRIES = 20_000
"""Beyond this many vectors (30 MB) the file keeps only the texts of the latest load."""

Encode = Callable[[Sequence[str]], Vectors]


class VectorCache:
    """Text -> vector through one ``.npz`` file per model (or no file, without a folder)."""

    def __init__(self, folder: Path | None, model_tag: str, dimensions: int) -> None:
        self._path = folder / f"search-vectors-{model_tag}.npz" if folder is not None else None
        self._tag = model_tag.encode()
        self._dimensions = dimensions

    def vectors(self, texts: Sequence[str], encode: Encode) -> tuple[Vectors, int]:
        """A vector per text, in order, and how many had to be encoded (the rest were on disk)."""
        keys = [hashlib.blake2b(self._tag + b"\0" + text.encode(), digest_size=KEY_BYTES).digest() for text in texts]
        known = self._read()
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items())
        if missing:
            fresh = encode([text for _, text in missing])
            known.update(zip((key for key, _ in missing), fresh, strict=True))
            self._write(known if len(known) <= MAX_ENTRIES else {key: known[key] for key in keys})
        if not keys:
            return np.empty((0, self._dimensions), dtype=np.float32), 0
        return np.stack([known[key] for key in keys]).astype(np.float32, copy=False), len(missing)

    def _read(self) -> dict[bytes, Vectors]:
        if self._path is None or not self._path.is_file():
            return {}
        try:
            with np.load(self._path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if keys.shape != (len(vectors), KEY_BYTES) or keys.dtype != np.uint8:
                raise ValueError(f"keys of shape {keys.shape} and type {keys.dtype}")
            if vectors.ndim != 2 or vectors.shape[1] != self._dimensions or vectors.dtype != np.float32:
                raise ValueError(f"vectors of shape {vectors.shape} and type {vectors.dtype}")
        except (OSError, ValueError, KeyError) as error:
            log.warning("search: ignoring the unreadable vector cache %s (%s); it will be rebuilt", self._path, error)
            return {}
        return {key.tobytes(): vector for key, vector in zip(keys, vectors, strict=True)}

    def _write(self, entries: dict[bytes, Vectors]) -> None:
        """Replace the file with ``entries`` (never empty: a call has encoded something)."""
        if self._path is None:
            return
        buffer = io.BytesIO()
        # Keys as raw bytes: numpy's fixed-width "S" strings drop a digest's trailing zero bytes.
        keys = np.frombuffer(b"".join(entries), dtype=np.uint8).reshape(-1, KEY_BYTES)
        np.savez(buffer, keys=keys, vectors=np.stack(list(entries.values())))
        try:
            write_atomically(self._path, buffer.getvalue())
        except OSError as error:  # a read-only or full disk costs only the next start's time
            log.warning("search: could not save the vector cache %s (%s)", self._path, error)
