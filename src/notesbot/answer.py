"""Turn ranked passages into an extractive answer: the notes' own sentences, each cited, or an abstention."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from .chunking import about_asking, child_points, parent_point
from .config import (
    DEFAULT_ABSTAIN_BELOW,
    DEFAULT_ANSWER_SENTENCES,
    DEFAULT_CALIBRATION,
    DEFAULT_DETAIL_ECHO,
    DEFAULT_ECHO_FREE,
    DEFAULT_ECHO_PENALTY,
    DEFAULT_KIND_PENALTY,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_RANK_PENALTY,
    DEFAULT_REASON_ECHO,
    DEFAULT_REDUNDANCY,
    DEFAULT_SENTENCE_MARGIN,
    DEFAULT_TIME_BONUS,
    DEFAULT_TITLE_PENALTY,
    DEFAULT_VIEW_WEIGHT,
    DEFAULT_WRONG_KIND_CAP,
)
from .text import kin, terms
from .types import Answer, Passage, Sentence


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with its similarity to the question."""

    passage: int
    start: int
    end: int
    line: int
    dense: float
    lexical: float
    terms: frozenset[str] = frozenset()
    echo: float = 0.0
    fit: float = 1.0
    title: bool = False
    asks: bool = False  # a question or instruction of the notes, like an essay's assignment
    view: int = 0  # whose view the sentence gives, for "what did A think of B": 1 A's, -1 another's (viewpoint)
    timely: bool = False  # its passage names the years asked about, and some other top passage does not

    @property
    def score(self) -> float:
        """Similarity plus lexical evidence, less penalties for a low passage rank, for restating the
        question without adding to it, for being a section title, and for lacking the date or number
        that a "when" or "how many" question asks for; plus or minus a little for giving the view asked
        about or the other side's, and plus a little for a passage naming the years asked about."""
        return (
            self.dense
            + DEFAULT_LEXICAL_WEIGHT * self.lexical
            - DEFAULT_RANK_PENALTY * self.passage
            - DEFAULT_ECHO_PENALTY * max(0.0, self.echo - DEFAULT_ECHO_FREE)
            - DEFAULT_KIND_PENALTY * (1.0 - self.fit)
            - DEFAULT_TITLE_PENALTY * self.title
            + DEFAULT_VIEW_WEIGHT * self.view
            + DEFAULT_TIME_BONUS * self.timely
        )


def echo(question_terms: set[str], sentence_terms: frozenset[str]) -> float:
    """Share of a sentence's terms that the question already holds, in the same or another form ("economy",
    "economically"): 1 for a sentence that only restates it."""
    if not sentence_terms:
        return 1.0
    shared = [t for t in sentence_terms if t in question_terms or any(kin(t, q) for q in question_terms)]
    return len(shared) / len(sentence_terms)


# "what did A think of B", "how did A view B", "what did President Kennedy make of ...": A holds the view asked
# about (a name of up to three words)
WHO_THINKS = r"((?:[\w'’-]+\s+){0,2}?[\w'’-]+)\s+(?:\w+ly\s+)?"
VIEW_QUESTION = re.compile(
    rf"\b(?:did|does|do|had|make|makes|made)\s+{WHO_THINKS}"
    r"(?:think|view|see|feel|regard|believe|consider|perceive|make of|take)\b",
    re.IGNORECASE,
)
HOLDER = r"([A-Z][\w'’-]*(?:\s*\([^)]*\))?)"  # a name, with its glossary expansion: "K (Khrushchev)"
THOUGHT = (
    r"(?:(?:was|were|became|had been|is|are)\s+(?:\w+ly\s+)?convinced|(?:also\s+|had\s+|always\s+|now\s+|\w+ly\s+)?"
    r"(?:believed|thought|felt|saw(?=[^.;]*\bas\b)|viewed|considered|regarded|feared|suspected|perceived|"
    r"distrusted|trusted|(?:believes|thinks|feels|fears|suspects)(?=\s+that\b)|"
    r"(?:sees|views|regards|considers|perceives)(?=(?:\s+[\w'’-]+){1,4}?\s+(?<!just\s)as\b(?!\s+(?:if|though|well)\b))))"
)  # "saw this as a natural alliance", not "Stalingrad saw the destruction of ..."; in the present tense only
# with what is thought ("Hamlet sees Claudius as ...", "Claudius fears that ..."): not "Deflation fears drove ..."
# who holds a view in notes: "For K - this demonstrated ...", "K - believed that ...", "convinced Mao that ...",
# "Mao's belief that ..."
THINKER = re.compile(
    rf"\bFor\s+{HOLDER}\s*[-–—:,]|\b{HOLDER}\s*(?:[-–—]\s*)?{THOUGHT}\b|\bconvinced\s+{HOLDER}|"
    rf"\b{HOLDER}['’]s\s+(?:belief|view|opinion|fear|suspicion|impression)\b"
)


# what brought someone to a view: "what made Mao decide ...", "which issue made Mao more sure that ...", "what
# persuaded Mao that ..." (not to an act: "what led Britain to enter the war" asks for motives, views among them)
CAUSE_QUESTION = re.compile(
    r"(?:^|,)\s*(?:what|which(?:\s+\w+){1,2})\s+(?:\w+ly\s+)?(?:(?:made|led|caused|pushed|drove)\s+"
    rf"{WHO_THINKS}(?:to\s+)?(?:(?:even|more|so|very|quite)\s+)*(?:decide|think|believe|conclude|feel|doubt|"
    r"suspect|realise|realize|fear|distrust|see|sure|certain|convinced)\b|(?:persuaded|convinced)\s+"
    rf"{WHO_THINKS}that\b)",
    re.IGNORECASE,
)
# ... in notes: "Differences over Taiwan further convinced Mao that ..."
CAUSED = re.compile(rf"\b(?:convinced|persuaded|led|made|drove|pushed|confirmed)\s+{HOLDER}")


@lru_cache(maxsize=64)  # asked once for each sentence scored
def _view_asked(question: str) -> tuple[bool, frozenset[str], frozenset[str]] | None:
    """For a question about a view: whether it asks what brought the view, the terms of the view's holder, and
    the terms after (the others it names); None for other questions, and when the holder is nobody named
    ("what led to the split", "what did they think")."""
    cause = CAUSE_QUESTION.search(question)
    asked = cause or VIEW_QUESTION.search(question)
    if not asked:
        return None
    holder = frozenset(terms(next(name for name in asked.groups() if name)))
    if not holder:
        return None
    return cause is not None, holder, frozenset(terms(question[asked.end() :])) - holder


def viewpoint(question: str, sentence: str) -> int:
    """For a question about what someone thought ("How did Khrushchev view Mao's behaviour?"), 1 when the
    sentence gives that person's view ("K (Khrushchev) - believed that M acted rashly"), -1 when it gives the
    view of someone else the question names ("For K - this demonstrated M's unpredictable nature", asked what
    Mao thought of K), else 0. Asked what brought the view ("What made Mao decide ..."), 1 goes to a sentence
    naming a cause ("Differences over Taiwan convinced Mao that ...") and -1 to one that only restates the view.
    Names are read with their glossary expansions, so the sentence should be expanded."""
    asked = _view_asked(question)
    if asked is None:
        return 0
    cause, holder, others = asked
    thinkers = [set(terms(name)) for found in THINKER.finditer(sentence) for name in found.groups() if name]
    if cause:  # the view is given: the answer says what brought it
        brought = [set(terms(found.group(1))) for found in CAUSED.finditer(sentence)]
        if any(t & holder for t in brought):
            return 1
        if any(t & holder for t in thinkers) and not BECAUSE.search(sentence):
            return -1  # the view restated, with nothing of what brought it
        return -1 if any(t & others for t in thinkers) and not any(t & holder for t in thinkers) else 0
    mine = any(t & holder for t in thinkers)
    theirs = any(t & others for t in thinkers)
    return int(mine) - int(theirs) if mine != theirs else 0


# the two sides of a flashcard: "Q: Is an advert an offer?" then "A: Usually no, ..." (on one line or two)
# (with a colon: "A) The Lusitania" is a choice, "A. J. P. Taylor" a name)
CARD_QUESTION = re.compile(r"^[\s*_#>-]*(?:Q|Question)\s*\d*\s*:")
CARD_ANSWER = re.compile(r"^[\s*_#>-]*(?:A|Ans|Answer)\s*:")


def answer_cards(candidates: list[Candidate], texts: list[str]) -> list[Candidate]:
    """``candidates`` (``texts[i]`` the sentence of ``candidates[i]``) with each flashcard's answer side as
    close to the question as its question side, which asks and answers nothing: a question that matches a
    card's question is answered by the card's answer."""
    out = list(candidates)
    for i in range(1, len(out)):
        asked, said = out[i - 1], out[i]
        card = CARD_QUESTION.match(texts[i - 1]) or texts[i - 1].rstrip().endswith("?")
        if asked.passage == said.passage and card and CARD_ANSWER.match(texts[i]):
            out[i] = replace(said, dense=max(said.dense, asked.dense), lexical=max(said.lexical, asked.lexical))
            out[i - 1] = replace(asked, title=True)
    return out


# "when did ...", "in what year ..."; not a question opening with a time clause ("When Khrushchev took over,
# what did he promise China?")
WHEN = re.compile(
    r"^\s*when\b(?![^?]*,\s*(?:what|why|how|who|whom|which|where|did|does|do|was|were|is|are|had|has|can|could|"
    r"would)\b)|\b(what|which) (year|date|month|day|decade)(?![\w-])|\b(exact|precise) date\b",
    re.IGNORECASE,
)
# "how many X", "how much X" (but not "how much did ...", which asks for a degree), "what amount of X"
HOW_MANY = re.compile(
    r"\bhow (many|much(?! (did|does|do|was|is|were|are|has|had|have)\b))\b|\b(what|which) (number|amount|sum|"
    r"percentage|proportion)\b",
    re.IGNORECASE,
)
HOW_LONG = re.compile(r"^\s*how long\b", re.IGNORECASE)
# a question that asks two things: the kind one part asks for may be missing from the answer to the other
TWO_QUESTIONS = re.compile(r"\band\s+(?:in\s+)?(?:what|when|where|who|why|how|which|did|was|were|is)\b", re.IGNORECASE)
# "where did ...", "in which city ...": the answer must name a place the question does not
WHERE = re.compile(
    r"^\s*where\b|\bwhere (did|does|do|was|were|is|are|had|has)\b|\b(in|at) (which|what) (city|town|country|"
    r"place|location|venue|region|province|building|room)\b",
    re.IGNORECASE,
)
# "who was the American president ...", "who was China's premier": one holder of an office, whom an answer names
# with a word of office. Notes name offices in many ways ("Chiang headed the KMT", "Eisenhower (US Pres.)", "Fed
# Chair", "was crowned", "led by Gapon"), so any of them will do; an answer with none names nobody's office.
# Common verbs ("This led to", "the war ran from 1954") are no words of office.
OFFICES = (
    "leader president premier minister head chairman chair chief ruler king queen emperor empress tsar czar "
    "kaiser shah sultan pope monarch commander governor mayor chancellor dictator secretary"
)
OFFICE_WORDS = frozenset(
    terms(
        f"{OFFICES} leadership presidency presidential presided premiership headed chaired reign reigned throne "
        "crowned tsarina pontiff papacy ministry dictatorship duce fuhrer director"
    )
)  # not "directed": its stem is that of "directly"
OFFICE_PHRASES = re.compile(r"\b(?:led|headed|run|ruled|governed|commanded) by\b|\bPM\b|\bPres\b")
ROLE = re.compile(
    r"^\s*who\s+(?:was|is|were|are|became|had been)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+['’]s\s+)?(?:[\w-]+\s+)?"
    rf"(?:{'|'.join(OFFICES.split())})(?![\w'’])",  # one holder ("who were the leaders" asks for several), no
    re.IGNORECASE,  # possessive ("who was the president's wife" asks for someone else)
)


def lacks_office(question: str, sentences: list[str]) -> bool:
    """Whether a "who was the <office>" question (one holder, one question) has an answer of ``sentences``
    with no word of office: then it names somebody, but not as the holder. The sentences are not ranked by
    it, since notes often name the office in one sentence and the person in the next."""
    if not ROLE.search(question) or TWO_QUESTIONS.search(question):
        return False
    return not any(OFFICE_PHRASES.search(s) or not OFFICE_WORDS.isdisjoint(terms(s)) for s in sentences)


# a place: a name after a preposition of place ("in Moscow", "to Beijing"), or a thing after one that only
# places ("at the swimming pool", "in the cytoplasm"; not "to the extent"); "at the time", "in favour" are not places
PLACED = re.compile(
    r"(?<!according )\b(in|at|near|inside|outside|to|from|within|into|across|throughout|around|beside|towards?|on|"
    r"onto|under|below|above|behind|beneath|along|through)\s+(?:the\s+|a\s+|an\s+)?[*_`]*([A-Za-z][\w'’-]*)"
    r"(?:\s+([A-Za-z][\w'’-]*))?",  # ... and the word after, for a possessive: "in the Earth's mantle"
    re.IGNORECASE,
)
COMPOUND = re.compile(r"[A-Z]\w+(-[A-Z]\w+)+")
POSSESSIVE = re.compile(r"\w['’]s?$")
THING_PLACE = frozenset(  # noqa: SIM905
    [
        "at",
        "in",
        "near",
        "inside",
        "outside",
        "beside",
        "within",
        "throughout",
        "on",
        "under",
        "below",
        "above",
        "behind",
        "beneath",
        "along",
        "from",
        "across",
        "into",
        "through",
    ]
)
# a name just after "of", "with", "like" or a verb of going or holding ("bombardment of Taiwan", "allied with
# Japan", "visit China", "cede Manchuria"): places are often written so, though people are too
NAMED_AFTER = re.compile(
    r"\b(?i:of|with|like|visit(?:ed|ing|s)?|cede[ds]?|control(?:led|s)?|invade[ds]?|occup(?:y|ied|ies))\s+"
    r"([A-Z][\w'’-]*)"
)
COMPASS = frozenset("north south east west north-east north-west south-east south-west".split())  # noqa: SIM905
# ... nor are "in favour", "in order", "in the minds of" and other figures of speech
NOT_PLACES = frozenset(
    (  # noqa: SIM905
        "time times first least last all once most best worst risk odds stake length large present moment point end "
        "start beginning expense cost heart pains hand war peace that this which any some favour favor order fact "
        "practice exchange charge terms general particular addition response return turn short total part case "
        "effect contrast comparison mind minds spite power control theory principle reality full advance public "
        "private detail question view sense way ways light face absence hope hopes need needs desire search support "
        "aftermath wake course process period years year decade decades century centuries days months weeks "
        "stages stage one two three each both other others such many more much behalf basis account top average "
        "turn show offer trial board"
    ).split()
)
# capitalised, so the verbs "may" and "march" are not months
MONTHS = (
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|January|February|March|April|May|June|July|August|"
    r"September|October|November|December"
)
DATE = re.compile(rf"\b(1[0-9]{{3}}|20[0-9]{{2}}|{MONTHS}|(?i:century|centuries|decades?))\b")
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a dozen|dozens|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?"
)
TIMES = re.compile(r"\b(once|twice|thrice)\b", re.IGNORECASE)  # counts of times: "turns twice", for "how many times"
# a count or amount: money, a percentage, digits that are not a year, or a number word
QUANTITY = re.compile(rf"[$£€¥%]|\b(?!(?:1[5-9]\d\d|20\d\d)\b)\d[\d,.]*|\b({NUMBER_WORDS})\b", re.IGNORECASE)
DURATION = re.compile(
    rf"\b(\d[\d,.]*|{NUMBER_WORDS}|a|an|several|many|few)\s+(\w+\s+)?(years?|months?|weeks?|days?|decades?|"
    r"centuries|century|hours?)\b|\b(decades|centuries)\b",
    re.IGNORECASE,
)
FOCUS_WORDS = 3  # words after "how many" that name what is counted
AUXILIARIES = frozenset(["were", "has", "had", "have", "been", "being", "would", "could", "should", "can"])
EXPANSION = re.compile(r"\s*\([^()]*\)")  # a glossary expansion, "US (United States)", is not what is counted
NEAR = 5  # a count must come at most this many words before what it counts ("300,000 Chinese troops") ...
NEAR_BEFORE = 3  # ... or, for an amount ("how much X"), this many after it ("Total QE reached £895bn")
CURRENCY = "$£€¥"
MONEY = frozenset(terms("money cash funds funding spending dollars euros roubles rubles yen yuan"))  # asked for
# an amount of money in words: "300 million dollars" (not "2 million pounds of grain": pounds only after £)
CURRENCY_WORDS = frozenset(terms("dollars euros roubles rubles yen yuan"))
MONEY_NEAR = 3  # a currency word must come at most this many words after the number
DETAIL_WORDS = 8  # an outline point of at most this many words may only name a topic ("Kapp Putsch March 1920")
POUNDS = re.compile(
    r"(?:\w+\s+)?pounds?\b(?!\s+of\b)", re.IGNORECASE
)  # "45,000 pounds", not "2 million pounds of grain"


@dataclass(frozen=True)
class Expected:
    """What a question's answer must hold: a date, a duration, a place, or a count (of ``focus`` terms, when
    named)."""

    kind: str
    focus: frozenset[str] = frozenset()  # what a count counts
    much: bool = False  # "how much X", "what percentage of X": the amount may also come just after X
    asked: frozenset[str] = frozenset()  # for a place, the question's terms: a place the question names is no answer

    def found_in(self, sentence: str) -> bool:
        if self.kind == "date":
            return bool(DATE.search(sentence))
        if self.kind == "duration":
            return bool(DURATION.search(sentence))
        if self.kind == "place":
            found = [(m.group(1).lower(), m.group(2), m.group(3)) for m in PLACED.finditer(sentence)]
            found += [("of", m.group(1), None) for m in NAMED_AFTER.finditer(sentence)]
            return any(self._new_place(preposition, word, after) for preposition, word, after in found)
        if "time" in self.focus and TIMES.search(sentence):
            return True
        return any(self._counts_focus(sentence, m.start()) for m in QUANTITY.finditer(sentence))

    def _new_place(self, preposition: str, word: str, after: str | None = None) -> bool:
        """Whether ``word`` after ``preposition`` names a place the question does not (``asked``); for a
        possessive, whether the word ``after`` it does: "in the Earth's mantle" is a place, "in Stalin's view"
        and "to M's humiliation" are not."""
        if POSSESSIVE.search(word):
            return after is not None and not POSSESSIVE.search(after) and self._new_place(preposition, after)
        if word[0].isupper():  # not a month, an initial, or a compound like "Sino-Soviet" (an adjective)
            named = len(word) > 1 and not re.fullmatch(MONTHS, word) and not COMPOUND.fullmatch(word)
        else:
            named = (preposition in THING_PLACE and word not in NOT_PLACES) or word in COMPASS
        found = set(terms(word))
        return named and bool(found) and not any(kin(t, a) or t == a for t in found for a in self.asked)

    def _counts_focus(self, sentence: str, start: int) -> bool:
        if not self.focus:
            return True
        words = sentence[start:].split()
        before = sentence[:start].split()[-NEAR_BEFORE:] if self.much else []
        near = set(terms(" ".join(before + words[: NEAR + 1])))
        priced = (
            sentence[start] in CURRENCY
            or set(terms(" ".join(words[: MONEY_NEAR + 1]))) & CURRENCY_WORDS
            or POUNDS.match(" ".join(words[1 : MONEY_NEAR + 2]))
        )
        return bool((self.focus & MONEY and priced) or self.focus & near)


@lru_cache(maxsize=64)  # asked once for each sentence scored
def expected(question: str) -> Expected | None:
    """What a "when", "how long", "where" or "how many/much X" question needs in its answer; None for other
    questions."""
    if WHEN.search(question):
        return Expected("date")
    if HOW_LONG.search(question):
        return Expected("duration")
    if WHERE.search(question):
        return Expected("place", asked=frozenset(terms(question)))
    match = HOW_MANY.search(question)
    if match:
        named = EXPANSION.sub("", question[match.end() :]).split()[:FOCUS_WORDS]
        much = (match.group(1) or match.group(3)).lower() not in ("many", "number")  # an amount, not a count
        return Expected("count", frozenset(terms(" ".join(named))) - AUXILIARIES, much)
    return None


def type_match(question: str, sentences: list[str]) -> float:
    """1 when a "when", "how long", "where" or "how many" question finds a date, duration, place or count among
    ``sentences`` (or asks for none), else 0: an answer of the wrong kind suggests the notes do not hold it."""
    wanted = expected(question)
    if wanted is None:
        return 1.0
    return 1.0 if any(wanted.found_in(s) for s in sentences) else 0.0


@dataclass(frozen=True)
class Signals:
    """Question-level evidence that the notes hold an answer; the inputs of the confidence."""

    best_dense: float
    best_lexical: float
    coverage: float
    unknown_names: float
    unknown_terms: float
    type_match: float

    NAMES = ("best_dense", "best_lexical", "coverage", "unknown_names", "unknown_terms", "type_match", "any_unknown")

    def features(self) -> list[float]:
        """The signals in NAMES order; ``any_unknown`` is 1 when the question has a word the notes never use:
        one such word can name what the notes lack ("president", "speech"), whatever share of the words it is."""
        return [
            self.best_dense,
            self.best_lexical,
            self.coverage,
            self.unknown_names,
            self.unknown_terms,
            self.type_match,
            float(self.unknown_terms > 0),
        ]

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in zip(self.NAMES, self.features())}


def confidence(signals: Signals, calibration: tuple[float, ...] = DEFAULT_CALIBRATION) -> float:
    """Probability that the notes answer the question: a logistic model fitted on the eval questions."""
    bias, *weights = calibration
    z = bias + sum(w * x for w, x in zip(weights, signals.features()))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def select(candidates: list[Candidate], limit: int = DEFAULT_ANSWER_SENTENCES) -> list[Candidate]:
    """Up to ``limit`` sentences: the best, then others nearly as good and not redundant (MMR-like)."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) == limit:
            break
        if chosen and cand.score < chosen[0].score - DEFAULT_SENTENCE_MARGIN:
            break
        if any(_redundant(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    return chosen


WHY = re.compile(r"^\s*(why|how come)\b|\bwhat (led|caused|made|drove|pushed|motivated)\b|\breasons?\b", re.IGNORECASE)
# a sentence opening like this goes on from the one before it, which holds what "this" refers to
BACK_REFERENCE = re.compile(
    r"^(This|These|Thus|Therefore|Hence|As a result|Consequently|So|Simply|In short|"
    r"(During|In|At|By|After|From|Because of|Due to|Despite) (this|these|that|those))\b(?!-)"  # not "So-called"
)
# ... or names it within its first words: "For K - this demonstrated M's unpredictable nature"
THIS_EARLY = re.compile(r"^(\W*\w+\W+){0,3}?(this|these)\b(?!-)", re.IGNORECASE)


def refers_back(sentence: str) -> bool:
    """Whether a sentence goes on from the one before it: it opens with a back-reference ("This led to",
    "Thus, ...") or has "this" or "these" among its first four words."""
    return bool(BACK_REFERENCE.match(sentence) or THIS_EARLY.match(sentence))


def with_reason(
    question: str, passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """For a "why" question whose best sentence mostly restates it, or draws a conclusion ("This led to M's
    deliberate humiliation of K", "Thus, China was forced to ally ..."), the sentence beside it, which gives
    the reason in notes, in second place: the one before when the best opens with a back-reference or ends
    its passage (a restatement there sums up the reasons before it), else the one after; never a title or a
    question. Otherwise a later chosen sentence that draws a conclusion brings the one before it."""
    if not chosen or not WHY.search(question):
        return chosen
    best = chosen[0]
    back = _concludes(passages, best)
    if best.echo < DEFAULT_REASON_ECHO and not back:
        return _reason_before_conclusion(passages, candidates, chosen)
    beside = _neighbour(candidates, best, after=not back)
    if beside is None and not back:
        beside = _summed_up(passages, candidates, best)
    if beside is None or beside in chosen or beside.title:
        return chosen
    return [best, beside, *chosen[1:]][:DEFAULT_ANSWER_SENTENCES]


# a sentence that gives its own reason
BECAUSE = re.compile(r"\b(because|due to|owing to|since|so that|in order to|as a result of)\b", re.IGNORECASE)


def _summed_up(passages: list[Passage], candidates: list[Candidate], best: Candidate) -> Candidate | None:
    """The sentence before ``best``, a restatement that ends its passage, when both start on one line (one
    paragraph or outline point) and ``best`` gives no reason of its own: the reason is what it sums up."""
    before = _neighbour(candidates, best, after=False)
    if before is None or before.line != best.line:
        return None
    return None if BECAUSE.search(passages[best.passage].text[best.start : best.end]) else before


def _concludes(passages: list[Passage], cand: Candidate) -> bool:
    return refers_back(passages[cand.passage].text[cand.start : cand.end])


def _reason_before_conclusion(
    passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """The first chosen sentence from the best one's passage that draws a conclusion, with the sentence before
    it put just ahead of it; to stay within the limit, the weakest other sentences after the best make way."""
    for i, cand in enumerate(chosen[1:], 1):
        before = _neighbour(candidates, cand, after=False)
        if cand.passage != chosen[0].passage or not _concludes(passages, cand) or before is None or before in chosen:
            continue
        out = [*chosen[:i], before, *chosen[i:]]
        spare = [x for x in reversed(out[1:]) if x not in (before, cand)]
        while len(out) > DEFAULT_ANSWER_SENTENCES and spare:
            out.remove(spare.pop(0))
        return out[:DEFAULT_ANSWER_SENTENCES]
    return chosen


def with_prompt(question: str, candidates: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
    """For a question about what the notes ask ("What question was the essay written to answer?") whose best
    sentence is a question or instruction of the notes, the whole prompt from its first sentence, in order,
    as far as the limit allows (ending with the best one when it lies further in): an assignment is read as a
    whole, not as its best-matching sentence."""
    if not chosen or not chosen[0].asks or not about_asking(question):
        return chosen
    run = [chosen[0]]
    while (before := _neighbour(candidates, run[0], after=False)) is not None and before.asks:
        run.insert(0, before)
    while (after := _neighbour(candidates, run[-1], after=True)) is not None and after.asks:
        run.append(after)
    first = max(0, run.index(chosen[0]) - DEFAULT_ANSWER_SENTENCES + 1)
    return run[first : first + DEFAULT_ANSWER_SENTENCES]


def with_consequence(
    question: str, passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """For a question other than "why", the sentence right after the best one in second place when it refers
    back to it ("Organised photo-opportunity at swimming pool ..." / "For K - this demonstrated M's
    unpredictable nature"): what the best sentence tells is read with what the notes make of it. A title is
    never brought; the weakest other sentence makes way."""
    if not chosen or WHY.search(question):
        return chosen
    best = chosen[0]
    after = _neighbour(candidates, best, after=True)
    if after is None or after in chosen or after.title or not _concludes(passages, after):
        return chosen
    return [best, after, *chosen[1:]][:DEFAULT_ANSWER_SENTENCES]


# a sentence opening like this adds another point to the one before it ("Also agreed to visit China")
CONTINUATION = re.compile(
    r"^(Also|Even(?! (so|though|if|when|then)\b)|Furthermore|Moreover|In addition|Additionally|Equally|As well)\b"
)


# ... and without a subject of its own ("Also agreed to visit China"): the sentence before it names who
HEADLESS = re.compile(rf"{CONTINUATION.pattern},?\s+[a-z]")


def with_continuation(passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
    """Each chosen sentence followed by the next sentence of its passage when that one adds to it ("Also ...",
    "Even ..."): notes list a point's parts as sentences in a row, and the answer is all of them. A chosen
    sentence that adds to the one before it without a subject ("Also agreed to personally visit China") comes
    after that one ("Khrushchev- new leader- agreed to more economic aid")."""
    out: list[Candidate] = []
    for cand in chosen:
        if cand in out:
            continue
        before = _neighbour(candidates, cand, after=False)
        text = passages[cand.passage].text[cand.start : cand.end]
        if before is not None and before not in out and HEADLESS.match(text):
            out.append(before)
        out.append(cand)
        after = _neighbour(candidates, cand, after=True)
        if (
            after is not None
            and after not in out
            and CONTINUATION.match(passages[after.passage].text[after.start : after.end])
        ):
            out.append(after)
    return out[:DEFAULT_ANSWER_SENTENCES]


# a point that goes on from its heading without a subject of its own starts with a verb: "was a rejection of
# the Soviet model", "led to famine", "proposed joint control"
VERB_FIRST = re.compile(
    r"^(was|were|is|are|be|been|being|had|has|have|did|does|do|could|would|should|can|will|may|might|must|"
    r"[a-z]{2,}ed)\b"
)


def with_claim(passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]) -> list[Candidate]:
    """Each chosen outline sub-point after the first sentence preceded by its parent point, when that point
    goes on from its section's title without a subject ("2 The Great Leap Forward 1958" / "2.1 was a rejection
    of the Soviet model") and answers nearly as well as the best sentence: such a point states the section's
    claim and the sub-point is its evidence, so the claim takes the sub-point's place when both do not fit.
    The first sentence, which answers best, always stays first."""
    out, best = chosen[:1], max((c.score for c in chosen), default=0.0)
    for cand in chosen[1:]:
        claim = _claim(passages[cand.passage].text, candidates, cand)
        if (
            claim is not None
            and claim not in out
            and claim not in chosen
            and claim.score >= best - DEFAULT_SENTENCE_MARGIN
        ):
            out.append(claim)
        if cand not in out:
            out.append(cand)
    return out[:DEFAULT_ANSWER_SENTENCES]


def _claim(text: str, candidates: list[Candidate], cand: Candidate) -> Candidate | None:
    """The first sentence of ``cand``'s parent outline point in its passage, when that point starts with a
    verb and is not a section title."""
    span = parent_point(text, cand.start)
    if span is None:
        return None
    first = min(
        (c for c in candidates if c.passage == cand.passage and span[0] <= c.start < span[1]),
        key=lambda c: c.start,
        default=None,
    )
    if first is None or first.title:
        return None
    return first if VERB_FIRST.match(text[first.start : first.end]) else None


def with_detail(
    question: str, passages: list[Passage], candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """Each chosen outline point that only names a topic (a short point that mostly restates the question:
    "Spartacist uprising January 1919 in Berlin" for "Who led the Spartacist uprising?") followed by its best
    sub-point ("Led by Rosa Luxemburg and Karl Liebknecht"), while the answer has room: the sub-points say
    what the question asks of the topic. For "why", a sub-point that gives a cause ("Failed because ...")."""
    why = bool(WHY.search(question))
    room = DEFAULT_ANSWER_SENTENCES - len(set(chosen))  # the sentences chosen for themselves all stay
    out: list[Candidate] = []
    for cand in chosen:
        if cand in out:
            continue
        out.append(cand)
        text = passages[cand.passage].text
        label = len(text[cand.start : cand.end].split()) <= DETAIL_WORDS and cand.echo >= DEFAULT_DETAIL_ECHO
        if room <= 0 or not label:
            continue
        spans = child_points(text, cand.start)
        kids = [c for c in candidates if c.passage == cand.passage and any(a <= c.start < b for a, b in spans)]
        best = max(kids, key=lambda c: (why and bool(BECAUSE.search(text[c.start : c.end])), c.score), default=None)
        if best is not None and best not in out and best not in chosen:
            out.append(best)
            room -= 1
    return out


def _neighbour(candidates: list[Candidate], cand: Candidate, after: bool) -> Candidate | None:
    """The sentence of ``cand``'s passage right after it (or right before it), None at the passage's edge."""
    same = [c for c in candidates if c.passage == cand.passage]
    if after:
        return min((c for c in same if c.start >= cand.end), key=lambda c: c.start, default=None)
    return max((c for c in same if c.end <= cand.start), key=lambda c: c.start, default=None)


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.passage == b.passage and not (a.end <= b.start or b.end <= a.start):
        return True
    shared, union = len(a.terms & b.terms), len(a.terms | b.terms)
    return bool(union) and shared / union > DEFAULT_REDUNDANCY


def compose(
    question: str,
    passages: list[Passage],
    candidates: list[Candidate],
    signals: Signals,
    abstain_below: float = DEFAULT_ABSTAIN_BELOW,
) -> Answer:
    """The answer: chosen sentences with citations and highlights, or an abstention below the threshold."""
    sure = confidence(signals)
    chosen = with_prompt(question, candidates, with_reason(question, passages, candidates, select(candidates)))
    chosen = with_consequence(question, passages, candidates, chosen)
    chosen = with_claim(passages, candidates, with_continuation(passages, candidates, chosen))
    chosen = with_detail(question, passages, candidates, chosen)
    wrong_kind = not signals.type_match and not any(c.fit for c in chosen) and not TWO_QUESTIONS.search(question)
    if wrong_kind or lacks_office(question, [passages[c.passage].text[c.start : c.end] for c in chosen]):
        sure = min(sure, DEFAULT_WRONG_KIND_CAP)  # "when" answered without a date answers something else
    if not chosen or sure < abstain_below:
        return Answer(question, None, True, passages, [], sure, signals=signals.to_dict())
    sentences = [_sentence(passages[c.passage], c) for c in chosen]
    text = " ".join(f"{s.words} [{s.citation}]" for s in _joined(passages, sentences))
    return Answer(question, text, False, _highlight(passages, chosen), sentences, sure, signals=signals.to_dict())


def _joined(passages: list[Passage], sentences: list[Sentence]) -> list[Sentence]:
    """Chosen sentences that follow each other on one line of a passage, read as one span (in the place of
    the first of them chosen)."""
    out: list[Sentence] = []
    for s in sentences:
        text, place = passages[s.passage].text, len(out)
        while (prev := next((o for o in out if _beside(text, o, s)), None)) is not None:
            place = min(place, out.index(prev))
            out.remove(prev)
            a, b = min(prev.start, s.start), max(prev.end, s.end)
            line, last = min(prev.line, s.line), max(prev.last_line, s.last_line)
            s = Sentence(text[a:b], s.source, line, s.passage, a, b, max(prev.score, s.score), last)
        out.insert(place, s)
    return out


def _beside(text: str, x: Sentence, y: Sentence) -> bool:
    """Whether ``x`` and ``y`` follow each other in one passage with only spaces between, the second starting
    on the line the first ends on, or on the next when they are a flashcard's question and answer."""
    first, second = (x, y) if x.start < y.start else (y, x)
    card = second.line == first.last_line + 1 and CARD_QUESTION.match(first.text) and CARD_ANSWER.match(second.text)
    same_line = first.last_line == second.line or bool(card)
    return x.passage == y.passage and same_line and not text[first.end : second.start].strip()


def _sentence(passage: Passage, cand: Candidate) -> Sentence:
    text = passage.text[cand.start : cand.end]
    last = cand.line + text.count("\n")
    return Sentence(text, passage.source, cand.line, cand.passage, cand.start, cand.end, cand.score, last)


def _highlight(passages: list[Passage], chosen: list[Candidate]) -> list[Passage]:
    marked = []
    for rank, p in enumerate(passages):
        spans = tuple(sorted((c.start, c.end) for c in chosen if c.passage == rank))
        marked.append(replace(p, highlights=spans) if spans else p)
    return marked


__all__ = [
    "Candidate",
    "Signals",
    "answer_cards",
    "compose",
    "confidence",
    "echo",
    "lacks_office",
    "refers_back",
    "select",
    "type_match",
    "viewpoint",
    "with_consequence",
    "with_prompt",
    "with_reason",
]
