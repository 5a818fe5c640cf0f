"""Learn the notes' initials, acronyms, short forms and two-digit years, and expand them in text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from .errors import ConfigError

GLOSSARY_FILE = "glossary.toml"
LEARNER_VERSION = 7  # stored in the index manifest: a new learner rebuilds the index
WINDOW = 3  # lines either side of an initial where its full name is looked for
# a capital alone, standing for a name: not a unit after "deg" ("450 deg C", "5 °C"), nor after a number when no
# word follows ("at 300 K.", "450 C, 200 atm"; "In 1959 K visited" is Khrushchev)
INITIAL = re.compile(
    r"(?<![\w'’.°-])(?<!\bdeg )(?<!degrees )(?!(?<=\d )[A-Z](?:\s*[,.;:)]|\s*$))([A-Z])(?=(?:['’]s)?(?![\w'’-]))",
    re.MULTILINE,
)
ACRONYM = re.compile(r"\b([A-Z]{2,6})s?\b")
LOWER = re.compile(r"\b([a-z]{3,6})\b")
MONTHS = (  # noqa: SIM905
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec"
).split()
MONTH_NAMES = r"(?:" + "|".join(MONTHS) + r")\b\.?"  # whole words: "Mar" and "March", not "Marshall"
# a two-digit year: after a month name, "in", "of", "during"... and before punctuation, a dash or a capital
TWO_DIGITS = re.compile(
    rf"(?:\b(?:{MONTH_NAMES}|[Ii]n|[Oo]f|[Dd]uring|[Ss]ince|[Uu]ntil|[Bb]y|[Bb]efore|[Aa]fter)\s+|['’])"
    rf"(\d{{2}})\b(?!\s+{MONTH_NAMES})"  # a day before its month ("until 17 January") is no year
    r"(?=\s*(?:[-–—,;:)]|\.(?!\d)|$|\s[A-Z]))",  # a full stop, not a decimal point ("by 19.2%")
    re.MULTILINE,
)
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
CAPITALISED = re.compile(r"\b([A-Z][a-z]{2,})\b")
WORD = re.compile(r"\b[a-z][a-z]+\b")
NOT_NAMES = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "Those",
        "There",
        "Then",
        "Than",
        "They",
        "Their",
        "When",
        "Where",
        "While",
        "What",
        "Which",
        "Who",
        "Why",
        "How",
        "However",
        "Also",
        "And",
        "But",
        "For",
        "From",
        "Still",
        "Thus",
        "Therefore",
        "Instead",
        "Initially",
        "Even",
        "Equally",
        "Furthermore",
        "Moreover",
        "During",
        "After",
        "Before",
        "Because",
        "Although",
        "Though",
        "Since",
        "Despite",
        "Outside",
        "Simply",
        "Strategically",
        "Domestically",
        "Following",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
)
FUNCTION_WORDS = ("of", "and", "the", "for", "in", "on", "de", "du")
LIST_GAP = r"(?:,[ \t]+(?:and[ \t]+)?|[ \t]+and[ \t]+)"  # between the items of a list on one line
WORD_LETTERS = frozenset({"A", "I"})  # capitals that are words: never initials ("A key cause", "I think")
LIST_ACRONYM = 4  # an acronym spelled out as a list has at least this many letters (fewer match by chance)
# an abbreviation the notes define, in any case: "electron transport chain (ETC)", "ATP (adenosine
# triphosphate)", "ETC = electron transport chain"; its letters are found in order in the words defining it
# (Schwartz and Hearst, 2003), the first one starting a word
SHORT = r"([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*s?|[a-z]+[A-Z][A-Za-z0-9]*)"  # "ETC", "BoE", "eV", "mRNA"
# ... and after "=" also a capital alone ("D = Duncan", for a name) or a word cut short ("govt", "Brit.")
SHORT_SAID = rf"({SHORT[1:-1]}|[A-Z]|[A-Za-z][a-z]+\.?)"
# at most 10 words (Schwartz and Hearst's longest definition for an acronym of 5 letters), from a word's start
WORDS = r"((?<![\w'’-])[A-Za-z][\w'’-]*(?:[ \t]+[A-Za-z][\w'’-]*){0,9})"
BRACKETED = re.compile(rf"\([ \t]*{SHORT}[ \t]*\)")  # phrase (SHORT): found from the bracket, then ...
WORDS_BEFORE = re.compile(rf"{WORDS}[ \t]*$")  # ... the words that end just before it
DEFINED = (
    re.compile(rf"\b{SHORT}[ \t]*\([ \t]*{WORDS}[ \t]*\)"),  # SHORT (phrase)
    re.compile(rf"(?<![\w.'’-]){SHORT_SAID}[ \t]*(?:=|stands for|means)[ \t]*{WORDS}"),  # SHORT = phrase
)
MAX_SHORT = 8  # a longer "short form" is a word
SMALL_WORDS = (*FUNCTION_WORDS, "to", "a", "an")  # may be left out of the initials ("invitation to treat")
MARKUP = re.compile(r"[*_`]+")  # Markdown emphasis around a short form ("**ATP** (adenosine ...)")
# capitals the notes write as a short form without ever spelling it out: "A-H annexes Bosnia" ...
BARE = re.compile(r"(?<![\w'’.-])([A-Z](?:-?[A-Z]){1,5})(?![\w'’-])")
MAX_BARE = 2000  # short forms kept at most (the most used)
ROMAN = re.compile(r"[IVXLC]+")
WRITTEN = re.compile(r"\b[A-Za-z][a-z]+\b")  # a word as prose writes it: "essay", "Essay"
# ... and a name a question spells out, which they may stand for: "Austria-Hungary", "the Great Leap Forward"
SPELLED = re.compile(r"\b(?:The\s+|the\s+)?[A-Z][a-z]+(?:(?:-|\s+(?:(?:of|and|the|for)\s+)*)[A-Z][a-z]+)+\b")


@dataclass(frozen=True)
class Term:
    """One glossary entry: a short form, its full form, how it was found."""

    short: str
    full: str
    kind: str
    origin: str = "learned"
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "short": self.short,
            "full": self.full,
            "kind": self.kind,
            "origin": self.origin,
            "evidence": self.evidence,
        }


@dataclass
class Glossary:
    """Short forms and what they stand for; ``expand`` writes the full form after each short form."""

    terms: dict[str, Term] = field(default_factory=dict)
    bare: frozenset[str] = frozenset()  # short forms the notes use but never spell out ("A-H")

    def to_dict(self) -> dict[str, Any]:
        terms = [t.to_dict() for t in sorted(self.terms.values(), key=lambda t: t.short.lower())]
        return {"terms": terms, "bare": sorted(self.bare)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Glossary:
        return cls({t["short"]: Term(**t) for t in data.get("terms", [])}, frozenset(data.get("bare", [])))

    def shortened(self, question: str) -> list[tuple[str, str]]:
        """The names ``question`` spells out whose initials are a short form the notes use without spelling it
        out ("Austria-Hungary" for "A-H", "the Great Leap Forward" for "TGLF"), each with that short form."""
        found = []
        for match in SPELLED.finditer(question):
            for name in _tails(match.group(0)):  # "Did Austria-Hungary": the question's first word is no part
                short = next((s for s in _initials_of(name) if s in self.bare), None)
                if short:
                    found.append((name, short))
                    break
        return found

    def abbreviate(self, question: str) -> str:
        """``question`` with each name it spells out followed by the notes' short form for it, in brackets."""
        for name, short in self.shortened(question):
            question = question.replace(name, f"{name} ({short})", 1)
        return question

    def expand(self, text: str) -> str:
        """``text`` with each known short form followed by its full form in brackets."""
        if not self.terms:
            return text
        return self._pattern().sub(lambda m: f"{m.group(0)} ({self.terms[m.group(1)].full})", text)

    def _pattern(self) -> re.Pattern[str]:
        shorts = sorted(self.terms, key=len, reverse=True)
        alternatives = "|".join(re.escape(s) for s in shorts)
        return re.compile(rf"(?<![\w'’-])({alternatives})(?:['’]s)?(?![\w'’-])")


def learn(texts: dict[str, str], vocabulary: frozenset[str] = frozenset()) -> Glossary:
    """Learn a glossary from ``texts`` (source -> text); ``vocabulary`` lists known whole words."""
    found: dict[str, Term] = {}
    learners = (_defined(texts), _initials(texts), _acronyms(texts), _short_forms(texts, vocabulary), _years(texts))
    for term in (term for terms in learners for term in terms):
        found.setdefault(term.short, term)
    return Glossary(found, _bare(texts, set(found)))


def _bare(texts: dict[str, str], learned: set[str]) -> frozenset[str]:
    """Short forms in capitals the notes use without spelling them out (the MAX_BARE most used); not a word the
    notes also write in lower case or capitalised (a title's "CAUSES OF WW1")."""
    used = Counter(m.group(1) for text in texts.values() for m in BARE.finditer(text))
    lower = {w.lower() for text in texts.values() for w in WRITTEN.findall(text)}
    kept = [
        short
        for short, _ in used.most_common()
        if short not in learned and short.lower() not in lower and not ROMAN.fullmatch(short)  # "II": a number
    ]
    return frozenset(kept[:MAX_BARE])


def _tails(name: str) -> list[str]:
    """``name``, then without its first word, then without its first two: "Did the Great Leap Forward"."""
    starts = [0] + [m.end() for m in re.finditer(r"\s+", name)][:2]
    return [name[i:] for i in starts if re.match(r"[A-Za-z]", name[i:])]


def _initials_of(name: str) -> list[str]:
    """The short forms a spelled-out name may have: its capitals, with its hyphens ("A-H") or without ("AH"),
    and with a leading "The" ("TGLF") or without ("GLF")."""
    words = re.findall(r"[A-Za-z]+|-", name)
    capitals = "".join(w[0] if w != "-" else "-" for w in words if w == "-" or w[0].isupper() or w == "the")
    capitals = capitals.replace("t", "T")
    forms = [capitals, capitals.replace("-", "")]
    forms += [f.removeprefix("T") for f in forms if f.startswith("T") and re.match(r"[Tt]he\b", name)]
    return list(dict.fromkeys(f for f in forms if len(f.replace("-", "")) >= 2))


def _defined(texts: dict[str, str]) -> list[Term]:
    """Abbreviations the notes define in brackets or with "=", whatever the case of the words defining them."""
    terms = []
    for text in texts.values():
        for short, words, short_first in _definitions(MARKUP.sub("", text)):
            if len(short) > MAX_SHORT:
                continue
            letters = short.removesuffix("s") if short[-2:-1].isupper() else short.rstrip(".")
            full = _definition(letters, words, short_first)
            if full and _defines(short, full):
                terms.append(Term(short, full, "definition", evidence=f"the notes define {short} as {full!r}"))
    return terms


def _definitions(text: str) -> list[tuple[str, str, bool]]:
    """Each short form ``text`` defines, the words that may define it, and whether they follow it."""
    found = []
    for match in BRACKETED.finditer(text):  # from each bracket back, not from every word forward: linear
        before = WORDS_BEFORE.search(text, text.rfind("\n", 0, match.start()) + 1, match.start())
        if before:
            found.append((match.group(1), before.group(1), False))
    for line in text.split("\n"):
        for pattern, marks in zip(DEFINED, (("(",), ("=", "stands for", "means"))):
            if any(mark in line for mark in marks):  # most lines define nothing: skip them cheaply
                found.extend((m.group(1), m.group(2), True) for m in pattern.finditer(line))
    return found


def _defines(short: str, full: str) -> bool:
    """Whether ``full`` can be what ``short`` stands for: other words, no formula ("N = N0 e^-kt"), and a name
    for a capital alone ("D = Duncan", not "F = force")."""
    if full.lower() == short.lower() or any(ch.isdigit() for ch in full) or short in WORD_LETTERS:
        return False
    return len(short) > 1 or (full[0].isupper() and len(full) >= 3)


def _definition(short: str, words: str, leading: bool) -> str | None:
    """The words of ``words`` that spell ``short``, the first ones when ``leading`` (they follow the short
    form), else the last ones: words whose initials are its letters if any ("Monetary Policy Committee" for
    MPC, not "Monetary Policy"), else the fewest that hold its letters in order ("adenosine triphosphate")."""
    split = words.split()
    limit = min(len(short) + 5, 2 * len(short))  # Schwartz and Hearst's longest definition
    ends = range(1, min(len(split), limit) + 1)
    spans = [split[:n] for n in ends] if leading else [split[-n:] for n in ends]
    best = next((span for span in spans if _initialled(short, span)), None)
    best = best or next((span for span in spans if _spells(short, span)), None)
    return " ".join(best) if best else None


def _initialled(short: str, words: list[str]) -> bool:
    """Whether the initials of ``words`` (of each part of a hyphenated word), short function words left out or
    not, are the letters of ``short``."""
    parts = [part for word in words for part in word.split("-") if part]
    letters = "".join(c for c in short.lower() if c.isalnum())
    initials = "".join(part[0].lower() for part in parts)
    content = "".join(part[0].lower() for part in parts if part.lower() not in SMALL_WORDS)
    return letters in (initials, content)


def _spells(short: str, words: list[str]) -> bool:
    """Whether the letters of ``short`` appear in order in ``words``, the first starting the first word and
    the last within the last word."""
    phrase = " ".join(words).lower()
    letters = [c for c in short.lower() if c.isalnum()]
    if not letters or not phrase.startswith(letters[0]) or letters[-1] not in words[-1].lower():
        return False
    at = 1
    for c in letters[1:]:
        at = phrase.find(c, at) + 1
        if at == 0:
            return False
    return True


def _initials(texts: dict[str, str]) -> list[Term]:
    names = _names(texts)
    near: dict[str, Counter[str]] = {}
    for text in texts.values():
        lines = text.split("\n")
        for i, line in enumerate(lines):
            window = " ".join(lines[max(0, i - WINDOW) : i + WINDOW + 1])
            for letter in {m.group(1) for m in INITIAL.finditer(line)} - WORD_LETTERS:
                counts = near.setdefault(letter, Counter())
                counts.update(w for w in CAPITALISED.findall(window) if w in names and w[0] == letter)
    terms = []
    for letter, counts in sorted(near.items()):
        uses = sum(len(INITIAL.findall(t.replace("A ", " ").replace("I ", " "))) for t in texts.values())
        if counts and uses >= 2:
            full, score = counts.most_common(1)[0]
            terms.append(Term(letter, full, "initial", evidence=f"{full} appears {score} times near {letter}"))
    return terms


def _names(texts: dict[str, str]) -> set[str]:
    """Capitalised words used at least twice, once in mid-sentence: likely proper names."""
    counts: Counter[str] = Counter()
    mid: set[str] = set()
    for text in texts.values():
        for m in CAPITALISED.finditer(text):
            counts[m.group(1)] += 1
            before = text[max(0, m.start() - 2) : m.start()]
            if re.match(r"[a-z,] ", before):
                mid.add(m.group(1))
    return {w for w, n in counts.items() if n >= 2 and w in mid and w not in NOT_NAMES}


def _acronyms(texts: dict[str, str]) -> list[Term]:
    joined = "\n".join(texts.values())
    terms = []
    for acronym in sorted({m.group(1) for m in ACRONYM.finditer(joined)}):
        gap = rf"(?:\s+(?:{'|'.join(FUNCTION_WORDS)}))*\s+"
        match = re.search(r"\b" + gap.join(rf"{c}[a-z]+" for c in acronym) + r"\b", joined)
        if match is None and len(acronym) >= LIST_ACRONYM:  # or as a list on one line: "Militarism, Alliances, ..."
            match = re.search(r"\b" + LIST_GAP.join(rf"{c}[a-z]+" for c in acronym) + r"\b", joined)
        if match:
            full = " ".join(match.group(0).split())
            terms.append(Term(acronym, full, "acronym", evidence=f"the notes spell out {full!r}"))
            if re.match(r"The\s", full) and len(acronym) > 2:  # TGLF: students also write GLF
                bare = full.split(None, 1)[1]
                terms.append(Term(acronym[1:], bare, "acronym", evidence=f"{acronym} without its article"))
    return terms


def _short_forms(texts: dict[str, str], vocabulary: frozenset[str]) -> list[Term]:
    if not vocabulary:
        return []
    words = Counter(w for text in texts.values() for w in WORD.findall(text))
    terms = []
    for short in sorted({m.group(1) for text in texts.values() for m in LOWER.finditer(text)}):
        if short in vocabulary:
            continue
        longer = [
            (n, w) for w, n in words.items() if w.startswith(short) and len(w) >= len(short) + 3 and w in vocabulary
        ]
        if longer:
            n, full = max(longer)
            terms.append(Term(short, full, "short form", evidence=f"{full!r} appears {n} times"))
    return terms


def _years(texts: dict[str, str]) -> list[Term]:
    terms: dict[str, Term] = {}
    for text in texts.values():
        years = [int(y) for y in YEAR.findall(text)]
        if not years:
            continue
        century = Counter(y // 100 for y in years).most_common(1)[0][0]
        low, high = min(years) - 20, max(years) + 20
        for two in {m.group(1) for m in TWO_DIGITS.finditer(text)}:
            year = century * 100 + int(two)
            if low <= year <= high:
                terms.setdefault(two, Term(two, str(year), "year", evidence=f"years near {year} in the notes"))
    return list(terms.values())


def read_user_file(corpus: Path) -> dict[str, str]:
    """Entries of ``glossary.toml`` in the corpus: ``[terms]`` short = "full" (empty string removes)."""
    path = Path(corpus) / GLOSSARY_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix it or delete it") from None
    terms = data.get("terms", {})
    if not isinstance(terms, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in terms.items()):
        raise ConfigError(f'{path}: write entries under [terms] as SHORT = "full form"')
    return {k.strip(): v.strip() for k, v in terms.items() if k.strip()}


def merge(learned: Glossary, user: dict[str, str]) -> Glossary:
    """The learned glossary corrected by the user's entries (an empty full form removes a term)."""
    terms = dict(learned.terms)
    for short, full in user.items():
        if full:
            terms[short] = Term(short, full, "user", origin="user", evidence=GLOSSARY_FILE)
        else:
            terms.pop(short, None)
    return Glossary(terms, learned.bare - set(terms))


def load_vocabulary(model_path: Path) -> frozenset[str]:
    """Whole words of a WordPiece model's ``vocab.txt`` (empty when the model has none)."""
    path = Path(model_path) / "vocab.txt"
    if not path.is_file():
        return frozenset()
    words = path.read_text(encoding="utf-8").split("\n")
    return frozenset(w for w in words if w.isalpha() and w.islower())


__all__ = [
    "GLOSSARY_FILE",
    "LEARNER_VERSION",
    "Glossary",
    "Term",
    "learn",
    "load_vocabulary",
    "merge",
    "read_user_file",
]
