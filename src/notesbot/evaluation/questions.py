"""Known questions and chat feedback: what a right passage or answer must contain."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..text import content_hash
from ..types import Answer, Passage

CITATION = re.compile(r"\[([^\[\]:]+):(\d+)(?:-(\d+))?\]")


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
        return (
            passage.source == self.source
            and passage.start_line <= self.end_line
            and self.start_line <= passage.end_line
        )

    def in_answer(self, answer: Answer) -> bool:
        """The answer holds the phrase (its [source:line] citations left out), or cites a line of the span."""
        if answer.abstained or not answer.answer:
            return False
        if self.phrase is not None:
            return normalise(self.phrase) in normalise(CITATION.sub(" ", answer.answer))
        return any(
            s.source == self.source and s.line <= self.end_line and s.last_line >= self.start_line
            for s in answer.sentences
        )

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
        evidence = tuple(
            Evidence(str(e["source"]), int(e["start_line"]), int(e["end_line"]), e.get("phrase"))
            for e in data.get("evidence", [])
        )
        question = cls(
            str(data["id"]), str(data["question"]), bool(data["answerable"]), evidence, tuple(data.get("tags", []))
        )
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
    """Thumbs-up chat answers as answerable questions whose evidence is the lines their answer cites, and
    thumbs-up refusals ("Not found in your notes", agreed with, when all the notes were searched) as
    unanswerable questions.

    A later verdict on the same question replaces an earlier one; thumbs-down rows and verdicts taken back
    ("none") only do that. Rows whose answer cites nothing fall back to their first passage. Unreadable lines
    are skipped.
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
    key = f"f-{content_hash(normalise(str(row['question'])))[:8]}"
    if row.get("abstained") or row.get("answer") is None:  # a refusal agreed with: the notes do not hold it ...
        if row.get("files"):  # ... unless it was asked of some files only
            return None
        return Question(key, str(row["question"]), False, (), ("feedback", "refusal"))
    passages = [Evidence(str(p["source"]), int(p["start_line"]), int(p["end_line"])) for p in row["passages"]]
    cited = [Evidence(m[0], int(m[1]), int(m[2] or m[1])) for m in CITATION.findall(str(row.get("answer") or ""))]
    cited = [e for e in cited if any(e.source == p.source for p in passages)]
    evidence = tuple(cited or passages[:1])
    if not evidence:
        return None
    return Question(key, str(row["question"]), True, evidence, ("feedback",))


__all__ = ["Evidence", "Question", "normalise", "read_feedback", "read_questions"]
