"""notesbot: ask questions of your own notes, offline, and get their own sentences back, cited."""

from __future__ import annotations

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
from .pipeline import BuildReport, NotesBot
from .types import Answer, Chunk, Document, Passage, Sentence

__version__ = "0.1.0"

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
