"""Save, load and validate the index folder: FAISS vectors, BM25, chunk store and manifest."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import bm25_arrays, dense_index
from .config import FORMAT_VERSION
from .errors import IndexError_, IndexLockedError
from .late import LATE_DIM
from .text import terms
from .types import Chunk

MANIFEST = "manifest.json"
LOCK = ".lock"
LOCK_POLL = 0.1  # seconds between tries of a lock another process holds
TOKENS_FILE = "token_vectors.npy"  # int8 token vectors for late interaction, when the index has them


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
    skipped: dict[str, list[int]] = field(default_factory=dict)  # notes that could not be read: size, mtime_ns

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
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        if not isinstance(d.get("model"), dict) or not isinstance(d.get("chunker"), dict):
            raise IndexError_("manifest is damaged (its model or chunker is not a JSON object)")
        try:
            files = {k: FileEntry(**v) for k, v in d["files"].items()}
            return cls(
                d["model"],
                d["chunker"],
                files,
                str(d["data"]),
                int(d["n_chunks"]),
                int(d["format_version"]),
                list(d.get("warnings", [])),
                dict(d.get("extra_files", {})),
                {str(k): [int(x) for x in v] for k, v in d.get("skipped", {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexError_(f"manifest is damaged ({exc!r})") from None


@dataclass
class Contents:
    """What an index holds besides its search structures: chunks, texts, glossary and vectors."""

    chunks: list[Chunk]
    keys: list[str]
    vectors: np.ndarray
    texts: list[str]
    glossary: dict[str, Any] = field(default_factory=dict)
    sentence_keys: list[list[str]] = field(default_factory=list)
    sentence_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    token_counts: list[int] = field(default_factory=list)  # each chunk's stored token vectors (late interaction)
    token_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int8))


@dataclass
class Index:
    """A loaded index: its contents and the FAISS and BM25 structures over the chunks."""

    manifest: Manifest
    contents: Contents
    faiss: Any
    bm25: Any

    @property
    def chunks(self) -> list[Chunk]:
        return self.contents.chunks

    @property
    def keys(self) -> list[str]:
        return self.contents.keys

    @property
    def vectors(self) -> np.ndarray:
        return self.contents.vectors

    @property
    def glossary(self) -> dict[str, Any]:
        return self.contents.glossary

    def sentence_rows(self, chunk: int) -> range:
        """Rows of ``contents.sentence_vectors`` that hold the sentences of chunk number ``chunk``."""
        return range(int(self._offsets[chunk]), int(self._offsets[chunk + 1]))

    @cached_property
    def sorted_terms(self) -> list[str]:
        """BM25's vocabulary in order, for finding the terms that start with a given one."""
        return sorted(self.bm25.vocab_dict)

    @property
    def has_tokens(self) -> bool:
        """Whether the index stores token vectors for late interaction."""
        return len(self.contents.token_vectors) > 0

    def __post_init__(self) -> None:
        self._offsets = _row_offsets([len(keys) for keys in self.contents.sentence_keys], len(self.chunks))
        self.token_offsets = _row_offsets(self.contents.token_counts, len(self.chunks))


def _row_offsets(counts: list[int], n_chunks: int) -> np.ndarray:
    """Where each chunk's rows start in an array of per-chunk rows (``counts`` empty: none for any chunk)."""
    return np.concatenate([[0], np.cumsum(counts or [0] * n_chunks)]).astype(np.int64)


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
    chunks, keys, sentence_keys, token_counts = _read_chunks(data / "chunks.jsonl")
    vectors = _read_vectors(data / "vectors.npy")
    sentence_vectors = _read_vectors(data / "sentence_vectors.npy")
    token_vectors = (
        _read_vectors(data / TOKENS_FILE, np.int8, LATE_DIM) if any(token_counts) else np.zeros((0, 0), dtype=np.int8)
    )
    glossary = _read_json(data / "glossary.json")
    contents = Contents(
        chunks, keys, vectors, [], glossary, sentence_keys, sentence_vectors, token_counts, token_vectors
    )
    dense = _read_faiss(data, vectors)
    bm25 = _read_bm25(data / "bm25")
    _check_counts(manifest, contents, dense, bm25)
    return Index(manifest, contents, dense, bm25)


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
        raise IndexError_(
            f"the index is in format {manifest.format_version}; this notesbot reads format {FORMAT_VERSION}"
        )
    if "/" in manifest.data or manifest.data.startswith(".") or not manifest.data:
        raise IndexError_("manifest names a bad data folder")
    data = folder / manifest.data
    if not data.is_dir():
        raise IndexError_(f"index data folder {data} is missing")
    return data


def _read_chunks(path: Path) -> tuple[list[Chunk], list[str], list[list[str]], list[int]]:
    chunks, keys, sentence_keys, token_counts = [], [], [], []
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                keys.append(str(record.pop("key")))
                sentence_keys.append([str(k) for k in record.pop("sentence_keys")])
                token_counts.append(int(record.pop("tokens", 0)))
                chunks.append(Chunk.from_dict(record))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise IndexError_(f"chunk store {path} is damaged ({exc})") from None
    if any(n < 0 for n in token_counts):
        raise IndexError_(f"chunk store {path} is damaged (a negative token count)")
    return chunks, keys, sentence_keys, token_counts


def _read_vectors(path: Path, dtype: type = np.float32, width: int | None = None) -> np.ndarray:
    """A memory-mapped 2-D array of ``dtype`` (and ``width`` columns, when given); IndexError_ otherwise."""
    try:
        vectors = np.load(path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, EOFError) as exc:
        raise IndexError_(f"vectors {path} are damaged ({exc})") from None
    if vectors.ndim != 2 or vectors.dtype != dtype or (width is not None and vectors.shape[1] != width):
        raise IndexError_(f"vectors {path} have the wrong shape or type")
    return np.asarray(vectors)  # still the memory map, typed for mypy


def _read_faiss(data: Path, vectors: np.ndarray) -> Any:
    """The dense index: numpy over the mapped vectors when exact (no FAISS import), else FAISS's."""
    path = data / dense_index.FAISS_FILE
    if not path.is_file():
        raise IndexError_(f"FAISS index {path} is missing")
    try:
        return dense_index.load(data, vectors)
    except (OSError, ValueError, UnicodeDecodeError, RuntimeError) as exc:
        raise IndexError_(f"FAISS index {path} is damaged ({str(exc).splitlines()[0]})") from None


def _read_bm25(path: Path) -> Any:
    """The BM25 index, read with numpy alone when bm25s's score matrix holds all of it."""
    try:
        if bm25_arrays.readable(path):
            return bm25_arrays.Bm25Arrays.load(path)
        import bm25s

        return bm25s.BM25.load(str(path), load_corpus=False, mmap=False, allow_pickle=False)
    except Exception as exc:  # bm25s raises OSError, ValueError, JSON errors...
        raise IndexError_(f"BM25 index {path} is damaged ({type(exc).__name__})") from None


def _check_counts(manifest: Manifest, contents: Contents, dense: Any, bm25: Any) -> None:
    sizes = {
        "manifest": manifest.n_chunks,
        "chunks": len(contents.chunks),
        "vectors": len(contents.vectors),
        "faiss": int(dense.ntotal),
        "bm25": int(bm25.scores["num_docs"]),
    }
    if len(set(sizes.values())) != 1:
        raise IndexError_(f"index parts disagree on the number of chunks: {sizes}")
    dim = manifest.model.get("dim")
    if contents.vectors.shape[1] != dim or dense.d != dim:
        raise IndexError_("index vectors do not have the model's dimension")
    wanted = sum(len(k) for k in contents.sentence_keys)
    if len(contents.sentence_vectors) != wanted or (wanted and contents.sentence_vectors.shape[1] != dim):
        raise IndexError_("sentence vectors do not match the chunk store")
    if len(contents.token_vectors) != sum(contents.token_counts):
        raise IndexError_("token vectors do not match the chunk store")


def build_faiss(vectors: np.ndarray) -> Any:
    """A FAISS inner-product index over ``vectors`` (already L2-normalised): exact up to
    ``DEFAULT_APPROX_THRESHOLD`` chunks, HNSW beyond (see :mod:`notesbot.dense_index`)."""
    return dense_index.build(vectors)


def build_bm25(texts: list[str]) -> Any:
    """A bm25s index over the analyzer's terms of ``texts`` (``chunking.bm25_text`` of each chunk)."""
    import bm25s

    bm25 = bm25s.BM25()
    tokens = [terms(t) or [""] for t in texts]
    bm25.index(tokens, show_progress=False)
    return bm25


def save(folder: Path, manifest: Manifest, contents: Contents, bm25_texts: list[str]) -> Index:
    """Write a complete new data folder, then switch the manifest to it in one atomic rename; BM25 indexes
    ``bm25_texts``, one for each chunk."""
    folder = _make_folder(folder)
    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir()
    dense = build_faiss(contents.vectors)
    bm25 = build_bm25(bm25_texts)
    _write_data(tmp, contents, dense, bm25)
    os.replace(tmp, folder / name)
    manifest = replace(manifest, data=name, n_chunks=len(contents.chunks))
    write_manifest(folder, manifest)
    remove_stale(folder, keep=name)
    return Index(manifest, contents, dense, bm25)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the manifest of ``folder`` in one atomic rename; the data folder it names must be there."""
    # ASCII escapes keep a skipped file's name that is not valid UTF-8 (a lone surrogate) writable
    _write_atomic(Path(folder) / MANIFEST, json.dumps(manifest.to_dict(), indent=2) + "\n")
    _fsync_dir(Path(folder))


def _write_data(tmp: Path, contents: Contents, dense: Any, bm25: Any) -> None:
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        counts = contents.token_counts or [0] * len(contents.chunks)
        for chunk, key, sentence_keys, tokens in zip(contents.chunks, contents.keys, contents.sentence_keys, counts):
            record = {**chunk.to_dict(), "key": key, "sentence_keys": sentence_keys, "tokens": tokens}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        _flush(fh)
    _write_npy(tmp / "vectors.npy", contents.vectors)
    _write_npy(tmp / "sentence_vectors.npy", contents.sentence_vectors)
    if len(contents.token_vectors):
        _write_npy(tmp / TOKENS_FILE, contents.token_vectors, np.int8)
    (tmp / "glossary.json").write_text(json.dumps(contents.glossary, ensure_ascii=False, indent=1), encoding="utf-8")
    dense_index.save(tmp, dense)
    bm25.save(str(tmp / "bm25"))
    _fsync_dir(tmp)


def _write_npy(path: Path, array: np.ndarray, dtype: type = np.float32) -> None:
    with path.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
        _flush(fh)


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


def check_folder(folder: Path) -> Path:
    """``folder`` as a Path; IndexError_ when it names a file rather than a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise IndexError_(
            f"the index path {folder} is a file, not a folder: point index= / --index at a folder or a new name"
        )
    return folder


def _make_folder(folder: Path) -> Path:
    """``folder``, created when missing; IndexError_ when it is a file or cannot be created."""
    folder = check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexError_(
            f"cannot create the index folder {folder} ({exc.strerror or exc}): point index= / --index at another folder"
        ) from None
    return folder


@contextmanager
def lock(folder: Path, wait: float = 0.0, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the build lock of ``folder``. When another process has it, wait up to ``wait`` seconds for it
    (calling ``waiting`` once when the wait begins), then raise IndexLockedError."""
    folder = _make_folder(folder)
    with (folder / LOCK).open("a") as fh:
        _acquire(fh, folder, wait, waiting)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _acquire(fh: Any, folder: Path, wait: float, waiting: Callable[[], None] | None) -> None:
    """Take the lock on ``fh``, trying every LOCK_POLL seconds for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                waited = f" (waited {wait:g} s)" if wait else ""
                raise IndexLockedError(
                    f"another notesbot process is building the index in {folder}{waited}; wait for it to finish"
                ) from None
        if waiting is not None:
            waiting()
            waiting = None
        time.sleep(LOCK_POLL)


__all__ = [
    "Contents",
    "FileEntry",
    "Index",
    "Manifest",
    "build_bm25",
    "build_faiss",
    "check_folder",
    "load",
    "lock",
    "read_manifest",
    "save",
    "write_manifest",
]
