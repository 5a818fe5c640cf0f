"""Exceptions raised by notesbot.

Exception tree::

    NotesbotError                 base of everything notesbot raises on purpose
    ├── CorpusError               the notes folder is missing, empty or unreadable
    ├── QuestionError             a question is empty or unusable
    ├── ModelError                the embedding model cannot be found or loaded
    ├── IndexError_               the index folder is damaged, locked or from elsewhere
    │   └── IndexLockedError      another process is building the same index
    └── ConfigError               a setting has a bad value

Every message says what was wrong and how to fix it. The library never prints or exits;
the command line turns these into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations


class NotesbotError(Exception):
    """Base class of every error notesbot raises on purpose."""


class CorpusError(NotesbotError):
    """The notes folder is missing, empty or holds nothing readable."""


class QuestionError(NotesbotError):
    """A question is empty or cannot be used."""


class ModelError(NotesbotError):
    """The embedding model cannot be found or loaded."""


class IndexError_(NotesbotError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The index folder is damaged, incompatible or unusable."""


class IndexLockedError(IndexError_):
    """Another process holds the build lock of this index."""


class ConfigError(NotesbotError):
    """A setting has a value notesbot cannot use."""


__all__ = [
    "ConfigError",
    "CorpusError",
    "IndexError_",
    "IndexLockedError",
    "ModelError",
    "NotesbotError",
    "QuestionError",
]
