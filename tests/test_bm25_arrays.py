"""BM25 read with numpy alone scores exactly as bm25s does, and damage is still detected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from notesbot import NotesBot, index
from notesbot.bm25_arrays import Bm25Arrays, readable
from notesbot.text import terms

from .conftest import FakeEmbedder

QUERIES = ["Mao Stalin treaty", "the the war war war", "Great Leap Forward famine", "nuclear", "1958 Taiwan Strait"]


def _bm25_folder(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> Path:
    NotesBot(notes, tmp_path / "idx", embedder=fake).update()
    manifest = index.read_manifest(tmp_path / "idx")
    assert manifest is not None
    return tmp_path / "idx" / manifest.data / "bm25"


def test_scores_are_bit_identical_to_bm25s(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    import bm25s

    folder = _bm25_folder(notes, tmp_path, fake)
    ours, reference = Bm25Arrays.load(folder), bm25s.BM25.load(str(folder))
    assert ours.vocab_dict == reference.vocab_dict
    assert ours.scores["num_docs"] == reference.scores["num_docs"]
    for query in QUERIES:
        known = [t for t in terms(query) if t in ours.vocab_dict]
        assert known, query
        assert np.array_equal(ours.get_scores(known), reference.get_scores(known)), query
        assert ours.get_scores(known).dtype == np.float32


def test_loading_an_index_does_not_import_bm25s(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    folder = _bm25_folder(notes, tmp_path, fake)
    assert readable(folder)
    assert isinstance(index.load(tmp_path / "idx").bm25, Bm25Arrays)


def test_variants_with_a_non_occurrence_array_are_left_to_bm25s(tmp_path: Path) -> None:
    import bm25s

    model = bm25s.BM25(method="bm25+")
    model.index([["cold", "war"], ["great", "leap"], ["war", "treaty"]], show_progress=False)
    model.save(str(tmp_path / "bm25"))
    assert not readable(tmp_path / "bm25")


def test_damaged_arrays_raise(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    folder = _bm25_folder(notes, tmp_path, fake)
    indptr = np.load(folder / "indptr.csc.index.npy")
    np.save(folder / "indptr.csc.index.npy", indptr[:-5])
    with pytest.raises(ValueError):
        Bm25Arrays.load(folder)
