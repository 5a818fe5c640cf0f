"""notesbot: ask questions of your own notes, offline, and get their own sentences back, cited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Settings
from .errors import (
    ConfigError,
    CorpusError,
    IndexError_,
    IndexLockedError,
    ModelError,
    NotesbotError,
    QuestionError,
)
from .types import Answer, Chunk, Document, Passage, Sentence

if TYPE_CHECKING:
    from .pipeline import BuildReport, NotesBot

__version__ = "0.1.0"
_LAZY = {"BuildReport", "NotesBot"}  # imported on first use, so `notesbot --help` does not load numpy


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'notesbot' has no attribute {name!r}")


__all__ = [
    "Answer",
    "BuildReport",
    "Chunk",
    "ConfigError",
    "CorpusError",
    "Document",
    "IndexError_",
    "IndexLockedError",
    "ModelError",
    "NotesBot",
    "NotesbotError",
    "Passage",
    "QuestionError",
    "Sentence",
    "Settings",
    "__version__",
]
