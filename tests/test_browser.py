"""End to end in a real browser: `notesbot chat` in a subprocess on the shipped notes plus a hostile note, driven
through Debian's Chromium by Playwright. Screenshots go to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from .conftest import SHIPPED, chat_server
from .test_web import HOSTILE_NAME, HOSTILE_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
QUESTION = "Why did Mao launch the Great Leap Forward?"
WAIT = 120_000  # milliseconds for anything the server computes


@dataclass
class Chat:
    url: str
    corpus: Path
    feedback: Path
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    root = tmp_path_factory.mktemp("browser")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SHIPPED, corpus)
    (corpus / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    with chat_server(corpus, index, root / "chat.log") as url:
        yield Chat(url, corpus, index / "feedback.jsonl")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run .ci/install-browser (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, chat: Chat) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.on("dialog", lambda dialog: (chat.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(chat.url)
    page.locator("#nb-chat").wait_for()
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def ask(page: Any, question: str) -> Any:
    """Type ``question``, send it, and return the locator of the new answer bubble."""
    before = page.locator("#nb-chat .nb-answer").count()
    page.locator("#nb-question textarea").fill(question)
    page.locator("#nb-question textarea").press("Enter")
    page.locator("#nb-chat .nb-answer").nth(before).wait_for()
    return page.locator("#nb-chat .nb-answer").nth(before)


def cite_target(href: str) -> tuple[str, int, int, int, int]:
    """source, start, end, focus start, focus end from a citation link ``#nb-cite/source/...``."""
    _, source, *numbers = href.split("/")
    start, end, focus_start, focus_end = map(int, numbers)
    return unquote(source), start, end, focus_start, focus_end


def highlighted(page: Any, cls: str) -> list[int]:
    return [int(n) for n in page.locator(f"#nb-viewer .{cls}").evaluate_all("rows => rows.map(r => r.dataset.line)")]


def test_answer_citation_and_highlighted_source_lines(page: Any, chat: Chat) -> None:
    assert page.locator("#nb-chat button.example").count() >= 1, "an empty chat offers example questions"
    shot(page, "chat-empty.png")
    answer = ask(page, QUESTION)
    assert "Not found in your notes" not in answer.inner_text()
    cites = answer.locator("a.nb-cite")
    assert cites.count() >= 1
    assert page.locator("#nb-sources .nb-card").count() >= 1
    assert "sino-soviet" in page.locator("#nb-sources").inner_text()
    shot(page, "chat-answer.png")

    source, start, end, focus_start, focus_end = cite_target(cites.first.get_attribute("href"))
    cites.first.click()
    page.locator("#nb-viewer .nb-focus").first.wait_for()
    assert source in page.locator("#nb-viewer .nb-doc-head").inner_text()
    assert highlighted(page, "nb-hl") == list(range(start, end + 1))
    assert highlighted(page, "nb-focus") == list(range(focus_start, focus_end + 1))
    lines = (chat.corpus / source).read_text(encoding="utf-8").split("\n")
    shown = page.locator("#nb-viewer .nb-focus .nb-lt").first.inner_text()
    assert shown == lines[focus_start - 1]
    page.wait_for_function(
        """() => { const row = document.querySelector('#nb-viewer .nb-focus');
                   const box = document.querySelector('#nb-viewer .nb-doc');
                   const r = row.getBoundingClientRect(), b = box.getBoundingClientRect();
                   return r.top >= b.top && r.bottom <= b.bottom; }"""
    )
    shot(page, "chat-note.png")

    page.locator("#nb-chat button[aria-label='Like']").last.click()
    deadline = time.monotonic() + 60
    while not (chat.feedback.exists() and chat.feedback.read_text(encoding="utf-8").strip()):
        assert time.monotonic() < deadline, "thumbs up wrote no feedback line"
        time.sleep(0.2)
    entry = json.loads(chat.feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["question"] == QUESTION and entry["verdict"] == "up" and entry["passages"]


def test_a_follow_up_is_answered_with_the_question_before_it(page: Any) -> None:
    ask(page, "What did Khrushchev propose in July 1958?")
    answer = ask(page, "why did Mao object to it?")
    text = answer.inner_text()
    assert 'read with your earlier question "What did Khrushchev propose in July 1958?"' in text
    assert "Not found in your notes" not in text and "patronising" in text, text
    shot(page, "chat-follow-up.png")


def test_example_question_and_passage_click(page: Any) -> None:
    example = page.locator("#nb-chat button.example").first
    text = example.inner_text().strip()
    example.click()
    page.locator("#nb-chat .nb-answer").first.wait_for()
    assert text in page.locator("#nb-chat").inner_text()
    card = page.locator("#nb-sources .nb-card").nth(1)
    start, end = int(card.get_attribute("data-start")), int(card.get_attribute("data-end"))
    card.click()
    page.locator("#nb-viewer .nb-hl").first.wait_for()
    page.wait_for_function(
        "([s, e]) => [...document.querySelectorAll('#nb-viewer .nb-hl')].map(r => +r.dataset.line).join() === "
        "Array.from({length: e - s + 1}, (_, i) => s + i).join()",
        arg=[start, end],
    )


def test_hostile_note_is_shown_as_text_and_runs_nothing(page: Any, chat: Chat) -> None:
    ask(page, "What do kittens like to drink?")
    sources = page.locator("#nb-sources")
    assert "<script>alert('xss')</script>" in sources.inner_text()
    assert HOSTILE_NAME in sources.inner_text()
    page.locator("#nb-sources .nb-card", has_text=HOSTILE_NAME).first.click()
    page.locator("#nb-viewer .nb-hl").first.wait_for()
    viewer = page.locator("#nb-viewer").inner_text()
    assert "${alert(4)}" in viewer and "{{constructor.constructor('alert(5)')()}}" in viewer
    assert "[click me](javascript:alert(6))" in viewer and "**stars**" in viewer
    for where in ("#nb-chat", "#nb-sources", "#nb-viewer"):
        assert page.locator(f"{where} img, {where} script, {where} b").count() == 0
    shot(page, "chat-hostile.png")
    assert chat.dialogs == [], "a note's markup ran as code"


def test_reindex_picks_up_a_new_note(page: Any, chat: Chat) -> None:
    (chat.corpus / "zebras.txt").write_text("Zebras have black and white stripes that confuse flies.\n")
    page.locator("#nb-settings").get_by_text("Search settings").click()
    page.locator("#nb-reindex").click()
    page.locator("#nb-status", has_text="Re-indexed").wait_for()
    assert "1 added" in page.locator("#nb-status").inner_text()
    ask(page, "Why do zebras have stripes?")
    assert "zebras.txt" in page.locator("#nb-sources").inner_text()


def test_on_a_phone_a_citation_scrolls_the_page_to_the_note(browser: Any, chat: Chat) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.set_default_timeout(WAIT)
    phone.goto(chat.url)
    phone.locator("#nb-chat").wait_for()
    answer = ask(phone, QUESTION)
    answer.locator("a.nb-cite").first.click()
    phone.locator("#nb-viewer .nb-focus").first.wait_for()
    phone.wait_for_function(
        """() => { const r = document.querySelector('#nb-viewer').getBoundingClientRect();
                   return r.top < window.innerHeight && r.bottom > 0; }"""
    )
    shot(phone, "chat-phone-note.png")
    context.close()
