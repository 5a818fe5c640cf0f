"""The `notesbot` command line: index, ask, chat, eval."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from . import corpus as note_files
from .config import DEFAULT_K, MAX_K, MODES, settings_from_env
from .errors import ConfigError, CorpusError, NotesbotError, QuestionError
from .types import Answer

if TYPE_CHECKING:  # the pipeline (numpy and up) is imported by the commands that run it
    from .pipeline import BuildReport, NotesBot

CORPUS = click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    envvar="NOTESBOT_CORPUS",
    help="Folder of notes (.txt, .md, .pdf).  [default: corpus]",
)
INDEX = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    envvar="NOTESBOT_INDEX",
    help="Index folder.  [default: index]",
)
# C0 and C1 control characters but tab and newline: note text and file names can carry terminal escape
# sequences (set the title, rewrite the screen, write the clipboard); they are shown as \xNN, never run.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LINE_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
MODEL = click.option(
    "--model",
    envvar="NOTESBOT_MODEL",
    help="Local sentence-transformers folder.  [default: all-MiniLM-L6-v2, packaged]",
)


class BadVariable(click.ClickException):
    """A bad NOTESBOT_* value: a usage error (exit 2) without a --help hint, since no flag was wrong."""

    exit_code = 2


@click.group(name="notesbot", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="notesbot")
def cli() -> None:
    """Ask questions of your own notes, offline. Answers are the notes' own sentences, cited."""


@cli.command("index")
@CORPUS
@INDEX
@MODEL
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of updating.")
def index_command(corpus: Path | None, index_dir: Path | None, model: str | None, rebuild: bool) -> None:
    """Build or update the index of the notes (only changed files are re-embedded)."""
    bot = _notesbot(corpus, index_dir, model)
    with _naming_skipped_files(bot.settings.corpus):
        report = bot.update(progress=_progress_bar(), force=rebuild)
    _print_report(report)
    click.echo(report.summary())


@cli.command("ask")
@click.argument("questions", nargs=-1, required=True)
@click.option(
    "-k",
    "--k",
    type=click.IntRange(1, MAX_K),
    default=None,
    envvar="NOTESBOT_K",
    help=f"Number of passages.  [default: {DEFAULT_K}]",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    envvar="NOTESBOT_MODE",
    help="Retrieval: hybrid (BM25 + dense), dense or bm25.  [default: hybrid]",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question per line.")
@CORPUS
@INDEX
@MODEL
def ask_command(
    questions: tuple[str, ...],
    k: int | None,
    mode: str | None,
    as_json: bool,
    corpus: Path | None,
    index_dir: Path | None,
    model: str | None,
) -> None:
    """Answer QUESTIONS from the notes; `-` reads one question per line from stdin."""
    from .pipeline import clean_question

    items = _questions(questions)
    for question in items:
        try:
            clean_question(question)
        except QuestionError as exc:  # an empty question is a usage error (exit 2), like no question
            raise click.UsageError(str(exc)) from None
    bot = _notesbot(corpus, index_dir, model)
    note_files.check_corpus_dir(bot.settings.corpus)
    if not bot.is_current():
        click.echo("Indexing your notes first...", err=True)
    with _naming_skipped_files(bot.settings.corpus):
        bot.ensure_index(progress=_progress_bar(), waiting=_waiting(bot.settings.index))
    _print_update(bot.last_report)
    for question in items:
        result = bot.ask(question, k=k, mode=mode)
        for notice in result.notices:  # on stderr in both modes, so stdout holds only answers
            click.echo(f"notice: {shown(notice, one_line=True)}", err=True)
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else format_answer(result))


def _notesbot(corpus: Path | None, index_dir: Path | None, model: str | None) -> NotesBot:
    """The NotesBot for these options; a bad NOTESBOT_* variable is a usage error (exit 2), like a bad flag."""
    from .pipeline import NotesBot

    try:
        settings = settings_from_env()
    except ConfigError as exc:
        raise BadVariable(str(exc)) from None
    return NotesBot(corpus, index_dir, model, settings=settings)


def _questions(args: tuple[str, ...]) -> list[str]:
    items: list[str] = []
    for arg in args:
        if arg == "-":  # blank lines, and lines of only control characters, are skipped
            items.extend(line.strip() for line in sys.stdin if any(c.isprintable() and not c.isspace() for c in line))
        else:
            items.append(arg)
    if not items:
        raise click.UsageError("no question given: pass one as an argument or with - on stdin")
    return items


def format_answer(result: Answer) -> str:
    """The human form of an answer: the answer (or 'not found'), then numbered cited passages (its notices are
    printed apart, on stderr)."""
    lines = [f"Q: {result.question}"]
    if result.abstained:
        lines.append(f"A: Not found in your notes. (confidence {result.confidence_percent / 100:.2f})")
        lines.append("Closest matches:")
    else:
        lines.append(f"A: {result.answer}")
        lines.append(f"   (confidence {result.confidence_percent / 100:.2f})")
        lines.append("Passages:")
    for rank, passage in enumerate(result.passages, start=1):
        heading = f" ({passage.heading})" if passage.heading else ""
        lines.append(f"{rank:>3}. {passage.label}{heading}  score {passage.score:.4f}")
        lines.extend(f"     {line}" for line in _marked(passage.text, passage.highlights).split("\n"))
    return shown("\n".join(lines)) + "\n"


def shown(text: str, one_line: bool = False) -> str:
    """``text`` safe to print to a terminal: control characters written as ``\\xNN`` (line breaks too when
    ``one_line``), so a hostile note or file name cannot send escape sequences or forge extra lines."""
    return (LINE_CONTROL if one_line else CONTROL).sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _marked(text: str, highlights: tuple[tuple[int, int], ...]) -> str:
    for start, end in sorted(highlights, reverse=True):
        text = f"{text[:start]}»{text[start:end]}«{text[end:]}"
    return text


def _print_report(report: BuildReport) -> None:
    for line in report.notices:
        click.echo(f"notice: {shown(line, one_line=True)}", err=True)
    for line in report.warnings:
        click.echo(f"warning: {shown(line, one_line=True)}", err=True)


def _print_update(report: BuildReport | None) -> None:
    """What an update before answering did: its notices and warnings, and what changed, if anything."""
    if report is None:
        return
    _print_report(report)
    if report.changed_anything:
        click.echo(report.summary(), err=True)


@contextmanager
def _naming_skipped_files(folder: Path) -> Iterator[None]:
    """When no note could be indexed, warn about each file and why (the build report is lost with the error)."""
    try:
        yield
    except CorpusError:
        if Path(folder).is_dir():
            for note in note_files.scan(folder):
                for line in note_files.read(note)[1]:
                    click.echo(f"warning: {shown(line, one_line=True)}", err=True)
        raise


def _waiting(folder: Path) -> Callable[[], None]:
    """What a command says when another process is building the index it needs."""

    def say() -> None:
        line = f"Waiting for another notesbot process to finish building the index in {folder}..."
        click.echo(shown(line, one_line=True), err=True)

    return say


def _progress_bar() -> Callable[[int, int], None]:
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label="Embedding chunks", file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state.get("done", 0))
        state["done"] = done
        if done >= total:
            state.pop("bar").__exit__(None, None, None)
            state.pop("done")

    return update


BARE_SHOWN = 20  # short forms never spelled out, listed by `notesbot glossary`


@cli.command("glossary")
@CORPUS
@INDEX
@MODEL
@click.option("--json", "as_json", is_flag=True, help="Print the glossary as JSON.")
def glossary_command(corpus: Path | None, index_dir: Path | None, model: str | None, as_json: bool) -> None:
    """Show the short forms learned from the notes (correct them in glossary.toml in the notes folder)."""
    bot = _notesbot(corpus, index_dir, model)
    if not bot.is_current():
        click.echo("Indexing your notes first...", err=True)
    with _naming_skipped_files(bot.settings.corpus):
        built = bot.ensure_index(progress=_progress_bar(), waiting=_waiting(bot.settings.index))
    _print_update(bot.last_report)
    terms = built.glossary.get("terms", [])
    if as_json:
        click.echo(json.dumps(terms, ensure_ascii=False, indent=2))
        return
    if not terms:
        click.echo('No short forms found. Add some to glossary.toml under [terms], e.g. PRC = "People\'s Republic"')
    for term in terms:
        click.echo(shown(f"{term['short']:>8} = {term['full']}  ({_origin(term)})", one_line=True))
    bare = built.glossary.get("bare", [])
    if bare:
        listed = ", ".join(bare[:BARE_SHOWN]) + (
            f" and {len(bare) - BARE_SHOWN} more" if len(bare) > BARE_SHOWN else ""
        )
        click.echo(shown(f"Never spelled out (matched by a question's initials; add them to glossary.toml): {listed}"))


def _origin(term: dict[str, str]) -> str:
    """Where a glossary term comes from, for people: "from glossary.toml" or "learned acronym: ..."."""
    if term["origin"] == "user":
        return f"from {term['evidence']}"  # the user's file
    return f"learned {term['kind']}: {term['evidence']}"


@cli.command("eval")
@click.argument("questions", required=False, type=click.Path(path_type=Path), default="eval/questions.jsonl")
@click.option(
    "--mode",
    "modes",
    multiple=True,
    metavar="MODE[,SETTING=VALUE...]",
    help="A system to evaluate, e.g. hybrid or 'hybrid,fusion=rrf'; repeat to compare (the first is "
    "compared with the others).  [default: hybrid, dense, bm25]",
)
@click.option("--beir", type=click.Path(path_type=Path), help="Evaluate on a BEIR-format folder instead.")
@click.option("--split", default="test", show_default=True, help="BEIR judgements to use: qrels/SPLIT.tsv.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default="eval/results",
    show_default=True,
    help="Folder for the JSON, Markdown and PNG reports.",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    envvar="NOTESBOT_CACHE",
    help="Folder for BEIR's note files and indexes.  [default: ~/.cache/notesbot/beir]",
)
@click.option(
    "--feedback",
    type=click.Path(path_type=Path),
    help="Chat feedback JSONL; thumbs-up answers join the questions.  [default: INDEX/feedback.jsonl]",
)
@click.option("--baseline", type=click.Path(path_type=Path), default="eval/baseline.json", show_default=True)
@click.option(
    "--gate/--no-gate",
    default=True,
    show_default=True,
    help="Exit 1 when a metric falls below the baseline beyond its bootstrap noise.",
)
@click.option("--update-baseline", is_flag=True, help="Rewrite the baseline from this run instead of gating.")
@click.option(
    "--samples", type=click.IntRange(100, 100_000), default=2000, show_default=True, help="Bootstrap samples."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@CORPUS
@INDEX
@MODEL
def eval_command(
    questions: Path,
    modes: tuple[str, ...],
    beir: Path | None,
    split: str,
    out: Path,
    cache: Path | None,
    feedback: Path | None,
    baseline: Path,
    gate: bool,
    update_baseline: bool,
    samples: int,
    seed: int,
    corpus: Path | None,
    index_dir: Path | None,
    model: str | None,
) -> None:
    """Measure retrieval and answers on known QUESTIONS (or a BEIR folder), with 95% bootstrap intervals."""
    from . import evaluation

    specs = list(modes) or list(MODES)
    base = _notesbot(corpus, index_dir, model).settings
    if beir is not None:
        run = evaluation.eval_beir(
            beir,
            split,
            specs,
            base,
            out,
            cache or evaluation.DEFAULT_CACHE,
            samples,
            seed,
            progress=_eval_progress(),
            build=_progress_bar(),
        )
    else:
        run = evaluation.eval_notes(
            questions,
            specs,
            base,
            out,
            feedback,
            baseline if gate or update_baseline else None,
            update_baseline,
            samples,
            seed,
            progress=_eval_progress(),
        )
    click.echo(evaluation.markdown(run.report, run.checks, failures=False), nl=False)
    click.echo(f"reports: {', '.join(str(p) for p in run.paths)}", err=True)
    if update_baseline and beir is None:
        click.echo(f"baseline written to {baseline}", err=True)
    if run.failed:
        raise click.ClickException("the regression gate failed: see the checks above (--no-gate to skip it)")


def _eval_progress() -> Callable[[str, int, int], None]:
    def update(label: str, done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            click.echo(f"{label}: {done}/{total}", err=True)

    return update


@cli.command("chat")
@CORPUS
@INDEX
@MODEL
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="NOTESBOT_HOST",
    help="Address to serve on; 127.0.0.1 keeps the chat on this machine.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=7860,
    show_default=True,
    envvar="NOTESBOT_PORT",
    help="Port to serve on.",
)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off unless asked).")
@click.option(
    "--feedback",
    type=click.Path(path_type=Path),
    help="File that thumbs up/down are appended to.  [default: INDEX/feedback.jsonl]",
)
def chat_command(
    corpus: Path | None,
    index_dir: Path | None,
    model: str | None,
    host: str,
    port: int,
    share: bool,
    feedback: Path | None,
) -> None:
    """Chat with your notes in the browser: cited answers, sources panel, note viewer."""
    from . import web

    bot = _notesbot(corpus, index_dir, model)
    if not bot.is_current():
        click.echo("Indexing your notes first...", err=True)
        with _naming_skipped_files(bot.settings.corpus):
            report = bot.update(progress=_progress_bar())
        _print_report(report)
        click.echo(report.summary(), err=True)
    click.echo("Loading the model and starting the chat...", err=True)
    try:
        app, url = web.launch(bot, host, port, share, feedback, block=False, quiet=True)
    except OSError:
        raise click.ClickException(
            f"cannot serve on {host}:{port}: the port is in use or the address is not "
            "this machine's; pass another --port or --host"
        ) from None
    click.echo(f"notesbot chat is running at {url}  (press Ctrl+C to stop)")
    if share and getattr(app, "share_url", None):
        click.echo(f"public link (anyone with it can read your notes): {app.share_url}")
    sys.stdout.flush()
    app.block_thread()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every expected error into one line on stderr."""
    try:
        cli.main(args=argv, prog_name="notesbot", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        message = _from_environment(exc)
        if message is None:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            message = f"{exc.format_message()}{hint}"
        click.echo(f"error: {shown(message, one_line=True)}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {shown(exc.format_message(), one_line=True)}", err=True)
        sys.exit(exc.exit_code)
    except NotesbotError as exc:
        click.echo(f"error: {shown(str(exc), one_line=True)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def _from_environment(exc: click.UsageError) -> str | None:
    """The message for a bad value taken from a NOTESBOT_* variable, naming it; None for other usage errors."""
    param, ctx = getattr(exc, "param", None), exc.ctx
    if param is None or ctx is None or param.name is None or not isinstance(param.envvar, str):
        return None
    if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return None
    if isinstance(param.type, click.Choice):
        wanted = f"one of {', '.join(map(str, param.type.choices))}"
    elif isinstance(param.type, click.IntRange):
        wanted = f"a whole number from {param.type.min} to {param.type.max}"
    else:
        wanted = f"a valid {param.type.name}"
    return f"{param.envvar} must be {wanted}, got {os.environ.get(param.envvar, '')!r}"
