"""The service's store: web sessions that end and expire; SQLite's write-ahead log kept short when the writer leaves checkpoints to another connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from proscribe.store import db
from proscribe.store import service as store


def test_web_sessions_end_at_sign_out_or_expiry_and_expired_ones_are_deleted_at_sign_in(db_url: str) -> None:
    now = datetime.now(UTC)
    with db.session(db_url) as s:
        store.add_key(s, "k1", "alice", "reviewer", "0" * 64, "test")
        store.add_web_session(s, "a" * 64, "k1", now + timedelta(hours=8))
        store.add_web_session(s, "b" * 64, "k1", now + timedelta(hours=8))  # the same key in a second browser
        store.add_web_session(s, "c" * 64, "k1", now - timedelta(seconds=1))  # already past its end
    with db.session(db_url) as s:
        assert store.end_web_session(s, "a" * 64)
        assert not store.end_web_session(s, "a" * 64)
    with db.session(db_url) as s:
        assert store.key_by_web_session(s, "a" * 64) is None  # signed out
        assert store.key_by_web_session(s, "c" * 64) is None  # expired
        found = store.key_by_web_session(s, "b" * 64)
        assert found is not None and found.name == "alice"
        assert s.execute(select(func.count()).select_from(store.web_sessions)).scalar() == 2
        store.add_web_session(s, "d" * 64, "k1", now + timedelta(hours=8))
        assert sorted(s.execute(select(store.web_sessions.c.digest)).scalars()) == ["b" * 64, "d" * 64]


def _log_frames(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_a_writer_that_leaves_checkpoints_gets_its_log_started_over(sqlite_url: str) -> None:
    eng = db.engine(sqlite_url)
    with eng.connect() as writer, eng.connect() as other:
        store.leave_checkpoints(writer)
        for i in range(300):
            with writer.begin():
                writer.execute(text("INSERT INTO service_settings (key, value) VALUES (:k, 'v')"), {"k": f"k{i}"})
        grown = _log_frames(other)
        other.commit()
        store.checkpoint_log(other)
        with writer.begin():
            writer.execute(text("INSERT INTO service_settings (key, value) VALUES ('last', 'v')"))
        assert _log_frames(other) < 10 < grown  # the next write started the log over
        other.commit()
        assert int(other.exec_driver_sql("PRAGMA busy_timeout").scalar()) == 30000  # left as the engine sets it


def test_on_postgresql_there_is_nothing_to_do(db_url: str) -> None:
    with db.engine(db_url).connect() as conn:
        store.leave_checkpoints(conn)
        store.checkpoint_log(conn)
