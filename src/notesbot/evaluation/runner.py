"""Run systems over known questions or a BEIR dataset, then report and gate the results."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from .. import beir
from ..config import MAX_K, MODES, Settings
from ..errors import ConfigError, NotesbotError
from ..index import Index
from ..pipeline import NotesBot
from ..text import content_hash
from ..types import Answer, Passage
from .gate import GateCheck, baseline_dict, gate, read_baseline
from .questions import Question, normalise, read_feedback, read_questions
from .report import report_dict, write_reports
from .stats import DEFAULT_SAMPLES, DEFAULT_SEED, Columns, SystemResult, ir_metrics, ranked_run

DEFAULT_OUT = Path("eval/results")
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "notesbot" / "beir"
DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_BASELINE = Path("eval/baseline.json")
FEEDBACK_FILE = "feedback.jsonl"  # in the index folder, where the chat writes it
# What a BEIR run changes in the settings, chosen on SciFact's train split (eval/README.md): whole documents
# (BEIR judges documents, MTEB embeds each one whole), no glossary or sentence vectors (nothing to expand, no
# answers to compose), and convex fusion, which beat reciprocal rank fusion there.
BEIR_SETTINGS: dict[str, Any] = {
    "chunk_chars": 20_000,
    "glossary": False,
    "sentence_vectors": False,
    "fusion": "convex",
    "late": False,  # convex fusion leaves token vectors unused: no token pass, no 150 MB of them for SciFact
    "answer_first": False,  # BEIR judges retrieval: the modes' own rankings, not reordered for answers
}
NOTES_DEPTH = 10
BEIR_DEPTH = 100
NOTES_METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "answer_hit",
    "abstain_precision",
    "abstain_recall",
    "passage_chars",
)
BEIR_METRICS = ("ndcg@10", "recall@100", "mrr@10")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class System:
    """What is evaluated: a retrieval mode and settings changes, written ``MODE[,key=value...]``."""

    label: str
    mode: str
    changes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> System:
        mode, *pairs = [part.strip() for part in spec.split(",")]
        if mode not in MODES:
            raise ConfigError(f"unknown mode {mode!r} in {spec!r}: start with one of {', '.join(MODES)}")
        types = {f.name: str(f.type) for f in fields(Settings)}
        changes: dict[str, Any] = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key not in types or key in ("corpus", "index", "mode", "k"):
                raise ConfigError(
                    f"{key!r} in {spec!r} is not a setting to vary: use one of "
                    f"{', '.join(sorted(set(types) - {'corpus', 'index', 'mode', 'k'}))}"
                )
            changes[key] = _convert(value, types[key], spec)
        Settings().with_(**changes)  # a bad value fails here, before anything runs
        return cls(spec, mode, changes)


def _convert(value: str, kind: str, spec: str) -> Any:
    try:
        if kind == "bool":
            if value.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(value)
            return value.lower() in ("true", "1", "yes", "on")
        return {"int": int, "float": float}.get(kind, str)(value)
    except ValueError:
        raise ConfigError(f"bad value {value!r} in {spec!r}: expected {kind}") from None


def settings_for(base: Settings, system: System) -> Settings:
    return base.with_(mode=system.mode, **system.changes)


def index_key(settings: Settings) -> str:
    """A short name for what the index of ``settings`` holds: chunk size, glossary, sentence vectors, token
    vectors, model."""
    parts = [f"c{settings.chunk_chars}"]
    parts += [] if settings.glossary else ["noglossary"]
    parts += [] if settings.sentence_vectors else ["nosentences"]
    parts += [] if settings.late else ["nolate"]
    parts += [] if settings.model == Settings().model else [content_hash(settings.model)[:8]]
    return "-".join(parts)


class FrozenBot(NotesBot):
    """A NotesBot whose notes do not change while the eval runs: the index is checked once, not per question."""

    _ready: Index | None = None

    def ensure_index(
        self, progress: Callable[[int, int], None] | None = None, waiting: Callable[[], None] | None = None
    ) -> Index:
        if self._ready is None:
            self._ready = super().ensure_index(progress, waiting)
        return self._ready


class Bots:
    """One FrozenBot per distinct settings, so systems that share an index load it once."""

    def __init__(self, embedder: Any = None) -> None:
        self.embedder = embedder
        self.bots: dict[Settings, FrozenBot] = {}

    def get(self, settings: Settings) -> FrozenBot:
        if settings not in self.bots:
            self.bots[settings] = FrozenBot(settings=settings, embedder=self.embedder)
        return self.bots[settings]


@dataclass(frozen=True)
class Outcome:
    """What one system did with one question."""

    question: Question
    passages: list[Passage]
    answer: Answer

    @property
    def rank(self) -> int | None:
        """1-based rank of the first passage holding the evidence."""
        for rank, passage in enumerate(self.passages, start=1):
            if any(e.in_passage(passage) for e in self.question.evidence):
                return rank
        return None

    @property
    def answer_hit(self) -> bool:
        return any(e.in_answer(self.answer) for e in self.question.evidence)

    @property
    def passage_chars(self) -> float:
        return float(np.mean([len(p.text) for p in self.answer.passages])) if self.answer.passages else 0.0

    def failure(self) -> dict[str, Any] | None:
        """Why this outcome fails (missed, answer_missed, should_abstain, wrong_abstention), or None."""
        q = self.question
        if q.answerable and (self.rank is None or self.rank > 5):
            reason = "missed"
        elif q.answerable and self.answer.abstained:
            reason = "wrong_abstention"
        elif q.answerable and not self.answer_hit:
            reason = "answer_missed"
        elif not q.answerable and not self.answer.abstained:
            reason = "should_abstain"
        else:
            return None
        return {
            "id": q.id,
            "question": q.question,
            "reason": reason,
            "rank": self.rank,
            "expected": [e.phrase or f"{e.source}:{e.start_line}-{e.end_line}" for e in q.evidence],
            "answer": None if self.answer.abstained else self.answer.answer,
            "returned": [{"citation": p.citation, "text": " ".join(p.text.split())[:160]} for p in self.passages[:3]],
        }


def notes_columns(outcomes: list[Outcome]) -> Columns:
    """Per-question numerators and denominators of every notes metric."""
    answerable = np.array([o.question.answerable for o in outcomes], dtype=float)
    qrels = {o.question.id: {"evidence": 1} for o in outcomes if o.question.answerable}
    run = {
        o.question.id: ranked_run([("evidence" if r == o.rank else f"p{r}") for r in range(1, len(o.passages) + 1)])
        for o in outcomes
    }
    scores = ir_metrics(qrels, run, NOTES_METRICS[:5]) if qrels else {}
    where = {q: i for i, q in enumerate(qrels)}
    columns: Columns = {}
    for name in NOTES_METRICS[:5]:
        num = np.array([scores[name][where[o.question.id]] if o.question.id in where else 0.0 for o in outcomes])
        columns[name] = (num, answerable)
    abstained = np.array([o.answer.abstained for o in outcomes], dtype=float)
    correct = abstained * (1 - answerable)
    columns["answer_hit"] = (np.array([o.answer_hit for o in outcomes], dtype=float) * answerable, answerable)
    columns["abstain_precision"] = (correct, abstained)
    columns["abstain_recall"] = (correct, 1 - answerable)
    columns["passage_chars"] = (np.array([o.passage_chars for o in outcomes]), np.ones(len(outcomes)))
    return columns


def run_notes(
    questions: list[Question],
    systems: list[System],
    base: Settings,
    bots: Bots,
    out: Path,
    progress: Progress | None = None,
) -> list[SystemResult]:
    """Ask every question of every system; systems that change the index get their own under ``out``."""
    results = []
    for system in systems:
        settings = settings_for(base, system)
        if index_key(settings) != index_key(base):
            settings = settings.with_(index=out / "indexes" / f"notes-{index_key(settings)}")
        bot = bots.get(settings)
        outcomes = []
        for number, q in enumerate(questions, start=1):
            outcomes.append(
                Outcome(q, bot.search(q.question, NOTES_DEPTH, system.mode), bot.ask(q.question, mode=system.mode))
            )
            if progress:
                progress(system.label, number, len(questions))
        failures = [f for f in (o.failure() for o in outcomes) if f]
        results.append(
            SystemResult(
                system.label,
                system.mode,
                _settings_dict(settings),
                [q.id for q in questions],
                notes_columns(outcomes),
                failures=failures,
            )
        )
    return results


def _settings_dict(settings: Settings) -> dict[str, Any]:
    return {f.name: str(v) if isinstance(v := getattr(settings, f.name), Path) else v for f in fields(settings)}


def beir_ranking(passages: list[Passage], sources: dict[str, str], query_id: str, depth: int) -> list[str]:
    """Document ids best first: a document ranks by its best passage; the query's own id is left out."""
    ranked: list[str] = []
    for passage in passages:
        doc = sources.get(passage.source)
        if doc is not None and doc != query_id and doc not in ranked:
            ranked.append(doc)
    return ranked[:depth]


def run_beir(
    dataset: beir.BeirDataset,
    systems: list[System],
    base: Settings,
    bots: Bots,
    cache: Path,
    progress: Progress | None = None,
    build: Callable[[int, int], None] | None = None,
) -> list[SystemResult]:
    """Index the corpus as note files (cached under ``cache``) and rank documents for every query."""
    sources = beir.write_notes(dataset, cache / dataset.name / "docs")
    base = base.with_(corpus=cache / dataset.name / "docs")
    results = []
    for system in systems:
        settings = settings_for(base, system)
        bot = bots.get(settings.with_(index=cache / dataset.name / f"index-{index_key(settings)}"))
        bot.update(progress=build)
        run = {}
        for number, (qid, text) in enumerate(dataset.queries.items(), start=1):
            run[qid] = ranked_run(beir_ranking(_search(bot, text, system.mode), sources, qid, BEIR_DEPTH))
            if progress:
                progress(system.label, number, len(dataset.queries))
        results.append(_beir_result(dataset, system, bot.settings, run))
    return results


def _beir_result(
    dataset: beir.BeirDataset, system: System, settings: Settings, run: dict[str, dict[str, float]]
) -> SystemResult:
    scores = ir_metrics(dataset.qrels, run, BEIR_METRICS)
    ones = np.ones(len(dataset.qrels))
    missed = [q for q, s in zip(dataset.qrels, scores["ndcg@10"], strict=True) if s == 0]
    failures = [
        {"id": q, "question": dataset.queries[q], "relevant": sorted(dataset.qrels[q]), "returned": list(run[q])[:3]}
        for q in missed
    ]
    columns = {m: (scores[m], ones) for m in BEIR_METRICS}
    return SystemResult(
        system.label, system.mode, _settings_dict(settings), list(dataset.qrels), columns, failures=failures
    )


def _search(bot: NotesBot, text: str, mode: str) -> list[Passage]:
    try:
        return bot.search(text, min(MAX_K, BEIR_DEPTH + 1), mode)
    except NotesbotError:  # an empty query
        return []


@dataclass
class EvalRun:
    """A finished eval: its report, the gate's checks (None when not gated) and the files written."""

    report: dict[str, Any]
    checks: list[GateCheck] | None
    paths: list[Path]

    @property
    def failed(self) -> bool:
        return any(c.failed for c in self.checks or [])


def eval_notes(
    questions: Path,
    specs: list[str],
    base: Settings,
    out: Path = DEFAULT_OUT,
    feedback: Path | None = None,
    baseline: Path | None = DEFAULT_BASELINE,
    update_baseline: bool = False,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    embedder: Any = None,
    progress: Progress | None = None,
) -> EvalRun:
    """The known questions (plus thumbs-up feedback) on every system, reported and gated against ``baseline``."""
    items = read_questions(questions)
    known = {normalise(q.question) for q in items}
    feedback = feedback or Path(base.index) / FEEDBACK_FILE
    extra = [q for q in read_feedback(feedback) if normalise(q.question) not in known]
    systems = [System.parse(s) for s in specs]
    results = run_notes(items + extra, systems, base, Bots(embedder), out, progress)
    answerable = sum(q.answerable for q in items + extra)
    report = report_dict(
        "notes", str(questions), results, samples, seed, {"answerable": answerable, "feedback": len(extra)}
    )
    checks = None
    if baseline is not None and update_baseline:
        baseline.write_text(json.dumps(baseline_dict(report), indent=1) + "\n", encoding="utf-8")
    elif baseline is not None and (old := read_baseline(baseline)) is not None:
        checks = gate(results, old, samples, seed)
    return EvalRun(report, checks, write_reports(report, checks, out, "notes"))


def eval_beir(
    folder: Path,
    split: str,
    specs: list[str],
    base: Settings,
    out: Path = DEFAULT_OUT,
    cache: Path = DEFAULT_CACHE,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    embedder: Any = None,
    progress: Progress | None = None,
    build: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Every system on a BEIR dataset's ``split``; its note files and indexes are cached under ``cache``."""
    dataset = beir.load(folder, split)
    base = base.with_(**BEIR_SETTINGS)
    systems = [System.parse(s) for s in specs]
    results = run_beir(dataset, systems, base, Bots(embedder), cache, progress, build)
    report = report_dict("beir", f"{dataset.name}/{split}", results, samples, seed, {"documents": len(dataset.docs)})
    return EvalRun(report, None, write_reports(report, None, out, f"{dataset.name}-{split}"))


__all__ = [
    "BEIR_SETTINGS",
    "DEFAULT_BASELINE",
    "DEFAULT_CACHE",
    "DEFAULT_OUT",
    "DEFAULT_QUESTIONS",
    "Bots",
    "EvalRun",
    "FrozenBot",
    "Outcome",
    "System",
    "beir_ranking",
    "eval_beir",
    "eval_notes",
    "index_key",
    "notes_columns",
    "run_beir",
    "run_notes",
]
