"""The database layer: URL resolution and migrations on every supported database."""

from sqlalchemy import inspect

from proscribe.store import db


def test_resolve_url_prefers_argument_then_environment(monkeypatch) -> None:
    monkeypatch.setenv("PROSCRIBE_DB", "sqlite:///from-env.db")
    assert db.resolve_url("sqlite:///arg.db") == "sqlite:///arg.db"
    assert db.resolve_url(None) == "sqlite:///from-env.db"


def test_default_is_embedded_sqlite_in_data_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = db.default_url()
    assert url.startswith("sqlite:///")
    assert str(tmp_path) in url


def test_migrations_run_and_are_idempotent(db_url: str) -> None:
    eng = db.engine(db_url)
    db._migrated.clear()
    db.upgrade(eng)  # a second run changes nothing and does not fail
    assert "alembic_version" in inspect(eng).get_table_names()


def test_password_is_redacted() -> None:
    assert "secret" not in db.redact("postgresql+psycopg://u:secret@h/db")
