"""Default settings and the frozen Settings record (CLI flag, then NOTESBOT_* variable, then DEFAULT_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_K = 5
MAX_K = 1000
DEFAULT_MODE = "hybrid"
MODES = ("hybrid", "dense", "bm25")
DEFAULT_CHUNK_CHARS = 400
DEFAULT_RRF_K = 60
DEFAULT_CANDIDATES = 100
MAX_QUESTION_CHARS = 2000
FORMAT_VERSION = 1
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
PDF_SUFFIXES = (".pdf",)


@dataclass(frozen=True)
class Settings:
    """Everything a NotesBot needs to know; build one with :func:`settings_from_env`."""

    corpus: Path = Path(DEFAULT_CORPUS)
    index: Path = Path(DEFAULT_INDEX)
    model: str = DEFAULT_MODEL
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    chunk_chars: int = DEFAULT_CHUNK_CHARS
    rrf_k: int = DEFAULT_RRF_K
    candidates: int = DEFAULT_CANDIDATES

    def __post_init__(self) -> None:
        check_k(self.k)
        check_mode(self.mode)
        if self.chunk_chars < 50:
            raise ConfigError(f"chunk size {self.chunk_chars} is too small: use at least 50 characters")

    def with_(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise ConfigError(f"k must be between 1 and {MAX_K}, got {k}")
    return k


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    return mode


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    """Settings from ``NOTESBOT_*`` environment variables over the defaults."""
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    for name in ("corpus", "index"):
        if env.get(f"NOTESBOT_{name.upper()}"):
            values[name] = Path(env[f"NOTESBOT_{name.upper()}"])
    for name in ("model", "mode"):
        if env.get(f"NOTESBOT_{name.upper()}"):
            values[name] = env[f"NOTESBOT_{name.upper()}"]
    if env.get("NOTESBOT_K"):
        values["k"] = _int(env["NOTESBOT_K"], "NOTESBOT_K")
    return Settings(**values)  # type: ignore[arg-type]


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


__all__ = ["Settings", "settings_from_env"]
