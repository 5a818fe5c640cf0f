"""Measure retrieval and answer quality on known questions or BEIR data, with bootstrap intervals and a gate."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from . import beir
from .config import MAX_K, MODES, Settings
from .errors import ConfigError, NotesbotError
from .index import Index
from .pipeline import NotesBot
from .text import content_hash
from .types import Answer, Passage

DEFAULT_SAMPLES = 2000
DEFAULT_SEED = 0
CONFIDENCE = 0.95
DIGITS = 4  # decimals kept in reports and the baseline
DEFAULT_OUT = Path("eval/results")
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "notesbot" / "beir"
DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_BASELINE = Path("eval/baseline.json")
FEEDBACK_FILE = "feedback.jsonl"  # in the index folder, where the chat writes it
DEFAULT_BEIR_CHUNK_CHARS = 20_000  # whole documents: BEIR judges documents, and MTEB embeds each whole
NOTES_DEPTH = 10
BEIR_DEPTH = 100
NOTES_METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "answer_hit",
                 "abstain_precision", "abstain_recall", "passage_chars")
BEIR_METRICS = ("ndcg@10", "recall@100", "mrr@10")
RANX_NAMES = {"hit@1": "hit_rate@1", "hit@3": "hit_rate@3", "hit@5": "hit_rate@5"}
UNGATED = frozenset({"passage_chars"})  # not a better-is-higher score
CITATION = re.compile(r"\[([^\[\]:]+):(\d+)(?:-(\d+))?\]")

Columns = dict[str, tuple[np.ndarray, np.ndarray]]  # metric -> per-item numerator and denominator
Progress = Callable[[str, int, int], None]


# -- known questions ----------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Whitespace runs collapsed to one space, ends trimmed, lower-cased: how phrases are matched."""
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class Evidence:
    """Where an answer lies: a phrase the passage must contain, or (no phrase) a line span it must overlap."""

    source: str
    start_line: int
    end_line: int
    phrase: str | None = None

    def in_passage(self, passage: Passage) -> bool:
        if self.phrase is not None:
            return normalise(self.phrase) in normalise(passage.text)
        return passage.source == self.source and passage.start_line <= self.end_line and \
            self.start_line <= passage.end_line

    def in_answer(self, answer: Answer) -> bool:
        if answer.abstained or not answer.answer:
            return False
        if self.phrase is not None:
            return normalise(self.phrase) in normalise(answer.answer)
        return any(s.source == self.source and self.start_line <= s.line <= self.end_line for s in answer.sentences)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class Question:
    """A known question: answerable ones name their evidence (any one entry is enough)."""

    id: str
    question: str
    answerable: bool
    evidence: tuple[Evidence, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        evidence = tuple(Evidence(str(e["source"]), int(e["start_line"]), int(e["end_line"]), e.get("phrase"))
                         for e in data.get("evidence", []))
        question = cls(str(data["id"]), str(data["question"]), bool(data["answerable"]), evidence,
                       tuple(data.get("tags", [])))
        if question.answerable and not evidence:
            raise ValueError("an answerable question needs evidence")
        return question


def read_questions(path: Path) -> list[Question]:
    """The questions of a JSONL file (format: eval/QUESTIONS.md); ConfigError on a bad line."""
    if not Path(path).is_file():
        raise ConfigError(f"no questions file {path}: pass a JSONL file of known questions")
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(Question.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number} is not a known question ({exc}): see eval/QUESTIONS.md") from None
    if len({q.id for q in questions}) != len(questions):
        raise ConfigError(f"{path} repeats a question id: ids must be unique")
    return questions


def read_feedback(path: Path) -> list[Question]:
    """Thumbs-up chat answers as answerable questions whose evidence is the lines their answer cites.

    A later verdict on the same question replaces an earlier one; thumbs-down rows only do that.
    Rows whose answer cites nothing fall back to their first passage. Unreadable lines are skipped.
    """
    if not Path(path).is_file():
        return []
    latest: dict[str, Question | None] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            key = normalise(str(row["question"]))
            latest[key] = _feedback_question(row) if row.get("verdict") == "up" else None
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return [q for q in latest.values() if q is not None]


def _feedback_question(row: dict[str, Any]) -> Question | None:
    passages = [Evidence(str(p["source"]), int(p["start_line"]), int(p["end_line"])) for p in row["passages"]]
    cited = [Evidence(m[0], int(m[1]), int(m[2] or m[1])) for m in CITATION.findall(str(row.get("answer") or ""))]
    cited = [e for e in cited if any(e.source == p.source for p in passages)]
    evidence = tuple(cited or passages[:1])
    if not evidence:
        return None
    return Question(f"f-{content_hash(normalise(str(row['question'])))[:8]}", str(row["question"]), True,
                    evidence, ("feedback",))


# -- metrics and the bootstrap ------------------------------------------------------------------
def ir_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
               names: Iterable[str]) -> dict[str, np.ndarray]:
    """Per-query scores (in ``qrels`` order) of ``names`` by ranx; run scores must rank the documents."""
    from ranx import Qrels, Run, evaluate

    names = list(names)
    wanted = [RANX_NAMES.get(n, n) for n in names]
    run = {q: run.get(q) or {"\0none": 0.0} for q in qrels}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's cast warnings
        scores = evaluate(Qrels(qrels), Run(run), wanted, return_mean=False, make_comparable=True)
    if len(wanted) == 1:
        scores = {wanted[0]: scores}
    order = list(Qrels(qrels).keys())
    position = [order.index(q) for q in qrels]
    return {n: np.asarray(scores[w], dtype=float)[position] for n, w in zip(names, wanted)}


def ranked_run(ids: list[str]) -> dict[str, float]:
    """A ranx run entry that keeps exactly the order of ``ids`` (first is best)."""
    return {doc: float(len(ids) - rank) for rank, doc in enumerate(ids)}


@dataclass(frozen=True)
class Estimate:
    """A metric's value and its bootstrap interval (None where undefined, e.g. no abstentions)."""

    value: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {k: None if v is None else round(v, 4) for k, v in vars(self).items()}

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        if self.low is None or self.high is None:
            return f"{self.value:.3f}"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


@dataclass(frozen=True)
class Difference:
    """A paired difference (a - b), its bootstrap interval and two-sided bootstrap p-value."""

    delta: float | None
    low: float | None
    high: float | None
    p: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {k: None if v is None else round(v, 4) for k, v in vars(self).items()}

    def __str__(self) -> str:
        if self.delta is None or self.low is None or self.high is None:
            return "n/a"
        return f"{self.delta:+.3f} [{self.low:+.3f}, {self.high:+.3f}] p={self.p:.3f}"


def resamples(n: int, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """``samples`` rows of ``n`` item indices drawn with replacement, the same for a given seed."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n)) if n else np.zeros((samples, 0), int)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray | float:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(num, axis=-1) / np.sum(den, axis=-1)  # type: ignore[no-any-return]


def _interval(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[np.isfinite(values)]
    if not len(values):
        return None, None
    tail = (1 - CONFIDENCE) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def estimate(num: np.ndarray, den: np.ndarray, idx: np.ndarray) -> Estimate:
    """sum(num) / sum(den) with a percentile interval over the resampled items ``idx``."""
    value = _finite(float(_ratio(num, den)))
    if value is None:
        return Estimate(None, None, None)
    return Estimate(value, *_interval(np.asarray(_ratio(num[idx], den[idx]))))


def difference(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], idx: np.ndarray) -> Difference:
    """Paired bootstrap of a - b over the same items (each side a numerator and denominator)."""
    delta = _finite(float(_ratio(*a)) - float(_ratio(*b)))
    if delta is None:
        return Difference(None, None, None, None)
    boot = np.asarray(_ratio(a[0][idx], a[1][idx])) - np.asarray(_ratio(b[0][idx], b[1][idx]))
    boot = boot[np.isfinite(boot)]
    p = min(1.0, 2 * min(float(np.mean(boot <= 0)), float(np.mean(boot >= 0)))) if len(boot) else None
    return Difference(delta, *_interval(boot), p)


# -- systems and results ------------------------------------------------------------------------
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
                raise ConfigError(f"{key!r} in {spec!r} is not a setting to vary: use one of "
                                  f"{', '.join(sorted(set(types) - {'corpus', 'index', 'mode', 'k'}))}")
            changes[key] = _convert(value, types[key], spec)
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


@dataclass
class SystemResult:
    """One system's per-item metric columns, their estimates and its failures."""

    label: str
    mode: str
    settings: dict[str, Any]
    ids: list[str]
    columns: Columns
    estimates: dict[str, Estimate] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def estimate_all(self, idx: np.ndarray) -> None:
        self.estimates = {m: estimate(num, den, idx) for m, (num, den) in self.columns.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "mode": self.mode, "settings": self.settings,
            "metrics": {m: e.to_dict() for m, e in self.estimates.items()},
            "ids": self.ids,
            "columns": {m: {"num": _rounded(n), "den": _rounded(d)} for m, (n, d) in self.columns.items()},
            "failures": self.failures,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SystemResult:
        columns = {m: (np.asarray(c["num"], float), np.asarray(c["den"], float)) for m, c in data["columns"].items()}
        estimates = {m: Estimate(e["value"], e["low"], e["high"]) for m, e in data.get("metrics", {}).items()}
        return cls(data["label"], data["mode"], data.get("settings", {}), list(data["ids"]), columns, estimates)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), DIGITS) for v in values]


def settings_for(base: Settings, system: System) -> Settings:
    return base.with_(mode=system.mode, **system.changes)


def index_key(settings: Settings) -> str:
    """A short name for what the index of ``settings`` holds: chunk size, glossary, sentence vectors, model."""
    parts = [f"c{settings.chunk_chars}"]
    parts += [] if settings.glossary else ["noglossary"]
    parts += [] if settings.sentence_vectors else ["nosentences"]
    parts += [] if settings.model == Settings().model else [content_hash(settings.model)[:8]]
    return "-".join(parts)


class FrozenBot(NotesBot):
    """A NotesBot whose notes do not change while the eval runs: the index is checked once, not per question."""

    _ready: Index | None = None

    def ensure_index(self, progress: Callable[[int, int], None] | None = None) -> Index:
        if self._ready is None:
            self._ready = super().ensure_index(progress)
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


# -- the notes eval -----------------------------------------------------------------------------
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
            "id": q.id, "question": q.question, "reason": reason, "rank": self.rank,
            "expected": [e.phrase or f"{e.source}:{e.start_line}-{e.end_line}" for e in q.evidence],
            "answer": None if self.answer.abstained else self.answer.answer,
            "returned": [{"citation": p.citation, "text": " ".join(p.text.split())[:160]} for p in self.passages[:3]],
        }


def notes_columns(outcomes: list[Outcome]) -> Columns:
    """Per-question numerators and denominators of every notes metric."""
    answerable = np.array([o.question.answerable for o in outcomes], dtype=float)
    qrels = {o.question.id: {"evidence": 1} for o in outcomes if o.question.answerable}
    run = {o.question.id: ranked_run([("evidence" if r == o.rank else f"p{r}")
                                      for r in range(1, len(o.passages) + 1)]) for o in outcomes}
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


def run_notes(questions: list[Question], systems: list[System], base: Settings, bots: Bots,
              out: Path, progress: Progress | None = None) -> list[SystemResult]:
    """Ask every question of every system; systems that change the index get their own under ``out``."""
    results = []
    for system in systems:
        settings = settings_for(base, system)
        if index_key(settings) != index_key(base):
            settings = settings.with_(index=out / "indexes" / f"notes-{index_key(settings)}")
        bot = bots.get(settings)
        outcomes = []
        for number, q in enumerate(questions, start=1):
            outcomes.append(Outcome(q, bot.search(q.question, NOTES_DEPTH, system.mode),
                                    bot.ask(q.question, mode=system.mode)))
            if progress:
                progress(system.label, number, len(questions))
        failures = [f for f in (o.failure() for o in outcomes) if f]
        results.append(SystemResult(system.label, system.mode, _settings_dict(settings),
                                    [q.id for q in questions], notes_columns(outcomes), failures=failures))
    return results


def _settings_dict(settings: Settings) -> dict[str, Any]:
    return {f.name: str(v) if isinstance(v := getattr(settings, f.name), Path) else v for f in fields(settings)}


# -- BEIR ---------------------------------------------------------------------------------------
def beir_ranking(passages: list[Passage], sources: dict[str, str], query_id: str, depth: int) -> list[str]:
    """Document ids best first: a document ranks by its best passage; the query's own id is left out."""
    ranked: list[str] = []
    for passage in passages:
        doc = sources.get(passage.source)
        if doc is not None and doc != query_id and doc not in ranked:
            ranked.append(doc)
    return ranked[:depth]


def run_beir(dataset: beir.BeirDataset, systems: list[System], base: Settings, bots: Bots, cache: Path,
             progress: Progress | None = None, build: Callable[[int, int], None] | None = None) -> list[SystemResult]:
    """Index the corpus as note files (cached under ``cache``) and rank documents for every query."""
    docs = cache / dataset.name / "docs"
    sources = beir.write_notes(dataset, docs)
    base = base.with_(corpus=docs)
    results = []
    for system in systems:
        settings = settings_for(base, system)
        settings = settings.with_(index=cache / dataset.name / f"index-{index_key(settings)}")
        bot = bots.get(settings)
        bot.update(progress=build)
        run = {}
        for number, (qid, text) in enumerate(dataset.queries.items(), start=1):
            run[qid] = ranked_run(beir_ranking(_search(bot, text, system.mode), sources, qid, BEIR_DEPTH))
            if progress:
                progress(system.label, number, len(dataset.queries))
        scores = ir_metrics(dataset.qrels, run, BEIR_METRICS)
        ones = np.ones(len(dataset.qrels))
        failures = [{"id": q, "question": dataset.queries[q], "relevant": sorted(dataset.qrels[q]),
                     "returned": list(run[q])[:3]} for q, s in zip(dataset.qrels, scores["ndcg@10"]) if s == 0]
        results.append(SystemResult(system.label, system.mode, _settings_dict(settings), list(dataset.qrels),
                                    {m: (scores[m], ones) for m in BEIR_METRICS}, failures=failures))
    return results


def _search(bot: NotesBot, text: str, mode: str) -> list[Passage]:
    try:
        return bot.search(text, min(MAX_K, BEIR_DEPTH + 1), mode)
    except NotesbotError:  # an empty query
        return []


# -- comparisons and the gate -------------------------------------------------------------------
def compare(results: list[SystemResult], idx: np.ndarray) -> list[dict[str, Any]]:
    """Each system after the first against the first, metric by metric, by paired bootstrap."""
    first, rows = results[0], []
    for other in results[1:]:
        for metric in first.columns:
            diff = difference(first.columns[metric], other.columns[metric], idx)
            rows.append({"a": first.label, "b": other.label, "metric": metric, **diff.to_dict()})
    return rows


@dataclass(frozen=True)
class GateCheck:
    """One metric of one system against the baseline: fails when the drop is beyond the bootstrap noise."""

    system: str
    metric: str
    baseline: float | None
    current: float | None
    diff: Difference

    @property
    def failed(self) -> bool:
        return self.diff.high is not None and self.diff.high < 0

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "metric": self.metric, "baseline": self.baseline, "current": self.current,
                "diff": self.diff.to_dict(), "failed": self.failed}

    def __str__(self) -> str:
        return f"{self.system} {self.metric}: {self.baseline} -> {self.current}, change {self.diff}"


def gate(results: list[SystemResult], baseline: dict[str, Any], samples: int = DEFAULT_SAMPLES,
         seed: int = DEFAULT_SEED) -> list[GateCheck]:
    """Paired bootstrap of current minus baseline over the questions both know, for every shared system.

    A check fails when the whole 95% interval of the change lies below zero.
    """
    known = {s["label"]: SystemResult.from_dict(s) for s in baseline.get("systems", [])}
    checks = []
    for result in results:
        old = known.get(result.label)
        if old is None:
            continue
        where = {q: i for i, q in enumerate(old.ids)}
        common = [i for i, q in enumerate(result.ids) if q in where]
        before = [where[result.ids[i]] for i in common]
        idx = resamples(len(common), samples, seed)
        for metric, (num, den) in result.columns.items():
            if metric in UNGATED or metric not in old.columns:
                continue
            now = (np.round(num[common], DIGITS), np.round(den[common], DIGITS))  # the baseline's precision
            then = (old.columns[metric][0][before], old.columns[metric][1][before])
            checks.append(GateCheck(result.label, metric, _value(then), _value(now), difference(now, then, idx)))
    return checks


def _value(side: tuple[np.ndarray, np.ndarray]) -> float | None:
    value = _finite(float(_ratio(*side)))
    return None if value is None else round(value, 4)


def baseline_dict(report: dict[str, Any]) -> dict[str, Any]:
    """What the committed baseline keeps of a notes report: per-question columns and estimates."""
    keep = ("label", "mode", "metrics", "ids", "columns")
    return {"kind": report["kind"], "questions": report["questions"], "samples": report["samples"],
            "seed": report["seed"], "systems": [{k: s[k] for k in keep} for s in report["systems"]]}


def read_baseline(path: Path) -> dict[str, Any] | None:
    if not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for system in data["systems"]:
            SystemResult.from_dict(system)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"baseline {path} is damaged ({exc!r}): rewrite it with --update-baseline") from None
    return data  # type: ignore[no-any-return]


# -- reports ------------------------------------------------------------------------------------
def report_dict(kind: str, name: str, results: list[SystemResult], samples: int, seed: int,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON report: systems with estimates and per-item columns, and paired comparisons."""
    idx = resamples(len(results[0].ids), samples, seed)
    for result in results:
        result.estimate_all(idx)
    return {"kind": kind, "name": name, "questions": len(results[0].ids), "samples": samples, "seed": seed,
            "confidence": CONFIDENCE, **(extra or {}),
            "systems": [r.to_dict() for r in results], "comparisons": compare(results, idx)}


def markdown(report: dict[str, Any], checks: list[GateCheck] | None = None, failures: bool = True) -> str:
    """The report as Markdown tables: metrics with intervals, paired differences, gate and failures."""
    systems = report["systems"]
    lines = [f"# {report['kind']} eval: {report['name']} ({report['questions']} questions, "
             f"{int(report['confidence'] * 100)}% bootstrap intervals, {report['samples']} samples, "
             f"seed {report['seed']})", ""]
    lines += _table(["metric"] + [s["label"] for s in systems],
                    [[m] + [str(Estimate(**s["metrics"][m])) for s in systems] for m in systems[0]["metrics"]])
    if report["comparisons"]:
        lines += ["", "Paired bootstrap differences (first system minus each other):", ""]
        lines += _table(["metric", "comparison", "difference [95% CI]", "p"],
                        [[c["metric"], f"{c['a']} − {c['b']}", _diff_cell(c), _p_cell(c)]
                         for c in report["comparisons"]])
    if checks is not None:
        lines += ["", _gate_line(checks)]
        lines += [f"- FAILED {c}" for c in checks if c.failed]
    if failures:
        for system in systems:
            lines += ["", f"## Failures of {system['label']} ({len(system['failures'])})", ""]
            lines += [_failure_line(f) for f in system["failures"]]
    return "\n".join(lines) + "\n"


def _gate_line(checks: list[GateCheck]) -> str:
    if not checks:
        return "Regression gate: no baseline for these systems."
    failed = sum(c.failed for c in checks)
    return f"Regression gate: {'FAILED' if failed else 'passed'} ({failed} of {len(checks)} checks below the baseline)."


def _diff_cell(row: dict[str, Any]) -> str:
    return str(Difference(row["delta"], row["low"], row["high"], row["p"])).rsplit(" p=", 1)[0]


def _p_cell(row: dict[str, Any]) -> str:
    return "n/a" if row["p"] is None else f"{row['p']:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _failure_line(failure: dict[str, Any]) -> str:
    got = "; ".join(f"{r['citation']} \"{r['text'][:80]}\"" if isinstance(r, dict) else str(r)
                    for r in failure.get("returned", []))
    expected = failure.get("expected") or failure.get("relevant")
    head = f"- {failure['id']} ({failure.get('reason', 'ndcg@10 = 0')}): {failure['question']}"
    answer = f" answer: {failure['answer']!r};" if failure.get("answer") else ""
    return f"{head} — expected {expected};{answer} got: {got or 'nothing'}"


def chart(report: dict[str, Any], path: Path) -> None:
    """A PNG of every 0-1 metric, one marker per system with its interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = report["systems"]
    metrics = [m for m in systems[0]["metrics"] if m not in UNGATED]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(metrics)), 4.0))
    width = 0.8 / len(systems)
    for i, system in enumerate(systems):
        x, y, err = [], [], [[], []]
        for j, metric in enumerate(metrics):
            e = system["metrics"][metric]
            if e["value"] is None:
                continue
            x.append(j - 0.4 + width * (i + 0.5))
            y.append(e["value"])
            err[0].append(e["value"] - (e["low"] if e["low"] is not None else e["value"]))
            err[1].append((e["high"] if e["high"] is not None else e["value"]) - e["value"])
        ax.errorbar(x, y, yerr=err, fmt="o", capsize=3, label=system["label"])
    ax.set_xticks(range(len(metrics)), metrics, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{report['name']}: {int(report['confidence'] * 100)}% bootstrap intervals")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_reports(report: dict[str, Any], checks: list[GateCheck] | None, out: Path, stem: str) -> list[Path]:
    """``<stem>.json``, ``<stem>.md`` and ``<stem>.png`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.json", out / f"{stem}.md", out / f"{stem}.png"]
    data = {**report, "gate": [c.to_dict() for c in checks] if checks is not None else None}
    paths[0].write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(report, checks), encoding="utf-8")
    chart(report, paths[2])
    return paths


# -- whole runs -----------------------------------------------------------------------------------
@dataclass
class EvalRun:
    """A finished eval: its report, the gate's checks (None when not gated) and the files written."""

    report: dict[str, Any]
    checks: list[GateCheck] | None
    paths: list[Path]

    @property
    def failed(self) -> bool:
        return any(c.failed for c in self.checks or [])


def eval_notes(questions: Path, specs: list[str], base: Settings, out: Path = DEFAULT_OUT,
               feedback: Path | None = None, baseline: Path | None = DEFAULT_BASELINE,
               update_baseline: bool = False, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
               embedder: Any = None, progress: Progress | None = None) -> EvalRun:
    """The known questions (plus thumbs-up feedback) on every system, reported and gated against ``baseline``."""
    items = read_questions(questions)
    known = {normalise(q.question) for q in items}
    extra = [q for q in read_feedback(feedback or Path(base.index) / FEEDBACK_FILE) if normalise(q.question) not in known]
    systems = [System.parse(s) for s in specs]
    results = run_notes(items + extra, systems, base, Bots(embedder), out, progress)
    answerable = sum(q.answerable for q in items + extra)
    report = report_dict("notes", str(questions), results, samples, seed,
                         {"answerable": answerable, "feedback": len(extra)})
    checks = None
    if baseline is not None and update_baseline:
        baseline.write_text(json.dumps(baseline_dict(report), indent=1) + "\n", encoding="utf-8")
    elif baseline is not None and (old := read_baseline(baseline)) is not None:
        checks = gate(results, old, samples, seed)
    return EvalRun(report, checks, write_reports(report, checks, out, "notes"))


def eval_beir(folder: Path, split: str, specs: list[str], base: Settings, out: Path = DEFAULT_OUT,
              cache: Path = DEFAULT_CACHE, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
              embedder: Any = None, progress: Progress | None = None,
              build: Callable[[int, int], None] | None = None) -> EvalRun:
    """Every system on a BEIR dataset's ``split``; its note files and indexes are cached under ``cache``."""
    dataset = beir.load(folder, split)
    base = base.with_(chunk_chars=DEFAULT_BEIR_CHUNK_CHARS, glossary=False, sentence_vectors=False)
    systems = [System.parse(s) for s in specs]
    results = run_beir(dataset, systems, base, Bots(embedder), cache, progress, build)
    report = report_dict("beir", f"{dataset.name}/{split}", results, samples, seed,
                         {"documents": len(dataset.docs)})
    return EvalRun(report, None, write_reports(report, None, out, f"{dataset.name}-{split}"))


__all__ = [
    "Bots", "Difference", "Estimate", "EvalRun", "Evidence", "GateCheck", "Question", "System", "SystemResult",
    "baseline_dict", "beir_ranking", "chart", "compare", "difference", "estimate", "eval_beir", "eval_notes", "gate", "ir_metrics",
    "markdown", "normalise", "read_baseline", "read_feedback", "read_questions", "report_dict", "resamples",
    "run_beir", "run_notes", "write_reports",
]
