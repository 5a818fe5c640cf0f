"""The command line: human and JSON output, stdin batches, and one-line errors."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notesbot.cli import format_answer, main
from notesbot.types import Answer

JSON_KEYS = {"question", "answer", "abstained", "passages"}
PASSAGE_KEYS = {"text", "source", "start_line", "end_line", "heading", "score"}


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def where(notes: Path, tmp_path: Path, fake_model: None) -> list[str]:
    return ["--corpus", str(notes), "--index", str(tmp_path / "idx")]


def test_json_contract(where: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "Why did Mao launch the Great Leap Forward?", "--json", "--k", "3", *where], capsys)
    assert code == 0
    lines = out.strip().split("\n")
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert set(data) >= JSON_KEYS
    assert isinstance(data["abstained"], bool)
    assert data["answer"] is None or isinstance(data["answer"], str)
    assert len(data["passages"]) == 3
    for passage in data["passages"]:
        assert set(passage) >= PASSAGE_KEYS
        assert isinstance(passage["start_line"], int) and isinstance(passage["score"], float)
        source = Path(where[1]) / passage["source"]
        lines_of_file = source.read_text().split("\n")
        assert passage["text"] in "\n".join(lines_of_file[passage["start_line"] - 1 : passage["end_line"]])
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_stdin_batch_answers_every_line(
    where: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = "What happened at the swimming pool?\n\nWho was Stalin?\nWhat about Taiwan?\n"
    code, out, _ = run(["ask", "-", "--json", *where], capsys, stdin=questions, monkeypatch=monkeypatch)
    assert code == 0
    rows = [json.loads(line) for line in out.strip().split("\n")]
    assert [r["question"] for r in rows] == [
        "What happened at the swimming pool?",
        "Who was Stalin?",
        "What about Taiwan?",
    ]


def test_human_output_cites_file_and_lines(where: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["ask", "rubber ring swimming pool", "--k", "2", *where], capsys)
    assert code == 0
    assert "sino-soviet-relations-1954-58-notes.txt:24-26 (5 Personalities" in out
    assert "  1. " in out and "  2. " in out
    assert "Indexing your notes first" in err


def test_index_command_reports_and_is_incremental(where: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["index", *where], capsys)
    assert code == 0 and "2 added" in out
    code, out, _ = run(["index", *where], capsys)
    assert code == 0 and "0 added, 0 changed, 0 removed; 0 texts embedded" in out
    code, out, _ = run(["index", "--rebuild", *where], capsys)
    assert code == 0 and ": rebuilt; " in out and "added" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "   "], "question is empty"),
        (["ask", "hello", "--corpus", "/nonexistent/notes"], "does not exist"),
        (["ask", "hello", "--k", "0"], "0 is not in the range"),
        (["ask", "hello", "--mode", "magic"], "'magic' is not one of"),
        (["ask", "hello", "--bogus"], "no such option"),
        (["ask"], "Missing argument"),
        (["frobnicate"], "No such command"),
    ],
)
def test_errors_are_one_clean_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, notes: Path, fake_model: None
) -> None:
    if "--corpus" not in argv and argv[:1] == ["ask"]:
        argv = [*argv, "--corpus", str(notes), "--index", str(tmp_path / "idx")]
    code, out, err = run(argv, capsys)
    assert code != 0
    assert out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and message.lower() in lines[0].lower()
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["ask", "hi"], ["index"], ["glossary"]])
def test_an_index_path_that_is_a_file_is_one_clean_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path, notes: Path, fake_model: None
) -> None:
    path = tmp_path / "somefile"
    path.write_text("not an index")
    code, out, err = run([*argv, "--corpus", str(notes), "--index", str(path)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: the index path {path} is a file, not a folder: ") and err.count("\n") == 1, err


def test_touching_the_notes_is_no_reindexing(where: list[str], notes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, before, _ = run(["ask", "Great Leap Forward", "--json", *where], capsys)
    for path in notes.iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    again, after, err = run(["ask", "Great Leap Forward", "--json", *where], capsys)
    assert (code, again, after, err) == (0, 0, before, "")


def test_ask_says_what_changed_when_it_updates_the_index(
    where: list[str], notes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["ask", "Great Leap Forward", *where], capsys)
    essay = next(p for p in notes.iterdir() if "essay" in p.name)
    essay.write_text(essay.read_text(encoding="utf-8") + "\nA new last line.\n", encoding="utf-8")
    code, _, err = run(["ask", "Great Leap Forward", *where], capsys)
    assert code == 0 and "Indexing your notes first" in err
    assert " from 2 files: 0 added, 1 changed, 0 removed;" in err
    code, _, err = run(["ask", "Great Leap Forward", *where], capsys)
    assert (code, err) == (0, "")  # nothing changed: nothing said


def test_empty_stdin_is_an_error(
    where: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(["ask", "-", *where], capsys, stdin="\n\n", monkeypatch=monkeypatch)
    assert code == 2 and "no question given" in err


def test_k_up_to_a_hundred(where: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "Taiwan", "--json", "--k", "100", "--mode", "dense", *where], capsys)
    assert code == 0 and len(json.loads(out)["passages"]) > 20


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "ask" in out and "index" in out


def test_usage_errors_name_the_notesbot_program(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2 and err.strip().endswith("(see `notesbot --help`)"), err
    by_module = subprocess.run(
        [sys.executable, "-m", "notesbot", "frobnicate"], capture_output=True, text=True, env=os.environ
    )
    assert by_module.returncode == 2 and by_module.stderr.strip().endswith("(see `notesbot --help`)")


def test_notices_go_to_stderr_in_both_modes(where: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    question = "Why did Mao launch the Great Leap Forward? " * 60  # over MAX_QUESTION_CHARS
    notice = "notice: the question was cut to its first 2000 characters"
    for flags in ([], ["--json"]):
        code, out, err = run(["ask", question, *flags, *where], capsys)
        assert code == 0 and notice in err.splitlines(), err
        assert "the question was cut" not in out and "note:" not in out


@pytest.mark.parametrize(
    ("variable", "value", "command", "message"),
    [
        ("NOTESBOT_K", "abc", "ask", "NOTESBOT_K must be a whole number from 1 to 1000, got 'abc'"),
        ("NOTESBOT_K", "0", "ask", "NOTESBOT_K must be a whole number from 1 to 1000, got '0'"),
        ("NOTESBOT_MODE", "magic", "ask", "NOTESBOT_MODE must be one of hybrid, dense, bm25, got 'magic'"),
        ("NOTESBOT_ABSTAIN_BELOW", "x", "ask", "NOTESBOT_ABSTAIN_BELOW must be a number from 0 to 1, got 'x'"),
        ("NOTESBOT_ABSTAIN_BELOW", "2", "ask", "NOTESBOT_ABSTAIN_BELOW must be a number from 0 to 1, got '2'"),
        ("NOTESBOT_PORT", "x", "chat", "NOTESBOT_PORT must be a whole number from 1 to 65535, got 'x'"),
    ],
)
def test_bad_environment_values_name_the_variable(
    variable: str,
    value: str,
    command: str,
    message: str,
    where: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    argv = [command, "hello", *where] if command == "ask" else [command, *where]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}") and len(err.strip().split("\n")) == 1, err


def test_confidence_shown_never_contradicts_the_decision() -> None:
    refused = format_answer(Answer("q", None, True, confidence=0.548))
    assert "(confidence 0.54)" in refused  # 0.55 would read as reaching the 0.55 threshold
    assert "(confidence 0.57)" in format_answer(Answer("q", "a", False, confidence=0.57))  # 0.57 * 100 < 57
    assert "(confidence 0.99)" in format_answer(Answer("q", "a", False, confidence=0.999))


def test_glossary_names_where_each_term_comes_from(
    where: list[str], notes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (notes / "glossary.toml").write_text('[terms]\nPRC = "People\'s Republic of China"\n')
    code, out, _ = run(["glossary", *where], capsys)
    assert code == 0
    lines = out.rstrip("\n").split("\n")
    assert "     PRC = People's Republic of China  (from glossary.toml)" in lines
    *terms, bare = lines  # the last line lists the capitals the notes never spell out
    assert bare.startswith("Never spelled out (matched by a question's initials") and "USSR" in bare
    learned = [line for line in terms if "PRC" not in line]
    assert learned and all(re.search(r"  \(learned [a-z ]+: \S", line) for line in learned), learned
    assert "user" not in out


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_an_empty_question_is_a_usage_error(
    question: str, where: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["ask", question, *where], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: the question is empty: ask something about your notes"), err


def test_pdf_passages_show_their_page(tmp_path: Path, fake_model: None, capsys: pytest.CaptureFixture[str]) -> None:
    from .test_corpus import _tiny_pdf

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "cells.pdf").write_bytes(_tiny_pdf("Cells were named by Hooke in 1665", "Mitochondria make ATP for cells"))
    where = ["--corpus", str(notes), "--index", str(tmp_path / "idx")]
    code, out, _ = run(["ask", "what do mitochondria make?", "--k", "1", *where], capsys)
    assert code == 0 and re.search(r"1\. cells\.pdf:\d+(-\d+)?, pp?\. [12]", out)
    code, out, _ = run(["ask", "what do mitochondria make?", "--k", "1", "--json", *where], capsys)
    assert "page" not in json.loads(out)["passages"][0]
