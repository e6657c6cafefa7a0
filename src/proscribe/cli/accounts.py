"""`proscribe accounts`: an account's enforcement state from the ledger; linking accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, err, fail, print_json

accounts_app = typer.Typer(
    help="Accounts in the enforcement ledger: state, strikes and history; link accounts run by the same operator.",
    no_args_is_help=True,
)
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("show")
def show(
    account_id: str = typer.Argument(..., metavar="ID", help="The account's id (author.id in the posts)."),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Only this profile (a name, or a profile file for custom profiles). Repeatable."),
    now: str | None = typer.Option(None, "--now", help="State as of this ISO 8601 time (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    db: str | None = DbOption,
) -> None:
    """Show an account's state under each profile: its standing action, strikes with expiry, and history.

    Everything shown is derived from the ledger's events at the moment asked for.

    Example:  proscribe accounts show office-fa --profile meta
    """
    from proscribe.ledger import state
    from proscribe.pipeline import parse_time
    from proscribe.policy.profile import load
    from proscribe.policy.yamlfile import FileError
    from proscribe.store import db as database
    from proscribe.store import ledger as store

    try:
        clock = parse_time(now) if now else datetime.now(UTC)
    except (ValueError, OverflowError):
        raise fail(f"--now {now!r} is not an ISO 8601 time") from None
    try:
        with database.session(db) as s:
            attributes = store.account(s, account_id)
            names = store.profiles_of(s, account_id)
            linked = store.linked_accounts(s, account_id)
            wanted = profile or names
            profiles = []
            for name in wanted:
                try:
                    profiles.append(load(name))
                except FileError as exc:
                    raise fail(f"cannot derive state under {name!r}: {exc}; pass --profile FILE") from None
            states = []
            for p in profiles:
                events = store.events_for(s, [account_id, *(other for other, _ in linked)], p.name)
                states.append(state.account_state(events, account_id, p, clock))
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    if attributes is None and not names:
        raise fail(f"no account {account_id!r} in the ledger")
    out = {
        "id": account_id,
        "attributes": (attributes or {}).get("attributes", {}),
        "linked_accounts": [{"id": other, "via": via} for other, via in linked],
        "profiles": [st.to_json() for st in states],
    }
    if as_json:
        print_json(out)
        return
    _print(out)


def _print(out: dict) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    attrs = out["attributes"]
    console.print(f"[bold]{out['id']}[/]  " + "  ".join(f"{k}={v}" for k, v in attrs.items() if k != "id"), highlight=False)
    if out["linked_accounts"]:
        console.print("linked: " + ", ".join(f"{x['id']} ({x['via']})" for x in out["linked_accounts"]), highlight=False)
    if not out["profiles"]:
        console.print("no enforcement recorded")
    for st in out["profiles"]:
        until = f" until {st['until']}" if st["until"] else ""
        console.print(
            f"\n[bold]{st['profile']}[/] as of {st['as_of']}: account [bold]{st['action']}[/]{until}; "
            f"{st['strikes']} active strikes, {st['doi_strikes']} DOI strikes in window",
            highlight=False,
        )
        if st["strike_log"]:
            table = Table("post", "at", "category", "DOI", "expires", "status")
            for s in st["strike_log"]:
                table.add_row(s["post_id"], s["at"], s["category"], "yes" if s["doi"] else "no", s["expires"] or "never", s["status"])
            console.print(table)
        if st["actions"]:
            table = Table("action", "at", "until", "basis", "post", "stands")
            for a in st["actions"]:
                table.add_row(a["action"], a["at"], a["until"] or "-", a["basis"], a["post_id"] or "-", "yes" if a["stands"] else f"no: {a['void_reason']}")
            console.print(table)
        console.print(f"{len(st['history'])} events in the ledger")


@accounts_app.command("link")
def link(
    a: str = typer.Argument(..., metavar="A", help="An account id."),
    b: str = typer.Argument(..., metavar="B", help="Another account id, run by the same operator."),
    note: str | None = typer.Option(None, "--note", help="Why they are linked (kept with the link)."),
    actor: str = typer.Option("cli", "--actor", help="Who links them (recorded)."),
    db: str | None = DbOption,
) -> None:
    """Link two accounts run by the same person or organisation, so actions reach both where the profile says so.

    Accounts that share author.operator are linked already.

    Example:  proscribe accounts link office-fa office-en --note "same office"
    """
    from proscribe.store import db as database
    from proscribe.store import ledger as store

    for name, value in (("A", a), ("B", b)):
        if not value.strip():
            raise fail(f"account id {name} is empty: give the ids the posts' author.id carries")
    try:
        with database.session(db) as s:
            new = store.link(s, a, b, actor=actor, note=note)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"linked {a} and {b}" if new else f"{a} and {b} were linked already")
    if not new:
        err.print("nothing changed", highlight=False)
