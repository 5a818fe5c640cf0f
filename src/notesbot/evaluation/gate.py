"""The regression gate: this run against the committed baseline, question by question."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .stats import (
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    DIGITS,
    UNGATED,
    Difference,
    SystemResult,
    difference,
    finite,
    ratio,
    resamples,
)


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
        return {
            "system": self.system,
            "metric": self.metric,
            "baseline": self.baseline,
            "current": self.current,
            "diff": self.diff.to_dict(),
            "failed": self.failed,
        }

    def __str__(self) -> str:
        return f"{self.system} {self.metric}: {self.baseline} -> {self.current}, change {self.diff}"


def gate(
    results: list[SystemResult], baseline: dict[str, Any], samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> list[GateCheck]:
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
    value = finite(float(ratio(*side)))
    return None if value is None else round(value, 4)


def baseline_dict(report: dict[str, Any]) -> dict[str, Any]:
    """What the committed baseline keeps of a notes report: per-question columns and estimates."""
    keep = ("label", "mode", "metrics", "ids", "columns")
    return {
        "kind": report["kind"],
        "questions": report["questions"],
        "samples": report["samples"],
        "seed": report["seed"],
        "systems": [{k: s[k] for k in keep} for s in report["systems"]],
    }


def read_baseline(path: Path) -> dict[str, Any] | None:
    if not Path(path).is_file():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for system in data["systems"]:
            SystemResult.from_dict(system)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"baseline {path} is damaged ({exc!r}): rewrite it with update_baseline=True / --update-baseline"
        ) from None
    return data  # type: ignore[no-any-return]


__all__ = ["GateCheck", "baseline_dict", "gate", "read_baseline"]
