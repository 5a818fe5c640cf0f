"""Read a misspelt question word as the word of the notes one letter away ("swiming" -> "swimming")."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from .text import terms

WORD = re.compile(r"\b[A-Za-z]{7,25}\b(?!['’]t\b)")  # shorter words have too many real neighbours; not "shouldn't"
LETTERS = string.ascii_lowercase


def correct(
    question: str, frequency: Callable[[str], int], is_word: Callable[[str], bool]
) -> tuple[str, list[tuple[str, str]]]:
    """``question`` with each word of seven to 25 letters that is neither a real word nor a term of the notes
    replaced by the commonest real word one edit away (a letter deleted, inserted, replaced or two swapped)
    whose term the notes use. ``frequency(term)`` is the number of passages holding a term; ``is_word(word)``
    tells real words, so "wearing" stays "wearing" and "incident" is not read as "insident". Returns the text
    and the (old, new) pairs."""
    changes: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if _known(word, frequency) or is_word(word.lower()):
            return word
        counts = {w: _frequency(w, frequency) for w in _edits(word.lower())}
        found = [w for w, n in counts.items() if n and is_word(w)]
        best = max(found, key=lambda w: (counts[w], w), default=None)
        if best is None:
            return word
        fixed = best[0].upper() + best[1:] if word[0].isupper() else best
        changes.append((word, fixed))
        return fixed

    return WORD.sub(fix, question), changes


def _known(word: str, frequency: Callable[[str], int]) -> bool:
    found = terms(word)
    return not found or all(frequency(t) for t in found)  # a stop word counts as known


def _frequency(word: str, frequency: Callable[[str], int]) -> int:
    found = terms(word)
    return frequency(found[0]) if len(found) == 1 else 0


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


__all__ = ["correct"]
