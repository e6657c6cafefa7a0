"""`proscribe demo`: scan the bundled fictional example posts and show the decisions readably."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

import typer

from proscribe.cli import app
from proscribe.cli.common import fail


def example_posts() -> Path:
    return Path(str(resources.files("proscribe.examples") / "posts.jsonl"))


@app.command()
def demo(
    profile: str = typer.Option("meta", "--profile", "-p", help="Profile to decide under: meta, x, twitter-2021 or a file."),
    db: str | None = typer.Option(None, "--db", help="Keep the ledger in this database (default: a throw-away SQLite file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the decisions as JSON Lines instead."),
) -> None:
    """Scan a small fictional example (a leader's office praising a designated attack, news, a condemnation)
    and print each decision with its reasons, then a summary.

    The same file can be scanned yourself:  proscribe scan <file> --profile meta
    """
    from proscribe.pipeline import MissingPart, Rejected, Scanner, load_parts, read_posts
    from proscribe.policy.profile import load
    from proscribe.policy.yamlfile import FileError
    from proscribe.store.db import DatabaseError

    try:
        policy = load(profile)
    except FileError as exc:
        raise fail(f"invalid profile:\n{exc}") from None
    path = example_posts()
    with path.open("rb") as handle:
        items = [e for e in read_posts(handle) if not isinstance(e, Rejected)]
    with tempfile.TemporaryDirectory() as folder:
        url = db or f"sqlite:///{Path(folder) / 'demo.db'}"
        try:
            scanner = Scanner(policy, url)
            scanner.parts = load_parts(scanner.url)
            result = scanner.scan(items)  # type: ignore[arg-type]
        except (MissingPart, DatabaseError) as exc:
            raise fail(str(exc)) from None
        from proscribe.store import db as database

        database._engine(scanner.url).dispose()
    decisions = [json.loads(line) for line in result.lines]
    if as_json:
        for line in result.lines:
            typer.echo(line)
        return
    _show(items, decisions, policy.version, str(path))  # type: ignore[arg-type]


def _show(items: list, decisions: list[dict], version: str, source: str) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.panel import Panel

    console = Console()
    console.print(f"[bold]proscribe demo[/]: {len(items)} fictional posts from {source}, profile {version}\n", highlight=False)
    colour = {"allow": "green", "remove": "red", "interstitial": "yellow", "review": "cyan", "limit": "yellow", "withhold": "yellow"}
    for item, d in zip(items, decisions):
        post = item.post
        head = (
            f"[bold]{d['post_id']}[/] by {post.author.id} "
            f"({post.created_at.date().isoformat() if post.created_at else 'no date'})  "
            f"[bold {colour.get(d['action'], 'white')}]{d['action'].upper()}[/]  "
            f"{d['category']}{' / ' + d['context'] if d['context'] else ''} {d['score']:.2f}"
        )
        lines = [head, f"[dim]{post.text[:160]}[/]"]
        account = d["account"]
        lines.append(f"account: {account['action']}, {account['strikes']} strikes" + (f", until {account['until']}" if account["until"] else ""))
        if d["linked_accounts"]:
            lines.append("linked: " + ", ".join(f"{x['id']} {x['action']}" for x in d["linked_accounts"]))
        if d["entities"]:
            lines.append("entities: " + "; ".join(f"{e['name']} ({e['kind']}: \"{e['evidence']}\")" for e in d["entities"]))
        lines += [f"- {r}" for r in d["reasons"]]
        if d["notice"]:
            lines.append(f"notice: \"{d['notice']}\"")
        console.print(Panel("\n".join(lines), expand=True), highlight=False)
    actions = Counter(d["action"] for d in decisions)
    disabled = sorted({d["account"]["id"] for d in decisions if d["account"]["action"] == "disable"} | {x["id"] for d in decisions for x in d["linked_accounts"] if x["action"] == "disable"})
    console.print(
        f"[bold]summary[/]: {len(decisions)} posts, {sum(d['violation'] for d in decisions)} violations; "
        + ", ".join(f"{n} {a}" for a, n in actions.most_common())
        + (f"; accounts disabled: {', '.join(disabled)}" if disabled else ""),
        highlight=False,
    )
