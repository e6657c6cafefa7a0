"""`proscribe review`: the review queue from the command line (queue decisions, list items)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, fail, print_json

if TYPE_CHECKING:
    from proscribe.review.queue import QueueSettings

review_app = typer.Typer(help="The review queue: decisions that need a person (uncertain scores, high reach).", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("sync")
def sync(
    full: bool = typer.Option(False, "--full", help="Look at every stored decision again, not only those since the last sync."),
    high_reach: int = typer.Option(1_000_000, "--high-reach", min=0, help="Followers from which an enforced decision is queued for a person to confirm, under profiles that name no threshold of their own."),
    db: str | None = DbOption,
) -> None:
    """Queue the decisions recorded since the last sync (e.g. by `proscribe scan`) that need a person.

    The server does this itself on every queue listing; run it after a scan to see the queue at once.
    """
    from proscribe.review.queue import sync as do_sync
    from proscribe.store import db as database

    try:
        with database.session(db) as s:
            added = do_sync(s, _queue_settings(high_reach), full=full)
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{added} item{'' if added == 1 else 's'} queued")


def _queue_settings(high_reach: int = 1_000_000) -> QueueSettings:
    """What queues a decision outside the server: the high-reach threshold given, or the one each shipped profile names."""
    from proscribe.policy.profile import SHIPPED, load
    from proscribe.review.queue import QueueSettings

    return QueueSettings(high_reach_followers=high_reach).with_profiles(load(name) for name in SHIPPED)


@review_app.command("list")
def list_items(
    status: list[str] = typer.Option(["open", "escalated"], "--status", "-s", help="open, claimed, escalated, closed (repeatable)."),
    profile: str | None = typer.Option(None, "--profile", "-p", help="Only this profile."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: str | None = DbOption,
) -> None:
    """List review items, highest priority first (severity, reach, time waiting).

    Decisions recorded since the last listing (e.g. by `proscribe scan`) are queued first, as `review sync` does
    with its defaults.
    """
    from proscribe.review import queue
    from proscribe.store import db as database

    allowed = {"open", "claimed", "escalated", "closed"}
    bad = [s for s in status if s not in allowed]
    if bad:
        raise fail(f"--status {bad[0]!r}: use open, claimed, escalated or closed")
    try:
        with database.session(db) as s:
            queue.sync(s, _queue_settings())
        with database.session(db) as s:
            rows = queue.items(s, status, profile, limit)
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("the queue is empty")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "priority", "post", "profile", "why", "action", "category", "score", "status")
    for r in rows:
        table.add_row(str(r["id"]), f"{r['priority']:.1f}", r["post_id"], r["profile"], "escalated" if r["level"] else r["reason"], r["action"], r["category"], f"{r['score']:.2f}", r["status"] + (f" ({r['claimed_by']})" if r["claimed_by"] else ""))
    Console().print(table)
