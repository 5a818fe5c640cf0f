"""The `notesbot` command line: index, ask."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .config import DEFAULT_K, MAX_K, MODES
from .errors import NotesbotError
from .pipeline import BuildReport, NotesBot
from .types import Answer

CORPUS = click.option("--corpus", type=click.Path(path_type=Path), envvar="NOTESBOT_CORPUS",
                      help="Folder of notes (.txt, .md, .pdf).  [default: corpus]")
INDEX = click.option("--index", "index_dir", type=click.Path(path_type=Path), envvar="NOTESBOT_INDEX",
                     help="Index folder.  [default: index]")
MODEL = click.option("--model", envvar="NOTESBOT_MODEL",
                     help="Local sentence-transformers folder.  [default: all-MiniLM-L6-v2, packaged]")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    bot = NotesBot(corpus, index_dir, model)
    report = bot.update(progress=_progress_bar(), force=rebuild)
    _print_report(report)
    click.echo(report.summary())


@cli.command("ask")
@click.argument("questions", nargs=-1, required=True)
@click.option("-k", "--k", type=click.IntRange(1, MAX_K), default=None, envvar="NOTESBOT_K",
              help=f"Number of passages.  [default: {DEFAULT_K}]")
@click.option("--mode", type=click.Choice(MODES), default=None, envvar="NOTESBOT_MODE",
              help="Retrieval: hybrid (BM25 + dense), dense or bm25.  [default: hybrid]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question per line.")
@CORPUS
@INDEX
@MODEL
def ask_command(questions: tuple[str, ...], k: int | None, mode: str | None, as_json: bool,
                corpus: Path | None, index_dir: Path | None, model: str | None) -> None:
    """Answer QUESTIONS from the notes; `-` reads one question per line from stdin."""
    items = _questions(questions)
    bot = NotesBot(corpus, index_dir, model)
    if not bot.is_current():
        click.echo("Indexing your notes first...", err=True)
        _print_report(bot.update(progress=_progress_bar()))
    for question in items:
        result = bot.ask(question, k=k, mode=mode)
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else format_answer(result))


def _questions(args: tuple[str, ...]) -> list[str]:
    items: list[str] = []
    for arg in args:
        if arg == "-":
            items.extend(line for line in (l.strip() for l in sys.stdin) if line)
        else:
            items.append(arg)
    if not items:
        raise click.UsageError("no question given: pass one as an argument or with - on stdin")
    return items


def format_answer(result: Answer) -> str:
    """The human form of an answer: the answer (or 'not found'), then numbered cited passages."""
    lines = [f"Q: {result.question}"]
    lines += [f"note: {n}" for n in result.notices]
    if result.abstained:
        lines.append("A: Not found in your notes.")
        lines.append("Closest matches:")
    else:
        lines.append(f"A: {result.answer}")
        lines.append("Passages:")
    for rank, passage in enumerate(result.passages, start=1):
        heading = f" ({passage.heading})" if passage.heading else ""
        lines.append(f"{rank:>3}. {passage.citation}{heading}  score {passage.score:.4f}")
        lines.extend(f"     {line}" for line in _marked(passage.text, passage.highlights).split("\n"))
    return "\n".join(lines) + "\n"


def _marked(text: str, highlights: tuple[tuple[int, int], ...]) -> str:
    for start, end in sorted(highlights, reverse=True):
        text = f"{text[:start]}»{text[start:end]}«{text[end:]}"
    return text


def _print_report(report: BuildReport) -> None:
    for line in report.notices:
        click.echo(f"notice: {line}", err=True)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)


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
        hint = f" (see `notesbot {exc.ctx.command.name} --help`)" if exc.ctx and exc.ctx.command.name else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except NotesbotError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
