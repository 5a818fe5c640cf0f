"""Sentence splitting: pysbd within lines, outline numbers dropped, run-on note lines split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from notesbot.sentences import split


def texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split(text)]


def test_every_outline_line_is_a_sentence_without_its_number() -> None:
    assert texts("2 The Great Leap Forward 1958\n2.1 was a rejection of the Soviet model") == [
        "The Great Leap Forward 1958",
        "was a rejection of the Soviet model",
    ]


def test_run_on_note_lines_split_at_linking_words() -> None:
    line = (
        "1.1.1 Khrushchev- new leader- agreed to more economic aid Also agreed to personally visit China "
        "Still, tensions between the 2 powers began to emerge"
    )
    assert texts(line) == [
        "Khrushchev- new leader- agreed to more economic aid",
        "Also agreed to personally visit China",
        "Still, tensions between the 2 powers began to emerge",
    ]


def test_run_on_note_lines_split_at_a_capitalised_participle_or_adverb() -> None:
    assert texts("M set out to humiliate him Organised a photo at the pool") == [
        "M set out to humiliate him",
        "Organised a photo at the pool",
    ]
    assert texts("K agreed to share secrets Eventually he changed his mind") == [
        "K agreed to share secrets",
        "Eventually he changed his mind",
    ]


def test_names_inside_a_line_do_not_split_it() -> None:
    assert len(texts("Mao was less inclined to follow K because of his reluctance to back China over Taiwan")) == 1
    for line in (
        "the talks were held in Beijing with Ahmed present",
        "the Allies invaded Sicily in 1943 and more",
        "in the end the General Assembly passed it",
        "the talks went on with Mohammed present",
        "later they met Alfred and his wife",
        "the Allied forces landed in the north",
    ):
        assert texts(line) == [line]


def test_prose_sentences_and_abbreviations() -> None:
    assert texts("The U.S. isolated China. Dr. Smith disagreed! Why? Nobody knows.") == [
        "The U.S. isolated China.",
        "Dr. Smith disagreed!",
        "Why? Nobody knows.",
    ]


@given(st.text(max_size=400))
def test_spans_are_stripped_ordered_and_within_one_line(text: str) -> None:
    spans = split(text)
    assert spans == sorted(spans)
    for a, b in spans:
        piece = text[a:b]
        assert piece == piece.strip() and piece
        assert "\n" not in piece
