"""Save, load and validate the index folder: FAISS vectors, BM25, chunk store and manifest."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .config import FORMAT_VERSION
from .errors import IndexError_, IndexLockedError
from .text import terms
from .types import Chunk

MANIFEST = "manifest.json"
LOCK = ".lock"


@dataclass(frozen=True)
class FileEntry:
    """What the manifest remembers of one note file."""

    sha256: str
    size: int
    mtime_ns: int

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "mtime_ns": self.mtime_ns}


@dataclass(frozen=True)
class Manifest:
    """The self-description of an index: format, model, chunker, files and data folder."""

    model: dict[str, Any]
    chunker: dict[str, Any]
    files: dict[str, FileEntry]
    data: str
    n_chunks: int
    format_version: int = FORMAT_VERSION
    warnings: list[str] = field(default_factory=list)
    extra_files: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "model": self.model,
            "chunker": self.chunker,
            "n_chunks": self.n_chunks,
            "data": self.data,
            "files": {k: v.to_dict() for k, v in sorted(self.files.items())},
            "warnings": self.warnings,
            "extra_files": self.extra_files,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        try:
            files = {k: FileEntry(**v) for k, v in d["files"].items()}
            return cls(d["model"], d["chunker"], files, str(d["data"]), int(d["n_chunks"]),
                       int(d["format_version"]), list(d.get("warnings", [])),
                       dict(d.get("extra_files", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexError_(f"manifest is damaged ({exc!r})") from None


@dataclass
class Index:
    """A loaded index: chunks, their vectors, and the FAISS and BM25 structures over them."""

    manifest: Manifest
    chunks: list[Chunk]
    keys: list[str]
    vectors: np.ndarray
    faiss: Any
    bm25: Any
    glossary: dict[str, Any] = field(default_factory=dict)


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of ``folder``, None when there is no index there yet."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise IndexError_(f"{path} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise IndexError_(f"{path} is not an index manifest")
    return Manifest.from_dict(data)


def load(folder: Path) -> Index:
    """Load and check the index in ``folder``; IndexError_ when it is missing or damaged."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexError_(f"no index in {folder}: run `notesbot index`")
    data = _data_dir(Path(folder), manifest)
    chunks, keys = _read_chunks(data / "chunks.jsonl")
    vectors = _read_vectors(data / "vectors.npy")
    dense = _read_faiss(data / "faiss.index")
    bm25 = _read_bm25(data / "bm25")
    glossary = _read_json(data / "glossary.json")
    _check_counts(manifest, chunks, vectors, dense, bm25)
    return Index(manifest, chunks, keys, vectors, dense, bm25, glossary)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise IndexError_(f"{path} is damaged ({exc})") from None
    if not isinstance(data, dict):
        raise IndexError_(f"{path} is damaged")
    return data


def _data_dir(folder: Path, manifest: Manifest) -> Path:
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(f"index format {manifest.format_version} is not {FORMAT_VERSION}")
    if "/" in manifest.data or manifest.data.startswith(".") or not manifest.data:
        raise IndexError_("manifest names a bad data folder")
    data = folder / manifest.data
    if not data.is_dir():
        raise IndexError_(f"index data folder {data} is missing")
    return data


def _read_chunks(path: Path) -> tuple[list[Chunk], list[str]]:
    chunks, keys = [], []
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                keys.append(str(record.pop("key")))
                chunks.append(Chunk.from_dict(record))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise IndexError_(f"chunk store {path} is damaged ({exc})") from None
    return chunks, keys


def _read_vectors(path: Path) -> np.ndarray:
    try:
        vectors = np.load(path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, EOFError) as exc:
        raise IndexError_(f"vectors {path} are damaged ({exc})") from None
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise IndexError_(f"vectors {path} have the wrong shape or type")
    return vectors


def _read_faiss(path: Path) -> Any:
    import faiss

    if not path.is_file():
        raise IndexError_(f"FAISS index {path} is missing")
    try:
        return faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexError_(f"FAISS index {path} is damaged ({str(exc).splitlines()[0]})") from None


def _read_bm25(path: Path) -> Any:
    import bm25s

    try:
        return bm25s.BM25.load(str(path), load_corpus=False, mmap=False, allow_pickle=False)
    except Exception as exc:  # bm25s raises OSError, ValueError, JSON errors...
        raise IndexError_(f"BM25 index {path} is damaged ({type(exc).__name__})") from None


def _check_counts(manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, dense: Any, bm25: Any) -> None:
    sizes = {
        "manifest": manifest.n_chunks,
        "chunks": len(chunks),
        "vectors": len(vectors),
        "faiss": int(dense.ntotal),
        "bm25": int(bm25.scores["num_docs"]),
    }
    if len(set(sizes.values())) != 1:
        raise IndexError_(f"index parts disagree on the number of chunks: {sizes}")
    if vectors.shape[1] != manifest.model.get("dim") or dense.d != vectors.shape[1]:
        raise IndexError_("index vectors do not have the model's dimension")


def build_faiss(vectors: np.ndarray) -> Any:
    """An exact inner-product FAISS index over ``vectors`` (already L2-normalised)."""
    import faiss

    dense = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return dense


def build_bm25(texts: list[str]) -> Any:
    """A bm25s index over the analyzer's terms of ``texts``."""
    import bm25s

    bm25 = bm25s.BM25()
    tokens = [terms(t) or [""] for t in texts]
    bm25.index(tokens, show_progress=False)
    return bm25


def save(folder: Path, manifest: Manifest, chunks: list[Chunk], keys: list[str], vectors: np.ndarray,
         texts: list[str], glossary: dict[str, Any]) -> Index:
    """Write a complete new data folder, then switch the manifest to it in one atomic rename.

    ``texts`` are what BM25 indexes for each chunk; ``glossary`` is stored beside them.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir()
    dense = build_faiss(vectors)
    bm25 = build_bm25(texts)
    _write_data(tmp, chunks, keys, vectors, dense, bm25)
    (tmp / "glossary.json").write_text(json.dumps(glossary, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / name)
    manifest = Manifest(manifest.model, manifest.chunker, manifest.files, name, len(chunks),
                        warnings=manifest.warnings, extra_files=manifest.extra_files)
    _write_atomic(folder / MANIFEST, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n")
    _fsync_dir(folder)
    remove_stale(folder, keep=name)
    return Index(manifest, chunks, keys, vectors, dense, bm25, glossary)


def _write_data(tmp: Path, chunks: list[Chunk], keys: list[str], vectors: np.ndarray, dense: Any, bm25: Any) -> None:
    import faiss

    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk, key in zip(chunks, keys):
            fh.write(json.dumps({**chunk.to_dict(), "key": key}, ensure_ascii=False) + "\n")
        _flush(fh)
    with (tmp / "vectors.npy").open("wb") as fh:
        np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        _flush(fh)
    faiss.write_index(dense, str(tmp / "faiss.index"))
    bm25.save(str(tmp / "bm25"))
    _fsync_dir(tmp)


def _flush(fh: Any) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        _flush(fh)
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale(folder: Path, keep: str) -> None:
    """Delete data folders and temporary files that the manifest no longer names."""
    for entry in Path(folder).iterdir():
        stale = entry.name.startswith("data-") and entry.name != keep
        if stale or entry.name.startswith(".tmp-") or entry.name.endswith(".tmp"):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


@contextmanager
def lock(folder: Path) -> Iterator[None]:
    """Hold the build lock of ``folder``; IndexLockedError when another process has it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another notesbot process is building the index in {folder}; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


__all__ = ["FileEntry", "Index", "Manifest", "build_bm25", "build_faiss", "load", "lock", "read_manifest", "save"]
