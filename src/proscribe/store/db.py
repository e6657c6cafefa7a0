"""The database: URL resolution, engine, sessions and migrations.

Every table lives on `metadata`; each part's tables are declared in its own
module of this package (store/registry.py, store/ledger.py, ...) and created by
its own branch of Alembic migrations, so the parts migrate independently.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

ENV_VAR = "PROSCRIBE_DB"
MAX_ROW_ID = 2**63 - 1  # the largest row id or integer column value SQLite and PostgreSQL (BIGINT) hold
MIGRATIONS = Path(__file__).parent / "migrations"

# Constraint names that PostgreSQL and SQLite both accept and Alembic can refer to.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def default_url() -> str:
    """The embedded SQLite database in the user's data directory."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("proscribe", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'proscribe.db'}"


def resolve_url(url: str | None = None) -> str:
    """`--db` first, then $PROSCRIBE_DB, then the embedded default."""
    return url or os.environ.get(ENV_VAR) or default_url()


class DatabaseError(RuntimeError):
    """The database could not be opened or migrated; the message says why."""


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine for the database at `url`, migrated to the newest schema."""
    resolved = resolve_url(url)
    try:
        eng = _engine(resolved)
    except Exception as exc:  # a malformed URL or a missing driver
        raise DatabaseError(f"cannot open database {redact(resolved)}: {exc}") from exc
    if migrate:
        upgrade(eng)
    return eng


_migrated: set[str] = set()


def upgrade(eng: Engine) -> None:
    """Run every branch of migrations to its head (idempotent, once a process)."""
    key = str(eng.url)
    if key in _migrated:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    try:
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except Exception as exc:
        raise DatabaseError(f"cannot migrate database {redact(key)}: {exc}") from exc
    _migrated.add(key)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


@lru_cache(maxsize=16)
def _maker(eng: Engine) -> sessionmaker[Session]:
    # One factory an engine: a new sessionmaker builds a new Session class, whose event setup costs about a millisecond.
    return sessionmaker(eng, expire_on_commit=False)


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with _maker(engine(url)).begin() as s:
        yield s
