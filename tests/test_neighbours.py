"""Joining passages that are neighbours in the notes: what may join, the joined text, and moved highlights."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from notesbot.chunking import chunk_document
from notesbot.neighbours import join, join_answer, joinable
from notesbot.types import Answer, Chunk, Document, Passage, Sentence

OUTLINE = (
    "1 Causes\n"
    "1.1 Alliances tied the powers together in two armed camps\n"
    "1.1.1 The Triple Entente joined France, Russia and Britain against the Central Powers of Europe\n"
    "1.1.2 Germany had promised Austria-Hungary its full support whatever it chose to do in the Balkans\n"
    "1.1.3 Italy left the Triple Alliance in 1915 and joined the Entente after the secret Treaty of London\n"
    "2 Outbreak\n"
    "2.1 The archduke was shot in Sarajevo in June 1914\n"
)
LIMIT = 220  # one 1.1.x point is about 100 characters: two join, three do not


def _chunks(text: str = OUTLINE, limit: int = 120) -> list[Chunk]:
    return chunk_document(Document("ww1.txt", text, "0"), limit)


def _passage(chunk: Chunk, score: float, highlights: tuple[tuple[int, int], ...] = ()) -> Passage:
    return Passage(chunk.text, chunk.source, chunk.start_line, chunk.end_line, chunk.heading, score, highlights)


def _by_line(chunks: list[Chunk]) -> dict[int, Chunk]:
    return {c.start_line: c for c in chunks}


def test_the_fixture_gives_one_chunk_per_point() -> None:
    lines = _by_line(_chunks())
    assert {3, 4, 5} <= set(lines)
    assert all(lines[n].start_line == lines[n].end_line for n in (3, 4, 5))


def test_next_lines_under_one_heading_join_within_the_limit() -> None:
    lines = _by_line(_chunks())
    assert joinable(lines[3], lines[4], LIMIT)
    assert not joinable(lines[4], lines[3], LIMIT)  # the first must come first in the file
    assert not joinable(lines[3], lines[5], LIMIT)  # a point lies between them
    assert not joinable(lines[3], lines[4], len(lines[3].text) + len(lines[4].text))  # one character short


def test_passages_under_different_top_headings_or_files_stay_apart() -> None:
    lines = _by_line(_chunks())
    last_cause, outbreak = lines[5], max(_chunks(), key=lambda c: c.start)
    assert outbreak.start_line == 6 and last_cause.heading and outbreak.heading
    assert not joinable(last_cause, outbreak, 10_000)
    other = Chunk(lines[4].text, "other.txt", 4, 4, lines[4].heading, lines[4].start, lines[4].end)
    assert not joinable(lines[3], other, 10_000)


def test_a_blank_line_may_lie_between_but_no_text() -> None:
    paragraphs = "First paragraph about the treaty.\n\nSecond paragraph about the war.\n\n\nThird one, far below."
    chunks = chunk_document(Document("p.txt", paragraphs, "0"), 40)
    assert [c.start_line for c in chunks] == [1, 3, 6]
    assert joinable(chunks[0], chunks[1], 200)
    assert not joinable(chunks[1], chunks[2], 200)  # two blank lines: the notes set them apart


def test_a_line_split_in_two_is_not_joined() -> None:
    long_line = "word " * 60
    chunks = chunk_document(Document("l.txt", long_line.strip(), "0"), 120)
    assert len(chunks) > 1
    assert not joinable(chunks[0], chunks[1], 10_000)  # the space between them is no line break


def test_join_puts_a_neighbour_in_the_better_place_and_fills_its_own() -> None:
    lines = _by_line(_chunks())
    chunks = [lines[4], lines[6], lines[3], lines[5]]
    passages = [_passage(c, 1.0 - i / 10) for i, c in enumerate(chunks)]
    out, places = join(passages, chunks, LIMIT)
    assert (out[0].start_line, out[0].end_line) == (3, 4)
    assert out[0].text == "\n".join(OUTLINE.split("\n")[2:4])
    assert out[0].score == max(passages[0].score, passages[2].score)
    assert len(out) == len(passages) - 1
    assert [rank for rank, _ in places] == [0, 1, 0, 2]


def test_join_reaches_only_three_places_down() -> None:
    lines = _by_line(_chunks())
    elsewhere = chunk_document(Document("other.txt", "A point in another file entirely", "0"), 120)[0]
    further = chunk_document(Document("other.txt", "Another point\n\n\n\nin that other file", "0"), 120)[-1]
    chunks = [lines[3], lines[6], elsewhere, further, lines[4]]
    passages = [_passage(c, 1.0) for c in chunks]
    out, _ = join(passages, chunks, LIMIT)
    assert [(p.start_line, p.end_line) for p in out] == [(c.start_line, c.end_line) for c in chunks]


def test_join_reaches_three_places_down() -> None:
    lines = _by_line(_chunks())
    elsewhere = chunk_document(Document("other.txt", "A point in another file entirely", "0"), 120)[0]
    chunks = [lines[3], lines[6], elsewhere, lines[4]]
    out, _ = join([_passage(c, 1.0) for c in chunks], chunks, LIMIT)
    assert [(p.start_line, p.end_line) for p in out] == [(3, 4), (6, 7), (1, 1)]


TITLED = (
    "# Europe 1900-1945\n"
    "## Germany\n"
    "The Kaiser abdicated in November 1918 as the army gave up.\n"
    "## Italy\n"
    "Mussolini marched on Rome in 1922 and took power.\n"
)


def test_under_a_title_only_the_same_section_joins() -> None:
    chunks = chunk_document(Document("europe.md", TITLED, "0"), 60)
    germany, italy = (next(c for c in chunks if c.text.startswith(word)) for word in ("The Kaiser", "## Italy"))
    assert joinable(germany, italy, 700)  # one top-level heading: the title
    assert not joinable(germany, italy, 700, frozenset({"europe.md"}))  # under it, two sections
    assert joinable(germany, italy, 700, frozenset({"other.md"}))
    parts = [line for line in chunks if line.heading and line.heading.endswith("Germany")]
    assert all(joinable(a, b, 700, frozenset({"europe.md"})) for a, b in zip(parts, parts[1:]))


def test_highlights_and_sentences_move_with_their_text() -> None:
    lines = _by_line(_chunks())
    first, second = lines[3], lines[4]
    used = (6, 20)
    passages = [_passage(second, 0.9, (used,)), _passage(first, 0.8)]
    sentence = Sentence(second.text[6:20], "ww1.txt", 4, 0, 6, 20, 0.5)
    answer = Answer("q", "a", False, passages, [sentence], 0.9)
    joined = join_answer(answer, [second, first], LIMIT, k=5)
    (passage,) = joined.passages
    shift = len(first.text) + 1
    assert passage.highlights == ((6 + shift, 20 + shift),)
    moved = joined.sentences[0]
    assert (moved.passage, moved.start, moved.end) == (0, 6 + shift, 20 + shift)
    assert passage.text[moved.start : moved.end] == sentence.text


def test_join_answer_cuts_to_k() -> None:
    chunks = _chunks()
    passages = [_passage(c, 1.0) for c in chunks]
    answer = Answer("q", None, True, passages, [], 0.1)
    assert len(join_answer(answer, chunks, 10, k=2).passages) == 2  # nothing joins under a tiny limit


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(range(7))), st.integers(min_value=80, max_value=500))
def test_joined_passages_are_exact_lines_of_the_notes(order: list[int], limit: int) -> None:
    """Whatever the ranking, each passage is its cited lines of the notes and every point is shown once."""
    chunks = _chunks()
    ranked = [chunks[i] for i in order if i < len(chunks)]
    out, places = join([_passage(c, 1.0) for c in ranked], ranked, limit)
    lines = OUTLINE.split("\n")
    for p in out:
        assert p.text == "\n".join(lines[p.start_line - 1 : p.end_line])
    shown = sorted(n for p in out for n in range(p.start_line, p.end_line + 1))
    assert shown == sorted(n for c in ranked for n in range(c.start_line, c.end_line + 1))
    assert all(out[rank].text[shift : shift + len(c.text)] == c.text for (rank, shift), c in zip(places, ranked))
