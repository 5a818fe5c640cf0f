"""Sentence splitting: pysbd within lines, outline numbers dropped, run-on note lines split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from notesbot.sentences import ENDS_SENTENCE, split


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


def test_a_sentence_broken_over_a_line_break_is_one_sentence() -> None:
    # a paragraph broken mid-sentence by a blank line (a page break), even where the tail is short
    assert texts("China needed aid to fix its roads,\n\nbuild industry and end inflation. It wanted trade.") == [
        "China needed aid to fix its roads,\n\nbuild industry and end inflation.",
        "It wanted trade.",
    ]
    assert texts("a front they would not have\n\nhad prior. However, the US moved on.") == [
        "a front they would not have\n\nhad prior.",
        "However, the US moved on.",
    ]
    # prose wrapped by hand
    assert texts("The United States allied with\nthe Japanese at once.") == [
        "The United States allied with\nthe Japanese at once."
    ]


def test_line_breaks_between_sentences_stay_breaks() -> None:
    assert len(texts("It ended.\nthen more came")) == 2  # a full stop ends it
    assert len(texts("It went on\n\n\nfar later")) == 2  # two blank lines are a new paragraph
    assert len(texts("2 The Great Leap Forward\n2.1 was a rejection")) == 2  # an outline number
    assert len(texts("# Causes of the split\nmostly personal")) == 2  # a Markdown heading
    assert len(texts("M set out to humiliate K\nOrganised a photo")) == 2  # a capital: a new point


@given(st.text(alphabet=st.sampled_from("ab A.\n#1"), max_size=200))
def test_spans_are_stripped_ordered_and_cross_a_line_only_mid_sentence(text: str) -> None:
    spans = split(text)
    assert spans == sorted(spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    for a, b in spans:
        piece = text[a:b]
        assert piece == piece.strip() and piece
        lines = piece.split("\n")
        for before, after in zip(lines, lines[1:]):
            assert "\n\n\n" not in piece
            assert not before.rstrip().endswith(ENDS_SENTENCE) or not before.strip()
            assert not after or after.lstrip()[:1].islower() or not after.strip()
