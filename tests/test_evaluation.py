"""The eval harness: metrics against hand-computed values, the bootstrap, the gate, feedback and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from notesbot import Settings
from notesbot.cli import cli
from notesbot.errors import ConfigError
from notesbot.evaluation import (
    Evidence,
    Outcome,
    Question,
    System,
    SystemResult,
    baseline_dict,
    difference,
    estimate,
    eval_notes,
    gate,
    ir_metrics,
    notes_columns,
    ranked_run,
    read_feedback,
    read_questions,
    report_dict,
    resamples,
)
from notesbot.evaluation.questions import normalise
from notesbot.evaluation.runner import BEIR_SETTINGS, index_key, settings_for
from notesbot.types import Answer, Passage, Sentence

from .conftest import FakeEmbedder

OUTLINE = "sino-soviet-relations-1954-58-notes.txt"


def test_ir_metrics_match_hand_computed_values() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1, "c": 1}, "q3": {"d": 1}}
    run = {"q1": ranked_run(["x", "a", "y"]), "q2": ranked_run(["b", "x", "c"]), "q3": {}}
    got = ir_metrics(qrels, run, ["hit@1", "hit@3", "mrr@10", "ndcg@10", "recall@100"])
    assert list(got["hit@1"]) == [0, 1, 0]
    assert list(got["hit@3"]) == [1, 1, 0]
    assert np.allclose(got["mrr@10"], [1 / 2, 1, 0])
    ideal = 1 + 1 / math.log2(3)
    assert np.allclose(got["ndcg@10"], [1 / math.log2(3), (1 + 1 / math.log2(4)) / ideal, 0])
    assert np.allclose(got["recall@100"], [1, 1, 0])


def test_ir_metrics_keep_the_callers_query_order() -> None:
    qrels = {"z": {"a": 1}, "a": {"b": 1}}
    got = ir_metrics(qrels, {"z": ranked_run(["a"]), "a": ranked_run(["x"])}, ["mrr@10"])
    assert list(got["mrr@10"]) == [1, 0]


def _passage(text: str, line: int = 1) -> Passage:
    return Passage(text, OUTLINE, line, line, None, 1.0)


def _outcome(question: Question, texts: list[str], answer: str | None) -> Outcome:
    passages = [_passage(t, i) for i, t in enumerate(texts, start=1)]
    return Outcome(question, passages, Answer(question.question, answer, answer is None, passages[:2]))


def test_notes_columns_by_hand() -> None:
    q1 = Question("q1", "who?", True, (Evidence(OUTLINE, 2, 2, "Khrushchev  was the NEW leader"),))
    q2 = Question("q2", "why?", True, (Evidence(OUTLINE, 5, 5, "because of aid"),))
    u1 = Question("u1", "off topic?", False)
    outcomes = [
        _outcome(q1, ["nothing", "nothing", "then khrushchev was the new leader."], "Khrushchev was the new leader."),
        _outcome(q2, ["Because of aid, yes", "x"], "no idea"),
        _outcome(u1, ["x"], None),
    ]
    columns = notes_columns(outcomes)

    def value(metric: str) -> float:
        num, den = columns[metric]
        return float(num.sum() / den.sum())

    assert value("hit@1") == 0.5 and value("hit@3") == 1.0
    assert value("mrr@10") == pytest.approx((1 / 3 + 1) / 2)
    assert value("ndcg@10") == pytest.approx((0.5 + 1) / 2)
    assert value("answer_hit") == 0.5
    assert value("abstain_precision") == 1.0 and value("abstain_recall") == 1.0
    assert value("passage_chars") == pytest.approx((7 + (19 + 1) / 2 + 1) / 3)
    assert [o.failure()["reason"] for o in outcomes if o.failure()] == ["answer_missed"]  # type: ignore[index]


def test_span_evidence_matches_overlapping_passages_and_cited_sentences() -> None:
    evidence = Evidence(OUTLINE, 3, 4)
    assert evidence.in_passage(Passage("t", OUTLINE, 4, 6, None, 1.0))
    assert not evidence.in_passage(Passage("t", OUTLINE, 5, 6, None, 1.0))
    assert not evidence.in_passage(Passage("t", "other.txt", 3, 4, None, 1.0))
    sentence = Sentence("t", OUTLINE, 3, 0, 0, 1, 1.0)
    assert evidence.in_answer(Answer("q", "t [x:3]", False, [], [sentence]))
    assert not evidence.in_answer(Answer("q", None, True, [], [sentence]))
    across = Evidence(OUTLINE, 3, 3, "first part. Second part")
    assert across.in_answer(Answer("q", f"First part. [{OUTLINE}:3] Second part [{OUTLINE}:3]", False))
    # a sentence that goes on over lines 1-3 counts for evidence on line 3, not on line 5
    broken = Sentence("t", OUTLINE, 1, 0, 0, 1, 1.0, end_line=3)
    assert Evidence(OUTLINE, 3, 4).in_answer(Answer("q", f"t [{OUTLINE}:1-3]", False, [], [broken]))
    assert not Evidence(OUTLINE, 5, 5).in_answer(Answer("q", f"t [{OUTLINE}:1-3]", False, [], [broken]))


def test_bootstrap_interval_contains_the_estimate_and_is_seeded() -> None:
    values = np.random.default_rng(1).uniform(size=40)
    ones = np.ones_like(values)
    first = estimate(values, ones, resamples(len(values), 500, seed=7))
    again = estimate(values, ones, resamples(len(values), 500, seed=7))
    other = estimate(values, ones, resamples(len(values), 500, seed=8))
    assert first == again
    assert first.value == pytest.approx(values.mean())
    assert first.low is not None and first.high is not None
    assert first.low <= first.value <= first.high
    assert first != other
    assert estimate(values, np.zeros_like(values), resamples(10, 50)).value is None


def test_paired_difference_of_a_system_with_itself_is_zero() -> None:
    values = np.array([1, 0, 1, 0.5])
    ones = np.ones_like(values)
    diff = difference((values, ones), (values, ones), resamples(4, 200))
    assert (diff.delta, diff.low, diff.high, diff.p) == (0.0, 0.0, 0.0, 1.0)
    better = difference((ones, ones), (values, ones), resamples(4, 200))
    assert better.delta == pytest.approx(0.375) and better.low is not None and better.low >= 0


def _result(label: str, hits: list[float]) -> SystemResult:
    ids = [f"q{i}" for i in range(len(hits))]
    columns = {
        "hit@1": (np.array(hits, dtype=float), np.ones(len(hits))),
        "passage_chars": (np.full(len(hits), 300.0), np.ones(len(hits))),
    }
    return SystemResult(label, "hybrid", {}, ids, columns)


def test_gate_fails_only_when_a_metric_drops_beyond_noise() -> None:
    old = [1.0] * 30 + [0.0] * 10
    baseline = baseline_dict(report_dict("notes", "t", [_result("hybrid", old)], 1000, 0))
    same = gate([_result("hybrid", old)], baseline, 1000)
    assert [c.metric for c in same] == ["hit@1"] and not any(c.failed for c in same)
    one_less = gate([_result("hybrid", [0.0] + old[1:])], baseline, 1000)
    assert not any(c.failed for c in one_less)
    dropped = [0.0] * 10 + old[10:]
    checks = gate([_result("hybrid", dropped)], baseline, 1000)
    assert [c.failed for c in checks] == [True]
    assert checks[0].baseline == 0.75 and checks[0].current == 0.5
    assert gate([_result("dense", dropped)], baseline, 1000) == []


def test_gate_pairs_questions_by_id() -> None:
    baseline = baseline_dict(report_dict("notes", "t", [_result("hybrid", [1.0] * 20)], 500, 0))
    current = _result("hybrid", [1.0] * 20 + [0.0] * 20)  # twenty new questions the baseline never saw
    assert not any(c.failed for c in gate([current], baseline, 500))


def test_system_specs() -> None:
    system = System.parse("hybrid, fusion=convex, dense_weight=0.3, glossary=off, chunk_chars=800")
    assert system.mode == "hybrid"
    assert system.changes == {"fusion": "convex", "dense_weight": 0.3, "glossary": False, "chunk_chars": 800}
    bad_specs = (
        "fast",
        "hybrid,k=3",
        "hybrid,nope=1",
        "hybrid,chunk_chars=big",
        "hybrid,glossary=maybe",
        "hybrid,fusion=max",
        "hybrid,dense_weight=2",
    )
    for bad in bad_specs:
        with pytest.raises(ConfigError):
            System.parse(bad)


def test_systems_that_store_different_vectors_get_different_indexes() -> None:
    base = Settings().with_(**BEIR_SETTINGS)
    keys = {index_key(settings_for(base, System.parse(spec))) for spec in ("hybrid", "dense", "bm25")}
    assert len(keys) == 1, "the three default systems share one index"
    others = ("hybrid,late=true", "hybrid,sentence_vectors=true", "hybrid,glossary=true", "hybrid,chunk_chars=800")
    assert len({index_key(settings_for(base, System.parse(spec))) for spec in others} | keys) == 5


def test_feedback_rows_become_questions(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    passage = {"source": OUTLINE, "start_line": 2, "end_line": 4, "text": "..."}
    rows = [
        {"question": "Who led?", "answer": f"Khrushchev. [{OUTLINE}:3]", "verdict": "up", "passages": [passage]},
        {"question": "Why aid?", "answer": "no citation", "verdict": "up", "passages": [passage]},
        {"question": "Bad one", "answer": "x", "verdict": "up", "passages": [passage]},
        {"question": "bad  ONE", "answer": "x", "verdict": "down", "passages": [passage]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    questions = read_feedback(path)
    assert [q.question for q in questions] == ["Who led?", "Why aid?"]
    assert questions[0].evidence == (Evidence(OUTLINE, 3, 3),)
    assert questions[1].evidence == (Evidence(OUTLINE, 2, 4),)
    assert all(q.answerable and q.id.startswith("f-") for q in questions)
    assert read_feedback(tmp_path / "missing.jsonl") == []


def test_bad_questions_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "x", "answerable": true, "evidence": []}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="q.jsonl:1"):
        read_questions(path)
    with pytest.raises(ConfigError, match="no questions file"):
        read_questions(tmp_path / "missing.jsonl")


def test_shipped_questions_have_their_phrases_in_their_lines() -> None:
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "eval").glob("*questions.jsonl"))
    assert len(files) >= 7
    for path in files:
        ids = set()
        for q in read_questions(path):
            assert q.id not in ids and q.answerable == bool(q.evidence), (path.name, q.id)
            ids.add(q.id)
            for e in q.evidence:
                lines = (root / "corpus" / e.source).read_text(encoding="utf-8").split("\n")
                span = normalise(" ".join(lines[e.start_line - 1 : e.end_line]))
                assert normalise(e.phrase) in span, (path.name, q.id)


def _questions(tmp_path: Path) -> Path:
    rows = [
        {
            "id": "a",
            "question": "What was agreed about economic aid?",
            "answerable": True,
            "evidence": [{"source": OUTLINE, "start_line": 3, "end_line": 3, "phrase": "agreed to more economic aid"}],
        },
        {"id": "u", "question": "How does photosynthesis work?", "answerable": False, "evidence": []},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_eval_notes_writes_reports_and_gates(notes: Path, tmp_path: Path, fake: FakeEmbedder) -> None:
    base = Settings(corpus=notes, index=tmp_path / "idx")
    out, baseline = tmp_path / "results", tmp_path / "baseline.json"
    first = eval_notes(
        _questions(tmp_path),
        ["hybrid", "bm25"],
        base,
        out,
        baseline=baseline,
        update_baseline=True,
        samples=200,
        embedder=fake,
    )
    assert first.checks is None and baseline.is_file()
    assert [p.name for p in first.paths] == ["notes.json", "notes.md", "notes.png"]
    assert all(p.stat().st_size > 0 for p in first.paths)
    report = json.loads(first.paths[0].read_text(encoding="utf-8"))
    assert [s["label"] for s in report["systems"]] == ["hybrid", "bm25"]
    assert report["systems"][0]["metrics"]["hit@5"]["value"] == 1.0
    again = eval_notes(
        _questions(tmp_path), ["hybrid", "bm25"], base, out, baseline=baseline, samples=200, embedder=fake
    )
    assert again.checks and not again.failed


def test_cli_eval_gate(notes: Path, tmp_path: Path, fake_model: None) -> None:
    questions = _questions(tmp_path)
    args = [
        "eval",
        str(questions),
        "--corpus",
        str(notes),
        "--index",
        str(tmp_path / "idx"),
        "--mode",
        "bm25",
        "--out",
        str(tmp_path / "out"),
        "--baseline",
        str(tmp_path / "b.json"),
        "--samples",
        "200",
    ]
    runner = CliRunner()
    written = runner.invoke(cli, [*args, "--update-baseline"])
    assert written.exit_code == 0, written.output
    assert "| hit@5 | 1.000" in written.stdout
    assert runner.invoke(cli, args).exit_code == 0
    questions.write_text(questions.read_text(encoding="utf-8").replace("more economic aid", "zzz"), encoding="utf-8")
    failed = runner.invoke(cli, args)
    assert failed.exit_code == 1
    assert "FAILED bm25 hit@5: 1.0 -> 0.0" in failed.stdout
    assert "regression gate failed" in failed.stderr
    assert runner.invoke(cli, [*args, "--no-gate"]).exit_code == 0
