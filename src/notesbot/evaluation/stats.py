"""Per-item metric columns, library IR metrics, bootstrap intervals and paired differences."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_SAMPLES = 2000
DEFAULT_SEED = 0
CONFIDENCE = 0.95
DIGITS = 4  # decimals kept in reports and the baseline
RANX_NAMES = {"hit@1": "hit_rate@1", "hit@3": "hit_rate@3", "hit@5": "hit_rate@5"}
UNGATED = frozenset({"passage_chars"})  # not a better-is-higher score

Columns = dict[str, tuple[np.ndarray, np.ndarray]]  # metric -> per-item numerator and denominator


def ir_metrics(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], names: Iterable[str]
) -> dict[str, np.ndarray]:
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
    order = {q: i for i, q in enumerate(Qrels(qrels).keys())}
    position = [order[q] for q in qrels]
    return {n: np.asarray(scores[w], dtype=float)[position] for n, w in zip(names, wanted, strict=True)}


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
        digits = 1 if abs(self.value) >= 10 else 3  # lengths in characters, scores in 0..1
        if self.low is None or self.high is None:
            return f"{self.value:.{digits}f}"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


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
        digits = 1 if max(abs(self.low), abs(self.high)) >= 10 else 3
        return f"{self.delta:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}] p={self.p:.3f}"


def resamples(n: int, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """``samples`` rows of ``n`` item indices drawn with replacement, the same for a given seed."""
    return np.random.default_rng(seed).integers(0, n, size=(samples, n)) if n else np.zeros((samples, 0), int)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray | float:
    """sum(num) / sum(den) along the last axis (nan where the denominator is 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(num, axis=-1) / np.sum(den, axis=-1)  # type: ignore[no-any-return]


def _interval(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[np.isfinite(values)]
    if not len(values):
        return None, None
    tail = (1 - CONFIDENCE) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def finite(value: float) -> float | None:
    """``value``, or None when it is nan or infinite."""
    return float(value) if np.isfinite(value) else None


def estimate(num: np.ndarray, den: np.ndarray, idx: np.ndarray) -> Estimate:
    """sum(num) / sum(den) with a percentile interval over the resampled items ``idx``."""
    value = finite(float(ratio(num, den)))
    if value is None:
        return Estimate(None, None, None)
    return Estimate(value, *_interval(np.asarray(ratio(num[idx], den[idx]))))


def difference(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], idx: np.ndarray) -> Difference:
    """Paired bootstrap of a - b over the same items (each side a numerator and denominator)."""
    delta = finite(float(ratio(*a)) - float(ratio(*b)))
    if delta is None:
        return Difference(None, None, None, None)
    boot = np.asarray(ratio(a[0][idx], a[1][idx])) - np.asarray(ratio(b[0][idx], b[1][idx]))
    boot = boot[np.isfinite(boot)]
    p = min(1.0, 2 * min(float(np.mean(boot <= 0)), float(np.mean(boot >= 0)))) if len(boot) else None
    return Difference(delta, *_interval(boot), p)


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
            "label": self.label,
            "mode": self.mode,
            "settings": self.settings,
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


def compare(results: list[SystemResult], idx: np.ndarray) -> list[dict[str, Any]]:
    """Each system after the first against the first, metric by metric, by paired bootstrap."""
    first, rows = results[0], []
    for other in results[1:]:
        for metric in first.columns:
            diff = difference(first.columns[metric], other.columns[metric], idx)
            rows.append({"a": first.label, "b": other.label, "metric": metric, **diff.to_dict()})
    return rows


__all__ = [
    "Columns",
    "Difference",
    "Estimate",
    "SystemResult",
    "compare",
    "difference",
    "estimate",
    "ir_metrics",
    "ranked_run",
    "resamples",
]
