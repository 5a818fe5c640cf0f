"""A misspelt question word is read as the word of the notes one edit away, and only then."""

from __future__ import annotations

from notesbot.spelling import correct
from notesbot.text import terms

NOTES = "the swimming pool where Khrushchev floundered; the alliance was not natural; inside the party"
WORDS = {"swimming", "pool", "alliance", "natural", "inside", "incident", "wearing", "fearing", "party"}


def frequency(term: str) -> int:
    return 2 if term in set(terms(NOTES)) else 0


def is_word(word: str) -> bool:
    return word in WORDS or word == "khrushchev"


def test_misspelt_words_are_read_as_the_notes_words() -> None:
    text, changes = correct("tell me about the swiming pool and Krushchev's allience", frequency, is_word)
    assert text == "tell me about the swimming pool and Khrushchev's alliance"
    assert changes == [("swiming", "swimming"), ("Krushchev", "Khrushchev"), ("allience", "alliance")]


def test_real_words_short_words_and_unknown_names_are_left_alone() -> None:
    for question in (
        "was the incident reported",  # a real word the notes lack is not "insident" nor "inside"
        "trust was wearing away",  # a real word, though "fearing" is one edit away
        "who was Zhou Enlai",  # no word of the notes is one edit away
        "the swimm pool",  # under seven letters: too many real neighbours to guess
    ):
        assert correct(question, frequency, is_word) == (question, [])


def test_very_long_and_non_ascii_words_are_left_alone() -> None:
    long_word = "swiming" * 300
    assert correct(f"the {long_word} pool", frequency, is_word) == (f"the {long_word} pool", [])
    assert correct("the swimmïng pool in Zürich", frequency, is_word) == ("the swimmïng pool in Zürich", [])


def test_a_corrected_name_keeps_its_capital_only() -> None:
    text, _ = correct("Krushchev", frequency, lambda w: w == "khrushchev")
    assert text == "Khrushchev"
