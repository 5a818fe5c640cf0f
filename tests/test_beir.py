"""The BEIR reader, its note files, and the BEIR eval on a tiny dataset (gzip and plain)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from notesbot import Settings, beir
from notesbot.errors import CorpusError
from notesbot.evaluation import beir_ranking, eval_beir
from notesbot.types import Passage

from .conftest import DATA, FakeEmbedder

TINY = DATA / "beir-tiny"


@pytest.fixture(params=["plain", "gz"])
def tiny(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The tiny BEIR folder, with its corpus as corpus.jsonl or as corpus.jsonl.gz."""
    folder = tmp_path / "beir-tiny"
    shutil.copytree(TINY, folder)
    if request.param == "gz":
        plain = folder / "corpus.jsonl"
        (folder / "corpus.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    return folder


def test_load_reads_corpus_queries_and_graded_qrels(tiny: Path) -> None:
    data = beir.load(tiny)
    assert data.name == "beir-tiny"
    assert data.docs["d1"] == (
        "Vitamin D and bone health",
        "Vitamin D supplements increase bone density in older adults.",
    )
    assert data.docs["d4"][0] == ""
    assert list(data.queries) == ["q1", "q2", "q3", "q4"]  # q9 has no judgement
    assert data.qrels["q2"] == {"d4": 2}  # grade 0 is not relevant
    assert beir.load(tiny, "train").qrels == {"q1": {"d1": 1}}


def test_load_errors_say_what_is_missing(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="use split= / --split with one of test, train"):
        beir.load(tiny, "dev")
    with pytest.raises(CorpusError, match="does not exist"):
        beir.load(tmp_path / "nowhere")
    (tiny / "queries.jsonl").write_text('{"_id": "q1", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="3 judged queries are not in"):
        beir.load(tiny)


def test_note_files_are_written_once_and_named_safely(tmp_path: Path) -> None:
    data = beir.load(TINY)
    folder = tmp_path / "docs"
    sources = beir.write_notes(data, folder)
    assert sources["d1.txt"] == "d1"
    odd = beir.file_name("a/b c")
    assert odd.startswith("id-") and sources[odd] == "a/b c"
    assert (folder / "d1.txt").read_text(encoding="utf-8") == (
        "Vitamin D and bone health\n\nVitamin D supplements increase bone density in older adults.\n"
    )
    assert (folder / "d4.txt").read_text(encoding="utf-8").startswith("Regular exercise")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    (folder / "stale.txt").write_text("old", encoding="utf-8")
    beir.write_notes(data, folder)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_ranking_skips_the_query_itself_and_repeated_documents() -> None:
    passages = [Passage("t", s, 1, 1, None, 1.0) for s in ("q3.txt", "d1.txt", "d1.txt", "x.txt", "d2.txt")]
    sources = {"q3.txt": "q3", "d1.txt": "d1", "d2.txt": "d2"}
    assert beir_ranking(passages, sources, "q3", 10) == ["d1", "d2"]
    assert beir_ranking(passages, sources, "q1", 2) == ["q3", "d1"]


def test_eval_beir_scores_and_caches_the_index(tiny: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = eval_beir(tiny, "test", ["hybrid", "bm25"], Settings(), out, cache, samples=200, embedder=fake)
    report = json.loads(run.paths[0].read_text(encoding="utf-8"))
    assert report["name"] == "beir-tiny/test" and report["questions"] == 4
    hybrid, bm25 = report["systems"]
    assert set(hybrid["metrics"]) == {"ndcg@10", "recall@100", "mrr@10"}
    assert bm25["columns"]["mrr@10"]["num"][0] == 1.0  # q1 finds d1 first
    assert hybrid["settings"]["chunk_chars"] == 20_000 and hybrid["settings"]["glossary"] is False
    q3 = hybrid["ids"].index("q3")
    assert "q3" not in [r for f in hybrid["failures"] for r in f["returned"]]
    assert hybrid["columns"]["recall@100"]["num"][q3] == 1.0  # d1 is found once q3 itself is left out
    embedded = len(fake.calls)
    eval_beir(tiny, "test", ["hybrid"], Settings(), out, cache, samples=200, embedder=fake)
    assert len(fake.calls) - embedded == 4  # only the four questions: the documents were not re-embedded
