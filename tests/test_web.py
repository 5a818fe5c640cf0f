"""The chat server: the named `ask` API over gradio_client, escaping of hostile notes, and a source viewer that
serves only indexed notes inside the corpus (unit level and over raw HTTP)."""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from notesbot import NotesBot, web
from notesbot.errors import CorpusError
from notesbot.types import Answer, Passage, Sentence

from .conftest import DATA, FakeEmbedder, free_port

HOSTILE_NAME = "<img src=x onerror=alert(1)>.md"
HOSTILE_TEXT = (
    "# Kittens <img src=x onerror=\"alert('heading')\">\n\n"
    "Kittens like <script>alert('xss')</script> warm milk and long naps.\n"
    "Kitten facts: <b onmouseover=\"alert(3)\">bold</b> ${alert(4)} {{constructor.constructor('alert(5)')()}}\n"
    '[click me](javascript:alert(6)) and **stars** and "quotes" \' stay literal.\n'
)
SAFE_TAGS = {"a", "div", "span", "p", "mark", "br", "strong", "ul", "li"}
SAFE_ATTRS = {
    "class",
    "href",
    "role",
    "title",
    "tabindex",
    "data-source",
    "data-start",
    "data-end",
    "data-focus-start",
    "data-focus-end",
    "data-line",
}


SECRET = "TOP SECRET: a file outside the notes folder"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny notes plus a hostile note with a hostile file name, and leak.txt: a link to a file outside."""
    root = tmp_path_factory.mktemp("web") / "corpus"
    shutil.copytree(DATA / "tiny", root)
    (root / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (root.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "leak.txt").symlink_to(root.parent / "secret.txt")
    return root


@pytest.fixture(scope="module")
def bot(corpus: Path) -> NotesBot:
    bot = NotesBot(corpus=corpus, index=corpus.parent / "index", embedder=FakeEmbedder())
    bot.update()
    return bot


@pytest.fixture(scope="module")
def server(bot: NotesBot) -> Iterator[tuple[Any, str]]:
    app, url = web.launch(bot, port=free_port(), block=False, quiet=True)
    yield app, url
    app.close()


@pytest.fixture(scope="module")
def client(server: tuple[Any, str]) -> Any:
    from gradio_client import Client

    return Client(server[1], verbose=False)


# -- the named API ---------------------------------------------------------------------------------------------------
def test_ask_endpoint_returns_the_answer_dict(client: Any, bot: NotesBot) -> None:
    result = client.predict("When did the war begin?", api_name="/ask")
    assert result == bot.ask("When did the war begin?").to_dict()
    assert {"question", "answer", "abstained", "confidence", "passages"} <= set(result)
    assert result["passages"] and {"source", "start_line", "end_line", "text", "heading", "score"} <= set(
        result["passages"][0]
    )


def test_ask_endpoint_takes_k_mode_and_files(client: Any) -> None:
    result = client.predict("war", k=2, mode="bm25", files=["sub/essay.txt"], api_name="/ask")
    assert len(result["passages"]) <= 2
    assert {p["source"] for p in result["passages"]} == {"sub/essay.txt"}


def test_ask_endpoint_is_documented(client: Any) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert "/ask" in info["named_endpoints"]
    assert all(name == "/ask" for name in info["named_endpoints"]), "chat-page events must stay private"


def test_ask_endpoint_error_is_a_clear_message(client: Any) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the question is empty"):
        client.predict("   ", api_name="/ask")


def test_concurrent_clients_get_the_single_client_answers(server: tuple[Any, str], bot: NotesBot) -> None:
    from gradio_client import Client

    questions = ["When did the war begin?", "What does chlorophyll absorb?", "What do kittens like?"]
    expected = {q: bot.ask(q).to_dict() for q in questions}
    results: list[tuple[str, dict[str, Any]]] = []
    errors: list[BaseException] = []

    def one_client() -> None:
        try:
            client = Client(server[1], verbose=False)
            results.extend((q, client.predict(q, api_name="/ask")) for q in questions)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert len(results) == 6 * len(questions)
    assert all(result == expected[q] for q, result in results)


def test_binds_loopback_without_share_link_by_default(server: tuple[Any, str]) -> None:
    import inspect

    from notesbot.cli import cli

    assert server[1].startswith("http://127.0.0.1:")
    assert getattr(server[0], "share_url", None) is None
    params = inspect.signature(web.launch).parameters
    assert params["host"].default == "127.0.0.1" and params["share"].default is False
    options = cli.commands["chat"].make_context("chat", []).params
    assert options["host"] == "127.0.0.1" and options["share"] is False


# -- the source viewer: only indexed notes inside the corpus ---------------------------------------------------------
TRAVERSALS = [
    "../../etc/passwd",
    "/etc/passwd",
    "%2e%2e/%2e%2e/etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "%2Fetc%2Fpasswd",
    "leak.txt",
    "../secret.txt",
    "sub/../../etc/passwd",
    "..\\..\\etc\\passwd",
    "outline.txt\0.png",
    "sub",
    "",
    None,
    42,
    ["outline.txt"],
]


@pytest.mark.parametrize("source", TRAVERSALS)
def test_viewer_refuses_paths_outside_the_index(bot: NotesBot, source: object) -> None:
    backend = web.Backend(bot, Path("unused"))
    with pytest.raises(CorpusError, match="only notes inside the notes folder"):
        backend.document(source)


def test_viewer_shows_an_indexed_note(bot: NotesBot, corpus: Path) -> None:
    doc = web.Backend(bot, Path("unused")).document("sub/essay.txt")
    assert doc.text == (corpus / "sub" / "essay.txt").read_text(encoding="utf-8")


def test_symlinks_out_of_the_corpus_are_refused(tmp_path: Path) -> None:
    root, secret = tmp_path / "corpus", tmp_path / "secret.txt"
    shutil.copytree(DATA / "tiny", root)
    secret.write_text("top secret\n", encoding="utf-8")
    (root / "leak.txt").symlink_to(secret)
    bot = NotesBot(corpus=root, index=tmp_path / "index", embedder=FakeEmbedder())
    bot.update()
    assert "leak.txt" not in web.Backend(bot, Path("unused")).sources()
    with pytest.raises(CorpusError):
        web.safe_path(root, "leak.txt", {"leak.txt"})  # even if a stale index listed it
    (root / "outline.txt").unlink()
    (root / "outline.txt").symlink_to(secret)  # an indexed note swapped for a link after indexing
    with pytest.raises(CorpusError):
        web.safe_path(root, "outline.txt", {"outline.txt"})


def show_event(server: tuple[Any, str], data: dict[str, Any]) -> str:
    """Send the viewer's click event over the raw queue protocol, as a hostile browser could; the output HTML."""
    app, url = server
    panel = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "nb-sources")
    deps = app.config["dependencies"]
    fn_index = next(i for i, dep in enumerate(deps) if (panel._id, "click") in map(tuple, dep["targets"]))
    session = uuid.uuid4().hex
    body = {"data": [], "event_data": data, "fn_index": fn_index, "trigger_id": panel._id, "session_hash": session}
    with httpx.Client(base_url=url, timeout=120) as http:
        http.post("gradio_api/queue/join", json=body).raise_for_status()
        with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    return str(message["output"]["data"][0])
    raise AssertionError("no answer from the viewer event")


def test_viewer_event_over_http_refuses_traversal(server: tuple[Any, str], corpus: Path) -> None:
    for source in (
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "%2e%2e/%2e%2e/etc/hostname",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "leak.txt",  # a symlink to a file outside the notes folder
        "../secret.txt",
        str(corpus / "outline.txt"),  # absolute, even inside the corpus
        str(corpus.parent / "secret.txt"),
    ):
        out = show_event(server, {"source": source, "start": 1, "end": 1})
        assert "only notes inside the notes folder" in out
        assert "root:" not in out and SECRET not in out


def test_viewer_event_over_http_shows_the_lines(server: tuple[Any, str]) -> None:
    out = show_event(server, {"source": "outline.txt", "start": 2, "end": 3, "focus_start": 2, "focus_end": 2})
    assert out.count("nb-hl") == 2 and out.count("nb-focus") == 1
    assert "Nationalism grew across Europe" in out


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../../etc/passwd",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "{corpus}/outline.txt",
        "{corpus}/../index",
        "{corpus}/leak.txt",
        "{corpus}/%2e%2e/secret.txt",
        "{corpus}/../secret.txt",
    ],
)
def test_file_routes_serve_nothing_from_disk(server: tuple[Any, str], corpus: Path, path: str) -> None:
    target = path.format(corpus=corpus)
    for route in (f"gradio_api/file={target}", f"file={target}", f"static/{target}", f"assets/{target}"):
        response = httpx.get(server[1] + route, timeout=30)
        assert response.status_code != 200 or all(
            secret not in response.text for secret in ("Nationalism", "root:", SECRET)
        ), route


def test_note_swapped_for_a_symlink_is_refused_over_http(tmp_path: Path) -> None:
    root, secret = tmp_path / "corpus", tmp_path / "secret.txt"
    shutil.copytree(DATA / "tiny", root)
    secret.write_text(SECRET, encoding="utf-8")
    bot = NotesBot(corpus=root, index=tmp_path / "index", embedder=FakeEmbedder())
    bot.update()
    app, url = web.launch(bot, port=free_port(), block=False, quiet=True)
    try:
        (root / "outline.txt").unlink()
        (root / "outline.txt").symlink_to(secret)  # an indexed note becomes a link out after indexing
        out = show_event((app, url), {"source": "outline.txt", "start": 1, "end": 1})
        assert "only notes inside the notes folder" in out and SECRET not in out
        for route in (f"gradio_api/file={root}/outline.txt", f"file={root}/outline.txt"):
            assert SECRET not in httpx.get(url + route, timeout=30).text
    finally:
        app.close()


# -- escaping --------------------------------------------------------------------------------------------------------
class TagAudit(HTMLParser):
    """Every tag and attribute of a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        self.hrefs.extend(value or "" for name, value in attrs if name == "href")


def audit(markup: str) -> TagAudit:
    parser = TagAudit()
    parser.feed(markup)
    return parser


def hostile_answer() -> Answer:
    text = HOSTILE_TEXT.split("\n")[2]
    passage = Passage(text, HOSTILE_NAME, 3, 3, "Kittens <img src=x onerror=alert(1)>", 0.5, ((0, 20),))
    sentence = Sentence(text, HOSTILE_NAME, 3, 0, 0, len(text), 1.0)
    return Answer(
        "<script>q</script>",
        f"{text} [{HOSTILE_NAME}:3]",
        False,
        [passage],
        [sentence],
        0.9,
        ["<img src=x onerror=alert(7)>"],
    )


def test_rendered_html_has_only_our_tags_and_attributes(bot: NotesBot) -> None:
    result = hostile_answer()
    doc = web.Backend(bot, Path("unused")).document(HOSTILE_NAME)
    pieces = [
        web.answer_html(result),
        web.sources_html(result),
        web.viewer_html(doc, 3, 4, (3, 3)),
        web.abstention_html(result),
        web.error_html("<script>x</script>"),
        web.status_html("ok", [HOSTILE_NAME]),
    ]
    for markup in pieces:
        found = audit(markup)
        assert found.tags <= SAFE_TAGS, found.tags
        assert found.attrs <= SAFE_ATTRS, found.attrs
        assert all(h.startswith("#nb-cite/") for h in found.hrefs)
        assert "<script" not in markup and "<img" not in markup


def test_note_text_is_shown_literally(bot: NotesBot) -> None:
    doc = web.Backend(bot, Path("unused")).document(HOSTILE_NAME)
    viewer = web.viewer_html(doc, 1, 4, (3, 3))
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in viewer
    assert "${alert(4)}" in viewer and "**stars**" in viewer
    assert "&lt;img src=x onerror=alert(1)&gt;.md" in viewer


def test_answer_citations_become_numbered_links() -> None:
    result = hostile_answer()
    markup = web.answer_html(result)
    assert markup.count('class="nb-cite"') == 1
    assert "#nb-cite/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.md/3/3/3/3" in markup
    assert "high confidence" in markup and "90%" in markup


def test_abstention_is_plain_with_closest_matches() -> None:
    passage = Passage("The war began in 1914.", "sub/essay.txt", 1, 1, None, 0.1)
    markup = web.answer_html(Answer("Who won the 1966 World Cup?", None, True, [passage], [], 0.05))
    assert "Not found in your notes." in markup and "Closest matches" in markup and "sub/essay.txt:1" in markup


# -- chat handlers ---------------------------------------------------------------------------------------------------
def chat_handlers(bot: NotesBot, tmp_path: Path) -> tuple[web.Backend, Any]:
    import gradio as gr

    backend = web.Backend(bot, tmp_path / "feedback.jsonl")
    return backend, web.handlers(gr, backend)


def test_chat_errors_are_messages_not_tracebacks(
    bot: NotesBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, (respond, *_) = chat_handlers(bot, tmp_path)
    history = [{"role": "user", "content": "\x00\x01"}]
    reply = respond(history, {}, 5, "hybrid", [])[0][-1]["content"]
    assert "Sorry:" in reply and "the question is empty" in reply

    def broken(*args: Any) -> Answer:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(backend, "ask", broken)
    reply = respond(history, {}, 5, "hybrid", [])[0][-1]["content"]
    assert "something went wrong" in reply and "secret internals" not in reply and "Traceback" not in reply


def test_chat_answers_and_keeps_the_answer_for_feedback(bot: NotesBot, tmp_path: Path) -> None:
    _, (respond, *_) = chat_handlers(bot, tmp_path)
    question = "When did the war begin?"
    history, store, panel, _ = respond([{"role": "user", "content": question}], {}, 3, "hybrid", [])
    assert history[-1]["role"] == "assistant" and 'class="nb-card"' in panel
    assert store["1"] == {**bot.ask(question, k=3, mode="hybrid").to_dict(), "files": []}


def test_feedback_lines_match_what_eval_reads(bot: NotesBot, tmp_path: Path) -> None:
    backend, (_, _, like, _) = chat_handlers(bot, tmp_path)
    answer = bot.ask("When did the war begin?").to_dict()

    class Liked:
        index, liked = 1, True

    like({"1": answer}, Liked())
    backend.record(answer, "down")
    lines = [json.loads(line) for line in backend.feedback.read_text(encoding="utf-8").splitlines()]
    assert [line["verdict"] for line in lines] == ["up", "down"]
    for line in lines:
        assert set(line) == {"question", "answer", "abstained", "files", "verdict", "passages", "time"}
        assert line["question"] == answer["question"] and line["answer"] == answer["answer"]
        assert all(set(p) == {"source", "start_line", "end_line", "text"} for p in line["passages"])
        assert datetime.fromisoformat(line["time"]).tzinfo is not None


def test_agreeing_with_a_refusal_saves_an_unanswerable_question_and_a_verdict_can_be_taken_back(
    bot: NotesBot, tmp_path: Path
) -> None:
    from notesbot.evaluation.questions import read_feedback

    backend, (_, _, like, _) = chat_handlers(bot, tmp_path)
    refused = {**bot.ask("When did the war begin?").to_dict(), "answer": None, "abstained": True}
    answered = {**bot.ask("What caused the war?").to_dict(), "abstained": False, "answer": "It began. [a.txt:1]"}

    class Event:
        def __init__(self, index: int, liked: object) -> None:
            self.index, self.liked = index, liked

    like({"1": refused, "3": answered}, Event(1, True))
    like({"1": refused, "3": answered}, Event(3, True))
    (unanswerable, good) = read_feedback(backend.feedback)
    assert (unanswerable.answerable, unanswerable.evidence) == (False, ())
    assert good.answerable and good.evidence
    like({"1": refused, "3": answered}, Event(3, ""))  # the thumbs-up clicked again: taken back (Gradio sends "")
    assert [q.answerable for q in read_feedback(backend.feedback)] == [False]
    like({"1": refused, "3": answered}, Event(3, True))
    like({"1": refused, "3": answered}, Event(3, None))
    assert [q.answerable for q in read_feedback(backend.feedback)] == [False]
    filtered = {**refused, "question": "Who won in 1997?", "files": ["bio.txt"]}  # refused among some files only
    like({"5": filtered}, Event(5, True))
    assert "Who won in 1997?" not in [q.question for q in read_feedback(backend.feedback)]


def test_two_questions_sent_before_the_first_is_answered_both_get_answers(bot: NotesBot, tmp_path: Path) -> None:
    _, (respond, *_) = chat_handlers(bot, tmp_path)
    history = [
        {"role": "user", "content": "When did the war begin?"},
        {"role": "user", "content": "What caused the war?"},
    ]
    out, store, _, _ = respond(history, {}, 3, "hybrid", [])
    assert [m["role"] for m in out] == ["user", "assistant", "user", "assistant"]
    assert set(store) == {"1", "3"} and store["3"]["question"] == "What caused the war?"


def test_a_follow_up_is_read_with_the_question_it_leans_on(bot: NotesBot, tmp_path: Path) -> None:
    _, (respond, *_) = chat_handlers(bot, tmp_path)
    first = [{"role": "user", "content": "When did the war begin?"}]
    history, store, _, _ = respond(first, {}, 3, "hybrid", [])
    for follow_up in ("What caused it?", "and why?"):
        history, store, _, _ = respond([*history, {"role": "user", "content": follow_up}], store, 3, "hybrid", [])
        asked = store[str(len(history) - 1)]["question"]
        assert asked == f"{follow_up.removeprefix('and ')} (did the war begin)"  # the saved question reads alone
        assert "read with your earlier question" in history[-1]["content"]
    history, store, _, _ = respond(
        [*history, {"role": "user", "content": "What caused the war?"}], store, 3, "hybrid", []
    )
    assert store[str(len(history) - 1)]["question"] == "What caused the war?"
    assert "earlier question" not in history[-1]["content"]
    alone, _, _, _ = respond([{"role": "user", "content": "why?"}], {}, 3, "hybrid", [])
    assert "none came before it" in alone[-1]["content"]  # a follow-up with nothing to follow


def test_example_questions_come_from_headings(bot: NotesBot) -> None:
    examples = web.example_questions(web.Backend(bot, Path("unused")))
    assert examples and all(q.startswith("What do my notes say about ") for q in examples)
    assert "What do my notes say about Causes of the War?" in examples


def test_uploads_are_refused(server: tuple[Any, str]) -> None:
    files = {"files": ("evil.txt", b"x" * 10_000, "text/plain")}
    response = httpx.post(server[1] + "gradio_api/upload", files=files, timeout=30)
    assert response.status_code >= 400, response.text


def test_the_confidence_label_tells_weak_answers_from_strong_ones() -> None:
    for confidence, level in ((0.97, "high"), (0.85, "high"), (0.84, "medium"), (0.56, "medium"), (0.30, "low")):
        markup = web.answer_html(replace(hostile_answer(), confidence=confidence))
        assert f"{level} confidence · " in markup, (confidence, markup)


def test_confidence_shown_is_rounded_down() -> None:
    for confidence, shown in ((0.999, "99%"), (0.57, "57%"), (0.5549, "55%")):
        markup = web.answer_html(replace(hostile_answer(), confidence=confidence))
        assert f"confidence · {shown}" in markup, markup


def test_a_pdf_passage_card_shows_its_pages() -> None:
    pdf = Passage("Mitochondria make ATP", "cells.pdf", 3, 4, None, 0.5, page=2, last_page=3)
    text = Passage("Mitochondria make ATP", "cells.txt", 3, 4, None, 0.5)
    assert "lines 3–4, pp. 2-3</span>" in web.source_card(pdf, 1)
    assert "lines 3–4</span>" in web.source_card(text, 1)
    closest = Answer("q", None, True, [pdf], [], 0.1)
    assert "cells.pdf:3-4, pp. 2-3" in web.abstention_html(closest)
