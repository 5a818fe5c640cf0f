"""A faster index-time embedder: the model exported once to ONNX, fused and int8-quantized, run by ONNX Runtime.

The export (torch, transformers, onnx and ONNX Runtime's transformer optimizer and quantizer) happens
once per model and is stored with its SHA-256 in ``<index>/models/<fingerprint>-int8/``; later builds
load it with onnxruntime and `tokenizers` only. Vectors are close to, not equal to, the reference's
(cosine about 0.99): see BENCHMARKS.md for the speed and the SciFact nDCG@10 it keeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .config import DEFAULT_MODEL
from .embedding import ModelInfo, Progress, offline, resolve_model
from .errors import ModelError
from .fast_embedding import BertConfig, model_config, tokenizer

DEFAULT_ONNX_BATCH = 32
MODEL_FILE = "model.onnx"
META_FILE = "export.json"
EXPORT_VERSION = 1
QUANTIZATION = {"weights": "int8", "per_channel": True, "reduce_range": False, "activations": "uint8 dynamic"}


def export_folder(info: ModelInfo, cache: Path) -> Path:
    return Path(cache) / f"{info.fingerprint}-int8"


def ensure_export(info: ModelInfo, cache: Path) -> Path:
    """The int8 ONNX model of ``info`` in ``cache``, exported now when missing or when its hash is wrong."""
    folder = export_folder(info, cache)
    if _valid(folder, info):
        return folder / MODEL_FILE
    tmp = folder.with_name(f".tmp-{folder.name}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True)
    try:
        _export(info, tmp)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder / MODEL_FILE


def _valid(folder: Path, info: ModelInfo) -> bool:
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        return bool(
            meta.get("version") == EXPORT_VERSION
            and meta.get("fingerprint") == info.fingerprint
            and meta.get("sha256") == _sha256(folder / MODEL_FILE)
        )
    except (OSError, ValueError, AttributeError):
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _export(info: ModelInfo, folder: Path) -> None:
    """Export (torch), fuse (ONNX Runtime's BERT optimizer) and quantize (dynamic int8) into ``folder``."""
    offline()
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers import optimizer
    except ImportError as exc:
        raise ModelError(f"the int8 index encoder needs onnx and onnxruntime ({exc}): pip install onnx") from None
    config = model_config(info.path)
    fp32 = folder / "fp32.onnx"
    _torch_export(info.path, fp32)
    fused = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=config.heads, hidden_size=config.hidden)
    fused.save_model_to_file(str(folder / "fused.onnx"))
    quantize_dynamic(
        str(folder / "fused.onnx"),
        str(folder / MODEL_FILE),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    for name in ("fp32.onnx", "fused.onnx"):
        (folder / name).unlink()
    meta = {
        "version": EXPORT_VERSION,
        "model": info.name,
        "fingerprint": info.fingerprint,
        "sha256": _sha256(folder / MODEL_FILE),
        "max_seq_length": config.max_tokens,
        "quantization": QUANTIZATION,
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _torch_export(path: Path, target: Path) -> None:
    """The Transformer + mean pooling + normalisation stack as one ONNX graph (ids, mask) -> vectors."""
    import torch
    from transformers import AutoModel

    # eager attention exports the MatMul/Softmax pattern that ONNX Runtime fuses into its Attention op
    bert = AutoModel.from_pretrained(str(path), attn_implementation="eager", local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    axes = {"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}, "vectors": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes: expected, the axes stay dynamic
        torch.onnx.export(
            Pooled(),
            example,
            str(target),
            input_names=["ids", "mask"],
            output_names=["vectors"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


class OnnxInt8Embedder:
    """The Embedder protocol over the int8 ONNX export; same name and fingerprint as the reference model."""

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        cache: Path | str = Path("index") / "models",
        batch_size: int = DEFAULT_ONNX_BATCH,
        threads: int | None = None,
    ) -> None:
        info = resolve_model(name)
        self.name, self.fingerprint, self.batch_size = info.name, info.fingerprint, batch_size
        self.config: BertConfig = model_config(info.path)
        self.dim = self.config.hidden
        self.path = ensure_export(info, Path(cache))
        self._tokenizer = tokenizer(info.path, self.config.max_tokens)
        self._session = _session(self.path, threads)

    def encode(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        texts = [t.lower() for t in texts] if self.config.lowercase else list(texts)
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            width = max(len(ids[i]) for i in rows)
            tokens = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                tokens[row, : len(ids[i])], mask[row, : len(ids[i])] = ids[i], 1
            out[rows] = self._session.run(None, {"ids": tokens, "mask": mask})[0]
            if progress is not None:
                progress(len(rows))
        return out


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    # waiting threads sleep instead of spinning: on a busy machine spinning steals the cores doing the work
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


__all__ = ["DEFAULT_ONNX_BATCH", "OnnxInt8Embedder", "ensure_export", "export_folder"]
