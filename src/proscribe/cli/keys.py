"""`proscribe keys`: API keys for the HTTP API and the reviewers' web pages."""

from __future__ import annotations

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, err, fail, print_json

keys_app = typer.Typer(
    help="API keys: create (shown once, stored as a hash), list, revoke. Roles: admin, reviewer, auditor, platform.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    role: str = typer.Option(..., "--role", "-r", help="admin (everything), reviewer (decides reviews and appeals), auditor (reads, incl. the audit log), platform (submits posts, files appeals)."),
    name: str | None = typer.Option(None, "--name", "-n", help="Who holds the key, as the audit log will show it (unique). Default: ROLE-KEYID."),
    db: str | None = DbOption,
) -> None:
    """Make an API key and print it once: only its sha256 hash is stored, so keep it now.

    Use it as `Authorization: Bearer KEY` (or `X-API-Key: KEY`), or paste it on the web sign-in page.

    Example:  proscribe keys create --role reviewer --name alice
    """
    from proscribe.api import keys
    from proscribe.store import db as database

    try:
        with database.session(db) as s:
            made = keys.create(s, role, name)
    except keys.KeyError_ as exc:
        raise fail(str(exc)) from None
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    typer.echo(made.secret)
    err.print(f"key {made.key_id} for {made.name} ({made.role}): shown once, only its hash is stored", highlight=False)


@keys_app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="Print JSON."), db: str | None = DbOption) -> None:
    """List keys (never the keys themselves): id, name, role, created, last used, revoked."""
    from proscribe.store import db as database
    from proscribe.store import service as store

    try:
        with database.session(db) as s:
            rows = store.list_keys(s)
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    out = [
        {
            "key_id": r.key_id, "name": r.name, "role": r.role, "created_at": _iso(r.created_at), "created_by": r.created_by,
            "last_used_at": _iso(r.last_used_at), "revoked_at": _iso(r.revoked_at),
        }
        for r in rows
    ]
    if as_json:
        print_json(out)
        return
    if not out:
        typer.echo("no keys; make one with: proscribe keys create --role admin --name NAME")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("key id", "name", "role", "created", "last used", "revoked")
    for k in out:
        table.add_row(k["key_id"], k["name"], k["role"], k["created_at"] or "", k["last_used_at"] or "-", k["revoked_at"] or "-")
    Console().print(table)


@keys_app.command("revoke")
def revoke(key: str = typer.Argument(..., metavar="KEY_ID_OR_NAME", help="The key's id (see keys list) or its name."), db: str | None = DbOption) -> None:
    """Revoke a key: requests and web sessions with it stop working at once."""
    from proscribe.api import keys
    from proscribe.store import db as database

    try:
        with database.session(db) as s:
            key_id = keys.revoke(s, key)
    except keys.KeyError_ as exc:
        raise fail(str(exc)) from None
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"revoked {key_id}")


def _iso(value):  # type: ignore[no-untyped-def]
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
