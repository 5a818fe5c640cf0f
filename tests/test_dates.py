"""Years in questions and in notes: spans, short years, and when a passage is about another time."""

from __future__ import annotations

import pytest

from notesbot.dates import (
    OPEN,
    Span,
    expand_short,
    in_time,
    out_of_time,
    question_span,
    reference_year,
    spans_in,
)


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("what happened in 1958?", (1958, 1958)),
        ("What made the years 1954 to 1957 important?", (1954, 1957)),
        ("why did they stay allies 1954-57", (1954, 1957)),
        ("relations between 1954 and 1957", (1954, 1957)),
        ("the mid-1950s", (1953, 1957)),
        ("the late 1950s", (1955, 1959)),
        ("in the 1940s", (1940, 1949)),
        ("in 1950, and by the late 1950s", (1950, 1959)),
        ("What did Mao think of Khrushchev by 1958?", (-OPEN, 1958)),
        ("Was the USSR still the head of the communist world after 1954?", (1955, OPEN)),
        ("What caused tension before the 1958 crisis?", (-OPEN, 1958)),
        ("What made relations worse before 1958?", (-OPEN, 1957)),
        ("What happened after 1954?", (1955, OPEN)),
        ("What changed since 1954?", (1954, OPEN)),
        ("Were they still allies by 1958?", (-OPEN, 1958)),
        ("how did relations change from 1954 until 1957?", (1954, 1957)),
    ],
)
def test_question_spans(question: str, span: tuple[int, int]) -> None:
    assert question_span(question) == Span(*span)


@pytest.mark.parametrize("question", ["why did Mao launch TGLF?", "who had 2 visits?", "done in 10 minutes", "in 58"])
def test_questions_without_a_full_year_have_no_span(question: str) -> None:
    assert question_span(question) is None


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("why did relations get worse in the late 50s?", (1955, 1959)),
        ("what role did china play in the mid 50s", (1953, 1957)),
        ("what happened in the 50s and 60s?", (1950, 1969)),
        ("what did K offer in '58?", (1958, 1958)),
        ("what happened in 58?", (1958, 1958)),
        ("what did K think in Jan 59?", (1959, 1959)),
        ("were they allies in 54-57?", (1954, 1957)),
        ("from 54 to 57, were they allies?", (1954, 1957)),
        ("between 54 and 57", (1954, 1957)),
        ("were they still allies by 58?", (-OPEN, 1958)),
        ("in 1950, and by the late 50s", (1950, 1959)),
    ],
)
def test_a_question_may_write_years_short_when_the_notes_year_is_known(question: str, span: tuple[int, int]) -> None:
    assert question_span(question, reference=1955) == Span(*span)
    if "1950" not in question:
        assert question_span(question) is None, "without the notes' year, short years are not read"


def test_short_years_are_read_nearest_the_notes_year() -> None:
    assert question_span("in the 90s", reference=2010) == Span(1990, 1999)
    assert question_span("from 98 to 05", reference=2010) == Span(1998, 2005)
    assert question_span("prices in the late 00s?", reference=2010) == Span(2005, 2009)
    assert expand_short("what happened in '58?", 1955) == "what happened in 1958?"


@pytest.mark.parametrize(
    "question",
    [
        "what did aspirin do in patients aged 60-70?",
        "what do pages 12-15 say",
        "the top 10-20 reasons",
        "in 85-90 of cases",
        "a temperature of 37-40 degrees",
        "patients in their 50s",
        "he died in his late 70s",
        "done in 10 minutes",
        "what did the plan do in 58 days",
        "his 2nd visit",
        "on Aug 23",
    ],
)
def test_numbers_that_are_not_short_years_give_no_span(question: str) -> None:
    assert question_span(question, reference=1955) is None


def test_the_notes_year_is_the_middle_of_the_years_they_name() -> None:
    assert reference_year(["1954-57 significant", "In 1950, Mao", "By 1958 the 2 powers"]) == 1954
    assert reference_year(["In 1914 war began", "since 2008, and in 2010", "by 2012"]) == 2010
    assert reference_year(["no years here", "the 2 powers; 45 of 58 votes"]) is None


def test_short_years_are_read_in_the_given_century_only_where_notes_write_them() -> None:
    near = Span(1958, 1958)
    assert spans_in("4.1 During 58, differences emerged", near) == [Span(1958, 1958)]
    assert spans_in("However - Jan 59 - K changed his mind", near) == [Span(1959, 1959)]
    assert spans_in("6.1 By end of 58 - the 2 remained allies", near) == [Span(1958, 1958)]
    assert spans_in("During 58, differences emerged") == [], "no question's years, no short years"
    assert spans_in("the 2 powers; his 2nd visit; in 10 minutes; 45 of 58 votes", near) == []


@pytest.mark.parametrize(
    "text, years",
    [
        ("on 12.3.1958", [1958]),
        ("3/12/1958", [1958]),
        ("10/10/1949: the PRC", [1949]),
        ("in 1958,1959", [1958, 1959]),
    ],
)
def test_years_closing_a_date_or_in_a_list_are_years(text: str, years: list[int]) -> None:
    assert spans_in(text) == [Span(y, y) for y in years]


@pytest.mark.parametrize(
    "text",
    [
        "Grain output fell by 15.5% in the famine",
        "output rose by 30-40% in a year",
        "paid in 12-month steps",
        "paid back 6 of 20.",
        "Aug 23 - PLA began shelling Quemoy",
        "On Oct 15, talks resumed",
        "1/2000 in UK have abnormal PrP positivity",
        "a risk of 0.1958 per year",
        "a dose of 2000.5 units",
    ],
)
def test_numbers_that_are_not_years_are_not_read_as_years(text: str) -> None:
    assert spans_in(text, Span(1958, 1958)) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("the 1958-9 famine", (1958, 1959)),
        ("the 1958/59 harvest", (1958, 1959)),
        ("from 1954 through 1957", (1954, 1957)),
        ("the 1950's alliance", (1950, 1959)),
        ("aid came in Sept '58.", (1958, 1958)),
    ],
)
def test_ranges_and_decades_as_notes_write_them(text: str, span: tuple[int, int]) -> None:
    assert spans_in(text, Span(1958, 1958)) == [Span(*span)]


def test_a_passage_is_out_of_time_only_when_it_names_years_and_none_fits() -> None:
    mid_fifties = question_span("between 1954 and 1957")
    assert mid_fifties is not None
    assert out_of_time(mid_fifties, "5.1 Aug 1958 - personal relationship between M and K was further strained")
    assert out_of_time(mid_fifties, "4 China's interests > 4.1 During 58, differences emerged")
    assert not out_of_time(mid_fifties, "1.2 1954-57 significant because of the growing erosion of trust")
    assert not out_of_time(mid_fifties, "1.3 Personal relationship between M and K also suffered")
    assert not out_of_time(mid_fifties, "from 1950 to 1960 the alliance held")


def test_a_passage_is_in_time_when_it_names_a_year_asked_about() -> None:
    mid_fifties = question_span("why did they stay allies in 1954-57?")
    assert mid_fifties is not None
    assert in_time(mid_fifties, "1.2 1954-57 significant because of the growing erosion of trust")
    assert in_time(mid_fifties, "In 1956 the two argued")
    assert not in_time(mid_fifties, "1.3 Personal relationship between M and K also suffered")
    assert not in_time(mid_fifties, "5.1 Aug 1958 - personal relationship between M and K was further strained")
    in_1961 = question_span("why was the Berlin Wall built in 1961?")
    assert in_1961 is not None
    assert in_time(in_1961, "Aug 1961 - the wall went up overnight")
    assert not in_time(in_1961, "The Cold War in Europe 1945-62")  # a title's long stretch of years
    by_1957 = question_span("why did they stay allies up to 1957?")
    assert by_1957 is not None and in_time(by_1957, "1.2 1954-57 significant because of the erosion of trust")
    since_1949 = question_span("how has China's economy changed since 1949?")  # up to now: any year may fit
    assert since_1949 is not None and not in_time(since_1949, "Deng's reforms from 1978")
    assert not in_time(since_1949, "Smith (2004) argues that the plan failed")
