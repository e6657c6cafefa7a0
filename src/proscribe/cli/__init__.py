"""The `proscribe` command (Typer): thin over the parts.

Each command group lives in its own module here and is added below.
"""

from __future__ import annotations

import typer

from proscribe import __version__

app = typer.Typer(
    name="proscribe",
    help="Enforce a platform's Dangerous Organizations and Individuals policy: "
    "keep the registry of designated entities, scan posts, decide under a policy "
    "profile, keep the strike ledger and serve the reviewers.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

bench_app = typer.Typer(help="Benchmarks: proscribe and a baseline side by side in one run, with ratios.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"proscribe {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """proscribe"""


def _register() -> None:
    # Each module adds its commands to `app` or `bench_app` when imported.
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        if mod.name not in ("common",):
            importlib.import_module(f"{__name__}.{mod.name}")


_register()


def main() -> None:
    app()
