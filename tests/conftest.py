"""Shared fixtures: databases (SQLite always, PostgreSQL when the test script
started one), the shared real data, and running the CLI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
POSTGRES = os.environ.get("PROSCRIBE_TEST_POSTGRES")

DB_KINDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real data directory or database."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("PROSCRIBE_DB", raising=False)


def _admin(statement: str) -> None:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def _fresh_postgres() -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    _admin(f'CREATE DATABASE "{name}"')
    base = POSTGRES.rsplit("/", 1)[0]  # type: ignore[union-attr]
    return f"{base}/{name}"


def _drop_postgres(url: str) -> None:
    """Drop a test's database, ending the connections still open to it: a service's writer keeps its
    connection for half a minute after its last request, and a run of tests would otherwise use up the
    server's connection slots ("too many clients")."""
    _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite, and PostgreSQL too when one is running."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proscribe.db'}"
        return
    url = _fresh_postgres()
    yield url
    _drop_postgres(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database, for tests that need only the embedded default."""
    return f"sqlite:///{tmp_path / 'proscribe.db'}"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present: {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Invoke the real `proscribe` Typer app in-process; returns the Click Result."""
    from proscribe.cli import app

    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)
