"""The service's store: SQLite's write-ahead log kept short when the writer leaves checkpoints to another connection."""

from __future__ import annotations

from sqlalchemy import text

from proscribe.store import db
from proscribe.store import service as store


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
