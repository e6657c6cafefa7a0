"""`proscribe bench api`: the HTTP API under rising request rates, p50/p99 latency, errors, lost decisions."""

from __future__ import annotations

import typer

from proscribe.cli import bench_app
from proscribe.cli.common import err, fail, print_json


@bench_app.command("api")
def bench_api(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    seconds: float = typer.Option(60.0, "--seconds", min=0.5, max=3600, help="How long each rate runs."),
    rates: str = typer.Option("50,100,200,400", "--rates", help="Requests a second, comma-separated, in the order run."),
    model: str | None = typer.Option(None, "--model", help="Classifier the server loads (default: the bundled model)."),
) -> None:
    """Start `proscribe serve` on a free loopback port and a fresh SQLite database, send single-post
    POST /v1/posts at each rate (open loop, from this process), and report throughput, p50/p99
    latency and errors, side by side with GET /healthz at the same rate as the baseline.

    At the end it checks that the ledger holds exactly the posts sent (no lost decisions).
    The goal on 2 cores: p99 at most 50 ms at 200 requests a second. Traffic stays on 127.0.0.1.

    Example:  proscribe bench api --seconds 20 --rates 50,100,200
    """
    from proscribe.bench.api import GOAL_P99_MS, GOAL_RATE, run

    try:
        wanted = [int(r) for r in rates.split(",") if r.strip()]
    except ValueError:
        raise fail(f"--rates {rates!r}: give whole numbers separated by commas, e.g. 50,100,200") from None
    if not wanted or any(r <= 0 or r > 5000 for r in wanted):
        raise fail("--rates: each rate must be between 1 and 5000 requests a second")
    try:
        result = run(seconds, wanted, model)
    except RuntimeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(result)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("rate/s", "sent", "ok", "errors", "throughput/s", "p50 ms", "p99 ms", "max ms", "healthz p99 ms", "p99 ratio")
        for r in result["rates"]:
            table.add_row(str(r["rate"]), str(r["sent"]), str(r["ok"]), str(r["errors"] + r["overloaded"]), f"{r['throughput']}",
                          str(r["p50_ms"]), str(r["p99_ms"]), str(r["max_ms"]), str(r["baseline"]["p99_ms"]), str(r["p99_ratio"]))
        console = Console()
        console.print(f"classifier: {result['classifier']}; posts: {result['posts']}", highlight=False)
        console.print(f"load average (1 min) at start and end: {result['load_average'][0]}, {result['load_average'][1]} on {result['server']['cpus']} cores", highlight=False)
        console.print(table)
        d = result["decisions"]
        console.print(f"decisions: {d['sent']} sent, {d['stored']} stored, {d['lost']} lost, {d['extra']} unexpected", highlight=False)
        goal = result["goal"]
        if goal["met"] is not None:
            console.print(f"goal p99 <= {GOAL_P99_MS:g} ms at {GOAL_RATE}/s: {'met' if goal['met'] else 'not met'}", highlight=False)
    if result["decisions"]["lost"]:
        err.print(f"[bold red]lost decisions:[/] {result['decisions']['lost_examples']}")
        raise typer.Exit(1)
