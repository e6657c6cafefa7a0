"""`proscribe scan`: decide every post of a JSON Lines file under a policy profile."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, err, fail, progress


def _lines(source: str) -> Iterator[bytes]:
    if source == "-":
        yield from sys.stdin.buffer
        return
    with open(source, "rb") as handle:
        yield from handle


def _write(lines: list[str], out: Path | None) -> None:
    if out is None:
        stream: IO[str] = sys.stdout
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
        return
    # Write beside the target and rename, so a kill never leaves half a file.
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def scan(
    posts: str = typer.Argument(..., help="Posts as JSON Lines (one JSON object a line), or - to read standard input.", metavar="POSTS.jsonl"),
    profile: str = typer.Option(..., "--profile", "-p", help="A shipped profile (meta, x, twitter-2021) or the path of a profile YAML file."),
    db: str | None = DbOption,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write decisions to this file instead of standard output."),
    now: str | None = typer.Option(None, "--now", help="Decide every post as of this ISO 8601 time instead of its created_at (e.g. 2024-05-01T00:00:00Z)."),
    model: str | None = typer.Option(None, "--model", help="Classifier: a model name or a model directory. Default: the bundled default model."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, max=10000, help="Posts classified together."),
) -> None:
    """Decide every post under a policy profile and print one decision a line, in input order.

    Each post needs "id" (string), "text" (string, may be empty) and "author": {"id": ...};
    other fields are optional and unknown ones are kept. Posts are decided in created_at
    order (ties in input order), so strikes add up across an author's posts, each post
    as of its own created_at unless --now is given. Bad lines are reported with their
    line number on standard error and skipped; the exit status is then 1.

    Scanning is idempotent per (post id, profile): decisions already stored are printed
    again, never made twice, so an interrupted scan can simply be run again. A post id
    names one post: a line whose id is stored (or used by an earlier line) with another
    author.id or text is rejected like a bad line, and decided under no profile.

    Example:  proscribe scan posts.jsonl --profile meta --out decisions.jsonl
    """
    from proscribe.pipeline import InputPost, MissingPart, Rejected, Scanner, load_parts, parse_time, read_posts
    from proscribe.policy.profile import load
    from proscribe.policy.un import UnDataMissing
    from proscribe.policy.yamlfile import FileError
    from proscribe.store.db import DatabaseError

    try:
        policy = load(profile)
    except FileError as exc:
        raise fail(f"invalid profile:\n{exc}") from None
    clock = None
    if now is not None:
        try:
            clock = parse_time(now)
        except (ValueError, OverflowError):
            raise fail(f"--now {now!r} is not an ISO 8601 time (e.g. 2024-05-01T00:00:00Z)") from None
    if posts != "-" and not Path(posts).is_file():
        raise fail(f"{posts}: {'a directory, not a file' if Path(posts).is_dir() else 'no such file'}")
    if out is not None:
        if out.is_dir():
            raise fail(f"--out {out}: a directory; give a file name for the decisions")
        if posts != "-" and out.exists() and out.resolve() == Path(posts).resolve():
            raise fail(f"--out {out} is the posts file itself: the decisions would replace the posts; give another file")

    items: list[InputPost] = []
    rejected: list[Rejected] = []
    name = "<stdin>" if posts == "-" else posts
    try:
        for entry in read_posts(_lines(posts)):
            if isinstance(entry, Rejected):
                rejected.append(entry)
                err.print(f"{name}:{entry.line}: rejected: {entry.reason}", highlight=False, markup=False, soft_wrap=True)
            else:
                items.append(entry)
    except OSError as exc:
        raise fail(f"{name}: cannot read: {exc.strerror}") from None

    try:
        scanner = Scanner(policy, db, None, clock)
        stored = scanner.stored(i.post.id for i in items)
        if any(i.post.id not in stored for i in items):
            scanner.parts = load_parts(scanner.url, model)
        with progress(f"deciding under {policy.name}", total=len(items)) as advance:
            result = scanner.scan(items, advance, batch_size=batch_size)
    except (MissingPart, UnDataMissing) as exc:
        raise fail(str(exc)) from None
    except DatabaseError as exc:
        raise fail(str(exc)) from None
    for entry in result.rejected:  # a line whose id names a stored post with another author or text
        err.print(f"{name}:{entry.line}: rejected: {entry.reason}", highlight=False, markup=False, soft_wrap=True)
    rejected.extend(result.rejected)
    _write(result.lines, out)
    if out is not None or sys.stderr.isatty():
        err.print(
            f"{len(result.lines)} decisions ({result.decided} new, {result.reused} already stored)"
            + (f", {len(rejected)} lines rejected" if rejected else ""),
            highlight=False,
        )
    if rejected:
        raise typer.Exit(1)
