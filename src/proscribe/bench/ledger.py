"""Ledger benchmark: decisions recorded per second on SQLite and on PostgreSQL, side by side.

Assessments are given, so the classifier is not measured: what is timed is the
ledger's work for each post (lock the author, check idempotency, read the
history, derive the state, decide, write the decision and its events). Each
database runs twice on the same workload: one transaction a decision, and
batched (as `proscribe scan` commits a classified batch: 64 decisions a
transaction by default).
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
    transaction_size: int  # decisions a transaction (1: each on its own)
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


def run(url: str, database: str, n: int, authors: int, transaction_size: int = 1, profile: str = "meta") -> Run:
    from proscribe.pipeline import Scanner, read_posts
    from proscribe.policy import load

    lines, assessed = workload(n, authors, seed=uuid.uuid4().hex[:8])
    items = list(read_posts(lines))
    scanner = Scanner(load(profile), url, transaction_size=transaction_size)  # opens and migrates the database: not timed
    begin = time.perf_counter()
    result = scanner.scan(items, assessed=assessed, batch_size=max(64, transaction_size))  # type: ignore[arg-type]
    seconds = time.perf_counter() - begin
    return Run(database, transaction_size, result.decided, round(seconds, 3), round(result.decided / seconds, 1) if seconds else 0.0)


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


def bench(n: int = 2000, authors: int = 200, pg: str | None = None, batch: int = 64) -> dict[str, object]:
    """Both databases in one run, same workload, one transaction a decision and `batch` a transaction.

    The ratios: PostgreSQL / SQLite throughput, and batched / one a transaction, for each.
    """
    sizes = (1, batch) if batch > 1 else (1,)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            runs.append(run(f"sqlite:///{Path(folder) / f'bench-{size}.db'}", "sqlite", n, authors, size))
    pg = pg or os.environ.get(PG_ENV)
    if pg:
        from proscribe.store import db

        for size in sizes:
            url, name = _fresh_postgres(pg)
            try:
                runs.append(run(url, "postgresql", n, authors, size))
            finally:
                db._engine(url).dispose()
                _drop_postgres(pg, name)
    else:
        runs.extend(Run("postgresql", size, 0, 0.0, 0.0, skipped=f"no PostgreSQL: pass --pg URL or set ${PG_ENV}") for size in sizes)
    by = {(r.database, r.transaction_size): r for r in runs}

    def ratio(a: Run, b: Run) -> float | None:
        return round(a.per_second / b.per_second, 2) if a.skipped is None and b.skipped is None and b.per_second else None

    return {
        "benchmark": "ledger",
        "posts": n,
        "authors": authors,
        "violations": sum(1 for i in range(n) if i % 3 == 0),
        "transaction_sizes": list(sizes),
        "runs": [asdict(r) for r in runs],
        "ratio_postgresql_to_sqlite": {str(size): ratio(by["postgresql", size], by["sqlite", size]) for size in sizes},
        "ratio_batched_to_one_a_transaction": {db: ratio(by[db, batch], by[db, 1]) for db in ("sqlite", "postgresql")} if batch > 1 else None,
    }
