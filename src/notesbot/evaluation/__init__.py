"""Measure retrieval and answer quality on known questions or BEIR data, with bootstrap intervals and a gate.

``questions`` (what a right passage holds) and ``stats`` (metrics, bootstrap) at the bottom, then ``gate``
and ``report``, then ``runner``, which drives NotesBot and is the only part that imports the pipeline.
"""

from __future__ import annotations

from .gate import GateCheck, baseline_dict, gate, read_baseline
from .questions import Evidence, Question, normalise, read_feedback, read_questions
from .report import chart, markdown, report_dict, write_reports
from .runner import (
    DEFAULT_BASELINE,
    DEFAULT_CACHE,
    DEFAULT_OUT,
    DEFAULT_QUESTIONS,
    Bots,
    EvalRun,
    FrozenBot,
    Outcome,
    System,
    beir_ranking,
    eval_beir,
    eval_notes,
    index_key,
    notes_columns,
    run_beir,
    run_notes,
)
from .stats import (
    Columns,
    Difference,
    Estimate,
    SystemResult,
    compare,
    difference,
    estimate,
    ir_metrics,
    ranked_run,
    resamples,
)

__all__ = [
    "DEFAULT_BASELINE",
    "DEFAULT_CACHE",
    "DEFAULT_OUT",
    "DEFAULT_QUESTIONS",
    "Bots",
    "Columns",
    "Difference",
    "Estimate",
    "EvalRun",
    "Evidence",
    "FrozenBot",
    "GateCheck",
    "Outcome",
    "Question",
    "System",
    "SystemResult",
    "baseline_dict",
    "beir_ranking",
    "chart",
    "compare",
    "difference",
    "estimate",
    "eval_beir",
    "eval_notes",
    "gate",
    "index_key",
    "ir_metrics",
    "markdown",
    "normalise",
    "notes_columns",
    "ranked_run",
    "read_baseline",
    "read_feedback",
    "read_questions",
    "report_dict",
    "resamples",
    "run_beir",
    "run_notes",
    "write_reports",
]
