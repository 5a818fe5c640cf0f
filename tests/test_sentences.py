"""Sentence splitting: pysbd within lines, outline numbers dropped, run-on note lines split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from notesbot.outline import ENDS_SENTENCE
from notesbot.sentences import split


def texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split(text)]


def test_every_outline_line_is_a_sentence_without_its_number() -> None:
    assert texts("2 The Great Leap Forward 1958\n2.1 was a rejection of the Soviet model") == [
        "The Great Leap Forward 1958",
        "was a rejection of the Soviet model",
    ]


def test_a_list_item_is_a_sentence_without_its_bullet() -> None:
    assert texts("## The Calvin cycle\n- Occurs in the stroma\n* Fixes CO2\nb) Named after Calvin\n-5 degrees") == [
        "## The Calvin cycle",
        "Occurs in the stroma",
        "Fixes CO2",
        "Named after Calvin",
        "-5 degrees",
    ]
    # a letter before a number or a name is no list item: circa, died, versus; a rule of stars is no bullet
    for line in ("c. 1950 the alliance was formed", "d. 1976 Mao died", "v. Wade was decided", "* * *"):
        assert texts(line) == [line]


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
    assert texts(
        "China needed aid to fix its roads and its railways,\n\nbuild industry, end inflation. It wanted trade."
    ) == [
        "China needed aid to fix its roads and its railways,\n\nbuild industry, end inflation.",
        "It wanted trade.",
    ]
    assert texts("Allying with Japan gave the US a front they would not have\n\nhad prior. However, it moved on.") == [
        "Allying with Japan gave the US a front they would not have\n\nhad prior.",
        "However, it moved on.",
    ]


WRAPPED = """In October 1962 the Soviet Union placed nuclear missiles in Cuba. Then Kennedy
ordered a naval quarantine of the island rather than an air strike, giving
Khrushchev time to back down."""


def test_prose_wrapped_by_hand_is_read_in_whole_sentences() -> None:
    assert texts(WRAPPED) == [
        "In October 1962 the Soviet Union placed nuclear missiles in Cuba.",
        "Then Kennedy\nordered a naval quarantine of the island rather than an air strike, giving\n"
        "Khrushchev time to back down.",
    ]


PDF_PROSE = """LTM has a potentially unlimited capacity and can last a lifetime. Bahrick et al.
(1975) tested people on the names and faces of their school classmates. Participants
were about 90% accurate. STM mainly encodes information acoustically, as shown by
Baddeley in 1966. In a study of memory and context, Godden and Baddeley (1975)
showed that divers recalled more words in the same place."""


def test_prose_from_a_pdf_runs_on_past_abbreviations_brackets_and_hanging_words() -> None:
    """Lines a PDF wraps by the width of their letters, not their count: a line that ends on an
    abbreviation's full stop, on a year in brackets, or on a word no sentence ends on goes on below."""
    assert texts(PDF_PROSE) == [
        "LTM has a potentially unlimited capacity and can last a lifetime.",
        "Bahrick et al.\n(1975) tested people on the names and faces of their school classmates.",
        "Participants\nwere about 90% accurate.",
        "STM mainly encodes information acoustically, as shown by\nBaddeley in 1966.",
        "In a study of memory and context, Godden and Baddeley (1975)\n"
        "showed that divers recalled more words in the same place.",
    ]


def test_a_piece_that_starts_inside_a_line_is_measured_as_the_whole_line() -> None:
    """A chunk may start mid-line: its first line is as full as the line it is a piece of."""
    whole = "Its central executive directs\nattention and two slave systems of working memory, namely the\nloop."
    piece = "It controls memory. " + whole
    assert [piece[a:b] for a, b in split(piece)][1] == "Its central executive directs"  # too short for a wrap
    assert [piece[a:b] for a, b in split(piece, indent=40)] == ["It controls memory.", whole]


def test_abbreviations_pysbd_does_not_know_and_single_capitals_do_not_cut_a_sentence() -> None:
    assert texts("- 4 Aug '14: Brit. declares war after Belgium is invaded") == [
        "4 Aug '14: Brit. declares war after Belgium is invaded"
    ]
    assert texts("- c. 1900: the naval race between Brit. and Germany begins") == [
        "c. 1900: the naval race between Brit. and Germany begins"
    ]
    assert texts("Third law: if body A exerts a force on body B, B pushes back on A.") == [
        "Third law: if body A exerts a force on body B, B pushes back on A."
    ]
    assert texts("- '14-'18: the war itself") == ["'14-'18: the war itself"]  # the bullet goes, whatever follows
    # notes in lower case keep their full stops; a capital that is a name does not hang
    assert len(texts("stalin died in 1953. khrushchev took over. he denounced stalin.")) == 3
    assert len(texts("Night blindness is caused by a lack of vitamin A\nScurvy is caused by a lack of vitamin C.")) == 2
    assert len(texts("The Great Pyramid of Giza was built for the pharaoh Khufu c.\n2560 BC, over twenty years.")) == 1
    assert len(texts("The result was prob. due to the blockade of the ports, see p. 45 for more.")) == 1
    assert len(texts("Was the blockade a success? No.\n1917 saw Germany answer with unrestricted submarine war.")) == 2


def test_a_unit_or_initial_ending_a_line_ends_its_sentence_and_flashcards_stay_apart() -> None:
    physics = "So 1 kg of mass is equivalent to an energy of 9.0 x 10^16 J.\nBinding energy is defined as the energy."
    assert len(texts(physics)) == 2
    cards = (
        "A: tener (tuv-), estar (estuv-), poder (pud-), poner (pus-), and andar (anduv-)\n\nQ: How do you say I did?"
    )
    assert len(texts(cards)) == 2
    assert len(texts("Q: Is an advert an offer?\nA: Usually no, it is an invitation to treat.")) == 2


def test_line_breaks_between_sentences_and_points_stay_breaks() -> None:
    assert len(texts("It ended after a long and costly war.\nthen more came")) == 2  # a full stop ends it
    assert len(texts("It went on and on for a very long time\n\n\nfar later")) == 2  # two blank lines: a new paragraph
    assert len(texts("2 The Great Leap Forward\n2.1 was a rejection")) == 2  # an outline number
    assert len(texts("# Causes of the split between them\nmostly personal ones.")) == 2  # a Markdown heading
    assert len(texts("M set out to humiliate K in front of them\nOrganised a photo")) == 2  # a capital: a new point
    assert len(texts("Korean War\n\nchina entered the war in 1950.")) == 2  # a title, not a wrapped line
    assert len(texts("He said “we will win in the end, whatever it costs.”\nthen he left.")) == 2
    # notes in lower case without full stops are points, however long their lines
    notes = (
        "korean war\nchina entered the war in october 1950\nmao sent 300,000 troops across the yalu river\n"
        "the ussr gave only limited air support\nstalin refused to send soviet ground troops\n\n"
        "the armistice was signed in july 1953"
    )
    assert len(texts(notes)) == 6
    # lettered and numbered lists in lower case, each item without its letter
    assert len(texts("a) the war ended in 1953 after three long years\nb) china lost many troops.")) == 2
    assert texts("i. the war ended in 1953 after three long years\nii. china lost many troops.") == [
        "the war ended in 1953 after three long years",
        "china lost many troops.",
    ]


@given(st.text(alphabet=st.sampled_from("ab A.\n#1"), max_size=200))
def test_spans_are_stripped_ordered_and_cross_a_line_only_mid_sentence(text: str) -> None:
    spans = split(text)
    assert spans == sorted(spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    for a, b in spans:
        piece = text[a:b]
        assert piece == piece.strip() and piece
        assert "\n\n\n" not in piece
        for before in piece.split("\n")[:-1]:
            assert not before.rstrip().endswith(ENDS_SENTENCE) or not before.strip()


def test_no_sentence_ends_on_a_word_that_leads_into_a_name() -> None:
    """ "reports in The Times": "The" starts a sentence in unpunctuated notes, but not after "in"."""
    text = "When war broke out in 1854, reports in The Times described the wards. Herbert asked her to go."
    assert [text[a:b] for a, b in split(text)] == [
        "When war broke out in 1854, reports in The Times described the wards.",
        "Herbert asked her to go.",
    ]
    notes = "agreed to more economic aid Also agreed to visit China"
    assert [notes[a:b] for a, b in split(notes)] == ["agreed to more economic aid", "Also agreed to visit China"]
