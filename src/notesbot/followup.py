"""Read a chat follow-up ("and why?", "how did he react?") together with the question it follows."""

from __future__ import annotations

import re

from .answer import TWO_QUESTIONS
from .text import terms

# opens by leaning on what came before: "and when?", "what about Khrushchev?", "but why did it fail?"
LEANS = re.compile(r"^\W*(?:and|but|also|then|what about|how about|what else)\b", re.IGNORECASE)
# a question word alone, or a request for more: "why?", "so how?", "how so?", "tell me more"
BARE = re.compile(
    r"^\W*(?:(?:and|but|so|then)\s+)?(?:why|how|when|where|who|what|how so|why not|how come|really|such as|"
    r"like what|tell me more|go on|more)\W*$",
    re.IGNORECASE,
)
# a word that stands for something named before: "how did he react?", "why did it fail?", "when was that?"
# ("this essay" and "that period" name their thing)
POINTS_BACK = re.compile(
    r"\b(?:he|she|it|they|him|her|them|his|its|their)\b|\b(?:this|that|these|those)\s*(?:[?.!,]|$)", re.IGNORECASE
)
# ... but not "it" standing for nothing: "Is it true that ...", "Why is it important to ...", "How is it that ..."
DUMMY_IT = re.compile(r"\b(?:is|was)\s+it\s+(?:\w+\s+)?(?:that|to)\b|\bit\s+(?:is|was)\s+\w+\s+(?:that|to)\b", re.I)
# ... or asks after something without naming it: "who gained?", "how many were killed?", "what was the result?"
# (not "who was stalin?" or "where is rubisco?", which ask what a thing they name is)
UNNAMED = re.compile(r"^\W*(?:who|when|where|why|how)\b(?!\s+(?:is|was|are|were)\s+(?!\w+ed\b)\w)", re.I)
RELATIONS = frozenset(
    terms(
        "result results outcome outcomes effect effects impact consequence consequences reaction response cause "
        "causes reason reasons significance aftermath point"
    )
)
FRAMING = frozenset(
    terms("many much was were is are be been being out up down off over more most very")
)  # names nothing
CAPITALISED = re.compile(r"(?<!^)\b[A-Z]\w")  # a capitalised word after the first: "Who led the Reds?" names them
OPENER = re.compile(r"^\W*(?:and|but|so|also|then)\s+(?=\w)", re.IGNORECASE)  # left out of the search: "and when?"
WH_WORDS = re.compile(r"\b(?:what|which|when|where|who|whom|whose|why|how)\b|[?]", re.IGNORECASE)
MAX_OWN_TERMS = 2  # a follow-up names at most this many things of its own: "how did Khrushchev see it?"


def is_follow_up(question: str) -> bool:
    """Whether ``question`` cannot be read alone: a question word by itself, a short question that opens
    with "and" or "what about", one that asks after something without naming it ("who gained?", "what was
    the result?"), or one that points back with a pronoun before naming anything ("when did he win the Nobel
    Prize?") or while naming little ("how did Khrushchev see it?"). "So why did Mao launch the Great Leap
    Forward?", "Who was Hitler?" and "What is ATP and why is it important?" stand alone."""
    if BARE.search(question):
        return True
    own = set(terms(question)) - FRAMING
    if LEANS.search(question):
        return len(own) <= MAX_OWN_TERMS
    if own <= RELATIONS or (len(own) == 1 and UNNAMED.search(question) and not CAPITALISED.search(question)):
        return True
    plain = DUMMY_IT.sub(" ", question)
    pointer = POINTS_BACK.search(plain)
    if pointer is None or TWO_QUESTIONS.search(question):  # "What is ATP and why is it important?"
        return False
    return not terms(plain[: pointer.start()]) or len(own) <= MAX_OWN_TERMS


def leans_on(earlier: list[str]) -> str | None:
    """The question a follow-up after ``earlier`` (the chat's questions, oldest first) leans on: the last
    that stands alone, so "and when?" then "why?" both lean on the question before them."""
    return next((q for q in reversed(earlier) if q.strip() and not is_follow_up(q)), None)


def in_context(question: str, earlier: str) -> str:
    """What a follow-up is searched and answered as: itself without an opening "and" or "so" (so "and when?"
    asks for a date), then what the question it leans on was about, in brackets and without its question
    words, so "why?" after "Where did ...?" does not ask for a place."""
    topic = " ".join(WH_WORDS.sub(" ", earlier).split())
    return f"{OPENER.sub('', question)} ({topic})"


__all__ = ["in_context", "is_follow_up", "leans_on"]
