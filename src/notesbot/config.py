"""Default settings and the frozen Settings record (CLI flag, then NOTESBOT_* variable, then DEFAULT_*)."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable
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
DEFAULT_CHUNK_CHARS = 550  # top-3 passages average about 340 characters on the shipped notes
DEFAULT_RRF_K = 60
DEFAULT_CANDIDATES = 100
FUSIONS = ("rrf", "convex")
DEFAULT_FUSION = "rrf"
DEFAULT_DENSE_WEIGHT = 0.5  # the dense ranking's share of the fused score; BM25 gets the rest
DEFAULT_SENTENCE_VECTORS = True  # embed each sentence too, so answers pick sentences by meaning
DEFAULT_GLOSSARY = True  # learn the notes' abbreviations and expand them when indexing and asking
DEFAULT_LATE = True  # store chunk token vectors and rank by token matches too (late interaction, notesbot.late)
DEFAULT_ANSWER_FIRST = True  # order the top passages by their best answer sentence (not in bm25 mode)
DEFAULT_LATE_WEIGHT = 1.0  # the token-match ranking's weight in hybrid fusion (dense and BM25 weigh 1 each)
DEFAULT_LATE_MAX_CHUNKS = 20_000  # above this many chunks no token vectors are stored (about 10 KB a chunk)
# Answers (see eval/README.md, "Calibration", for how these were fitted on eval/questions.jsonl).
DEFAULT_ANSWER_PASSAGES = 3  # sentences are drawn from this many top passages
DEFAULT_TIME_BONUS = 0.1  # for a sentence of a top passage naming the years asked about (others do not)
# a passage that neighbours one ranked at most this many places above it (next lines of the same file, same
# top-level heading, together no longer than DEFAULT_PASSAGE_CHARS) is shown joined to it (notesbot.neighbours)
DEFAULT_NEIGHBOUR_REACH = 3
# a passage joined from neighbours is at most this long: about 110 words, a paragraph read at a glance. Chunks,
# the units that are scored, stay at chunk_chars (see eval/README.md for what each limit measured)
DEFAULT_PASSAGE_CHARS = 700
DEFAULT_ANSWER_SENTENCES = 3  # at most this many sentences in an answer
DEFAULT_LEXICAL_WEIGHT = 0.3  # weight of IDF-weighted question-term overlap beside cosine similarity
DEFAULT_RANK_PENALTY = 0.02  # per rank of the sentence's passage
# a sentence that only restates the question answers nothing: penalty per share of its terms taken from the
# question, above DEFAULT_ECHO_FREE of them
DEFAULT_ECHO_PENALTY = 0.2
DEFAULT_ECHO_FREE = 0.5
DEFAULT_KIND_PENALTY = 0.1  # for a sentence without the date or number that a "when" or "how many" asks for
DEFAULT_TITLE_PENALTY = 0.2  # for a section title ("6 Personalities"), which names a topic but answers nothing
DEFAULT_VIEW_WEIGHT = 0.1  # for a sentence giving the view asked about ("what did A think"), against another's
DEFAULT_DETAIL_ECHO = 0.3  # an outline point restating this share of the question brings its best sub-point
DEFAULT_REASON_ECHO = 0.3  # a "why" answer's best sentence restating this share of the question brings its neighbour
DEFAULT_SENTENCE_MARGIN = 0.25  # further sentences must score within this of the best
DEFAULT_REDUNDANCY = 0.7  # a sentence sharing this share of its terms with a chosen one is left out
# logistic confidence: bias, then weights of best_dense, best_lexical, coverage, unknown_names, unknown_terms,
# type_match, any_unknown (fitted by eval/calibrate.py on eval/questions.jsonl, more-questions.jsonl and
# short-questions.jsonl; its output lists the trade-off curve, and eval/fresh-questions.jsonl, left out of the
# fit, checks it; eval/README.md tells why a refit on the fourth session's retrieval was not taken)
DEFAULT_CALIBRATION = (-6.871, 9.542, 0.796, 0.000, -1.717, -1.028, 3.679, -1.013)
DEFAULT_ABSTAIN_BELOW = 0.55  # answer only when the confidence reaches this (eval/calibrate.py)
# the confidence at most of an answer without the date, place or count a "when", "where" or "how many" question
# asks for (unless the question asks two things): below the threshold, so such an answer is a refusal
DEFAULT_WRONG_KIND_CAP = 0.5
MAX_QUESTION_CHARS = 2000
# Dense search is exact below this many chunks and FAISS HNSW from it on: exact search costs about 0.2 ms
# per 1,000 chunks on 2 cores, HNSW about 1-2 ms at any size (see docs/scaling.md, BENCHMARKS.md).
DEFAULT_APPROX_THRESHOLD = 50_000
DEFAULT_HNSW_M = 32  # graph neighbours per vector
DEFAULT_HNSW_EF_CONSTRUCTION = 80
DEFAULT_HNSW_EF_SEARCH = 512  # candidates explored per query: recall@10 against exact search >= 0.95 up to 1M
FORMAT_VERSION = 1
DEFAULT_LOCK_WAIT = 300.0  # seconds a question waits for another process's index build before giving up
MAX_FILE_BYTES = 10_000_000  # larger note files are skipped with a warning (a 10 MB text is ~3,000 pages)
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
    passage_chars: int = DEFAULT_PASSAGE_CHARS
    rrf_k: int = DEFAULT_RRF_K
    candidates: int = DEFAULT_CANDIDATES
    fusion: str = DEFAULT_FUSION
    dense_weight: float = DEFAULT_DENSE_WEIGHT
    glossary: bool = DEFAULT_GLOSSARY
    sentence_vectors: bool = DEFAULT_SENTENCE_VECTORS
    late: bool = DEFAULT_LATE
    answer_first: bool = DEFAULT_ANSWER_FIRST
    abstain_below: float = DEFAULT_ABSTAIN_BELOW
    lock_wait: float = DEFAULT_LOCK_WAIT

    def __post_init__(self) -> None:
        check_k(self.k)
        check_mode(self.mode)
        if self.fusion not in FUSIONS:
            raise ConfigError(f"unknown fusion {self.fusion!r}: use one of {', '.join(FUSIONS)}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense weight must be between 0 and 1, got {self.dense_weight}")
        if not 0.0 <= self.abstain_below <= 1.0:
            raise ConfigError(f"abstention threshold must be between 0 and 1, got {self.abstain_below}")
        if not 0 <= self.lock_wait < math.inf:
            raise ConfigError(
                f"the wait for another index build must be a number of seconds from 0 up, got {self.lock_wait}"
            )
        if self.chunk_chars < 50:
            raise ConfigError(f"chunk size {self.chunk_chars} is too small: use at least 50 characters")
        if self.passage_chars < 0:
            raise ConfigError(f"passage size must be 0 (never join neighbours) or more, got {self.passage_chars}")

    def with_(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


def check_k(k: object) -> int:
    """``k`` when it is a whole number from 1 to MAX_K (a ConfigError otherwise)."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= int(k) <= MAX_K:
        raise ConfigError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    return int(k)


def check_mode(mode: object) -> str:
    """``mode`` when it is one of MODES (a ConfigError otherwise)."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    """Settings from ``NOTESBOT_*`` environment variables over the defaults."""
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    for name in ("corpus", "index"):
        if env.get(f"NOTESBOT_{name.upper()}"):
            values[name] = Path(env[f"NOTESBOT_{name.upper()}"])
    if env.get("NOTESBOT_MODEL"):
        values["model"] = env["NOTESBOT_MODEL"]
    if env.get("NOTESBOT_MODE"):
        values["mode"] = _checked(env, "NOTESBOT_MODE", check_mode, f"one of {', '.join(MODES)}")
    if env.get("NOTESBOT_ABSTAIN_BELOW"):
        values["abstain_below"] = _checked(env, "NOTESBOT_ABSTAIN_BELOW", _fraction, "a number from 0 to 1")
    if env.get("NOTESBOT_K"):
        values["k"] = _checked(env, "NOTESBOT_K", lambda v: check_k(int(v)), f"a whole number from 1 to {MAX_K}")
    return Settings(**values)  # type: ignore[arg-type]


def _checked(env: dict[str, str], name: str, parse: Callable[[str], object], wanted: str) -> object:
    """The variable ``name`` parsed, or a ConfigError naming it and saying what it must be."""
    try:
        return parse(env[name])
    except (ValueError, ConfigError):
        raise ConfigError(f"{name} must be {wanted}, got {env[name]!r}") from None


def _fraction(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(value)
    return number


__all__ = ["Settings", "settings_from_env"]
