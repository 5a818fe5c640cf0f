"""The dense index: numpy flat search equals FAISS, the switch to HNSW, its recall, and damage detection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from notesbot import dense_index
from notesbot.dense_index import FlatIndex


def _clustered(n: int, d: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around 50 centres: neighbourhoods like text embeddings have, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, d))
    x = centres[rng.integers(0, 50, n)] + 0.6 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_flat_search_equals_faiss_exact_search() -> None:
    import faiss

    vectors, queries = _clustered(3000), _clustered(40, seed=1)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    want_scores, want_ids = exact.search(queries, 10)
    got_scores, got_ids = FlatIndex(vectors).search(queries, 10)
    assert np.array_equal(got_ids, want_ids)
    assert np.allclose(got_scores, want_scores, atol=1e-5)


def test_ties_resolve_by_position_and_short_indexes_pad_with_minus_one() -> None:
    vectors = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=np.float32)
    scores, ids = FlatIndex(vectors).search(np.array([1, 0], dtype=np.float32), 6)
    assert ids[0].tolist() == [0, 2, 3, 1, -1, -1]
    assert scores[0, :4].tolist() == [1, 1, 1, 0]
    assert FlatIndex(vectors[:0]).search(np.array([1, 0], dtype=np.float32), 2)[1].tolist() == [[-1, -1]]


def test_the_index_turns_approximate_at_the_threshold_with_high_recall(tmp_path: Path) -> None:
    vectors, queries = _clustered(5000), _clustered(100, seed=2)
    assert dense_index.describe(dense_index.build(vectors, threshold=5001))["kind"] == "flat"
    approximate = dense_index.build(vectors, threshold=5000)
    assert dense_index.describe(approximate)["kind"] == "hnsw"
    dense_index.save(tmp_path, approximate)
    loaded = dense_index.load(tmp_path, vectors)
    assert loaded.hnsw.efSearch == dense_index.describe(approximate)["ef_search"]
    _, exact = FlatIndex(vectors).search(queries, 10)
    _, found = loaded.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)])
    assert recall >= 0.95


def test_an_exact_index_loads_without_faiss_and_checks_its_file(tmp_path: Path) -> None:
    vectors = _clustered(200)
    dense_index.save(tmp_path, dense_index.build(vectors))
    assert isinstance(dense_index.load(tmp_path, vectors), FlatIndex)
    (tmp_path / "dense.json").unlink()  # indexes written before dense.json: recognised by the file's tag
    assert isinstance(dense_index.load(tmp_path, vectors), FlatIndex)
    with pytest.raises(ValueError):
        dense_index.load(tmp_path, vectors[:100])
    path = tmp_path / dense_index.FAISS_FILE
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(ValueError):
        dense_index.load(tmp_path, vectors)
