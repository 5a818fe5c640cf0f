"""Answer composition: sentence choice, citations, highlights, confidence and abstention."""

from __future__ import annotations

from dataclasses import replace

import pytest

from notesbot import sentences
from notesbot.answer import (
    Candidate,
    Signals,
    answer_cards,
    compose,
    confidence,
    echo,
    lacks_office,
    refers_back,
    select,
    type_match,
    viewpoint,
    with_claim,
    with_consequence,
    with_continuation,
    with_detail,
    with_prompt,
    with_reason,
)
from notesbot.text import terms
from notesbot.types import Passage

P0 = Passage("2.1 was a rejection of the Soviet model\n2.1.1 It relied on peasants", "notes.txt", 9, 10, "2 TGLF", 0.9)
P1 = Passage("M was distancing himself from K. He was proud.", "notes.txt", 12, 12, None, 0.8)
SURE = Signals(0.9, 0.8, 1.0, 0.0, 0.0, 1.0)
UNSURE = Signals(0.05, 0.0, 0.0, 2.0, 1.0, 0.0)


def cand(passage: int, start: int, end: int, dense: float, lexical: float = 0.0, line: int = 9) -> Candidate:
    text = (P0, P1)[passage].text[start:end]
    return Candidate(passage, start, end, line, dense, lexical, frozenset(text.lower().split()))


def test_answer_is_the_notes_own_sentences_with_citations_and_highlights() -> None:
    cands = [cand(0, 4, 39, 0.8, 0.5, 9), cand(1, 0, 32, 0.75, 0.4, 12), cand(0, 46, 66, 0.1, 0.0, 10)]
    result = compose("why?", [P0, P1], cands, SURE)
    assert not result.abstained
    assert result.answer == (
        "was a rejection of the Soviet model [notes.txt:9] M was distancing himself from K. [notes.txt:12]"
    )
    assert result.passages[0].highlights == ((4, 39),)
    assert result.passages[1].highlights == ((0, 32),)
    for passage in result.passages:
        for a, b in passage.highlights:
            assert passage.text[a:b] in (result.answer or "")
    assert 0.0 <= result.confidence <= 1.0


def test_a_sentence_broken_over_lines_is_cited_by_its_line_range_and_read_as_one_line() -> None:
    broken = Passage(
        "China needed aid to fix its roads,\n\nbuild industry and end inflation.", "essay.txt", 7, 9, None, 0.9
    )
    result = compose("what did China need aid for?", [broken], [Candidate(0, 0, len(broken.text), 7, 0.9, 0.5)], SURE)
    assert result.answer == "China needed aid to fix its roads, build industry and end inflation. [essay.txt:7-9]"
    assert result.sentences[0].text == broken.text and result.passages[0].highlights == ((0, len(broken.text)),)


def test_low_confidence_abstains_but_keeps_the_closest_passages() -> None:
    result = compose("what is photosynthesis?", [P0, P1], [cand(0, 4, 39, 0.05)], UNSURE)
    assert result.abstained and result.answer is None
    assert result.passages == [P0, P1]
    assert result.to_dict()["abstained"] is True


def test_select_limits_and_drops_redundant_and_weak_sentences() -> None:
    best = cand(0, 4, 39, 0.9)
    same = Candidate(1, 0, 5, 12, 0.85, 0.0, best.terms)
    weak = cand(1, 33, 46, 0.1)
    assert select([weak, same, best]) == [best]
    many = [cand(0, 4, 39, 0.9), cand(1, 0, 32, 0.88), cand(1, 33, 46, 0.87), cand(0, 44, 66, 0.86)]
    assert len(select(many)) == 3


def test_an_answer_of_the_wrong_kind_is_a_refusal_however_similar() -> None:
    """ "Where was the Treaty of Versailles signed?" answered by "Signed 28 June 1919": a date for a place."""
    wrong_kind = Signals(0.9, 0.8, 1.0, 0.0, 0.0, 0.0)
    assert confidence(wrong_kind) > 0.55  # the model alone would answer
    cands = [replace(cand(0, 0, 39, 0.9), fit=0.0)]
    assert compose("Where was it signed?", [P0, P1], cands, wrong_kind).abstained
    assert not compose("Who signed it, and where?", [P0, P1], cands, wrong_kind).abstained  # two questions
    assert not compose("Who signed it?", [P0, P1], cands, SURE).abstained
    placed = [*cands, replace(cand(0, 40, 66, 0.85), fit=1.0)]  # a later sentence of the answer holds the place
    assert not compose("Where was it signed?", [P0, P1], placed, wrong_kind).abstained
    assert compose("Who was the leader of the Soviet model?", [P0, P1], [cand(0, 4, 39, 0.9)], SURE).abstained
    led = Passage("It was led by Khrushchev from 1956.", "notes.txt", 3, 3, None, 0.9)
    by_him = [Candidate(0, 0, 35, 3, 0.9, 0.0)]
    assert not compose("Who was the leader of the Soviet model?", [led], by_him, SURE).abstained


def test_adjacent_sentences_of_one_line_read_as_one_span() -> None:
    cands = [cand(1, 0, 32, 0.9, line=12), cand(1, 33, 46, 0.85, line=12)]
    result = compose("?", [P0, P1], cands, SURE)
    assert result.answer == "M was distancing himself from K. He was proud. [notes.txt:12]"


def test_confidence_is_monotone_in_similarity() -> None:
    low = confidence(Signals(0.3, 0.5, 0.5, 0.0, 0.0, 1.0))
    high = confidence(Signals(0.8, 0.5, 0.5, 0.0, 0.0, 1.0))
    assert 0.0 < low < high < 1.0


def test_type_match() -> None:
    assert type_match("When did Stalin die?", ["Following Stalin's death relations improved"]) == 0.0
    assert type_match("When did K propose it?", ["July 1958 - K proposed joint control"]) == 1.0
    took_over = "When Khrushchev took over, what did he promise China?"  # a time clause, then a "what" question
    assert type_match(took_over, ["Khrushchev- new leader- agreed to more economic aid"]) == 1.0
    assert type_match("how many died?", ["Many people suffered"]) == 0.0
    assert type_match("how many armies?", ["it united 2 powerful armies"]) == 1.0
    assert type_match("how much money did the US give Japan?", ["sending $1 billion of aid to Japan"]) == 1.0
    assert type_match("how much money did the US give Japan?", ["sending 1 billion tanks to Japan"]) == 0.0
    assert type_match("how much money did the USSR lend?", ["it lent 300 million roubles"]) == 1.0
    assert type_match("How much money was in the fund?", ["paid by the Fund of about 45,000 pounds."]) == 1.0
    for other in ("it sent 2 million pounds of grain", "it withdrew 1390 experts, ending its funding"):
        assert type_match("how much money did the USSR give?", [other]) == 0.0, other
    assert type_match("Why did he?", []) == 1.0
    assert type_match("how many soviet experts?", ["Sino-Soviet relations in 1958"]) == 0.0  # a year is no count
    assert type_match("how many tons?", ["$1 billion of aid"]) == 0.0  # a count of something else
    assert type_match("how much aid did the US give?", ["sending $1 billion of aid to Japan"]) == 1.0
    assert type_match("how much US (United States) aid went?", ["sending $1 billion of aid to Japan"]) == 1.0
    assert type_match("how many experts came?", ["tensions between the 2 powers grew"]) == 0.0
    assert type_match("how much did China rely on aid?", ["China depended on USSR for aid"]) == 1.0  # a degree
    assert type_match("How long did the alliance last?", ["it fell apart less than thirty years later"]) == 1.0
    assert type_match("How long did Mao stay?", ["during the first years of this alliance"]) == 0.0
    assert type_match("What was the exact date of Stalin's death?", ["Following Stalin's death"]) == 0.0
    assert type_match("When did it end?", ["it may have ended there"]) == 0.0  # the verb, not the month
    assert type_match("When did it end?", ["it ended in May 1958"]) == 1.0
    assert type_match("What day-to-day problems were there?", ["no dates here"]) == 1.0  # not a date question
    assert type_match("Roughly how many were killed?", ["the 2 powers were at odds"]) == 0.0
    assert type_match("Roughly how many were killed?", ["about 30 million killed"]) == 1.0
    # a count of times in a word, and an amount after what it counts
    assert type_match("How many times does the cycle turn per glucose?", ["The cycle turns twice per glucose."]) == 1.0
    assert type_match("How many times did they meet?", ["They met in 1950 and never again"]) == 0.0
    assert type_match("How much QE had been done by 2021?", ["Total QE reached £895bn by the end of 2021."]) == 1.0
    assert type_match("How much QE had been done by 2021?", ["QE began in 2009 and went on."]) == 0.0
    assert type_match("How many soldiers died on the first day?", ["Once the whistles blew, they walked"]) == 0.0
    assert type_match("How many soldiers died?", ["British soldiers of 3 divisions attacked"]) == 0.0  # not before
    assert type_match("What percentage of the vote did Labour get?", ["Labour's share of the vote was 43.2%"]) == 1.0


def test_a_where_question_needs_a_place_the_question_does_not_name() -> None:
    where = "Where did Mao and Stalin sign the 1950 treaty?"
    assert type_match(where, ["In 1950, Mao Zedong and Joseph Stalin forged the alliance"]) == 0.0
    assert type_match(where, ["Mao travelled to Moscow in December 1949"]) == 1.0
    assert type_match(where, ["they signed it in the Sino-Soviet spirit"]) == 0.0  # a compound adjective
    assert type_match(where, ["Stalin met him in May"]) == 0.0  # a month is no place
    assert type_match(where, ["This led to M's humiliation"]) == 0.0  # "to M's": a person's
    assert type_match("Where in China did K stay?", ["During K's visit to China"]) == 0.0  # named by the question
    assert type_match("Where did Mao humiliate K?", ["Organised photo-opportunity at swimming pool"]) == 1.0
    assert type_match("Where did Mao humiliate K?", ["at the time M set out to humiliate him"]) == 0.0
    assert type_match("Where did China shell?", ["China began the bombardment of Taiwan"]) == 1.0
    assert type_match("where did the US ally itself?", ["The United States allied with Japan"]) == 1.0
    assert type_match("Where did Russia fight the Germans?", ["fighting the Germans in the west"]) == 1.0
    assert type_match("In which city was the pool?", ["M swam confidently before the cameras"]) == 0.0
    assert type_match("Where does glycolysis take place?", ["Takes place in the *cytoplasm*, not here."]) == 1.0
    assert type_match("Where was K?", ["K was in favour of compromise"]) == 0.0  # a figure of speech
    assert type_match("Where is ATP made?", ["It is made on the inner mitochondrial membrane"]) == 1.0
    for place in ("Magma forms in the Earth's mantle", "The nitrogen comes from the air", "across a membrane"):
        assert type_match("Where does it happen?", [place]) == 1.0, place
    for no_place in ("In Stalin's view it was bad", "According to Khrushchev it was bad", "on the other hand, no"):
        assert type_match("Where was it signed?", [no_place]) == 0.0, no_place
    assert type_match("Who wrote the essay on where the alliance came from?", ["Jason Gordon"]) == 1.0  # not "where"


def test_a_question_for_an_office_holder_needs_a_word_of_office_in_its_answer() -> None:
    president = "Who was the American president during the 1958 Taiwan crisis?"
    assert lacks_office(president, ["K believed that M acted rashly over Taiwan"])
    assert not lacks_office(president, ["Eisenhower, the US President, sent the Seventh Fleet"])
    leader = "who was the leader of the Kuomintang"
    for no_office in (
        "The Soviets supported the Kuomintang",
        "All three moves directly antagonized the CCP",
        "This led to M's deliberate humiliation of K",
        "The Algerian war ran from 1954 to 1962",
        "The FLN led the independence struggle",
        "By 5 pm the talks had ended",
    ):
        assert lacks_office(leader, [no_office]), no_office
    for office in (  # notes name offices in many ways, and any of them will do
        "The Kuomintang was led by Chiang Kai-shek",
        "Chiang Kai-shek headed the KMT",
        "the Kuomintang's chief, Chiang",
        "Eisenhower (US Pres.) threatened China",
        "Eden was PM during the Suez Crisis",
        "Czar Nicholas II abdicated",
        "Louis XVI was the French monarch",
        "Harold Godwinson was crowned in January",
        "Mussolini, Il Duce, marched on Rome",
        "John XXIII, the pontiff, opened the council",
        "Frederick the Great reigned in Prussia",
        "Hoover was the first director of the FBI",
        "Khrushchev, First Secretary of the CPSU",
        "FDR won the presidential election of 1932",
    ):
        assert not lacks_office(leader, [office]), office
    assert not lacks_office(leader, ["The KMT fought the CCP", "It was led by Chiang"])  # any sentence will do
    assert not lacks_office("Who was the prime minister of China?", ["Zhou Enlai was Premier of the PRC"])
    # several holders, someone else than the holder, or a second question, may be answered without the word
    assert not lacks_office("Who were the Soviet leaders Mao dealt with?", ["Mao and Stalin forged the alliance"])
    assert not lacks_office("Who was the president's wife?", ["Eleanor Roosevelt, FDR's wife"])
    assert not lacks_office("Who was the Soviet leader in 1950, and who was in charge later?", ["Stalin"])
    assert not lacks_office("Who was the headmaster?", ["Mr Smith taught the school"])  # not an office listed
    assert not lacks_office("Who was the prime suspect?", ["The butler did it"])
    # the sentence naming the holder is not ranked down for lacking the office
    assert type_match("Who was the Shah of Iran?", ["Mohammad Reza Pahlavi was restored to power"]) == 1.0


def test_a_question_about_someones_view_prefers_their_view_to_the_other_sides() -> None:
    mao = "What did Mao think of Khrushchev as a leader?"
    assert viewpoint(mao, "M (Mao) was increasingly convinced that K (Khrushchev) was not a real revolutionary") == 1
    assert viewpoint(mao, "For K (Khrushchev) - this demonstrated M (Mao)'s unpredictable nature") == -1
    assert viewpoint(mao, "Instead, believed K was an administrator") == 0  # nobody named holds it
    assert viewpoint(mao, "Aug 1958 - relations between M (Mao) and K (Khrushchev) were strained") == 0
    khrushchev = "how did khrushchev view mao's behaviour over taiwan"
    assert viewpoint(khrushchev, "K (Khrushchev) - believed that M (Mao) acted rashly") == 1
    assert viewpoint(khrushchev, "Differences over Taiwan further convinced Mao that Khrushchev lacked spirit") == -1
    assert viewpoint("What made Mao believe it?", "The crisis confirmed Mao's belief that K favoured compromise") == 1
    assert viewpoint("Why did Mao launch the Great Leap Forward?", "For K - this demonstrated M's nature") == 0
    made = "What made Mao decide Khrushchev had no real revolutionary spirit?"  # the view is given: what brought it?
    assert viewpoint(made, "Differences over Taiwan further convinced Mao that Khrushchev lacked spirit") == 1
    assert viewpoint(made, "M (Mao) was increasingly convinced that K (Khrushchev) was not a real revolutionary") == -1
    assert viewpoint(made, "Mao thought so because K backed down over Taiwan") == 0
    assert viewpoint("In 1958, which issue made Mao sure of it?", "The Taiwan crisis convinced M (Mao)") == 1
    assert viewpoint("What led to the split between Mao and Khrushchev?", "Mao believed K was weak") == 0
    assert viewpoint("What did they think of Mao?", "For K - this demonstrated M's nature") == 0
    assert viewpoint("What made President Kennedy decide it?", "U-2 photographs convinced Kennedy") == 1  # two words
    assert viewpoint("What led Britain to enter the war?", "Britain feared German domination") == 0  # an act
    assert viewpoint("What did Hitler think of Stalingrad?", "Stalingrad saw the destruction of an army") == 0
    hamlet = "What does Hamlet think of Claudius?"  # literature notes give views in the present tense
    assert viewpoint(hamlet, "Hamlet sees Claudius as a satyr beside his father") == 1
    assert viewpoint(hamlet, "Claudius fears that Hamlet knows the truth") == -1
    assert viewpoint(hamlet, "Hamlet sees the ghost on the battlements") == 0
    assert viewpoint(hamlet, "Hamlet sees the ghost just as Horatio described") == 0
    bernanke = "What did Bernanke think of deflation?"
    for noun in ("Deflation fears drove Bernanke to cut rates", "Standard Oil trusts controlled refining"):
        assert viewpoint(bernanke, noun) == 0, noun
    restated = Candidate(0, 0, 10, 1, 0.70, 0.2, view=-1)
    assert select([restated, Candidate(0, 11, 30, 1, 0.62, 0.2, view=1)])[0] != restated


def test_a_sentence_that_restates_the_question_loses_to_one_that_answers_it() -> None:
    question = frozenset({"great", "leap", "turning", "point"})
    restated = Candidate(0, 0, 10, 1, 0.70, 0.6, question, echo=echo(set(question), question))
    answers = Candidate(0, 11, 30, 1, 0.66, 0.6, frozenset({"mao", "own", "path"}), echo=0.0)
    assert echo(set(question), question) == 1.0 and echo(set(question), answers.terms) == 0.0
    assert select([restated, answers])[0] == answers


def test_a_restatement_in_other_forms_of_the_question_words_is_an_echo() -> None:
    """ "the nation was economically ruined" restates "why was the economy ruined": economy and economically
    are one word to a reader, though their stems differ; short stems are not stretched so."""
    question = set(terms("why was the economy ruined after the war"))
    assert echo(question, frozenset(terms("the nation was economically ruined"))) == 2 / 3
    assert echo({"war"}, frozenset(terms("wars warm"))) == 0.5, "war/warm: stems under five letters match whole"


def test_titles_and_sentences_of_the_wrong_kind_rank_lower() -> None:
    plain = Candidate(0, 0, 10, 1, 0.60, 0.0)
    assert Candidate(0, 0, 10, 1, 0.62, 0.0, title=True).score < plain.score
    assert Candidate(0, 0, 10, 1, 0.62, 0.0, fit=0.0).score < plain.score


REASONS = Passage(
    "Differences over Taiwan convinced M that K was weak. This led to the humiliation of K. K left early. "
    "Russia had an interest in Manchuria. It needed warm-water ports.",
    "notes.txt",
    17,
    17,
    None,
    0.9,
)


def reason_cands(echoes: dict[int, float]) -> list[Candidate]:
    spans, start = [], 0
    for sentence in REASONS.text.split(". "):
        end = start + len(sentence) + (0 if sentence.endswith(".") else 1)
        spans.append((start, end))
        start = end + 1
    return [Candidate(0, a, b, 17, 0.9 - i / 10, 0.0, echo=echoes.get(i, 0.0)) for i, (a, b) in enumerate(spans)]


def test_a_why_answer_that_restates_the_question_brings_the_reason_beside_it() -> None:
    # "This led to ..." refers back: the reason is the sentence before it
    cands = reason_cands({1: 0.5})
    best = cands[1]
    cands[1] = Candidate(0, best.start, best.end, 17, 2.0, 0.0, echo=0.5)
    chosen = with_reason("why did M humiliate K?", [REASONS], cands, [cands[1], cands[2]])
    assert [REASONS.text[c.start : c.end] for c in chosen] == [
        "This led to the humiliation of K.",
        "Differences over Taiwan convinced M that K was weak.",
        "K left early.",
    ]
    # otherwise the reason follows the claim
    cands = reason_cands({3: 0.5})
    chosen = with_reason("why was Russia interested in Manchuria?", [REASONS], cands, [cands[3]])
    assert [REASONS.text[c.start : c.end] for c in chosen][1] == "It needed warm-water ports."
    # a restatement that ends its passage sums up the reasons before it
    cands = reason_cands({4: 0.5})
    chosen = with_reason("why did Russia need ports?", [REASONS], cands, [cands[4]])
    assert [REASONS.text[c.start : c.end] for c in chosen] == [
        "It needed warm-water ports.",
        "Russia had an interest in Manchuria.",
    ]
    # ... but not a sentence of another line (another point or paragraph), nor a title, nor when it gives its own
    other_line = [*cands[:3], replace(cands[3], line=16), cands[4]]
    assert with_reason("why did Russia need ports?", [REASONS], other_line, [cands[4]]) == [cands[4]]
    titled = [*cands[:3], replace(cands[3], title=True), cands[4]]
    assert with_reason("why did Russia need ports?", [REASONS], titled, [cands[4]]) == [cands[4]]
    own = Passage("Russia had an interest in Manchuria. It needed ports because its own froze.", "n.txt", 3, 3, None, 1)
    pair = [Candidate(0, 0, 36, 3, 0.5, 0.0), Candidate(0, 37, 75, 3, 0.9, 0.0, echo=0.5)]
    assert own.text[37:75] == "It needed ports because its own froze."
    assert with_reason("why did Russia need ports?", [own], pair, [pair[1]]) == [pair[1]]


def test_a_why_answer_that_draws_a_conclusion_brings_the_sentence_it_concludes_from() -> None:
    # "This led to ..." opens a consequence: the reason is the sentence before, however little it echoes
    cands = reason_cands({})
    chosen = with_reason("why did M humiliate K?", [REASONS], cands, [cands[1]])
    assert [REASONS.text[c.start : c.end] for c in chosen] == [
        "This led to the humiliation of K.",
        "Differences over Taiwan convinced M that K was weak.",
    ]
    # not for other questions
    assert with_reason("what happened to K?", [REASONS], cands, [cands[1]]) == [cands[1]]
    # "So-called" is no back-reference
    called = Passage("Mao led. So-called revisionism in Moscow angered Mao.", "notes.txt", 3, 3, None, 0.9)
    pair = [Candidate(0, 0, 8, 3, 0.5, 0.0), Candidate(0, 9, 53, 3, 0.9, 0.0)]
    assert with_reason("why was Mao angry?", [called], pair, [pair[1]]) == [pair[1]]


def test_a_later_conclusion_in_a_why_answer_brings_its_reason_in_place_of_the_weakest_sentence() -> None:
    # the best sentence (K left early) neither restates the question nor concludes: the third chosen one
    # ("This led to ...") brings the sentence before it, and the second-best makes way
    cands = reason_cands({})
    chosen = with_reason("why did M humiliate K?", [REASONS], cands, [cands[2], cands[3], cands[1]])
    assert [REASONS.text[c.start : c.end] for c in chosen] == [
        "K left early.",
        "Differences over Taiwan convinced M that K was weak.",
        "This led to the humiliation of K.",
    ]
    # a reason already chosen is not brought twice, and other questions are left alone
    assert with_reason("why did M humiliate K?", [REASONS], cands, [cands[2], cands[0], cands[1]]) == [
        cands[2],
        cands[0],
        cands[1],
    ]
    assert with_reason("what did M do?", [REASONS], cands, [cands[2], cands[3], cands[1]]) == [
        cands[2],
        cands[3],
        cands[1],
    ]
    # a conclusion in another passage than the best sentence's is about something else: left as it is
    other = [Candidate(1, c.start, c.end, c.line, c.dense, 0.0) for c in cands]
    chosen = [cands[2], cands[3], other[1]]
    assert with_reason("why did M humiliate K?", [REASONS, REASONS], cands + other, chosen) == chosen


@pytest.mark.parametrize(
    "opening",
    [
        "This led to",
        "Thus, K",
        "Therefore the 2",
        "Simply, M",
        "During this time, China",
        "By that point K",
        "For K - this demonstrated",
        "The CCP perceived this as",
    ],
)
def test_openings_that_refer_back_are_read_as_conclusions(opening: str) -> None:
    assert refers_back(opening)


@pytest.mark.parametrize(
    "opening",
    ["So-called revisionism", "During the war", "Thistle", "In 1950, Mao", "The treaty was signed in this city"],
)
def test_other_openings_are_not_conclusions(opening: str) -> None:
    assert not refers_back(opening)


POOL = Passage(
    "M set out to humiliate K. He organised a swimming photo-opportunity. For K - this showed M was unpredictable. "
    "Relations cooled.",
    "notes.txt",
    26,
    26,
    None,
    0.9,
)


def sentence_cands(passage: Passage) -> list[Candidate]:
    """The sentences of a one-line passage, cut at full stops, each scoring a little less than the one before."""
    text, out, start = passage.text, [], 0
    for i, end in enumerate(j + 1 for j, ch in enumerate(text) if ch == "."):
        out.append(Candidate(0, start, end, passage.start_line, 0.9 - i / 10, 0.0))
        start = end + 1
    return out


def test_a_sentence_that_refers_back_to_the_best_one_comes_second() -> None:
    cands = sentence_cands(POOL)
    texts = [
        POOL.text[c.start : c.end] for c in with_consequence("what was the pool incident?", [POOL], cands, cands[1:2])
    ]
    assert texts == ["He organised a swimming photo-opportunity.", "For K - this showed M was unpredictable."]
    # the weakest other sentence makes way
    chosen = with_consequence("what was the pool incident?", [POOL], cands, [cands[1], cands[0], cands[3]])
    assert chosen == [cands[1], cands[2], cands[0]]
    # not after a later sentence, not twice, not a title, and not for "why" questions (with_reason's work)
    assert with_consequence("what happened?", [POOL], cands, [cands[0], cands[1]]) == [cands[0], cands[1]]
    assert with_consequence("what happened?", [POOL], cands, [cands[1], cands[2]]) == [cands[1], cands[2]]
    titled = [*cands[:2], replace(cands[2], title=True), cands[3]]
    assert with_consequence("what happened?", [POOL], titled, [cands[1]]) == [cands[1]]
    assert with_consequence("why did M humiliate K?", [POOL], cands, [cands[1]]) == [cands[1]]
    assert with_consequence("what happened?", [POOL], cands, [cands[3]]) == [cands[3]], "nothing follows the last"
    assert with_consequence("what happened?", [POOL], cands, []) == []
    # compose brings it, however weakly it scores alone
    weak = [replace(c, dense=d) for c, d in zip(cands, (0.2, 0.9, 0.3, 0.2))]
    result = compose("what was the pool incident?", [POOL], weak, SURE)
    assert result.answer == (
        "He organised a swimming photo-opportunity. For K - this showed M was unpredictable. [notes.txt:26]"
    )


def test_only_why_questions_restated_by_their_answer_bring_a_neighbour() -> None:
    cands = reason_cands({3: 0.5, 0: 0.1})
    assert with_reason("what did Russia want in Manchuria?", [REASONS], cands, [cands[3]]) == [cands[3]]
    assert with_reason("why was M convinced?", [REASONS], cands, [cands[0]]) == [cands[0]]
    assert with_reason("why did Russia care?", [REASONS], cands, []) == []


POINTS = Passage(
    "K agreed to more economic aid. Also agreed to visit China. Tensions began. Even offered a bomb. "
    "Even so, trust held.",
    "notes.txt",
    3,
    3,
    None,
    0.9,
)


def test_a_sentence_that_adds_to_a_chosen_one_follows_it() -> None:
    cands = sentence_cands(POINTS)
    texts = [POINTS.text[c.start : c.end] for c in with_continuation([POINTS], cands, [cands[0], cands[2]])]
    assert texts == ["K agreed to more economic aid.", "Also agreed to visit China.", "Tensions began."]
    texts = [POINTS.text[c.start : c.end] for c in with_continuation([POINTS], cands, [cands[2]])]
    assert texts == ["Tensions began.", "Even offered a bomb."]
    assert cands[4] not in with_continuation([POINTS], cands, [cands[3]]), '"Even so" turns, it does not add'
    assert with_continuation([POINTS], cands, [cands[4]]) == [cands[4]], "nothing follows the last sentence"
    assert with_continuation([POINTS], cands, []) == []
    # a sentence that adds without a subject of its own comes after the one it adds to
    texts = [POINTS.text[c.start : c.end] for c in with_continuation([POINTS], cands, [cands[1]])]
    assert texts == ["K agreed to more economic aid.", "Also agreed to visit China."]
    texts = [POINTS.text[c.start : c.end] for c in with_continuation([POINTS], cands, [cands[3]])]
    assert texts == ["Tensions began.", "Even offered a bomb."]
    assert with_continuation([POINTS], cands, [cands[0]]) == cands[:2], "none before the first"
    assert len(with_continuation([POINTS], cands, [cands[0], cands[2], cands[3]])) == 3, "at most 3 sentences"


def test_sentences_in_a_row_on_one_line_are_cited_once_in_their_order() -> None:
    line = Passage(
        "K proposed a deal. Also offered a bomb. However K changed his mind.", "notes.txt", 22, 22, None, 0.9
    )
    cands = [
        Candidate(0, 0, 18, 22, 0.1, 0.0),
        Candidate(0, 19, 39, 22, 0.85, 0.0),
        Candidate(0, 40, 67, 22, 0.9, 0.0),
    ]
    result = compose("what did K offer?", [line], cands, SURE)
    assert result.answer == "K proposed a deal. Also offered a bomb. However K changed his mind. [notes.txt:22]"
    assert result.passages[0].highlights == ((0, 18), (19, 39), (40, 67))


OUTLINE = Passage(
    "2 The Great Leap Forward 1958\n2.1 was a rejection of the Soviet model\n"
    "2.1.1 USSR stressed expertise. TGLF relied on peasants\n2.2 M doubted K\n2.2.1 He saw K as an administrator",
    "notes.txt",
    8,
    12,
    "2 The Great Leap Forward 1958",
    0.9,
)


def outline_cands() -> dict[str, Candidate]:
    """A candidate for each sentence of OUTLINE, keyed by its first word."""
    found = {}
    for sentence in [
        "The Great",
        "was a",
        "USSR stressed expertise.",
        "TGLF relied on peasants",
        "M doubted K",
        "He saw",
    ]:
        start = OUTLINE.text.index(sentence)
        end = OUTLINE.text.find("\n", start)
        end = start + len(sentence) if sentence.endswith(".") else (end if end >= 0 else len(OUTLINE.text))
        found[sentence.split()[0]] = Candidate(0, start, end, 8 + OUTLINE.text.count("\n", 0, start), 0.5, 0.0)
    return found


def test_a_later_sub_point_brings_the_claim_of_a_parent_point_without_a_subject() -> None:
    c = outline_cands()
    every = list(c.values())
    assert with_claim([OUTLINE], every, [c["He"], c["TGLF"]]) == [c["He"], c["was"], c["TGLF"]]
    # the answer keeps its first sentences: the claim takes its evidence's place when both do not fit
    assert with_claim([OUTLINE], every, [c["He"], c["M"], c["TGLF"]]) == [c["He"], c["M"], c["was"]]
    # the best sentence stays first, with no claim ahead of it
    assert with_claim([OUTLINE], every, [c["TGLF"], c["He"]]) == [c["TGLF"], c["He"]]
    # a parent point with a subject of its own stands apart; a claim already chosen is not repeated
    assert with_claim([OUTLINE], every, [c["TGLF"], c["He"]])[1:] == [c["He"]]
    assert with_claim([OUTLINE], every, [c["was"], c["USSR"]]) == [c["was"], c["USSR"]]
    # a claim that answers much worse than the best sentence stays out
    weak = {**c, "was": Candidate(0, c["was"].start, c["was"].end, c["was"].line, 0.1, 0.0)}
    assert with_claim([OUTLINE], list(weak.values()), [weak["He"], weak["TGLF"]]) == [weak["He"], weak["TGLF"]]


def test_a_title_in_lower_case_is_no_claim() -> None:
    text = "1 the cuban missile crisis 1962\n1.1 soviet missiles in cuba\n1.2 the blockade\n1.2.1 kennedy ordered it"
    notes = Passage(text, "lower.txt", 1, 4, None, 0.9)
    words = ["the cuban missile crisis 1962", "soviet missiles in cuba", "the blockade", "kennedy ordered it"]
    cands = [
        Candidate(0, text.index(w), text.index(w) + len(w), 1 + i, 0.5, 0.0, title=i == 0) for i, w in enumerate(words)
    ]
    assert with_claim([notes], cands, [cands[3], cands[1]]) == [cands[3], cands[1]], "a title is no claim"
    assert with_claim([notes], cands, [cands[1], cands[3]]) == [cands[1], cands[3]], "nor a point without a verb"


def test_the_chosen_evidence_stays_in_the_answer_whatever_claims_and_continuations_bring() -> None:
    text = "3 The split\n3.1 was caused by ideology. Also it was personal. Mao was proud.\n3.1.1 Also, accused K."
    notes = Passage(text, "n.txt", 1, 3, None, 0.9)
    spans = sentences.split(text)
    cands = [
        Candidate(0, a, b, 1 + text.count("\n", 0, a), 0.9 if text[a:b].startswith("Also,") else 0.0, 0.0)
        for a, b in spans
    ]
    answer = compose("what was K accused of?", [notes], cands, SURE)
    assert answer.answer is not None and "Also, accused K." in answer.answer


ASSIGNMENT = Passage(
    "Jason Gordon 2023\n\nPlease explain the origins of the alliance. Was it natural? Explain the factors. Why did"
    " Mao join it?",
    "essay.txt",
    1,
    3,
    None,
    0.9,
)


def test_a_question_about_the_assignment_is_answered_with_the_assignment_in_order() -> None:
    text, spans, start = ASSIGNMENT.text, [], 0
    for piece in (
        "Jason Gordon 2023",
        "Please explain the origins of the alliance.",
        "Was it natural?",
        "Explain the factors.",
        "Why did Mao join it?",
    ):
        start = text.index(piece, start)
        spans.append((start, start + len(piece)))
    cands = [Candidate(0, a, b, 1 if i == 0 else 3, 0.5 + i / 10, 0.0, asks=i > 0) for i, (a, b) in enumerate(spans)]
    best = cands[2]  # "Was it natural?" matches best; the assignment is read from its start
    words = [text[c.start : c.end] for c in with_prompt("what question was the essay answering?", cands, [best])]
    assert words == ["Please explain the origins of the alliance.", "Was it natural?", "Explain the factors."]
    assert with_prompt("was the alliance natural?", cands, [best]) == [best], "only a question about the asking"
    assert with_prompt("what was the essay question?", cands, [cands[0]]) == [cands[0]], "only from a prompt"
    last = [text[c.start : c.end] for c in with_prompt("what was the essay question?", cands, [cands[4]])]
    assert last == ["Was it natural?", "Explain the factors.", "Why did Mao join it?"], "the best one is never cut"


def test_a_flashcard_is_answered_by_its_answer_side() -> None:
    texts = ["Q: Is an advert an offer?", "A: Usually no, it is an invitation to treat.", "Q: Can silence accept?"]
    asked = Candidate(0, 0, 25, 5, 0.95, 0.9, frozenset(terms(texts[0])), echo=1.0)
    said = Candidate(0, 26, 70, 5, 0.30, 0.0, frozenset(terms(texts[1])))
    other = Candidate(0, 71, 93, 6, 0.40, 0.1, frozenset(terms(texts[2])))
    cards = answer_cards([asked, said, other], texts)
    assert select(cards)[0] == cards[1] and cards[1].dense == 0.95 and cards[0].title
    assert answer_cards([said, asked], texts[1::-1]) == [said, asked]  # an answer before its question pairs nothing
    elsewhere = replace(said, passage=1)
    assert answer_cards([asked, elsewhere], texts[:2]) == [asked, elsewhere]  # nor one in another passage
    choices = ["Which event started the war?", "A) The sinking of the Lusitania"]  # a choice, not a card
    assert answer_cards([asked, said], choices) == [asked, said]


KAPP = Passage(
    "3.2 Kapp Putsch March 1920\n3.2.1 Wolfgang Kapp and Freikorps seized Berlin\n"
    "3.2.2 Failed because the workers went on a general strike\n3.3 Munich Putsch",
    "weimar.txt",
    22,
    25,
    "3 Challenges",
    0.9,
)


def kapp_candidates(question: str) -> list[Candidate]:
    asked = set(terms(question))
    spans = [(4, 26), (33, 74), (81, 133), (138, 151)]
    scores = [0.8, 0.5, 0.4, 0.3]
    return [
        Candidate(
            0, a, b, 22 + i, d, 0.5, frozenset(terms(KAPP.text[a:b])), echo(asked, frozenset(terms(KAPP.text[a:b])))
        )
        for i, ((a, b), d) in enumerate(zip(spans, scores))
    ]


def test_an_outline_point_that_restates_the_question_brings_its_best_sub_point() -> None:
    question = "What happened in the Kapp Putsch?"
    cands = kapp_candidates(question)
    assert [KAPP.text[c.start : c.end] for c in with_detail(question, [KAPP], cands, cands[:1])] == [
        "Kapp Putsch March 1920",
        "Wolfgang Kapp and Freikorps seized Berlin",
    ]
    why = "Why did the Kapp Putsch fail?"
    cands = kapp_candidates(why)
    chosen = with_detail(why, [KAPP], cands, cands[:1])
    assert KAPP.text[chosen[1].start : chosen[1].end].startswith("Failed because")  # a cause, for "why"
    full = with_detail(why, [KAPP], cands, [cands[0], cands[3], cands[1]])
    assert full == [cands[0], cands[3], cands[1]]  # no room: the sentences chosen for themselves stay
    sub = with_detail(question, [KAPP], cands, [cands[1]])
    assert sub == [cands[1]]  # a sub-point without sub-points brings nothing
