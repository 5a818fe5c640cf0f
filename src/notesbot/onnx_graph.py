"""Write the ONNX graph of a mean-pooled BERT sentence encoder straight from its safetensors weights, no torch.

The graph is the numpy forward pass of :mod:`notesbot.fast_embedding` op for op (embeddings, LayerNorm,
attention with the padding mask, erf GELU, mean pooling, L2 normalisation), with inputs ``ids`` and
``mask`` (int64, batch x tokens) and outputs ``vectors`` and ``hidden`` (the last layer's token vectors).
ONNX Runtime runs it about twice as fast as numpy for one question, because its kernels pre-pack the
weights; building it takes the `onnx` package.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fast_embedding import BertConfig

OPSET = 17


class _Builder:
    def __init__(self, tensors: dict[str, np.ndarray]) -> None:
        from onnx import numpy_helper

        self.tensors, self.to_tensor = tensors, numpy_helper.from_array
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def constant(self, name: str, value: Any) -> str:
        self.initializers.append(self.to_tensor(np.ascontiguousarray(value), name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        value = np.asarray(self.tensors[name], dtype=np.float32)
        return self.constant(name, value.T if transpose else value)

    def op(self, kind: str, inputs: list[str], **attributes: Any) -> str:
        from onnx import helper

        out = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def dense(self, x: str, name: str) -> str:
        product = self.op("MatMul", [x, self.weight(f"{name}.weight", transpose=True)])
        return self.op("Add", [product, self.weight(f"{name}.bias")])

    def layer_norm(self, x: str, name: str, eps: float) -> str:
        return self.op(
            "LayerNormalization", [x, self.weight(f"{name}.weight"), self.weight(f"{name}.bias")], axis=-1, epsilon=eps
        )


def build(tensors: dict[str, np.ndarray], config: BertConfig) -> bytes:
    """The serialised ONNX model of the encoder whose weights are ``tensors``."""
    from onnx import TensorProto, helper

    b = _Builder(tensors)
    p, c = config.prefix, config
    for name, value in {
        "zero": [0],
        "one": [1],
        "heads_shape": [0, 0, c.heads, c.head_dim],
        "hidden_shape": [0, 0, c.hidden],
        "axes_12": [1, 2],
        "axis_1": [1],
        "axis_2": [2],
    }.items():
        b.constant(name, np.array(value, dtype=np.int64))
    for name, value in {
        "f_one": 1.0,
        "half": 0.5,
        "sqrt2": np.sqrt(2.0),
        "scale": 1 / np.sqrt(c.head_dim),
        "masked": -1e9,
        "tiny": 1e-9,
        "tiny_norm": 1e-12,
    }.items():
        b.constant(name, np.array(value, dtype=np.float32))
    b.constant("type0", np.asarray(tensors[f"{p}embeddings.token_type_embeddings.weight"][0], dtype=np.float32))
    tokens = b.op("Gather", [b.op("Shape", ["ids"]), "one"], axis=0)
    positions = b.op("Slice", [b.weight(f"{p}embeddings.position_embeddings.weight"), "zero", tokens, "zero"])
    words = b.op("Gather", [b.weight(f"{p}embeddings.word_embeddings.weight"), "ids"], axis=0)
    x = b.layer_norm(b.op("Add", [b.op("Add", [words, positions]), "type0"]), f"{p}embeddings.LayerNorm", c.eps)
    mask = b.op("Cast", ["mask"], to=TensorProto.FLOAT)
    bias = b.op("Unsqueeze", [b.op("Mul", [b.op("Sub", ["f_one", mask]), "masked"]), "axes_12"])
    for i in range(c.layers):
        x = _layer(b, x, bias, f"{p}encoder.layer.{i}.", c)
    weights = b.op("Unsqueeze", [mask, "axis_2"])
    summed = b.op("ReduceSum", [b.op("Mul", [x, weights]), "axis_1"], keepdims=0)
    pooled = b.op("Div", [summed, b.op("Max", [b.op("ReduceSum", [weights, "axis_1"], keepdims=0), "tiny"])])
    norm = b.op("Max", [b.op("ReduceL2", [pooled], axes=[-1], keepdims=1), "tiny_norm"])
    b.nodes.append(helper.make_node("Div", [pooled, norm], ["vectors"]))
    b.nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"]) for n in ("ids", "mask")]
    outputs = [
        helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["batch", c.hidden]),
        helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", c.hidden]),
    ]
    graph = helper.make_graph(b.nodes, "notesbot-bert", inputs, outputs, b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="notesbot")
    data: bytes = model.SerializeToString()
    return data


def _layer(b: _Builder, x: str, bias: str, name: str, c: BertConfig) -> str:
    def heads(kind: str, perm: list[int]) -> str:
        return b.op(
            "Transpose", [b.op("Reshape", [b.dense(x, f"{name}attention.self.{kind}"), "heads_shape"])], perm=perm
        )

    q, k, v = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1]), heads("value", [0, 2, 1, 3])
    scores = b.op("Add", [b.op("Mul", [b.op("MatMul", [q, k]), "scale"]), bias])
    context = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), v])
    context = b.op("Reshape", [b.op("Transpose", [context], perm=[0, 2, 1, 3]), "hidden_shape"])
    attended = b.op("Add", [b.dense(context, f"{name}attention.output.dense"), x])
    x = b.layer_norm(attended, f"{name}attention.output.LayerNorm", c.eps)
    hidden = b.dense(x, f"{name}intermediate.dense")
    erf = b.op("Add", [b.op("Erf", [b.op("Div", [hidden, "sqrt2"])]), "f_one"])
    hidden = b.op("Mul", [b.op("Mul", [hidden, erf]), "half"])
    return b.layer_norm(b.op("Add", [b.dense(hidden, f"{name}output.dense"), x]), f"{name}output.LayerNorm", c.eps)


__all__ = ["OPSET", "build"]
