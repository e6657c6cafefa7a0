"""Ledger benchmark: decisions recorded per second on SQLite and on PostgreSQL, side by side.

Assessments are given, so the classifier is not measured: what is timed is the
ledger's work for each post (lock the author, check idempotency, read the
history, derive the state, decide, write the decision and its events in one
transaction).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from proscribe.model import Assessment, Category, Context, EntityKind, Mention

PG_ENV = "PROSCRIBE_TEST_POSTGRES"


@dataclass(frozen=True)
class Run:
    database: str  # sqlite | postgresql
    decisions: int
    seconds: float
    per_second: float
    skipped: str | None = None


def workload(n: int, authors: int, seed: str = "bench") -> tuple[list[str], dict[str, tuple[Assessment, None]]]:
    """`n` posts by `authors` authors (pairs share an operator), a third of them violations."""
    from proscribe.pipeline import read_posts

    start = datetime(2024, 1, 1, tzinfo=UTC)
    hamas = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5, lists=("us-ofac-sdgt",))
    lines = []
    for i in range(n):
        author = f"{seed}-a{i % authors}"
        post = {
            "id": f"{seed}-p{i}",
            "text": f"post {i}",
            "created_at": (start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "author": {"id": author, "operator": f"{seed}-op{(i % authors) // 2}", "followers": 1000 + i},
        }
        lines.append(json.dumps(post))
    assessed: dict[str, tuple[Assessment, None]] = {}
    for item in read_posts(lines):
        i = int(item.post.id.rsplit("p", 1)[1])  # type: ignore[union-attr]
        if i % 3 == 0:
            a = Assessment(item.post.id, Category.GLORIFICATION, None, 0.9, (hamas,), model="given")  # type: ignore[union-attr]
        else:
            a = Assessment(item.post.id, Category.NONE, Context.NEWS, 0.9, (hamas,), model="given")  # type: ignore[union-attr]
        assessed[a.post_id] = (a, None)
    return lines, assessed


def run(url: str, database: str, n: int, authors: int, profile: str = "meta") -> Run:
    from proscribe.pipeline import Scanner, read_posts
    from proscribe.policy import load

    lines, assessed = workload(n, authors, seed=uuid.uuid4().hex[:8])
    items = list(read_posts(lines))
    scanner = Scanner(load(profile), url)  # opens and migrates the database: not timed
    begin = time.perf_counter()
    result = scanner.scan(items, assessed=assessed)  # type: ignore[arg-type]
    seconds = time.perf_counter() - begin
    return Run(database, result.decided, round(seconds, 3), round(result.decided / seconds, 1) if seconds else 0.0)


def _fresh_postgres(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = "proscribe_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench(n: int = 2000, authors: int = 200, pg: str | None = None) -> dict[str, object]:
    """Both databases in one run, same workload; the ratio is PostgreSQL / SQLite throughput."""
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        runs.append(run(f"sqlite:///{Path(folder) / 'bench.db'}", "sqlite", n, authors))
    pg = pg or os.environ.get(PG_ENV)
    if pg:
        from proscribe.store import db

        url, name = _fresh_postgres(pg)
        try:
            runs.append(run(url, "postgresql", n, authors))
        finally:
            db._engine(url).dispose()
            _drop_postgres(pg, name)
    else:
        runs.append(Run("postgresql", 0, 0.0, 0.0, skipped=f"no PostgreSQL: pass --pg URL or set ${PG_ENV}"))
    sqlite, postgres = runs
    ratio = round(postgres.per_second / sqlite.per_second, 2) if postgres.skipped is None and sqlite.per_second else None
    return {
        "benchmark": "ledger",
        "posts": n,
        "authors": authors,
        "violations": sum(1 for i in range(n) if i % 3 == 0),
        "runs": [asdict(r) for r in runs],
        "ratio_postgresql_to_sqlite": ratio,
    }
