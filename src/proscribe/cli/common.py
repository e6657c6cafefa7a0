"""What every command shares: the database option, output, progress, errors."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, TypeVar

from rich.markup import escape
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")

err = Console(stderr=True)

DbOption = typer.Option(
    None,
    "--db",
    envvar="PROSCRIBE_DB",
    help="SQLAlchemy database URL (e.g. postgresql+psycopg://user@host/db). "
    "Default: an embedded SQLite file in your data directory.",
    show_envvar=True,
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on standard error and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def interactive() -> bool:
    """Progress bars only on a terminal; quiet when piped."""
    return sys.stderr.isatty()


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Any]:
    """A progress bar on standard error when it is a terminal; a no-op otherwise.

    Yields a function `advance(n=1)`.
    """
    if not interactive():
        yield lambda n=1: None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    with progress(description, total) as advance:
        for item in items:
            yield item
            advance()
