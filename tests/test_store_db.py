"""The database layer: URL resolution and migrations on every supported database."""

from datetime import UTC, datetime, timedelta

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


def _alembic():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(db.MIGRATIONS / "versions"))
    return cfg


def test_web_sessions_migrate_onto_a_database_that_has_keys_already(db_url: str) -> None:
    from alembic import command

    from proscribe.store import service as store

    eng = db.engine(db_url, migrate=False)
    cfg = _alembic()
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "service_0001")
    assert "service_web_sessions" not in inspect(eng).get_table_names()
    with eng.begin() as conn:
        conn.execute(store.api_keys.insert().values(key_id="k1", name="alice", role="reviewer", hash="0" * 64, created_at=datetime.now(UTC), created_by="test"))
    db.upgrade(eng)
    found = inspect(eng)
    assert {c["name"] for c in found.get_columns("service_web_sessions")} == {"id", "digest", "key_id", "created_at", "expires_at"}
    assert "ix_service_web_sessions_expires_at" in {i["name"] for i in found.get_indexes("service_web_sessions")}
    assert [u["column_names"] for u in found.get_unique_constraints("service_web_sessions")] == [["digest"]]
    assert [(f["constrained_columns"], f["referred_table"]) for f in found.get_foreign_keys("service_web_sessions")] == [(["key_id"], "service_api_keys")]
    with db.session(db_url) as s:
        store.add_web_session(s, "a" * 64, "k1", datetime.now(UTC) + timedelta(hours=1))
        assert store.key_by_web_session(s, "a" * 64) is not None
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "service_0001")
    assert "service_web_sessions" not in inspect(eng).get_table_names()
    assert "service_api_keys" in inspect(eng).get_table_names()


def test_password_is_redacted() -> None:
    assert "secret" not in db.redact("postgresql+psycopg://u:secret@h/db")
