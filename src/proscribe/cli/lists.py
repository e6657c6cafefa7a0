"""`proscribe lists`: import, update, show, search, diff and list the versions of the designation registry."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Optional

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, err, fail, interactive, print_json, progress

lists_app = typer.Typer(
    help="The registry of designated organisations, persons and violent events: import the official "
    "lists (OFAC SDN, UN consolidated, EU), update them from their publishers, search and diff versions. "
    "A new database starts with the curated starter registry shipped with proscribe.",
    no_args_is_help=True,
)
app.add_typer(lists_app, name="lists")

FORMAT_HELP = "ofac (sdn.csv legacy CSV), un (UN consolidated XML), eu (EU terrorist list CSV), eu-fsf (EU Financial Sanctions Files XML), ftm (FollowTheMoney JSON lines), yaml (proscribe's curated format). Guessed when omitted."


def _guard(fn: Any, *args: Any, **kw: Any) -> Any:
    """Runs a registry operation; its errors become a clear message and exit status 1."""
    from proscribe.registry.errors import RegistryError
    from proscribe.store.db import DatabaseError

    try:
        return fn(*args, **kw)
    except (RegistryError, DatabaseError) as exc:
        raise fail(f"{exc}\nnothing was changed") from None


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
        return
    for result in report.results:
        s = result.summary()
        typer.echo(f"read {s['entities']:,} entities from {', '.join(Path(f).name for f in s['files'])} ({s['format']}, source {s['layer']})")
        for skip in s["skipped"]:
            examples = "; ".join(skip["examples"][:3])
            typer.echo(f"  skipped {skip['count']:,}: {skip['reason']} (e.g. {examples})")
        for note in s["notes"]:
            typer.echo(f"  note: {note}")
    if not report.changed:
        version = report.previous.hash[:12] if report.previous else "?"
        typer.echo(f"no change: the registry stays at version {report.previous.id if report.previous else '?'} ({version})")
        return
    counts = {k: len(v) for k, v in report.diff.items()}
    v = report.version
    typer.echo(
        f"registry version {v.id} ({v.hash[:12]}): {counts['added']:,} added, {counts['changed']:,} changed, "
        f"{counts['delisted']:,} delisted, {counts['removed']:,} removed"
    )


@lists_app.command("import")
def import_(
    path: Path = typer.Argument(..., metavar="PATH", help="The list file (for OFAC: sdn.csv, or the folder holding it)."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    alt: Optional[Path] = typer.Option(None, "--alt", help="OFAC alt.csv (default: alt.csv beside sdn.csv)."),
    add: Optional[Path] = typer.Option(None, "--add", help="OFAC add.csv (default: add.csv beside sdn.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print what was imported as JSON."),
    db: Optional[str] = DbOption,
) -> None:
    """Import a list file as a new registry version; it replaces that source's previous import.

    Official lists (ofac, un, eu, eu-fsf, ftm): an entity the new file no
    longer lists stays in the registry with its listings ended, delisted on
    the file's publication date (or the day of the import if it gives none).

    Curated YAML: the file is the whole list of its source, so an entity the
    new file no longer lists is removed. To end a listing and keep its
    history, give the designation a `delisted:` date. The YAML format, its
    keys and its errors: docs/registry-yaml.md.

    The whole import is one transaction: a bad file changes nothing.

    Examples:
      proscribe lists import data/ofac/sdn.csv          (alt.csv, add.csv beside it are read too)
      proscribe lists import consolidated.xml
      proscribe lists import my-platform-list.yaml --format yaml
    """
    from proscribe.registry import importers, service

    if format is not None and format not in importers.FORMATS:
        raise fail(f"unknown --format {format!r}: one of {', '.join(importers.FORMATS)}")
    with progress(f"importing {path.name}") as _advance:
        report = _guard(service.import_file, db, path, format, alt=alt, add=add)
    _print_report(report, as_json)


@lists_app.command("update")
def update(
    source: str = typer.Option("all", "--source", "-s", help="ofac, un, eu, starter (the shipped curated registry) or all."),
    base_url: Optional[str] = typer.Option(
        None,
        "--base-url",
        envvar="PROSCRIBE_LISTS_BASE_URL",
        help="A mirror holding ofac/sdn.csv, ofac/alt.csv, ofac/add.csv, un/consolidated.xml and eu/32001R2580.csv. "
        "Default: the publishers' own addresses (each can be set with PROSCRIBE_OFAC_URL, PROSCRIBE_UN_URL, PROSCRIBE_EU_URL).",
        show_envvar=True,
    ),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds to wait for each server."),
    as_json: bool = typer.Option(False, "--json", help="Print what was imported as JSON."),
    db: Optional[str] = DbOption,
) -> None:
    """Download the official lists from their publishers and import them as ONE new version.

    Every file is downloaded and read before anything is stored: an HTTP error, a
    timeout or a bad file leaves the registry exactly as it was.

    Examples:
      proscribe lists update
      proscribe lists update --source ofac
      proscribe lists update --base-url https://mirror.example.org/lists
    """
    from proscribe.registry import download, importers, service

    wanted = list(download.SOURCES) + ["starter"] if source == "all" else [source]
    for name in wanted:
        if name not in (*download.SOURCES, "starter"):
            raise fail(f"unknown --source {name!r}: one of {', '.join(download.SOURCES)}, starter, all")
    results = []
    origins = []
    with download.temporary_folder() as tmp:
        for name in wanted:
            if name == "starter":
                results.append(_guard(service.starter_result))
                origins.append("starter registry")
                continue
            with progress(f"downloading {name}") as advance:
                fetched = _guard(download.fetch, name, Path(tmp), base_url=base_url, timeout=timeout, on_bytes=advance)
            if name == "ofac":
                result = _guard(importers.load, fetched.files["sdn.csv"], "ofac", alt=fetched.files["alt.csv"], add=fetched.files["add.csv"])
            else:
                (path,) = fetched.files.values()
                result = _guard(importers.load, path)
            # the report names where the data came from, not the temporary copy
            result.files = list(fetched.urls.values())
            results.append(result)
            origins.extend(fetched.urls.values())
        report = _guard(service.import_results, db, results, source=f"update {','.join(wanted)}", origin=", ".join(origins))
    _print_report(report, as_json)


@lists_app.command("show")
def show(
    as_json: bool = typer.Option(False, "--json", help='Print {"version", "entities", "in_scope", "by_list"} as JSON.'),
    db: Optional[str] = DbOption,
) -> None:
    """Counts of the current registry by list, kind and scope, and its version.

    Example:  proscribe lists show --json
    """
    from proscribe.registry import service

    snap = _guard(service.current, db)
    by_list: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    in_scope_by_kind: Counter[str] = Counter()
    for e in snap.entities:
        by_kind[str(e.kind)] += 1
        if e.in_scope:
            in_scope_by_kind[str(e.kind)] += 1
        for lst in {d.list for d in e.designations if d.active}:
            by_list[lst] += 1
    in_scope = sum(1 for e in snap.entities if e.in_scope)
    if as_json:
        print_json(
            {
                "version": snap.version,
                "entities": len(snap.entities),
                "in_scope": in_scope,
                "by_list": dict(sorted(by_list.items())),
                "by_kind": dict(sorted(by_kind.items())),
                "in_scope_by_kind": dict(sorted(in_scope_by_kind.items())),
                "scope": list(snap.scope),
                "version_id": snap.version_id,
                "created_at": snap.created_at.isoformat() if snap.created_at else None,
            }
        )
        return
    created = snap.created_at.strftime("%Y-%m-%d %H:%M UTC") if snap.created_at else "-"
    typer.echo(f"registry version {snap.version_id} ({snap.version}), recorded {created}")
    typer.echo(f"{len(snap.entities):,} entities, {in_scope:,} in DOI scope (scope: {', '.join(snap.scope)})")
    typer.echo("by kind (in scope / all):")
    for kind, n in sorted(by_kind.items()):
        typer.echo(f"  {kind:<14} {in_scope_by_kind[kind]:>7,} / {n:,}")
    typer.echo("by list (active designations):")
    for lst, n in sorted(by_list.items(), key=lambda x: (-x[1], x[0])):
        mark = "*" if any(lst == p for p in snap.scope) else " "
        typer.echo(f" {mark}{lst:<32} {n:>7,}")
    typer.echo("(* counts for the DOI policy)")


def _entity_json(e: Any, score: float | None = None) -> dict[str, Any]:
    out = {
        "id": e.id,
        "name": e.name,
        "kind": str(e.kind),
        "aliases": [n.text for n in e.names if n.text != e.name],
        "in_scope": e.in_scope,
        "designations": [
            {
                "list": d.list,
                "program": d.program,
                "listed": d.listed.isoformat() if d.listed else None,
                "delisted": d.delisted.isoformat() if d.delisted else None,
                "source_id": d.source_id,
            }
            for d in e.designations
        ],
    }
    if score is not None:
        out["score"] = score
    return out


@lists_app.command("search")
def search(
    query: str = typer.Argument(..., metavar="QUERY", help="Any name or alias, in any script or spelling (حماس, Hezbollah, Hizbullah)."),
    as_json: bool = typer.Option(False, "--json", help="Print the matches as a JSON list, best first."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=1000, help="At most this many matches."),
    db: Optional[str] = DbOption,
) -> None:
    """Find registry entities by name: any script, case, diacritics and common spelling variants.

    Examples:
      proscribe lists search Hezbollah
      proscribe lists search "حزب الله" --json
    """
    from proscribe.registry import service

    snap = _guard(service.current, db)
    matches = service.search(snap, query, limit)
    if as_json:
        print_json([_entity_json(e, score) for e, score in matches])
        return
    if not matches:
        typer.echo(f"no match for {query!r} in registry version {snap.version}")
        return
    for e, score in matches:
        lists = sorted({d.list for d in e.designations if d.active})
        scope = "in scope" if e.in_scope else "out of scope"
        typer.echo(f"{score:.2f}  {e.id:<28} {e.name}  [{e.kind}, {scope}; {', '.join(lists) or 'no active listing'}]")


@lists_app.command("diff")
def diff(
    a: str = typer.Argument(..., metavar="A", help="A version: its number, a hash prefix, latest or previous."),
    b: str = typer.Argument(..., metavar="B", help="Another version, as for A."),
    as_json: bool = typer.Option(False, "--json", help="Print added, changed, delisted and removed entities as JSON."),
    db: Optional[str] = DbOption,
) -> None:
    """What changed between two registry versions: entities added, changed, delisted and removed.

    Example:  proscribe lists diff previous latest
    """
    from proscribe.registry import service

    out = _guard(service.diff, db, a, b)
    if as_json:
        print_json(out)
        return
    typer.echo(f"from version {out['from']['id']} ({out['from']['version']}) to {out['to']['id']} ({out['to']['version']})")
    for label in ("added", "delisted", "changed", "removed"):
        items = out[label]
        typer.echo(f"{label}: {len(items):,}")
        for item in items[:50]:
            detail = "; ".join(item.get("changes", [])) if label in ("changed", "delisted") else ", ".join(item["lists"])
            typer.echo(f"  {item['id']:<28} {item['name']}  ({detail})")
        if len(items) > 50:
            typer.echo(f"  ... and {len(items) - 50:,} more (use --json for all)")


@lists_app.command("versions")
def versions(
    as_json: bool = typer.Option(False, "--json", help="Print the versions as JSON."),
    db: Optional[str] = DbOption,
) -> None:
    """The registry's versions, oldest first: number, hash, when, what made it and what changed.

    Example:  proscribe lists versions
    """
    from proscribe.registry import service

    rows = _guard(service.versions, db)
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "version": r.hash[:12],
                    "hash": r.hash,
                    "created_at": r.created_at.isoformat(),
                    "source": r.source,
                    "origin": r.origin,
                    "entities": r.summary.get("entities"),
                    "counts": r.summary.get("counts", {}),
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        c = r.summary.get("counts", {})
        typer.echo(
            f"{r.id:>4}  {r.hash[:12]}  {r.created_at.strftime('%Y-%m-%d %H:%M')}  {r.source:<22} "
            f"{r.summary.get('entities', 0):>7,} entities  +{c.get('added', 0):,} ~{c.get('changed', 0):,} "
            f"-{c.get('delisted', 0):,} delisted  x{c.get('removed', 0):,} removed"
        )
