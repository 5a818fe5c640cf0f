"""Read a chat follow-up ("and why?", "how did he react?") together with the question it follows."""

from __future__ import annotations

import re

from .text import terms

# opens by leaning on what came before: "and when?", "what about Khrushchev?", "so why was that?"
LEANS = re.compile(r"^\W*(?:and|but|so|also|then|what about|how about|what else)\b", re.IGNORECASE)
# a question word alone, or a request for more: "why?", "how so?", "tell me more"
BARE = re.compile(
    r"^\W*(?:why|how|when|where|who|what|how so|why not|how come|really|such as|like what|tell me more|go on|"
    r"more)\W*$",
    re.IGNORECASE,
)
# a word that stands for something named before: "how did he react?", "why did it fail?", "when was that?"
# ("this essay" and "that period" name their thing)
POINTS_BACK = re.compile(
    r"\b(?:he|she|it|they|him|her|them|his|its|their)\b|\b(?:this|that|these|those)\s*(?:[?.!,]|$)", re.IGNORECASE
)
OPENER = re.compile(r"^\W*(?:and|but|so|also|then)\s+(?=\w)", re.IGNORECASE)  # left out of the search: "and when?"
MAX_OWN_TERMS = 2  # a follow-up names at most this many things of its own: "how did Khrushchev see it?"


def is_follow_up(question: str) -> bool:
    """Whether ``question`` cannot be read alone: a question word by itself, or a short question that opens
    with "and" or "what about" or points back with a pronoun. "So why did Mao launch the Great Leap Forward?"
    and "Why did Mao humiliate Khrushchev when he came?" name enough to stand alone."""
    if BARE.search(question):
        return True
    leaning = LEANS.search(question) or POINTS_BACK.search(question)
    return bool(leaning) and len(set(terms(question))) <= MAX_OWN_TERMS


def leans_on(earlier: list[str]) -> str | None:
    """The question a follow-up after ``earlier`` (the chat's questions, oldest first) leans on: the last
    that stands alone, so "and when?" then "why?" both lean on the question before them."""
    return next((q for q in reversed(earlier) if q.strip() and not is_follow_up(q)), None)


def in_context(question: str, earlier: str) -> str:
    """What a follow-up is searched and answered as: itself without an opening "and" or "so" (so "and when?"
    asks for a date), then the question it leans on in brackets."""
    return f"{OPENER.sub('', question)} ({earlier})"


__all__ = ["in_context", "is_follow_up", "leans_on"]
