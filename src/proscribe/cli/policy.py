"""`proscribe policy`: check, show and test policy profiles."""

from __future__ import annotations

from pathlib import Path

import typer

from proscribe.cli import app
from proscribe.cli.common import err, fail, print_json

policy_app = typer.Typer(
    help="Policy profiles: the YAML files that say what a platform's policy decides. "
    "Shipped: meta, x, twitter-2021; or write your own and pass its path.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")


def _load(name: str):  # type: ignore[no-untyped-def]
    from proscribe.policy.profile import load
    from proscribe.policy.yamlfile import FileError

    try:
        return load(name)
    except FileError as exc:
        raise fail(f"invalid profile:\n{exc}") from None


@policy_app.command("check")
def check(file: str = typer.Argument(..., metavar="FILE", help="A profile YAML file (or a shipped profile's name).")) -> None:
    """Validate a profile file: every error names the file, the line and the key, with a hint.

    Example:  proscribe policy check my-platform.yaml
    """
    profile = _load(file)
    typer.echo(f"{file}: ok ({profile.version}, effective from {profile.effective_from.isoformat()})")


@policy_app.command("show")
def show(
    name: str = typer.Argument(..., metavar="NAME", help="meta, x, twitter-2021, or a profile file's path."),
    as_json: bool = typer.Option(False, "--json", help="Print the validated profile as JSON."),
) -> None:
    """Print a profile: the shipped YAML file as written (comments included), or as JSON.

    Example:  proscribe policy show meta
    """
    from proscribe.policy.profile import SHIPPED, shipped_path

    profile = _load(name)
    if as_json:
        print_json({"version": profile.version, **profile.model_dump(mode="json")})
        return
    path = shipped_path(name) if name in SHIPPED else Path(name)
    typer.echo(f"# {profile.version}")
    typer.echo(path.read_text(encoding="utf-8").rstrip("\n"))


@policy_app.command("list")
def list_profiles() -> None:
    """List the shipped profiles."""
    from proscribe.policy.profile import SHIPPED

    for name in SHIPPED:
        profile = _load(name)
        typer.echo(f"{name:14} {profile.version:26} from {profile.effective_from.isoformat()}  {profile.title}")


@policy_app.command("test")
def test(
    file: str = typer.Argument(..., metavar="PROFILE", help="The profile under test: a shipped name or a YAML file."),
    cases: Path = typer.Argument(..., metavar="CASES.yaml", help="Cases: each an assessment, an account history and the decision fields expected."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every case, not only failures."),
) -> None:
    """Run policy unit tests, so you can pin what your policy decides.

    A case gives what the classifier concluded and what the account has done
    before, and the decision fields it must produce; for example:

      cases:
        - name: fifth DOI strike disables
          assessment: {category: glorification, score: 0.95, mentions: [{entity: hamas, name: Hamas}]}
          history: {strikes: 4, doi_strikes: 4, linked: \\[a2]}
          expect: {action: remove, account.action: disable, linked_accounts: [{id: a2, action: disable}]}

    Example files ship with proscribe (see docs/policy.md). Exit status 1 when a case fails.
    """
    from proscribe.policy.cases import run_file
    from proscribe.policy.un import UnDataMissing
    from proscribe.policy.yamlfile import FileError

    profile = _load(file)
    try:
        _, results = run_file(cases, profile)
    except FileError as exc:
        raise fail(f"invalid cases file:\n{exc}") from None
    except UnDataMissing as exc:
        raise fail(str(exc)) from None
    failed = [r for r in results if not r.passed]
    for r in results:
        if r.passed and verbose:
            typer.echo(f"PASS  {cases}:{r.line}  {r.name}")
        elif not r.passed:
            typer.echo(f"FAIL  {cases}:{r.line}  {r.name}")
            for failure in r.failures:
                typer.echo(f"        {failure}")
    summary = f"{len(results) - len(failed)} passed, {len(failed)} failed ({profile.version})"
    if failed:
        err.print(summary, highlight=False)
        raise typer.Exit(1)
    typer.echo(summary)
