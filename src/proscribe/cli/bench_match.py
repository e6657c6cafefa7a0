"""`proscribe bench match` and `proscribe bench names`: detection benchmarks beside their baselines."""

from __future__ import annotations

from pathlib import Path

import typer

from proscribe.cli import bench_app
from proscribe.cli.common import DbOption, err, fail, print_json


@bench_app.command("match")
def bench_match(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object (posts_per_s, regex_posts_per_s, speedup, …)."),
    posts: int = typer.Option(100_000, "--posts", min=1, help="Posts in the corpus (shared corpora repeated with variations)."),
    seconds: float = typer.Option(5.0, "--seconds", min=0.1, help="Time budget for the regex baseline, timed on a sample."),
    batch: int = typer.Option(1000, "--batch", min=1, help="Posts per find_many call (one automaton pass per batch)."),
    data: Path = typer.Option(None, "--data", help="The shared data folder (lists/, corpora/). Default: ../shared/data."),
    db: str = DbOption,
) -> None:
    """Match every name of the full registry (starter + OFAC/UN/EU when present) in N posts, one core,
    side by side with one big Python regex of every name; prints posts/s, the ratio, memory, and where they disagree.

    Speeds are process CPU time (the machine may be shared; wall-clock rates and the load average are printed beside).

    Example: proscribe bench match --posts 100000 --json
    """
    from proscribe.bench.match import run

    if data is not None and not data.is_dir():
        raise fail(f"--data {data}: not a folder")
    result = run(posts=posts, seconds=seconds, data_dir=data, batch=batch)
    if json_out:
        print_json(result)
        return
    r = result
    err.print(f"registry: {r['registry']['entities']} entities, {r['registry']['names']} names, {r['registry']['patterns']} patterns")
    typer.echo(f"posts                 {r['posts']}")
    typer.echo(
        f"proscribe             {r['posts_per_s']:,.0f} posts/s ({r['us_per_post']} µs/post CPU, find_many by {r['batch']}), "
        f"{r['posts_per_s_wall']:,.0f} posts/s wall; {r['mentions']} mentions"
    )
    typer.echo(f"  one post at a time  {r['find_posts_per_s']:,.0f} posts/s CPU, {r['find_posts_per_s_wall']:,.0f} posts/s wall")
    typer.echo(f"  before gc.freeze    {r['posts_per_s_unfrozen']:,.0f} posts/s CPU, {r['posts_per_s_unfrozen_wall']:,.0f} posts/s wall")
    load = r["load_average"]
    typer.echo(f"  load average        {load['before']} before, {load['after']} after ({load['cpus']} CPUs)")
    typer.echo(f"regex baseline        {r['regex_posts_per_s']:,.2f} posts/s (timed on {r['regex_timed_posts']} posts)")
    typer.echo(f"speedup               {r['speedup']}x")
    typer.echo(f"matcher build         {r['build_seconds']} s, {r['memory_mb']['matcher']} MB")
    d = r["disagreements"]
    typer.echo(f"disagreements on {d['sample_posts']} posts:")
    for side in ("proscribe_only", "regex_only"):
        for reason, n in d[side].items():
            typer.echo(f"  {side:15} {n:5}  {reason}")
    for e in d["examples"][:8]:
        typer.echo(f"  e.g. [{e['found_by']}] {e['entity']} {e['matched']!r}: {e['text'][:90]!r}")


@bench_app.command("names")
def bench_names(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    cases: Path = typer.Option(None, "--cases", help="name_bench cases.csv. Default: ../shared/data/name_bench/cases.csv."),
    repeat: int = typer.Option(3, "--repeat", min=1, help="Timing passes over the cases for proscribe's matcher."),
    db: str = DbOption,
) -> None:
    """Score every labelled name pair with proscribe's name matcher and nomenklatura's logic_v2 side by side:
    precision, recall, F1, microseconds per pair and the ratio; with the frozen reference run's F1.

    Example: proscribe bench names --json
    """
    from proscribe.bench.match import default_data_dir
    from proscribe.bench.names import run

    path = cases if cases is not None else default_data_dir() / "name_bench" / "cases.csv"
    if not path.is_file():
        raise fail(f"{path}: no such file (the name_bench cases.csv; pass --cases)")
    try:
        result = run(path, repeat=repeat)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if json_out:
        print_json(result)
        return
    ours, theirs = result["proscribe"], result["nomenklatura_logic_v2"]
    typer.echo(f"cases {result['cases']}  threshold {result['threshold']}")
    typer.echo(
        f"proscribe   P {ours['precision']:.3f} R {ours['recall']:.3f} F1 {ours['f1']:.3f}  {ours['us_per_pair']} µs/pair "
        f"(names analysed once; {ours['us_per_pair_cold']} µs/pair with every cache cleared)"
    )
    if theirs:
        typer.echo(f"logic_v2    P {theirs['precision']:.3f} R {theirs['recall']:.3f} F1 {theirs['f1']:.3f}  {theirs['us_per_pair']} µs/pair")
        typer.echo(f"speedup     {result['speedup']}x ({result['speedup_cold']}x cold)   F1 difference {result['f1_difference']:+.3f}")
    if result["frozen_reference"]:
        typer.echo(f"frozen logic_v2 reference run: F1 {result['frozen_reference']['f1']:.3f}")
