"""`proscribe bench ledger`: decisions recorded per second, SQLite and PostgreSQL side by side."""

from __future__ import annotations

import typer

from proscribe.cli import bench_app
from proscribe.cli.common import fail, print_json


@bench_app.command("ledger")
def bench_ledger(
    posts: int = typer.Option(2000, "--posts", "-n", min=10, help="Posts to decide on each database."),
    authors: int = typer.Option(200, "--authors", min=1, help="Distinct authors (strikes accumulate per author)."),
    pg: str | None = typer.Option(
        None, "--pg", envvar="PROSCRIBE_TEST_POSTGRES", help="A PostgreSQL URL whose user may create databases; a throw-away database is made and dropped."
    ),
    batch: int = typer.Option(64, "--batch", min=1, max=10000, help="Decisions a transaction in the batched runs (scan commits each classified batch: 64)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Decisions recorded per second on SQLite and on PostgreSQL, in one run, with the ratios.

    Assessments are given, so what is measured is the ledger: each post's history
    read, decision and events written. Each database is run with one transaction a
    decision and with --batch decisions a transaction. PostgreSQL is skipped, with
    the reason, when no URL is given.

    Example:  proscribe bench ledger --pg postgresql+psycopg://me@localhost/postgres
    """
    from proscribe.bench.ledger import bench

    try:
        report = bench(posts, authors, pg, batch)
    except Exception as exc:  # a database that cannot be reached or created
        raise fail(f"benchmark failed: {exc}") from None
    if as_json:
        print_json(report)
        return
    typer.echo(f"ledger: {report['posts']} posts by {report['authors']} authors, {report['violations']} violations, meta profile")
    for r in report["runs"]:  # type: ignore[attr-defined]
        mode = "1 a transaction" if r["transaction_size"] == 1 else f"{r['transaction_size']} a transaction"
        if r["skipped"]:
            typer.echo(f"  {r['database']:11} {mode:18} skipped: {r['skipped']}")
        else:
            typer.echo(f"  {r['database']:11} {mode:18} {r['per_second']:8.1f} decisions/s  ({r['decisions']} in {r['seconds']} s)")
    for size, ratio in report["ratio_postgresql_to_sqlite"].items():  # type: ignore[attr-defined]
        if ratio is not None:
            typer.echo(f"  ratio postgresql/sqlite, {size} a transaction: {ratio}")
    for database, ratio in (report["ratio_batched_to_one_a_transaction"] or {}).items():  # type: ignore[attr-defined]
        if ratio is not None:
            typer.echo(f"  ratio batched/one a transaction, {database}: {ratio}")
