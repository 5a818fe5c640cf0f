"""The command line as a user runs it, in real subprocesses: damaged indexes, two builds at once, hostile
questions and messy note folders. Every case ends with a clear message or the right answer, never a traceback.

Most cases run ``notesbot.cli.main`` in a fresh interpreter with the fake embedder swapped in (:data:`FAKE_CLI`),
so a rebuild costs about a second; the few marked ``model`` run the real ``notesbot`` console script.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from notesbot import NotesBot, index
from notesbot.errors import IndexError_

from .conftest import DATA, ROOT, SHIPPED, FakeEmbedder

# The real command line, with the fake embedder instead of the model. NOTESBOT_TEST_SLOW makes embedding take
# that many seconds and announces it on stderr, so a test can act while a build holds the lock.
FAKE_CLI = f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from tests.conftest import FakeEmbedder
import notesbot.pipeline as pipeline

class Embedder(FakeEmbedder):
    def encode(self, texts, progress=None):
        if os.environ.get("NOTESBOT_TEST_SLOW"):
            print("test: embedding started", file=sys.stderr, flush=True)
            time.sleep(float(os.environ["NOTESBOT_TEST_SLOW"]))
        return super().encode(texts, progress)

shared = Embedder()
pipeline.SentenceTransformerEmbedder = lambda name=None: shared
pipeline.NotesBot.model_identity = lambda self: {{"name": "fake", "fingerprint": "fake-1"}}
from notesbot.cli import main
main(sys.argv[1:])
"""
QUESTIONS = [
    "Why did Mao launch the Great Leap Forward?",
    "did khrushchev back china over taiwan?",
    "What happened at the swimming pool?",
    "Who won the 1966 World Cup?",
]
# What a clean run may print on stderr besides the JSON or answers on stdout.
STDERR_LINE = re.compile(
    r"^(notice: |warning: |Indexing your notes first\.\.\.$|Waiting for another notesbot process |Embedding chunks"
    r"|test: |\d+ chunks? from \d+ files?: )"  # the last: what an update before answering changed
)
LOCKED = "another notesbot process is building the index in "


def notesbot(
    *args: str, stdin: str | None = None, real: bool = False, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the command line in a new process; ``real`` runs the `notesbot` console script with the real model."""
    return subprocess.run(
        [*command(real), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def command(real: bool = False) -> list[str]:
    if not real:
        return [sys.executable, "-c", FAKE_CLI]
    script = Path(sys.executable).parent / "notesbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "notesbot"]


def assert_clean(run: subprocess.CompletedProcess[str]) -> None:
    """No traceback, and every stderr line is a notice, a warning, the progress label or a one-line error."""
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert all(STDERR_LINE.match(line) or line.startswith("error: ") for line in lines), run.stderr
    assert len(errors) == (0 if run.returncode == 0 else 1), run.stderr


def assert_one_line_error(run: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert run.returncode == code, (run.returncode, run.stderr)
    assert run.stdout == ""
    assert_clean(run)
    assert run.stderr.strip().splitlines()[-1].startswith("error: ") and message in run.stderr, run.stderr


# -- bad indexes ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Built:
    """A corpus, a pristine index of it built by the CLI, and the CLI's JSON answers before any damage."""

    corpus: Path
    index: Path
    questions: str
    before: str


def build(root: Path, real: bool = False, corpus: Path = SHIPPED, questions: list[str] = QUESTIONS) -> Built:
    notes, folder = root / "corpus", root / "index"
    shutil.copytree(corpus, notes)
    args = ("ask", "-", "--json", "--corpus", str(notes), "--index", str(folder))
    run = notesbot(*args, stdin=stdin(questions), real=real, timeout=300)
    assert run.returncode == 0, run.stderr
    return Built(notes, folder, stdin(questions), run.stdout)


def stdin(questions: list[str] = QUESTIONS) -> str:
    return "\n".join(questions) + "\n"


def data_dir(folder: Path) -> Path:
    manifest = index.read_manifest(folder)
    assert manifest is not None
    return folder / manifest.data


def edit_manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    def damage(folder: Path) -> None:
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest = change(manifest) or manifest
        path.write_text(json.dumps(manifest), encoding="utf-8")

    return damage


def part_damage(part: str, how: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        target = folder / part if part in ("manifest.json", ".lock") else data_dir(folder) / part
        if how == "delete":
            target.unlink()
        elif how == "empty":
            target.write_bytes(b"")
        elif how == "truncate":
            target.write_bytes(target.read_bytes()[: max(1, target.stat().st_size // 3)])
        elif how == "zeroed":  # same size, every byte NUL: what a crash can leave on some file systems
            target.write_bytes(b"\0" * target.stat().st_size)
        else:
            target.write_bytes(bytes(range(256)) * 3 + b"\x93NUMPY garbage {not json")

    return damage


# Every file the index folder holds; test_every_index_file_is_damaged_somewhere fails when a new one appears.
PARTS = [
    "manifest.json",
    ".lock",
    "chunks.jsonl",
    "vectors.npy",
    "sentence_vectors.npy",
    "faiss.index",
    "dense.json",
    "glossary.json",
    "bm25/params.index.json",
    "bm25/vocab.index.json",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
]
HOWS = ["truncate", "empty", "delete", "garbage"]
DAMAGES: dict[str, Callable[[Path], None]] = {
    f"{part}-{how}": part_damage(part, how)
    for part in PARTS
    for how in (["delete", "garbage"] if part == ".lock" else HOWS)
}
DAMAGES.update(
    {f"{part}-zeroed": part_damage(part, "zeroed") for part in ("chunks.jsonl", "vectors.npy", "faiss.index")}
)
DAMAGES.update(
    {
        "manifest-other-model": edit_manifest(lambda m: m.update(model={"name": "other-model", "fingerprint": "x"})),
        "manifest-other-format": edit_manifest(lambda m: m.update(format_version=99)),
        "manifest-model-not-an-object": edit_manifest(lambda m: m.update(model="other-model")),
        "manifest-model-null": edit_manifest(lambda m: m.update(model=None)),
        "manifest-a-list": edit_manifest(lambda m: [m]),
        "manifest-data-outside": edit_manifest(lambda m: m.update(data="../../etc")),
        "manifest-wrong-count": edit_manifest(lambda m: m.update(n_chunks=m["n_chunks"] + 1)),
        "manifest-other-dimension": edit_manifest(lambda m: m["model"].update(dim=384)),
        "manifest-files-forgotten": edit_manifest(lambda m: m.update(files={})),
        "data-folder-deleted": lambda folder: shutil.rmtree(data_dir(folder)),
    }
)


# One damage to each file, every kind of damage, and every kind of manifest trouble: run through the CLI, each a
# rebuild in a new process (about a second each). The rest of DAMAGES is checked in-process, which suffices
# because once a damage is detected, every file's takes the same path: the notice and the rebuild.
CLI_DAMAGES = [
    "manifest.json-truncate",
    "manifest.json-garbage",
    "manifest.json-delete",
    ".lock-garbage",
    "chunks.jsonl-truncate",
    "vectors.npy-garbage",
    "sentence_vectors.npy-empty",
    "faiss.index-zeroed",
    "dense.json-garbage",
    "glossary.json-delete",
    "bm25/params.index.json-empty",
    "bm25/vocab.index.json-delete",
    "bm25/data.csc.index.npy-truncate",
    "bm25/indices.csc.index.npy-garbage",
    "bm25/indptr.csc.index.npy-empty",
    "manifest-other-model",
    "manifest-other-format",
    "manifest-model-not-an-object",
    "manifest-a-list",
    "data-folder-deleted",
]
NOTICES = {
    "manifest-other-model": "notice: the index was built with another model (other-model): rebuilding it",
    "manifest-other-format": "the index is in format 99; this notesbot reads format 1): rebuilding it from the notes",
    "manifest-model-not-an-object": "manifest is damaged (its model or chunker is not a JSON object)",
    "vectors.npy-garbage": "vectors.npy are damaged",
    "chunks.jsonl-truncate": "chunk store",
    "bm25/vocab.index.json-delete": "BM25 index",
    "data-folder-deleted": "is missing): rebuilding it from the notes",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("built"))


def damaged(built: Built, tmp_path: Path, damage: str) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(built.index, folder)
    DAMAGES[damage](folder)
    return folder


def test_every_index_file_is_damaged_somewhere(built: Built) -> None:
    data = data_dir(built.index)
    found = {p.relative_to(built.index).as_posix() for p in built.index.rglob("*") if p.is_file()}
    assert {name.removeprefix(f"{data.name}/") for name in found} == set(PARTS)
    assert {name.rsplit("-", 1)[0] for name in CLI_DAMAGES} >= set(PARTS)
    assert set(CLI_DAMAGES) <= set(DAMAGES)


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_every_damage_is_detected_or_harmless(damage: str, built: Built, tmp_path: Path) -> None:
    folder = damaged(built, tmp_path, damage)
    try:
        index.load(folder)
    except IndexError_:
        return  # detected: the CLI tells the user and rebuilds (see the test below)
    bot = NotesBot(built.corpus, folder, embedder=FakeEmbedder())
    answers = [json.dumps(bot.ask(q).to_dict(), ensure_ascii=False) for q in QUESTIONS]
    assert "\n".join(answers) + "\n" == built.before  # undetected damage must not change a single answer


@pytest.mark.parametrize("damage", CLI_DAMAGES)
def test_damaged_index_is_rebuilt_and_answers_as_before(damage: str, built: Built, tmp_path: Path) -> None:
    folder = damaged(built, tmp_path, damage)
    try:
        index.load(folder)
        detected = False
    except IndexError_:
        detected = True
    run = notesbot("ask", "-", "--json", "--corpus", str(built.corpus), "--index", str(folder), stdin=built.questions)
    assert run.returncode == 0, run.stderr
    assert_clean(run)
    assert run.stdout == built.before  # the same answers, passages, scores and confidences
    said = run.stderr.replace("\n", " ")
    if detected:  # the user is told, and the index is rebuilt
        assert "rebuilding it" in said or "Indexing your notes first" in said, run.stderr
    assert NOTICES.get(damage, "") in said
    repaired = index.load(folder)  # no crash loop: the next run finds a good, current index
    assert len(repaired.chunks) == repaired.manifest.n_chunks
    assert NotesBot(built.corpus, folder, embedder=FakeEmbedder()).is_current()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")]
    assert len([p for p in folder.iterdir() if p.name.startswith("data-")]) == 1


@pytest.fixture(scope="module")
def real_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    questions = ["When did the war begin?", "What does chlorophyll absorb?", "Who won the 1966 World Cup?"]
    return build(tmp_path_factory.mktemp("real"), real=True, corpus=DATA / "tiny", questions=questions)


@pytest.mark.model
@pytest.mark.parametrize("damage", ["faiss.index-garbage", "manifest-other-model"])
def test_damaged_index_with_the_real_model(damage: str, real_built: Built, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    shutil.copytree(real_built.index, folder)
    DAMAGES[damage](folder)
    args = ("ask", "-", "--json", "--corpus", str(real_built.corpus), "--index", str(folder))
    run = notesbot(*args, stdin=real_built.questions, real=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "rebuilding it" in run.stderr
    assert run.stdout == real_built.before


# -- two builds at once ------------------------------------------------------------------------------------------
def copy_of(built: Built, tmp_path: Path) -> list[str]:
    shutil.copytree(built.index, tmp_path / "index")
    return ["--corpus", str(built.corpus), "--index", str(tmp_path / "index")]


def assert_answers_as_before(where: list[str], built: Built) -> None:
    after = notesbot("ask", "-", "--json", *where, stdin=stdin())
    assert after.returncode == 0 and "notice:" not in after.stderr, after.stderr
    assert after.stdout == built.before
    folder = Path(where[3])
    assert len([p for p in folder.iterdir() if p.name.startswith("data-")]) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-") or p.name.endswith(".tmp")]


def slow_build(where: list[str], seconds: float, wait: bool = True) -> subprocess.Popen[str]:
    """`notesbot index --rebuild` whose embedding takes ``seconds``; with ``wait``, returned once it holds the lock."""
    build = subprocess.Popen(
        [*command(), "index", "--rebuild", *where],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NOTESBOT_TEST_SLOW": str(seconds)},
    )
    assert build.stderr is not None
    deadline = time.monotonic() + 60
    while wait and "embedding started" not in build.stderr.readline():
        assert time.monotonic() < deadline and build.poll() is None, "the build never started embedding"
    return build


def test_second_index_run_gets_a_clear_lock_message(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    first = slow_build(where, 2)
    second = notesbot("index", "--rebuild", *where)  # while the first holds the lock
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert re.search(r"\b\d+ chunks from 2 files", out), out
    assert_one_line_error(second, 1, LOCKED)
    assert "wait for it to finish" in second.stderr
    assert_answers_as_before(where, built)


def test_index_runs_started_together_leave_a_good_index(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    runs = [slow_build(where, 1, wait=False) for _ in range(3)]
    results = [(*run.communicate(timeout=120), run.returncode) for run in runs]
    results = [(code, out, err) for out, err, code in results]
    assert any(code == 0 for code, _, _ in results)
    for code, out, err in results:
        assert "Traceback" not in err
        assert (code == 0 and "chunks from 2 files" in out) or (code == 1 and LOCKED in err and out == ""), err
    assert_answers_as_before(where, built)


def test_asking_while_an_index_is_built_answers_from_the_previous_index(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    builder = slow_build(where, 2)
    asked = notesbot("ask", "-", "--json", *where, stdin=stdin())
    builder.communicate(timeout=120)
    assert asked.returncode == 0 and asked.stdout == built.before, asked.stderr
    assert_answers_as_before(where, built)


def test_asks_started_during_a_build_wait_for_it_and_answer(built: Built, tmp_path: Path) -> None:
    notes = tmp_path / "corpus"
    shutil.copytree(built.corpus, notes)
    shutil.copytree(built.index, tmp_path / "index")
    essay = notes / "sino-soviet-alliance-origins-essay.txt"
    essay.write_text(essay.read_text() + "\n\nStalin died in March 1953.\n")
    args = [
        *command(),
        "ask",
        "When did Stalin die?",
        "--json",
        "--corpus",
        str(notes),
        "--index",
        str(tmp_path / "index"),
    ]

    def ask(slow: str) -> subprocess.Popen[str]:
        env = {**os.environ, "NOTESBOT_TEST_SLOW": slow}
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    first = ask("3")
    assert first.stderr is not None
    while "embedding started" not in first.stderr.readline():  # the first ask holds the lock while it embeds
        assert first.poll() is None, "the first ask never started embedding"
    later = [ask("") for _ in range(2)]
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    for run in later:
        answer, waited = run.communicate(timeout=120)
        assert run.returncode == 0, waited
        assert_clean(subprocess.CompletedProcess(args, 0, answer, waited))
        assert "Waiting for another notesbot process to finish building the index in " in waited
        assert answer == out and "Stalin died in March 1953" in out


# -- bad questions -----------------------------------------------------------------------------------------------
ODD = [
    "???",
    "!!! ... ,,,",
    "毛泽东为什么发动大跃进?",
    "Тайвань и Хрущёв?",
    "🤔🤔🤔",
    "🐉 Taiwan 🇨🇳?",
    "mao\x07 and k\x1b[31m red\x7f",
    "<script>alert(1)</script> Mao?",
    "'; DROP TABLE notes; --",
]


def test_odd_questions_get_an_answer_or_an_abstention(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    run = notesbot("ask", *ODD, "--json", *where)
    assert run.returncode == 0, run.stderr
    assert_clean(run)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(rows) == len(ODD)
    for row in rows:
        assert row["abstained"] or (row["answer"] and row["passages"])
        assert row["question"].isprintable() and row["question"] == row["question"].strip()
    assert rows[6]["question"] == "mao and k [31m red"
    human = notesbot("ask", *ODD, *where)
    assert human.returncode == 0 and "\x1b" not in human.stdout and "\x07" not in human.stdout
    assert human.stdout.count("Q: ") == len(ODD)


def test_nul_bytes_and_control_characters_on_stdin(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    lines = "mao\x00 and \x01taiwan\n\x00\x00\n\x1b\x07\n\n  taiwan\x1b[2J nuclear  \n"
    run = notesbot("ask", "-", "--json", *where, stdin=lines)
    assert run.returncode == 0, run.stderr
    assert_clean(run)
    questions = [json.loads(line)["question"] for line in run.stdout.splitlines()]
    assert questions == ["mao and taiwan", "taiwan [2J nuclear"]


@pytest.mark.parametrize(("argv", "given"), [(["   "], None), (["\t\n"], None), (["-"], "\x00\x00\n \n\x1b\n")])
def test_empty_questions_are_one_line_errors(argv: list[str], given: str | None, built: Built, tmp_path: Path) -> None:
    run = notesbot("ask", *argv, *copy_of(built, tmp_path), stdin=given)
    if given is None:  # an empty question is a usage error: exit 2
        assert_one_line_error(run, 2, "error: the question is empty: ask something about your notes")
    else:  # so is nothing to ask at all
        assert_one_line_error(run, 2, "error: no question given")


CUT = "the question was cut to its first 2000 characters"


def test_a_megabyte_question_is_cut_with_a_notice(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    question = ("Why did Mao launch the Great Leap Forward? " * 25_000)[:1_000_000]
    run = notesbot("ask", "-", "--json", *where, stdin=question + "\n")
    assert run.returncode == 0, run.stderr
    assert_clean(run)
    assert f"notice: {CUT}" in run.stderr.splitlines()
    row = json.loads(run.stdout)
    assert len(row["question"]) == 2000 and question.startswith(row["question"])
    assert row["abstained"] or row["passages"]
    human = notesbot("ask", "-", *where, stdin=question + "\n")
    assert human.returncode == 0 and f"notice: {CUT}" in human.stderr.splitlines() and CUT not in human.stdout


def test_a_long_question_in_the_argument_is_cut_too(built: Built, tmp_path: Path) -> None:
    where = copy_of(built, tmp_path)
    question = "taiwan " * 15_000  # 105 KB: just under Linux's limit for one argument
    run = notesbot("ask", question, "--json", *where)
    assert run.returncode == 0 and f"notice: {CUT}" in run.stderr, run.stderr
    assert len(json.loads(run.stdout)["question"]) <= 2000


@pytest.mark.model
def test_odd_questions_with_the_real_model_are_not_found(real_built: Built) -> None:
    where = ["--corpus", str(real_built.corpus), "--index", str(real_built.index)]
    run = notesbot("ask", "???", "!!! ... ,,,", "🤔🤔🤔", "毛泽东为什么发动大跃进?", "--json", *where, real=True)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["abstained"] for row in rows] == [True] * 4
    assert all(row["answer"] is None for row in rows)


# -- bad note folders --------------------------------------------------------------------------------------------
def make_folder(root: Path, kind: str) -> Path:
    notes = root / "notes"
    if kind == "missing":
        return notes
    if kind == "a-file":
        notes.write_text("not a folder")
        return notes
    notes.mkdir()
    if kind == "unsupported":
        (notes / "slides.pptx").write_bytes(b"PK\x03\x04")
        (notes / "photo.jpg").write_bytes(b"\xff\xd8\xff")
        (notes / "data.csv").write_text("a,b\n1,2\n")
        (notes / ".hidden.txt").write_text("hidden notes are not read")
    elif kind == "only-skipped":
        (notes / "empty.txt").write_bytes(b"")
        (notes / "blank.md").write_text("\n \n\t\n")
        (notes / "binary.txt").write_bytes(bytes(range(256)) * 4)
        (notes / "broken.pdf").write_bytes(b"%PDF-1.7\n%%EOF")
    return notes


FOLDER_ERRORS = {
    "missing": "does not exist: point corpus= / --corpus at your notes",
    "a-file": "is not a folder: point corpus= / --corpus at your notes",
    "empty": "no readable .txt, .md or .pdf notes in",
    "unsupported": "no readable .txt, .md or .pdf notes in",
    "only-skipped": "no readable .txt, .md or .pdf notes in",
}


@pytest.mark.parametrize("kind", list(FOLDER_ERRORS))
@pytest.mark.parametrize("verb", ["index", "ask"])
def test_folders_with_nothing_to_index_are_one_line_errors(kind: str, verb: str, tmp_path: Path) -> None:
    notes = make_folder(tmp_path, kind)
    args = [verb, *(["a question"] if verb == "ask" else []), "--corpus", str(notes), "--index", str(tmp_path / "i")]
    run = notesbot(*args)
    assert_one_line_error(run, 1, FOLDER_ERRORS[kind])
    if kind == "only-skipped":
        for name in ("empty.txt", "blank.md", "binary.txt", "broken.pdf"):
            assert f"warning: skipped {name}: " in run.stderr
    assert not (tmp_path / "i" / "manifest.json").exists()


# name -> (bytes, codec to read them with, {word only this file holds: the line it is on})
MESSY: dict[str, tuple[bytes, str, dict[str, int]]] = {
    "crlf.txt": (b"first line\r\nsecond line about Quemoy\r\n\r\nfourth line about Matsu\r\n", "utf-8", {"Quemoy": 2}),
    "cr.txt": (b"alpha\rbeta about rubber rings\r\rdelta about Zhou\r", "utf-8", {"Zhou": 4}),
    "mixed.txt": (b"one\r\ntwo about Manchuria\rthree\nfour about Vladivostok\r\n", "utf-8", {"Vladivostok": 4}),
    "latin1.txt": ("café\nnaïve line about Sputnik\n".encode("latin-1"), "latin-1", {"Sputnik": 2}),
    "utf16.txt": ("line one\nline two about Yalta\n".encode("utf-16"), "utf-16", {"Yalta": 2}),
    "utf16be.md": (b"\xfe\xff" + "# Title\n\nbody about Beria\n".encode("utf-16-be"), "utf-16", {"Beria": 3}),
    "bom.md": (b"\xef\xbb\xbf# Title\n\nbody about Lushan\nmore about Beijing\n", "utf-8-sig", {"Beijing": 4}),
    "deep/nested/outline.txt": (b"1 Korea\n1.1 armistice at Panmunjom\n", "utf-8", {"Panmunjom": 2}),
    "escapes.txt": (b"evil \x1b]0;pwned\x07 title and \x1b[2J clear about Pyongyang\n", "utf-8", {"Pyongyang": 1}),
}
FORGED = "forged\x1b[31m\nwarning: all is well.txt"  # an empty note whose name tries to forge a line
SKIPPED = [
    "huge.txt",
    "loop-a.txt",
    "loop-b.txt",
    "broken.pdf",
    "empty.txt",
    "binary.txt",
    "caf\\xe9.txt",
    "forged\\x1b[31m\\x0awarning: all is well.txt",
]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of every awkward kind of note file, beside good ones."""
    notes = tmp_path_factory.mktemp("messy") / "notes"
    for name, (data, _, _) in MESSY.items():
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_bytes(data)
    with (notes / "huge.txt").open("wb") as fh:  # 50 MB
        fh.write(b"a line of notes about the rubber ring incident\n" * 1_100_000)
    (notes / "loop-a.txt").symlink_to(notes / "loop-b.txt")
    (notes / "loop-b.txt").symlink_to(notes / "loop-a.txt")
    (notes / "deep" / "up").symlink_to(notes, target_is_directory=True)  # a folder loop
    (notes / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n%%EOF")
    (notes / "empty.txt").write_bytes(b"")
    (notes / FORGED).write_bytes(b"")
    (notes / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (notes / "slides.pptx").write_bytes(b"PK\x03\x04")
    with open(os.path.join(os.fsencode(notes), b"caf\xe9.txt"), "wb") as fh:  # a Latin-1 name, not UTF-8
        fh.write(b"a note whose name is not UTF-8\n")
    return notes


@pytest.fixture(scope="module")
def messy_index(messy: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`notesbot index` over the messy folder: the run, and the --corpus and --index to ask with."""
    where = ["--corpus", str(messy), "--index", str(messy.parent / "index")]
    return notesbot("index", *where), where


def test_messy_folder_indexes_the_good_files_and_names_the_rest(
    messy_index: tuple[subprocess.CompletedProcess[str], list[str]],
) -> None:
    run = messy_index[0]
    assert run.returncode == 0, run.stderr
    assert_clean(run)
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    for name in SKIPPED:
        assert sum(f"skipped {name}: " in line for line in warnings) == 1, (name, warnings)
    assert "warning: latin1.txt is not UTF-8: decoded as cp1252" in warnings
    assert len(warnings) == len(SKIPPED) + 1
    assert any("skipped huge.txt: too large (52 MB; the limit is 10 MB)" in line for line in warnings)
    assert f"from {len(MESSY)} files: {len(MESSY)} added" in run.stdout


def file_lines(data: bytes, codec: str) -> list[str]:
    """The file's lines as an editor shows them: \\r\\n, \\r and \\n all end a line."""
    return re.split(r"\r\n|\r|\n", data.decode(codec))


def test_messy_folder_citations_point_at_the_right_lines(
    messy_index: tuple[subprocess.CompletedProcess[str], list[str]],
) -> None:
    where = messy_index[1]
    words = {word: (name, line) for name, (_, _, found) in MESSY.items() for word, line in found.items()}
    run = notesbot("ask", "-", "--json", "--mode", "bm25", "--k", "1", *where, stdin=stdin(list(words)))
    assert run.returncode == 0, run.stderr
    for word, line in zip(words, run.stdout.splitlines()):
        passage = json.loads(line)["passages"][0]
        name, number = words[word]
        data, codec, _ = MESSY[name]
        lines = file_lines(data, codec)
        assert passage["source"] == name
        assert passage["start_line"] <= number <= passage["end_line"], (word, passage)
        assert word in lines[number - 1]
        assert passage["text"] in "\n".join(lines[passage["start_line"] - 1 : passage["end_line"]])


def test_note_text_cannot_send_escape_sequences_to_the_terminal(
    messy_index: tuple[subprocess.CompletedProcess[str], list[str]],
) -> None:
    where = messy_index[1]
    human = notesbot("ask", "Pyongyang", "--k", "1", "--mode", "bm25", *where)
    assert human.returncode == 0, human.stderr
    assert "\x1b" not in human.stdout + human.stderr and "\x07" not in human.stdout
    assert "evil \\x1b]0;pwned\\x07 title" in human.stdout
    as_json = notesbot("ask", "Pyongyang", "--k", "1", "--mode", "bm25", "--json", *where)
    assert json.loads(as_json.stdout)["passages"][0]["text"].startswith("evil \x1b]0;pwned\x07")  # JSON is exact


def test_a_messy_folder_is_indexed_once(messy_index: tuple[subprocess.CompletedProcess[str], list[str]]) -> None:
    where = messy_index[1]
    again = notesbot("ask", "Pyongyang", *where)
    assert again.returncode == 0 and again.stderr == ""
