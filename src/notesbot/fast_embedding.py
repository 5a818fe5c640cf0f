"""A torch-free query encoder: the packaged BERT sentence-transformers model run with numpy and `tokenizers`.

The forward pass reads ``model.safetensors`` through a memory map (no copy, no torch, no safetensors
import) and reproduces sentence-transformers' Transformer -> mean Pooling -> Normalize stack, so the
vectors match the reference :class:`~notesbot.embedding.SentenceTransformerEmbedder` to float32 rounding.
Importing this module costs numpy only; :func:`supports` says whether a model folder can run here.
:class:`QueryEncoder`, what NotesBot encodes questions with, starts on numpy (ready in about 0.1 s, right
for a single `notesbot ask`) and moves a long-lived process to ONNX Runtime, twice as fast per question.
"""

from __future__ import annotations

import atexit
import json
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .blas import blas_threads
from .config import DEFAULT_MODEL
from .embedding import Progress, resolve_model
from .errors import ModelError
from .types import TokenVectors

DEFAULT_FAST_BATCH = 16
DEFAULT_WARM_AFTER = 8  # questions a process encodes before it builds the ONNX Runtime session
SAFETENSORS = "model.safetensors"
DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}
# Abramowitz & Stegun 7.1.26 rational approximation of erf: absolute error below 1.5e-7, float32's own.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


@dataclass(frozen=True)
class BertConfig:
    """The parts of a BERT model folder that shape the forward pass."""

    layers: int
    heads: int
    hidden: int
    eps: float
    max_tokens: int
    lowercase: bool
    prefix: str

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


def supports(path: Path) -> str | None:
    """None when the folder at ``path`` can run here, else the reason it cannot (use sentence-transformers)."""
    try:
        model_config(Path(path))
    except (ModelError, OSError, ValueError, KeyError, TypeError) as exc:
        return str(exc)
    return None


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def model_config(path: Path) -> BertConfig:
    """The model's forward-pass settings; ModelError when it is not a mean-pooled BERT in safetensors."""
    config = _read_json(path / "config.json")
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise ModelError("not a BERT model with erf GELU")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise ModelError("not absolute position embeddings")
    if not (path / SAFETENSORS).is_file() or not (path / "tokenizer.json").is_file():
        raise ModelError(f"no {SAFETENSORS} or tokenizer.json")
    _check_modules(path)
    st_config = _read_json(path / "sentence_bert_config.json")
    limit = min(int(st_config.get("max_seq_length") or 512), int(config["max_position_embeddings"]))
    header = _header(path / SAFETENSORS)
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in header else ""
    if f"{prefix}embeddings.word_embeddings.weight" not in header:
        raise ModelError("the weights are not a BertModel's")
    return BertConfig(
        int(config["num_hidden_layers"]),
        int(config["num_attention_heads"]),
        int(config["hidden_size"]),
        float(config.get("layer_norm_eps", 1e-12)),
        limit,
        bool(st_config.get("do_lower_case", False)),
        prefix,
    )


def _check_modules(path: Path) -> None:
    modules = [m.get("type", "").rsplit(".", 1)[-1] for m in _read_json(path / "modules.json") or []]
    if modules[:2] != ["Transformer", "Pooling"] or any(m != "Normalize" for m in modules[2:]):
        raise ModelError(f"modules {modules} are not Transformer, Pooling[, Normalize]")
    pooling = next(m for m in _read_json(path / "modules.json") if m["type"].endswith("Pooling"))
    modes = {
        k
        for k, v in _read_json(path / pooling.get("path", "") / "config.json").items()
        if k.startswith("pooling_mode") and v
    }
    if modes != {"pooling_mode_mean_tokens"}:
        raise ModelError(f"pooling {sorted(modes)} is not mean pooling")


def _header(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        header: dict[str, Any] = json.loads(fh.read(size))
    header.pop("__metadata__", None)
    return header


def load_tensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a read-only numpy view of one memory map."""
    header = _header(path)
    raw = np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))
    start = 8 + int.from_bytes(bytes(raw[:8]), "little")
    tensors = {}
    for name, meta in header.items():
        dtype = DTYPES.get(meta["dtype"])
        if dtype is None:
            raise ModelError(f"tensor {name} has dtype {meta['dtype']}, which the numpy encoder cannot read")
        begin, end = meta["data_offsets"]
        tensors[name] = raw[start + begin : start + end].view(dtype).reshape(meta["shape"])
    return tensors


class _Layer:
    """One encoder layer's weights, laid out for ``x @ w`` products."""

    def __init__(self, t: dict[str, np.ndarray], p: str) -> None:
        att = f"{p}attention."
        names = ("query", "key", "value")
        self.qkv_w = np.concatenate([t[f"{att}self.{n}.weight"] for n in names]).astype(np.float32).T
        self.qkv_b = np.concatenate([t[f"{att}self.{n}.bias"] for n in names]).astype(np.float32)
        self.out_w, self.out_b = _dense(t, f"{att}output.dense")
        self.ln1 = _norm(t, f"{att}output.LayerNorm")
        self.up_w, self.up_b = _dense(t, f"{p}intermediate.dense")
        self.down_w, self.down_b = _dense(t, f"{p}output.dense")
        self.ln2 = _norm(t, f"{p}output.LayerNorm")


def _dense(t: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(in, out)`` weight (a transposed view, which BLAS reads as is) and bias of a Linear layer."""
    return _f32(t[f"{name}.weight"]).T, _f32(t[f"{name}.bias"])


def _norm(t: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    return _f32(t[f"{name}.weight"]), _f32(t[f"{name}.bias"])


def _f32(a: np.ndarray) -> np.ndarray:
    """A plain float32 ndarray view (a copy only for half-precision weights)."""
    return np.asarray(a).astype(np.float32, copy=False)


def _layer_norm(x: np.ndarray, weight_bias: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.einsum("...i,...i->...", centred, centred)[..., None] / x.shape[-1]
    centred *= 1.0 / np.sqrt(var + eps)
    centred *= weight_bias[0]
    centred += weight_bias[1]
    return np.asarray(centred, dtype=np.float32)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, in place: ``x * (1 + erf(x / sqrt 2)) / 2``."""
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1.0 / (1.0 + _ERF_P * z)
    poly = t * (_ERF_A[0] + t * (_ERF_A[1] + t * (_ERF_A[2] + t * (_ERF_A[3] + t * _ERF_A[4]))))
    erf = 1.0 - poly * np.exp(-z * z)
    erf = np.copysign(erf, x, out=erf)
    erf += 1.0
    x *= erf
    x *= 0.5
    return x


class NumpyEmbedder:
    """The Embedder protocol over a numpy BERT forward pass: no torch, loads in milliseconds."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = DEFAULT_FAST_BATCH) -> None:
        info = resolve_model(name)
        self.name, self.fingerprint, self.batch_size = info.name, info.fingerprint, batch_size
        try:
            self.config = model_config(info.path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot read the model at {info.path}: {exc}") from None
        self.dim = self.config.hidden
        self._tokenizer = tokenizer(info.path, self.config.max_tokens)
        self._tensors = tensors = load_tensors(info.path / SAFETENSORS)
        p = self.config.prefix
        self._words = tensors[f"{p}embeddings.word_embeddings.weight"]
        self._positions = tensors[f"{p}embeddings.position_embeddings.weight"]
        self._type0 = tensors[f"{p}embeddings.token_type_embeddings.weight"][0]
        self._ln0 = _norm(tensors, f"{p}embeddings.LayerNorm")
        self._layers = [_Layer(tensors, f"{p}encoder.layer.{i}.") for i in range(self.config.layers)]

    def encode(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        texts = [t.lower() for t in texts] if self.config.lowercase else list(texts)
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            out[rows] = self._run([ids[i] for i in rows])
            if progress is not None:
                progress(len(rows))
        return out

    def encode_tokens(self, texts: list[str], progress: Progress | None = None) -> list[TokenVectors]:
        """Each text's tokens and the last layer's vector of each (before pooling), one text at a time."""
        texts = [t.lower() for t in texts] if self.config.lowercase else list(texts)
        out = []
        for encoding in self._tokenizer.encode_batch(texts):
            hidden = self._run_hidden([encoding.ids])[0]
            out.append(TokenVectors(list(encoding.tokens), np.asarray(hidden, dtype=np.float32)))
            if progress is not None:
                progress(1)
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        return self._forward(*_padded(batch))

    def _run_hidden(self, batch: list[list[int]]) -> np.ndarray:
        tokens, mask = _padded(batch)
        return self._hidden(tokens, mask)

    def _forward(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of a padded batch of token ids."""
        x = self._hidden(tokens, mask)
        weights = mask.astype(np.float32)
        summed = np.einsum("bt,btd->bd", weights, x)
        pooled = summed / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def _hidden(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's token vectors of a padded batch of token ids (batch x tokens x hidden)."""
        batch, width = tokens.shape
        mask = mask.astype(np.float32)
        x = self._words[tokens] + (self._positions[:width] + self._type0)
        x = _layer_norm(x.reshape(-1, self.dim), self._ln0, self.config.eps)
        bias = None if mask.all() else ((mask - 1.0) * np.float32(1e30))[:, None, None, :]
        with blas_threads(1):  # see blas.py; numpy's elementwise steps are single-threaded anyway
            for layer in self._layers:
                x = self._layer(layer, x, bias, batch)
        return x.reshape(batch, width, self.dim)

    def _layer(self, layer: _Layer, x: np.ndarray, bias: np.ndarray | None, b: int) -> np.ndarray:
        """One encoder layer over ``x`` of shape (batch * tokens, hidden)."""
        c = self.config
        t = x.shape[0] // b
        qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(b, t, 3, c.heads, c.head_dim).transpose(2, 0, 3, 1, 4)
        scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
        scores *= np.float32(1.0 / np.sqrt(c.head_dim))
        if bias is not None:
            scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * t, c.hidden)
        attended = context @ layer.out_w
        attended += layer.out_b
        attended += x
        x = _layer_norm(attended, layer.ln1, c.eps)
        hidden = x @ layer.up_w
        hidden += layer.up_b
        out = gelu(hidden) @ layer.down_w
        out += layer.down_b
        out += x
        return _layer_norm(out, layer.ln2, c.eps)


def _padded(batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded with 0 to the longest, and the attention mask (int64, batch x tokens)."""
    width = max(len(ids) for ids in batch)
    tokens = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, ids in enumerate(batch):
        tokens[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return tokens, mask


class QueryEncoder(NumpyEmbedder):
    """The numpy encoder, which a long-lived process upgrades to ONNX Runtime in the background.

    After ``warm_after`` calls to ``encode`` (a chat server, the Python API, a batch of questions; never a
    single `notesbot ask`), a thread writes the same network as an ONNX graph (:mod:`notesbot.onnx_graph`)
    and opens an ONNX Runtime session on it, which encodes a question about twice as fast. Until the session
    is ready, and for good when `onnx` or onnxruntime is missing or the session disagrees with numpy on a
    probe text, numpy answers. :meth:`upgrade` does it now.
    """

    def __init__(self, name: str = DEFAULT_MODEL, warm_after: int | None = DEFAULT_WARM_AFTER) -> None:
        super().__init__(name)
        self.warm_after = warm_after
        self.upgrade_error: str | None = None
        self._session: Any = None
        self._calls = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def runtime(self) -> str:
        return "onnxruntime" if self._session is not None else "numpy"

    def encode(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        self._calls += 1
        if self.warm_after is not None and self._calls >= self.warm_after and self._thread is None:
            self._start()
        return super().encode(texts, progress)

    def upgrade(self, timeout: float | None = None) -> bool:
        """Build the ONNX Runtime session now (or wait for the background build); True when it is in use."""
        self._start()
        assert self._thread is not None
        self._thread.join(timeout)
        return self._session is not None

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        out = self._run_session(batch, "vectors")
        return super()._run(batch) if out is None else out

    def _run_hidden(self, batch: list[list[int]]) -> np.ndarray:
        out = self._run_session(batch, "hidden")
        return super()._run_hidden(batch) if out is None else out

    def _run_session(self, batch: list[list[int]], output: str) -> np.ndarray | None:
        """The ONNX Runtime session's ``output`` for ``batch``; None while numpy answers."""
        session = self._session
        if session is None:
            return None
        tokens, mask = _padded(batch)
        return np.asarray(session.run([output], {"ids": tokens, "mask": mask})[0], dtype=np.float32)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                probe = _padded([self._tokenizer.encode("A probe: does ONNX Runtime agree with numpy?").ids])
                expected = self._forward(*probe)  # here, not in the thread: blas_threads is process-wide
                self._thread = threading.Thread(
                    target=self._build, args=(probe, expected), daemon=True, name="notesbot-onnx-upgrade"
                )
                self._thread.start()
                atexit.register(self._thread.join, 30)  # never tear the interpreter down mid-build

    def _build(self, probe: tuple[np.ndarray, np.ndarray], expected: np.ndarray) -> None:
        try:
            session = _session(self._tensors, self.config)
            got = session.run(None, {"ids": probe[0], "mask": probe[1]})[0]
            agreement = float(np.sum(expected * got))
            if agreement < 0.99999:
                raise ModelError(f"ONNX Runtime disagrees with numpy (cosine {agreement:.6f})")
            self._session = session
        except Exception as exc:  # anything: numpy keeps answering
            self.upgrade_error = f"{type(exc).__name__}: {exc}"


def _session(tensors: dict[str, np.ndarray], config: BertConfig) -> Any:
    import onnxruntime as ort

    from . import onnx_graph

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # like numpy: one question is too small to share out, see blas.py
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(onnx_graph.build(tensors, config), options, providers=["CPUExecutionProvider"])


def fast_query_encoder(name: str, embedder: object | None, fingerprint: object) -> QueryEncoder | None:
    """The numpy runtime of model ``name`` to encode questions with, or None to keep ``embedder``.

    It stands in only for the reference embedder (``embedder`` None or a SentenceTransformerEmbedder),
    only for the very weights the index names (``fingerprint``), and only when :func:`supports` the folder.
    """
    from .embedding import SentenceTransformerEmbedder

    if embedder is not None and not isinstance(embedder, SentenceTransformerEmbedder):
        return None
    info = resolve_model(name)
    if info.fingerprint != fingerprint or supports(info.path) is not None:
        return None
    return QueryEncoder(name)


def tokenizer(path: Path, max_tokens: int) -> Any:
    """The model's `tokenizers` tokenizer, unpadded, truncating at ``max_tokens`` like sentence-transformers."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


__all__ = [
    "DEFAULT_FAST_BATCH",
    "DEFAULT_WARM_AFTER",
    "BertConfig",
    "NumpyEmbedder",
    "QueryEncoder",
    "fast_query_encoder",
    "gelu",
    "load_tensors",
    "model_config",
    "supports",
    "tokenizer",
]
