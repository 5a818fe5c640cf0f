"""The glossary is learned from whatever notes it is given, and the user can correct it."""

from __future__ import annotations

from pathlib import Path

import pytest

from notesbot import NotesBot
from notesbot.errors import ConfigError
from notesbot.glossary import Glossary, learn, merge, read_user_file

from .conftest import FakeEmbedder

BIOLOGY = {
    "cells.txt": (
        "1 The Cell\n"
        "1.1 Darwin noted that species change, and Mendel studied peas in his garden\n"
        "1.1.1 D argued natural selection drives change; M showed traits are inherited\n"
        "1.2 The Endoplasmic Reticulum folds proteins\n"
        "1.2.1 TER is linked to the nucleus; D's finches and M's peas are classic examples\n"
        "1.3 Darwin and Mendel never met; during 59 D published his book\n"
        "1.3.1 Mendel published in 1866 and Darwin in 1859\n"
        "1.4 The bio of photosynthesis depends on chloroplasts and biology classes cover it\n"
    )
}


def test_learns_initials_acronyms_years_and_short_forms_from_another_corpus() -> None:
    glossary = learn(BIOLOGY, vocabulary=frozenset({"biology", "the", "photosynthesis"}))
    full = {t.short: t.full for t in glossary.terms.values()}
    assert full["D"] == "Darwin"
    assert full["M"] == "Mendel"
    assert full["TER"] == "The Endoplasmic Reticulum"
    assert full["ER"] == "Endoplasmic Reticulum"  # the same acronym written without its article
    assert full["59"] == "1859"
    assert full["bio"] == "biology"
    assert all(t.evidence for t in glossary.terms.values())


def test_an_acronym_spelled_out_as_a_list_is_learned() -> None:
    notes = {
        "ww1.txt": "1.1 Long-term causes summarised as MAIN\n1.1.1 Militarism, Alliances, Imperialism and Nationalism"
    }
    full = {t.short: t.full for t in learn(notes).terms.values()}
    assert full["MAIN"] == "Militarism, Alliances, Imperialism and Nationalism"
    assert "MAIN" not in {
        t.short for t in learn({"a.txt": "MAIN points: Mao, Alliances. Imperialism, Nationalism"}).terms.values()
    }
    # only as a list on one line, only when the notes do not spell it out plainly, and only for 4 letters or more
    other = {
        "a.txt": "The Soviet Union, Stalin believed, needed allies.\nThe US and the UKG sent aid.\nThe United States "
        "refused.\nLenin visited Ukraine, Kazakhstan and Georgia.\nMAIN was at war.\nMilitarism,\nAlliances, "
        "Imperialism, Nationalism"
    }
    full = {t.short: t.full for t in learn(other).terms.values()}
    assert full.get("US") == "United States" and "UKG" not in full and "MAIN" not in full


def test_single_capitals_that_are_words_are_not_initials() -> None:
    glossary = learn({"a.txt": "I think A is a grade. I said I would. A good day for Alice and Alice."})
    assert "I" not in glossary.terms and "A" not in glossary.terms


def test_expand_both_ways_keeps_the_original_words() -> None:
    glossary = learn(BIOLOGY)
    assert glossary.expand("D's finches") == "D's (Darwin) finches"
    assert glossary.expand("why did Darwin matter") == "why did Darwin matter"
    assert glossary.expand("the DNA of M") == "the DNA of M (Mendel)"


def test_user_file_adds_and_removes_terms(tmp_path: Path) -> None:
    (tmp_path / "glossary.toml").write_text('[terms]\nD = ""\nPRC = "People\'s Republic of China"\n')
    glossary = merge(learn(BIOLOGY), read_user_file(tmp_path))
    assert "D" not in glossary.terms
    assert glossary.terms["PRC"].origin == "user"
    assert glossary.expand("the PRC") == "the PRC (People's Republic of China)"


def test_bad_user_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "glossary.toml").write_text("terms = [1, 2")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_user_file(tmp_path)
    (tmp_path / "glossary.toml").write_text("[terms]\nD = 3\n")
    with pytest.raises(ConfigError, match="SHORT"):
        read_user_file(tmp_path)


def test_round_trip() -> None:
    glossary = learn(BIOLOGY)
    assert Glossary.from_dict(glossary.to_dict()).terms == glossary.terms


def test_index_uses_the_glossary_and_rebuilds_when_the_user_file_changes(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "cells.txt").write_text(BIOLOGY["cells.txt"])
    fake = FakeEmbedder()
    bot = NotesBot(corpus, tmp_path / "idx", embedder=fake)
    bot.update()
    assert any("D (Darwin)" in text for text in fake.calls)
    hits = bot.search("What did Darwin say drives change?", k=1, mode="bm25")
    assert "natural selection" in hits[0].text
    (corpus / "glossary.toml").write_text('[terms]\nTER = "the ER"\n')
    assert not bot.is_current()
    fake.calls.clear()
    report = bot.update()
    assert "0 added, 0 changed, 0 removed, glossary.toml changed;" in report.summary(), report.summary()
    assert any("TER (the ER)" in text for text in fake.calls)
    assert all("TER (The Endoplasmic" not in text for text in fake.calls)


def test_abbreviations_the_notes_define_are_learned_in_any_case() -> None:
    notes = {
        "bio.md": "Respiration makes **ATP** (adenosine triphosphate) from glucose.\n"
        "The substrate binds to form an enzyme-substrate complex (ESC).\n"
        "ETC = electron transport chain. The ETC is in the inner membrane.\n"
        "The MPC = Monetary Policy Committee of the Bank of England; it sets Bank Rate.\n"
        "Goods on display are an invitation to treat (ITT), not an offer.\n"
        "The USSR (the Soviet Union) and the UK (see above) define nothing.\n"
    }
    full = {t.short: t.full for t in learn(notes).terms.values()}
    assert full["ATP"] == "adenosine triphosphate"
    assert full["ESC"] == "enzyme-substrate complex"
    assert full["ETC"] == "electron transport chain"
    assert full["MPC"] == "Monetary Policy Committee"  # its initials, not the fewest words holding its letters
    assert full["ITT"] == "invitation to treat"
    assert "USSR" not in full and "UK" not in full
    assert learn(notes).terms["ATP"].kind == "definition"


def test_a_decimal_or_a_day_is_no_two_digit_year() -> None:
    notes = {
        "econ.txt": "Food prices rose by 19.2% in the year to March 2023.\nRates rose in 22. Cuts came by 08.\n"
        "The offer stood until 17 January 2024."
    }
    full = {t.short: t.full for t in learn(notes).terms.values()}
    assert "19" not in full and "17" not in full and full["22"] == "2022"


def test_a_key_of_names_and_words_cut_short_is_learned() -> None:
    notes = {
        "macbeth.md": "Key: M = Macbeth, LM = Lady Macbeth, D = Duncan.\n- govt = government\n"
        "The electronvolt (eV) is small.\nF = force, and N = N0 e^-kt for decay.\n"
    }
    full = {t.short: t.full for t in learn(notes).terms.values()}
    assert full["D"] == "Duncan" and full["LM"] == "Lady Macbeth" and full["govt"] == "government"
    assert full["eV"] == "electronvolt"
    assert "F" not in full and "N" not in full  # a capital alone stands for a name; a formula defines nothing
    words = learn({"a.txt": "Key: G = Germany, A = Austria, I = Italy\nA key cause was the alliance. I think so."})
    assert "A" not in words.terms and "I" not in words.terms  # capitals that are words


def test_a_year_before_a_word_that_starts_like_a_month_is_learned() -> None:
    notes = {"cold.txt": "In 47 Marshall Plan announced.\nBy 60 Decolonisation was under way.\nIn 1947 and 1960."}
    full = {t.short: t.full for t in learn(notes).terms.values()}
    assert full["47"] == "1947" and full["60"] == "1960"


def test_capitals_never_spelled_out_are_matched_by_the_initials_of_a_name_a_question_spells_out(
    tmp_path: Path,
) -> None:
    notes = {
        "ww1.txt": "CAUSES OF WW1\n1908: A-H annexes Bosnia => Serbia furious\nThe causes of the war were many. "
        "The British Expeditionary Force (BEF) landed in 1914.\nTGLF is another story.\n"
    }
    learned = learn(notes)
    assert {"A-H", "TGLF", "WW"} & learned.bare == {"A-H", "TGLF"}  # "WW1" holds a digit: no run of capitals
    assert "CAUSES" not in learned.bare and "OF" not in learned.bare  # words the notes write in lower case
    assert "BEF" not in learned.bare  # spelled out: a term of its own
    assert learned.abbreviate("What did Austria-Hungary annex?") == "What did Austria-Hungary (A-H) annex?"
    assert learned.abbreviate("Did Austria-Hungary annex Bosnia?") == "Did Austria-Hungary (A-H) annex Bosnia?"
    assert learned.abbreviate("Why did the Great Leap Forward fail?") == ("Why did the Great Leap Forward (TGLF) fail?")
    assert learned.abbreviate("What did Alice Hart do?") == "What did Alice Hart do?"  # "AH": not "A-H"
    assert Glossary.from_dict(learned.to_dict()).bare == learned.bare
    assert merge(learned, {"A-H": "Austria-Hungary"}).bare == learned.bare - {"A-H"}  # the user spelled it out


def test_a_name_the_notes_only_write_short_is_no_unknown_name(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ww1.txt").write_text("1908: A-H annexes Bosnia, and Serbia is furious.\n", encoding="utf-8")
    bot = NotesBot(notes, tmp_path / "index", embedder=FakeEmbedder())
    signals = bot.ask("What did Austria-Hungary annex in 1908?").signals
    assert signals["unknown_names"] == 0.0 and signals["unknown_terms"] == 0.0
    assert bot.ask("What did Prussia annex in 1908?").signals["unknown_names"] == 1.0


def test_a_unit_after_a_number_is_no_initial() -> None:
    """ "450 deg C" and "300 K" are units: "C" is not Le Chatelier, though the name is near."""
    units = learn({"chem.txt": "Le Chatelier: eqm shifts\n- 450 deg C, 200 atm\n- at 300 K. Chatelier again\n"})
    assert "C" not in units.terms and "K" not in units.terms
    names = learn({"ww2.txt": "Stalin met Churchill.\nC distrusted S\nStalin and Churchill argued\nC won\n"})
    assert names.terms["C"].full == "Churchill"
    after_years = learn(
        {"k.txt": "Mao met Khrushchev.\nIn 1959 K visited the USA\nMao and Khrushchev argued\nK left\n"}
    )
    assert after_years.terms["K"].full == "Khrushchev"  # a capital after a year, a word following: an initial
