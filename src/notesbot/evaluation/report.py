"""Reports of an eval run: JSON, Markdown tables and a PNG chart of the intervals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .gate import GateCheck
from .stats import CONFIDENCE, UNGATED, Difference, Estimate, SystemResult, compare, resamples


def report_dict(
    kind: str, name: str, results: list[SystemResult], samples: int, seed: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON report: systems with estimates and per-item columns, and paired comparisons."""
    idx = resamples(len(results[0].ids), samples, seed)
    for result in results:
        result.estimate_all(idx)
    return {
        "kind": kind,
        "name": name,
        "questions": len(results[0].ids),
        "samples": samples,
        "seed": seed,
        "confidence": CONFIDENCE,
        **(extra or {}),
        "systems": [r.to_dict() for r in results],
        "comparisons": compare(results, idx),
    }


def markdown(report: dict[str, Any], checks: list[GateCheck] | None = None, failures: bool = True) -> str:
    """The report as Markdown tables: metrics with intervals, paired differences, gate and failures."""
    systems = report["systems"]
    answerable = f", {report['answerable']} answerable" if "answerable" in report else ""
    lines = [
        f"# {report['kind']} eval: {report['name']} ({report['questions']} questions{answerable}, "
        f"{int(report['confidence'] * 100)}% bootstrap intervals, {report['samples']} samples, "
        f"seed {report['seed']})",
        "",
    ]
    lines += _table(
        ["metric"] + [s["label"] for s in systems],
        [[m] + [str(Estimate(**s["metrics"][m])) for s in systems] for m in systems[0]["metrics"]],
    )
    if report["comparisons"]:
        lines += ["", "Paired bootstrap differences (first system minus each other):", ""]
        lines += _table(
            ["metric", "comparison", "difference [95% CI]", "p"],
            [[c["metric"], f"{c['a']} − {c['b']}", _diff_cell(c), _p_cell(c)] for c in report["comparisons"]],
        )
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
    got = "; ".join(
        f'{r["citation"]} "{r["text"][:80]}"' if isinstance(r, dict) else str(r) for r in failure.get("returned", [])
    )
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
        shown = [(j, e) for j, m in enumerate(metrics) if (e := system["metrics"][m])["value"] is not None]
        y = [e["value"] for _, e in shown]
        low = [e["value"] - (e["value"] if e["low"] is None else e["low"]) for _, e in shown]
        high = [(e["value"] if e["high"] is None else e["high"]) - e["value"] for _, e in shown]
        x = [j - 0.4 + width * (i + 0.5) for j, _ in shown]
        ax.errorbar(x, y, yerr=[low, high], fmt="o", capsize=3, label=system["label"])
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


__all__ = ["chart", "markdown", "report_dict", "write_reports"]
