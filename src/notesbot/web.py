"""The Gradio chat: cited answers, a sources panel, a safe source viewer and thumbs-up/down feedback."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from . import corpus, followup
from .config import DEFAULT_ABSTAIN_BELOW, MODES
from .errors import CorpusError, NotesbotError
from .pipeline import BuildReport, NotesBot
from .types import Answer, Document, Passage

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
FEEDBACK_FILE = "feedback.jsonl"
MAX_VIEW_LINES = 2000
SLIDER_MAX_K = 20
MARKUP = re.compile(r"[<>{}\[\]$`|*#\\]")
CITATION = re.compile(r"\[([^\[\]\n]+?):(\d+)(?:-(\d+))?\]")
LOG = logging.getLogger(__name__)


@dataclass
class Backend:
    """A NotesBot shared by every browser tab and API client; one lock serialises index use."""

    bot: NotesBot
    feedback: Path
    lock: threading.RLock = field(default_factory=threading.RLock)

    def ask(
        self, question: str, k: int | None = None, mode: str | None = None, files: list[str] | None = None
    ) -> Answer:
        with self.lock:
            return self.bot.ask(question, k=k, mode=mode, sources=files or None)

    def sources(self) -> list[str]:
        """The relative paths of the indexed notes."""
        with self.lock:
            return sorted(self.bot.ensure_index().manifest.files)

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> BuildReport:
        with self.lock:
            return self.bot.update(progress=progress)

    def document(self, source: object) -> Document:
        """The decoded text of an indexed note; CorpusError for anything else."""
        path = safe_path(self.bot.settings.corpus, source, set(self.sources()))
        doc, warnings = corpus.read(corpus.NoteFile(str(source), path, 0, 0))
        if doc is None:
            raise CorpusError(f"cannot show {source}: {'; '.join(warnings) or 'it is empty'}")
        return doc

    def record(self, entry: dict[str, Any], verdict: str) -> None:
        """Append one feedback line in the format `notesbot eval` reads."""
        line = {
            "question": entry["question"],
            "answer": entry["answer"],
            "abstained": bool(entry.get("abstained")),
            "files": list(entry.get("files") or []),  # "Only these files": a refusal there says nothing of the rest
            "verdict": verdict,
            "passages": [{k: p[k] for k in ("source", "start_line", "end_line", "text")} for p in entry["passages"]],
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        with self.lock:
            self.feedback.parent.mkdir(parents=True, exist_ok=True)
            with self.feedback.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def safe_path(root: str | Path, source: object, known: set[str]) -> Path:
    """The file of ``source`` when it is an indexed note inside ``root``; CorpusError otherwise."""
    refused = CorpusError(f"cannot show {str(source)[:200]!r}: only notes inside the notes folder can be shown")
    if not isinstance(source, str) or not source or "\0" in source or "\\" in source:
        raise refused
    parts = PurePosixPath(source)
    if parts.is_absolute() or ".." in parts.parts or source not in known:
        raise refused
    base = Path(root).resolve()
    try:
        path = (base / source).resolve(strict=True)
    except (OSError, RuntimeError):
        raise refused from None
    if not path.is_relative_to(base) or not path.is_file():
        raise refused
    return path


# -- rendering: every piece of note text goes through html.escape -----------------------------------------------
def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def span_label(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}–{end}"


def cite_chip(passage: Passage, number: int | None, focus: tuple[int, int] | None = None) -> str:
    """A clickable citation marker that opens ``passage`` in the note viewer.

    The target travels in the link (``#nb-cite/source/start/end/focus_start/focus_end``) because the chat's
    HTML sanitiser drops ``data-*`` attributes.
    """
    first, last = focus or (passage.start_line, passage.end_line)
    label = f"{number}" if number is not None else esc(passage.label)
    target = f"#nb-cite/{quote(passage.source, safe='')}/{passage.start_line}/{passage.end_line}/{first}/{last}"
    return (
        f'<a class="nb-cite" href="{esc(target)}" role="button" '
        f'title="{esc(passage.source)}, {span_label(first, last)}">{label}</a>'
    )


def find_passage(passages: list[Passage], source: str, line: int) -> int | None:
    """The index of the passage of ``source`` that holds ``line`` (or any passage of that file)."""
    same = [i for i, p in enumerate(passages) if p.source == source]
    holding = [i for i in same if passages[i].start_line <= line <= passages[i].end_line]
    found = holding or same
    return found[0] if found else None


def answer_html(result: Answer) -> str:
    """The chat bubble for an answer: escaped sentences with numbered citation markers, and the confidence."""
    if result.abstained or not result.answer:
        return abstention_html(result)
    points = answer_points(result)
    body = (
        f'<p class="nb-text">{points[0]}</p>'
        if len(points) == 1
        else '<ul class="nb-points">' + "".join(f"<li>{p}</li>" for p in points) + "</ul>"
    )
    percent = result.confidence_percent
    level = "high" if percent >= HIGH_CONFIDENCE else "medium" if percent >= ANSWERED_CONFIDENCE else "low"
    meta = f'<span class="nb-conf nb-{level}">{level} confidence · {percent}%</span>'
    return f'<div class="nb-answer">{body}{meta}{notices_html(result)}</div>'


def answer_points(result: Answer) -> list[str]:
    """The answer's cited sentences as HTML, each ``[file:line]`` turned into a numbered, clickable marker."""
    text, points, last = result.answer or "", [], 0
    for match in CITATION.finditer(text):
        source, first = match.group(1), int(match.group(2))
        number = find_passage(result.passages, source, first)
        if number is not None:
            chip = cite_chip(result.passages[number], number + 1, (first, int(match.group(3) or first)))
            points.append(f"{esc(text[last : match.start()].strip())} {chip}")
            last = match.end()
    tail = esc(text[last:].strip())
    if not points:
        chips = [
            cite_chip(result.passages[s.passage], s.passage + 1, (s.line, s.last_line))
            for s in result.sentences
            if s.passage < len(result.passages)
        ]
        return [" ".join([tail, *chips])]
    if tail:
        points[-1] += f" {tail}"
    return [p.replace("\n", "<br>") for p in points]


def abstention_html(result: Answer) -> str:
    items = "".join(
        f"<li>{cite_chip(p, i + 1)} {esc(p.label)}{heading_html(p)}</li>" for i, p in enumerate(result.passages[:3])
    )
    closest = f'<p>Closest matches:</p><ul class="nb-closest">{items}</ul>' if items else ""
    return (
        f'<div class="nb-answer nb-abstain"><p class="nb-text"><strong>Not found in your notes.</strong> '
        f"None of your notes seems to answer this.</p>{closest}{notices_html(result)}</div>"
    )


def heading_html(passage: Passage) -> str:
    if not passage.heading:
        return ""
    crumbs = " <span class='nb-sep'>›</span> ".join(esc(h.strip()) for h in passage.heading.split(" > "))
    return f' <span class="nb-crumbs">{crumbs}</span>'


def notices_html(result: Answer) -> str:
    return "".join(f'<p class="nb-notice">{esc(n)}</p>' for n in result.notices)


def error_html(message: str) -> str:
    return f'<div class="nb-answer nb-error"><p class="nb-text"><strong>Sorry:</strong> {esc(message)}</p></div>'


def marked(text: str, highlights: tuple[tuple[int, int], ...] | list[list[int]]) -> str:
    """``text`` escaped, with the highlighted character ranges wrapped in <mark>."""
    out, last = [], 0
    for start, end in sorted((int(a), int(b)) for a, b in highlights):
        start, end = max(start, last), min(end, len(text))
        if start >= end:
            continue
        out += [esc(text[last:start]), f"<mark>{esc(text[start:end])}</mark>"]
        last = end
    out.append(esc(text[last:]))
    return "".join(out).replace("\n", "<br>")


def sources_html(result: Answer | None) -> str:
    """The sources panel: one card per passage, best first."""
    if result is None or not result.passages:
        return '<p class="nb-empty">The passages behind each answer appear here. Click one to read it in its note.</p>'
    return "".join(source_card(p, i + 1) for i, p in enumerate(result.passages))


def source_card(passage: Passage, number: int) -> str:
    head = (
        f'<div class="nb-card-head"><span class="nb-num">{number}</span> <span class="nb-file">'
        f'{esc(passage.source)}</span> <span class="nb-lines">{span_label(passage.start_line, passage.end_line)}'
        f'{", " + passage.pages if passage.pages else ""}</span><span class="nb-score">score {passage.score:.3f}'
        "</span></div>"
    )
    crumbs = f'<div class="nb-crumb-row">{heading_html(passage)}</div>' if passage.heading else ""
    return (
        f'<div class="nb-card" role="button" tabindex="0" data-source="{esc(passage.source)}" '
        f'data-start="{passage.start_line}" data-end="{passage.end_line}" data-focus-start="{passage.start_line}" '
        f'data-focus-end="{passage.end_line}">{head}{crumbs}'
        f'<div class="nb-passage">{marked(passage.text, passage.highlights)}</div></div>'
    )


def viewer_html(doc: Document, start: int, end: int, focus: tuple[int, int]) -> str:
    """The whole note with lines ``start``-``end`` highlighted (a window around them for huge notes)."""
    lines = doc.lines
    first, last = 1, len(lines)
    if last > MAX_VIEW_LINES:
        first = max(1, start - MAX_VIEW_LINES // 2)
        last = min(len(lines), first + MAX_VIEW_LINES - 1)
    rows = []
    for number in range(first, last + 1):
        cls = "nb-row"
        if start <= number <= end:
            cls += " nb-hl"
        if focus[0] <= number <= focus[1]:
            cls += " nb-focus"
        rows.append(
            f'<div class="{cls}" data-line="{number}"><span class="nb-ln">{number}</span>'
            f'<span class="nb-lt">{esc(lines[number - 1]) or "&nbsp;"}</span></div>'
        )
    window = "" if (first, last) == (1, len(lines)) else f" · showing lines {first}–{last} of {len(lines)}"
    return (
        f'<div class="nb-doc-head"><span class="nb-file">{esc(doc.source)}</span> '
        f'<span class="nb-lines">{span_label(start, end)} highlighted{window}</span></div>'
        f'<div class="nb-doc">{"".join(rows)}</div>'
    )


def viewer_placeholder(message: str = "Click a citation or a passage to read it in its note.") -> str:
    return f'<p class="nb-empty">{esc(message)}</p>'


# -- the app --------------------------------------------------------------------------------------------------------
def example_questions(backend: Backend, limit: int = 3) -> list[str]:
    """Questions to click on an empty chat, made from the notes' top-level headings (or file names)."""
    with backend.lock:
        chunks = backend.bot.ensure_index().chunks
    topics: list[str] = []
    for chunk in chunks:
        topic = re.sub(r"^[\d.\s]+", "", (chunk.heading or "").split(" > ")[0]).strip()
        if len(topic.split()) >= 2 and len(topic) <= 60 and not MARKUP.search(topic) and topic not in topics:
            topics.append(topic)
    if not topics:
        topics = [Path(s).stem.replace("-", " ").replace("_", " ") for s in backend.sources()]
    return [f"What do my notes say about {re.sub(r'^(The|A|An) ', lambda m: m[0].lower(), t)}?" for t in topics[:limit]]


def api_function(backend: Backend) -> Callable[..., dict[str, Any]]:
    """The function behind the named ``ask`` API endpoint (see docs/chat.md)."""
    import gradio as gr

    def ask(
        question: str, k: int | None = None, mode: str | None = None, files: list[str] | None = None
    ) -> dict[str, Any]:
        """Answer a question from the notes: the answer (or an abstention), its confidence and cited passages."""
        try:
            return backend.ask(question, k or None, mode or None, files).to_dict()
        except NotesbotError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return ask


@dataclass
class Ui:
    """The components of the chat page that events read or write."""

    chatbot: Any
    answers: Any
    box: Any
    send: Any
    k: Any
    mode: Any
    only: Any
    reindex: Any
    status: Any
    panel: Any
    viewer: Any
    tabs: Any


def build_app(bot: NotesBot, feedback: Path | None = None, examples: list[str] | None = None) -> Any:
    """The Gradio Blocks app for ``bot``; :func:`launch` serves it with the theme and CSS."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry or version checks: runs offline
    import gradio as gr

    backend = Backend(bot, Path(feedback) if feedback else Path(bot.settings.index) / FEEDBACK_FILE)
    with gr.Blocks(title="notesbot", fill_width=True, analytics_enabled=False) as app:
        ui = layout(gr, backend, examples if examples is not None else example_questions(backend))
        wire(gr, backend, ui)
        gr.api(api_function(backend), api_name="ask")  # type: ignore[attr-defined]
    return app


def layout(gr: Any, backend: Backend, examples: list[str]) -> Ui:
    """Lay out the page: chat and settings on the left, sources and note viewer on the right."""
    settings, files = backend.bot.settings, backend.sources()
    answers = gr.State({})
    gr.HTML(HEADER, js_on_load=None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            chatbot = gr.Chatbot(
                label="Chat",
                show_label=False,
                elem_id="nb-chat",
                height=540,
                examples=[{"text": q} for q in examples] or None,
                placeholder=PLACEHOLDER,
                render_markdown=False,
                latex_delimiters=[],
                feedback_options=("Like", "Dislike"),
                buttons=[],
            )
            with gr.Row(equal_height=True):
                box = gr.Textbox(
                    placeholder="Ask a question about your notes…",
                    label="Your question",
                    show_label=False,
                    container=False,
                    elem_id="nb-question",
                    scale=6,
                    autofocus=True,
                    max_lines=4,
                )
                send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="nb-ask")
            with gr.Accordion("Search settings", open=False, elem_id="nb-settings"):
                with gr.Row():
                    k = gr.Slider(1, SLIDER_MAX_K, value=min(settings.k, SLIDER_MAX_K), step=1, label="Passages")
                    mode = gr.Radio(list(MODES), value=settings.mode, label="Retrieval")
                only = gr.Dropdown(files, value=[], multiselect=True, label="Only these files (none chosen: all)")
                with gr.Row(equal_height=True):
                    reindex = gr.Button("Re-index notes", size="sm", scale=0, min_width=140, elem_id="nb-reindex")
                    status = gr.HTML(status_html(f"{len(files)} notes indexed."), elem_id="nb-status", js_on_load=None)
        with gr.Column(scale=2, min_width=340), gr.Tabs(selected="sources") as tabs:
            with gr.Tab("Sources", id="sources"):
                panel = gr.HTML(sources_html(None), elem_id="nb-sources", js_on_load=SOURCES_JS, max_height=640)
            with gr.Tab("Note", id="note"):
                viewer = gr.HTML(viewer_placeholder(), elem_id="nb-viewer", js_on_load=VIEWER_JS)
    return Ui(chatbot, answers, box, send, k, mode, only, reindex, status, panel, viewer, tabs)


def status_html(message: str, warnings: Sequence[str] = ()) -> str:
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return f'<div class="nb-status">{esc(message)}{f"<ul>{items}</ul>" if items else ""}</div>'


def wire(gr: Any, backend: Backend, ui: Ui) -> None:
    """Connect the page's events; none of them is part of the public API except `ask`."""
    private: dict[str, Any] = {"api_visibility": "private"}
    ask_in = [ui.chatbot, ui.answers, ui.k, ui.mode, ui.only]
    ask_out = [ui.chatbot, ui.answers, ui.panel, ui.tabs]
    respond, show, like, reindex = handlers(gr, backend)
    for event in (ui.box.submit, ui.send.click):
        event(add_question, [ui.box, ui.chatbot], [ui.box, ui.chatbot], queue=False, **private).then(
            respond, ask_in, ask_out, **private
        )
    pick = typed(pick_example, evt=gr.SelectData)
    ui.chatbot.example_select(pick, None, ui.box, queue=False, **private).then(
        add_question, [ui.box, ui.chatbot], [ui.box, ui.chatbot], queue=False, **private
    ).then(respond, ask_in, ask_out, **private)
    ui.panel.click(show, None, [ui.viewer, ui.tabs], **private)
    ui.chatbot.like(like, ui.answers, None, **private)
    ui.reindex.click(reindex, None, [ui.status, ui.only], **private)
    ui.chatbot.clear(lambda: ({}, sources_html(None)), None, [ui.answers, ui.panel], queue=False, **private)


def add_question(question: str, history: list[Any]) -> tuple[str, list[Any]]:
    """Show the question in the chat at once (escaped) and clear the box."""
    text = (question or "").strip()
    return "", [*history, {"role": "user", "content": esc(text)}] if text else history


def pick_example(evt: Any) -> str:
    value = evt.value
    return str(value.get("text", "") if isinstance(value, dict) else value)


def handlers(gr: Any, backend: Backend) -> tuple[Callable[..., Any], ...]:
    """The event functions that need Gradio classes: respond, show, like, reindex."""

    def respond(history: list[Any], store: dict[str, Any], k: float, mode: str, only: list[str]) -> tuple[Any, ...]:
        """Answer every question of ``history`` that has no answer yet (two sent quickly, one after the other,
        each get theirs: the second's history was read before the first was answered)."""
        if not history or history[-1].get("role") != "user":
            return history, store, gr.skip(), gr.skip()
        store = {key: entry for key, entry in store.items() if int(key) < len(history)}  # after a clear or an error
        out: list[Any] = []
        last = None
        asked: list[str] = []  # the questions so far, for a follow-up to lean on
        for i, message in enumerate(history):
            out.append(message)
            question = html.unescape(message_text(message)) if message.get("role") == "user" else None
            if question is not None and (i + 1 == len(history) or history[i + 1].get("role") == "user"):
                reply, last = answer(question, asked, int(k), mode, only)
                if last is not None:
                    store = {**store, str(len(out)): {**last.to_dict(), "files": list(only or [])}}
                out.append(bot_says(reply))
            if question is not None:
                asked.append(question)
        if last is None:
            return out, store, gr.skip(), gr.skip()
        return out, store, sources_html(last), gr.Tabs(selected="sources")

    def answer(question: str, asked: list[str], k: int, mode: str, only: list[str]) -> tuple[str, Answer | None]:
        """The chat bubble for ``question``, read with the last of the questions ``asked`` before it that stands
        alone when it cannot ("and why?"), and its answer when there is one (not for an error)."""
        leaning = followup.is_follow_up(question)
        earlier = followup.leans_on(asked) if leaning else None
        try:
            result = backend.ask(followup.in_context(question, earlier) if earlier else question, k, mode, only)
            if earlier:
                result.notices.append(f'read with your earlier question "{earlier}"')
            elif leaning:
                result.notices.append("this seems to follow a question, but none came before it: ask it in full")
            return answer_html(result), result
        except NotesbotError as exc:
            return error_html(str(exc)), None
        except Exception:  # never a stack trace in the chat: log it, say so plainly
            LOG.exception("answering %r failed", question)
            return error_html("something went wrong while answering; the details are in the server log."), None

    def show(evt: Any) -> tuple[str, Any]:
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        note = gr.Tabs(selected="note")
        try:
            start, end = int(data.get("start", 1)), int(data.get("end", 1))
            focus = (int(data.get("focus_start", start)), int(data.get("focus_end", end)))
            return viewer_html(backend.document(data.get("source")), start, end, focus), note
        except NotesbotError as exc:
            return viewer_placeholder(str(exc)), note
        except (TypeError, ValueError):
            return viewer_placeholder("That citation is malformed."), note

    def like(store: dict[str, Any], evt: Any) -> None:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        taken_back = evt.liked in (None, "")  # the same thumb clicked again (Gradio sends "")
        verdict = "none" if taken_back else VERDICTS.get(evt.liked) if isinstance(evt.liked, (bool, str)) else None
        entry = store.get(str(index))
        if entry is None or verdict is None:
            return
        backend.record(entry, verdict)
        gr.Info(THANKS[verdict, bool(entry.get("abstained"))])

    def reindex(progress: Any = gr.Progress()) -> tuple[str, Any]:  # noqa: B008 - Gradio injects it
        try:
            report = backend.reindex(lambda done, total: progress((done, total), desc="Embedding chunks"))
        except NotesbotError as exc:
            return status_html(f"Re-indexing failed: {exc}"), gr.skip()
        return status_html(f"Re-indexed: {report.summary()}.", report.warnings), gr.Dropdown(choices=backend.sources())

    return respond, typed(show, evt=gr.EventData), typed(like, evt=gr.LikeData), reindex


VERDICTS: dict[bool | str, str] = {True: "up", "Like": "up", False: "down", "Dislike": "down"}
THANKS = {  # (verdict, whether the answer was a refusal): what the chat says
    ("up", False): "Thanks! Saved as a good answer.",
    ("up", True): "Thanks! Saved: your notes do not hold this.",
    ("down", False): "Thanks! Saved as a bad answer.",
    ("down", True): "Thanks! Saved: your notes should hold this.",
    ("none", False): "Your verdict was taken back.",
    ("none", True): "Your verdict was taken back.",
}


def bot_says(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def typed(fn: Callable[..., Any], **hints: type) -> Callable[..., Any]:
    """``fn`` with real classes as annotations, so Gradio finds its event-data parameters despite lazy imports."""
    fn.__annotations__.update(hints)
    return fn


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message in either of Gradio's content shapes."""
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


HEADER = (
    '<div class="nb-header"><span class="nb-logo"><span class="nb-mark">nb</span>notesbot</span>'
    '<span class="nb-tagline">Ask your notes. Every answer is a sentence from your notes, '
    "with a citation you can click.</span></div>"
)
# An answer's confidence label: "high" from here (percent); "medium" down to where an answer is given at the
# default threshold; "low" below, for answers given under a lower NOTESBOT_ABSTAIN_BELOW
HIGH_CONFIDENCE = 85
ANSWERED_CONFIDENCE = round(100 * DEFAULT_ABSTAIN_BELOW)
PLACEHOLDER = "**Ask anything about your notes.**\n\nOr start with one of these:"

SOURCES_JS = """
const target = (el) => {
  if (el.dataset.source) { const d = el.dataset;
    return {source: d.source, start: +d.start, end: +d.end, focus_start: +d.focusStart, focus_end: +d.focusEnd}; }
  const p = (el.getAttribute('href') || '').split('/');
  if (p[0] !== '#nb-cite' || p.length !== 6) return null;
  return {source: decodeURIComponent(p[1]), start: +p[2], end: +p[3], focus_start: +p[4], focus_end: +p[5]};
};
const open = (e, el) => {
  const t = target(el); if (t) { e.preventDefault(); e.stopPropagation(); trigger('click', t); } };
element.addEventListener('click', (e) => { const c = e.target.closest('[data-source], .nb-cite'); if (c) open(e, c); });
element.addEventListener('keydown', (e) => { const c = e.target.closest('[data-source]');
  if (c && (e.key === 'Enter' || e.key === ' ')) open(e, c); });
document.addEventListener('click', (e) => {
  const c = e.target.closest('a.nb-cite'); if (c && !element.contains(c)) open(e, c); }, true);
"""

VIEWER_JS = """
const show = () => { const row = element.querySelector('.nb-focus') || element.querySelector('.nb-hl');
  const box = element.querySelector('.nb-doc');
  if (row && box) { box.scrollTop = row.offsetTop - box.offsetTop - box.clientHeight / 3; } };
// on a narrow screen the note sits below the chat: bring it into view once its tab is shown
const reveal = (tries) => { const r = element.getBoundingClientRect();
  if (r.height === 0 && tries > 0) { setTimeout(() => reveal(tries - 1), 100); return; }
  if (r.top > window.innerHeight || r.bottom < 0) element.scrollIntoView({block: 'start', behavior: 'smooth'}); };
watch('value', () => setTimeout(() => { show(); reveal(20); }, 50));
show();  // the Note tab is drawn when first chosen, with its note already in it
if (element.querySelector('.nb-doc')) reveal(20);
"""


CSS = """
.nb-header { display: flex; align-items: center; gap: 16px; padding: 2px 2px 0; flex-wrap: wrap; }
.nb-logo { display: flex; align-items: center; gap: 8px; font-size: 1.4rem; font-weight: 700; letter-spacing: -0.01em; }
.nb-mark { display: inline-grid; place-items: center; width: 1.7em; height: 1.7em; border-radius: 8px;
  background: var(--color-accent); color: white; font-size: 0.72em; font-weight: 800; }
.nb-status { font-size: 0.85em; color: var(--body-text-color-subdued); }
.nb-status ul { margin: 4px 0 0 1.1em; padding: 0; }
.nb-tagline { color: var(--body-text-color-subdued); }
.nb-answer .nb-text { margin: 0 0 6px; line-height: 1.55; }
.nb-points { margin: 0 0 6px 1.1em; padding: 0; line-height: 1.55; }
.nb-points li { margin: 0 0 3px; }
.nb-cite { display: inline-block; min-width: 1.35em; padding: 0 5px; margin: 0 1px; border-radius: 6px;
  background: var(--color-accent-soft); color: var(--color-accent) !important; font-size: 0.78em; font-weight: 600;
  text-align: center; text-decoration: none !important; vertical-align: super; line-height: 1.5; cursor: pointer; }
.nb-cite:hover { background: var(--color-accent); color: white !important; }
.nb-conf { display: inline-block; font-size: 0.78em; padding: 1px 8px; border-radius: 999px; }
.nb-high { background: #dcfce7; color: #166534; }
.nb-medium { background: #fef3c7; color: #92400e; }
.nb-low { background: #f3f4f6; color: #4b5563; }
.nb-abstain .nb-text strong { color: #b45309; }
.nb-error .nb-text strong { color: #b91c1c; }
.nb-notice { font-size: 0.8em; color: var(--body-text-color-subdued); font-style: italic; margin: 4px 0 0; }
.nb-closest { margin: 2px 0 0 1.1em; padding: 0; }
.nb-crumbs { color: var(--body-text-color-subdued); font-size: 0.85em; }
.nb-sep { opacity: 0.6; }
.nb-empty { color: var(--body-text-color-subdued); padding: 18px 6px; }
.nb-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; margin: 0 0 10px;
  cursor: pointer; background: var(--background-fill-primary); transition: border-color .15s, box-shadow .15s; }
.nb-card:hover, .nb-card:focus { border-color: var(--color-accent); box-shadow: 0 1px 6px rgba(0,0,0,.08);
  outline: none; }
.nb-card-head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; font-size: 0.9em; }
.nb-num { background: var(--color-accent); color: white; border-radius: 6px; padding: 0 6px; font-weight: 700;
  font-size: 0.85em; }
.nb-file { font-weight: 600; word-break: break-all; }
.nb-lines { color: var(--body-text-color-subdued); }
.nb-score { margin-left: auto; color: var(--body-text-color-subdued); font-size: 0.85em;
  font-variant-numeric: tabular-nums; }
.nb-crumb-row { margin: 2px 0 4px; }
.nb-passage { font-size: 0.92em; line-height: 1.5; margin-top: 4px; }
.nb-passage mark, .nb-lt mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.nb-doc-head { padding: 4px 2px 8px; display: flex; gap: 10px; flex-wrap: wrap; align-items: baseline; }
.nb-doc { max-height: 600px; overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: 10px;
  font-family: var(--font-mono); font-size: 0.82em; line-height: 1.55; background: var(--background-fill-primary); }
.nb-row { display: flex; padding: 0 10px 0 0; }
.nb-ln { flex: 0 0 3.2em; text-align: right; padding-right: 10px; color: var(--body-text-color-subdued);
  user-select: none; opacity: 0.7; }
.nb-lt { white-space: pre-wrap; word-break: break-word; flex: 1; }
.nb-hl { background: #fef9c3; }
.nb-focus { background: #fde68a; }
.nb-hl .nb-ln, .nb-focus .nb-ln { color: #92400e; opacity: 1; font-weight: 700; }
"""


def launch(
    bot: NotesBot,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    share: bool = False,
    feedback: Path | None = None,
    block: bool = True,
    quiet: bool = False,
) -> tuple[Any, str]:
    """Serve the chat for ``bot`` (loopback, no share link by default); returns the app and its local URL.

    The model is loaded before the first visitor arrives; ``block=False`` returns as soon as the server is up.
    """
    import gradio as gr

    if bot.settings.mode != "bm25":
        bot.query_encoder.encode(["warm up"])
    app = build_app(bot, feedback)
    app.queue(default_concurrency_limit=1)
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=True,
        quiet=quiet,
        theme=theme,
        css=CSS,
        footer_links=["api"],
        show_error=False,
        ssr_mode=False,
        run_history=False,
        max_file_size=1,  # the chat takes no files: any upload to /gradio_api/upload is refused
    )
    if block:
        app.block_thread()
    return app, url


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "FEEDBACK_FILE", "Backend", "build_app", "launch", "safe_path"]
