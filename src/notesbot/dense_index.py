"""The dense part of the index: exact inner-product search up to a size, approximate FAISS HNSW beyond it.

Below ``DEFAULT_APPROX_THRESHOLD`` vectors the index is a FAISS ``IndexFlatIP``; loading it for a query
skips FAISS altogether and searches the memory-mapped ``vectors.npy`` with numpy (:class:`FlatIndex`),
which gives the same top-k without importing FAISS or copying the vectors. From the threshold on it is an
``IndexHNSWFlat`` (inner product), memory-mapped when loaded and searched with ``efSearch`` from
``dense.json``, the file that describes the dense index next to ``faiss.index``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .blas import blas_threads
from .config import DEFAULT_APPROX_THRESHOLD, DEFAULT_HNSW_EF_CONSTRUCTION, DEFAULT_HNSW_EF_SEARCH, DEFAULT_HNSW_M

FAISS_FILE = "faiss.index"
PARAMS_FILE = "dense.json"
FLAT, HNSW = "flat", "hnsw"
_FLAT_FOURCC = b"IxFI"  # faiss's tag of a serialised IndexFlatIP
_FLAT_HEADER = 4 + 4 + 8 + 8 + 8 + 1 + 4 + 8  # fourcc, d, ntotal, 2 dummies, is_trained, metric, code count


class FlatIndex:
    """Exact inner-product search over an (n, d) float32 array, with FAISS's ``search`` signature."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.ntotal, self.d = int(vectors.shape[0]), int(vectors.shape[1])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ids of the top ``k`` rows for each query, best first; ids -1 past the end."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.d)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if self.ntotal == 0 or k <= 0:
            return scores, ids
        with blas_threads(1):
            products = queries @ np.asarray(self.vectors).T
        for row, product in enumerate(products):
            top = _top(product, k)
            scores[row, : len(top)], ids[row, : len(top)] = product[top], top
        return scores, ids


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first, ties broken by position."""
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        kth = scores[part].min()
        part = np.flatnonzero(scores >= kth)  # every tie of the k-th score, so ties resolve by position
    else:
        part = np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")][:k]


def kind_for(n: int, threshold: int = DEFAULT_APPROX_THRESHOLD) -> str:
    """``flat`` below ``threshold`` vectors, ``hnsw`` from it on."""
    return HNSW if n >= threshold else FLAT


def build(
    vectors: np.ndarray,
    threshold: int = DEFAULT_APPROX_THRESHOLD,
    m: int = DEFAULT_HNSW_M,
    ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
    ef_search: int = DEFAULT_HNSW_EF_SEARCH,
) -> Any:
    """A FAISS index over ``vectors`` (L2-normalised): exact below ``threshold`` rows, HNSW from it on."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dense: Any
    if kind_for(len(vectors), threshold) == FLAT:
        dense = faiss.IndexFlatIP(vectors.shape[1])
    else:
        dense = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        dense.hnsw.efConstruction = ef_construction
        dense.hnsw.efSearch = ef_search
    if len(vectors):
        dense.add(vectors)
    return dense


def describe(dense: Any) -> dict[str, Any]:
    """What ``dense.json`` records of a FAISS index built by :func:`build`."""
    if hasattr(dense, "hnsw"):
        return {
            "kind": HNSW,
            "ntotal": int(dense.ntotal),
            "d": int(dense.d),
            "m": int(dense.hnsw.nb_neighbors(1)),
            "ef_construction": int(dense.hnsw.efConstruction),
            "ef_search": int(dense.hnsw.efSearch),
        }
    return {"kind": FLAT, "ntotal": int(dense.ntotal), "d": int(dense.d)}


def save(folder: Path, dense: Any) -> None:
    """Write ``faiss.index`` and its description ``dense.json`` into ``folder``."""
    import faiss

    faiss.write_index(dense, str(Path(folder) / FAISS_FILE))
    (Path(folder) / PARAMS_FILE).write_text(json.dumps(describe(dense), indent=1) + "\n", encoding="utf-8")


def load(folder: Path, vectors: np.ndarray) -> Any:
    """The dense index of data folder ``folder`` over its ``vectors``: a :class:`FlatIndex` (no FAISS import)
    for an exact index, else the FAISS index. OSError, ValueError or RuntimeError when a part is damaged."""
    folder = Path(folder)
    params_path = folder / PARAMS_FILE
    params = json.loads(params_path.read_text(encoding="utf-8")) if params_path.exists() else {}
    if not isinstance(params, dict):
        raise ValueError(f"{params_path} is not a JSON object")
    if params.get("kind", FLAT if _is_flat_file(folder / FAISS_FILE) else None) == FLAT:
        _check_flat_file(folder / FAISS_FILE, vectors)
        return FlatIndex(vectors)
    import faiss

    if not (folder / FAISS_FILE).is_file():
        raise OSError(f"{folder / FAISS_FILE} is missing")
    dense = faiss.read_index(str(folder / FAISS_FILE), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    if "ef_search" in params and hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = int(params["ef_search"])
    return dense


def _is_flat_file(path: Path) -> bool:
    """True when ``path`` starts with the tag of an exact FAISS index (indexes written before dense.json)."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == _FLAT_FOURCC
    except OSError:
        return False


def _check_flat_file(path: Path, vectors: np.ndarray) -> None:
    """Check the exact index file's tag and size against the vectors without reading it all."""
    n, d = vectors.shape
    with path.open("rb") as fh:
        head = fh.read(_FLAT_HEADER)
    if len(head) < _FLAT_HEADER or head[:4] != _FLAT_FOURCC:
        raise ValueError(f"{path} is not an exact FAISS index")
    stored_d = int.from_bytes(head[4:8], "little")
    stored_n = int.from_bytes(head[8:16], "little")
    if (stored_n, stored_d) != (n, d) or path.stat().st_size != _FLAT_HEADER + 4 * n * d:
        raise ValueError(f"{path} does not match the stored vectors")


__all__ = ["FLAT", "HNSW", "FlatIndex", "build", "describe", "kind_for", "load", "save"]
