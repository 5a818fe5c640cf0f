"""Read a saved bm25s index with numpy alone, so asking a question never imports bm25s (and its scipy, numba).

bm25s stores the BM25 score of every (term, document) pair in a CSC matrix (``data``, ``indices``,
``indptr``); a query's scores are the sums of its terms' columns. :class:`Bm25Arrays` exposes the same
attributes and ``get_scores`` as ``bm25s.BM25`` and computes the sums the same way, in the same order,
so the scores are bit-identical. Indexes that need more than the matrix (the BM25L and BM25+ variants
store a non-occurrence array) are left to bm25s: :func:`readable` says which.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

PARAMS = "params.index.json"
VOCAB = "vocab.index.json"
ARRAYS = {"data": "data.csc.index.npy", "indices": "indices.csc.index.npy", "indptr": "indptr.csc.index.npy"}
NONOCCURRENCE = "nonoccurrence_array.index.npy"
MATRIX_ONLY_METHODS = ("lucene", "robertson", "atire")


def readable(folder: Path) -> bool:
    """True when the index in ``folder`` is fully described by its score matrix."""
    folder = Path(folder)
    if (folder / NONOCCURRENCE).exists():
        return False
    try:
        params = json.loads((folder / PARAMS).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return True  # let load() report the damage
    return isinstance(params, dict) and params.get("method", "lucene") in MATRIX_ONLY_METHODS


class Bm25Arrays:
    """A loaded bm25s index: ``vocab_dict``, ``scores`` (the CSC arrays and ``num_docs``) and ``get_scores``."""

    def __init__(self, scores: dict[str, Any], vocab_dict: dict[str, int], params: dict[str, Any]) -> None:
        self.scores = scores
        self.vocab_dict = vocab_dict
        self.params = params
        self.dtype = np.dtype(params.get("dtype", "float32"))

    @classmethod
    def load(cls, folder: Path) -> Bm25Arrays:
        """The index saved in ``folder``; arrays are memory-mapped. OSError or ValueError when damaged."""
        folder = Path(folder)
        params = json.loads((folder / PARAMS).read_text(encoding="utf-8"))
        vocab = json.loads((folder / VOCAB).read_text(encoding="utf-8"))
        if not isinstance(params, dict) or not isinstance(vocab, dict):
            raise ValueError("params or vocabulary is not a JSON object")
        scores: dict[str, Any] = {k: np.load(folder / f, mmap_mode="r", allow_pickle=False) for k, f in ARRAYS.items()}
        scores["num_docs"] = int(params["num_docs"])
        _check(scores, len(vocab))
        return cls(scores, {str(k): int(v) for k, v in vocab.items()}, params)

    def get_tokens_ids(self, tokens: list[str]) -> list[int]:
        return [self.vocab_dict[t] for t in tokens if t in self.vocab_dict]

    def get_scores(self, tokens: list[str] | list[int]) -> np.ndarray:
        """BM25 score of every document for the query ``tokens`` (terms, or their ids); unknown terms add 0."""
        ids = [
            t if isinstance(t, int) else self.vocab_dict[t]
            for t in tokens
            if isinstance(t, int) or t in self.vocab_dict
        ]
        data, indices, indptr = self.scores["data"], self.scores["indices"], self.scores["indptr"]
        if ids and max(ids) >= len(indptr) - 1:
            raise ValueError(f"term id {max(ids)} is not in the index")
        out = np.zeros(self.scores["num_docs"], dtype=self.dtype)
        for tid in ids:
            start, end = int(indptr[tid]), int(indptr[tid + 1])
            np.add.at(out, indices[start:end], data[start:end])
        return out


def _check(scores: dict[str, Any], vocab_size: int) -> None:
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    if data.ndim != 1 or indices.shape != data.shape or indptr.ndim != 1 or len(indptr) < 1:
        raise ValueError("score arrays have the wrong shapes")
    if int(indptr[-1]) != len(data) or len(indptr) < vocab_size:  # bm25s keeps no column for its "" term
        raise ValueError("score arrays do not match the vocabulary")


__all__ = ["Bm25Arrays", "readable"]
