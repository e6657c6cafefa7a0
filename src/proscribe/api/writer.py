"""The service's single writer: decides the posts of concurrent requests together, in one transaction a batch.

Requests hand their (already checked) posts to one thread and wait for the
answer. The thread takes every request waiting when it is free, so under load
the batches grow by themselves and at rest a post is decided at once. For a
batch it looks up the posts already decided (one query), assesses the others
with one classifier call, then in ONE transaction keeps the posts and their
authors, decides every post in arrival order (each request's posts in
created_at order, as `proscribe scan` does), writes the decisions and their
events, queues what needs a person and writes one audit entry a request. A
request is answered only after that transaction commits, so an answered
decision is never lost; a crash before the commit loses the whole batch and
answers none of it (the platform sends again; decisions are idempotent).

A batch that fails (a post the classifier chokes on, a database error) is
decided again request by request, so one bad request fails only itself.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from proscribe.api.service import Service
    from proscribe.pipeline import InputPost
    from proscribe.policy.profile import Profile
    from proscribe.review.actors import Actor

MAX_BATCH_POSTS = 1000  # posts decided in one transaction, at most (a request may bring 500)
CHECKPOINT_SECONDS = 0.2  # SQLite: how often the write-ahead log is checkpointed, at most
IDLE_SECONDS = 30.0  # the thread ends when nothing came for this long; the next request starts it again


@dataclass
class Job:
    """One request's posts under one profile, waiting for their decision lines (in input order)."""

    profile: Profile
    items: list[InputPost]
    actor: Actor
    batch: bool  # the request sent a list (the answer is a list)
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    future: Future[list[str]] = field(default_factory=Future)


@dataclass
class _Checkpoint:
    future: Future[None] = field(default_factory=Future)


class Writer:
    """One thread that decides and records every submitted post of one service.

    It keeps its own connection. On SQLite that connection never checkpoints
    the write-ahead log itself (copying a thousand pages back into the
    database took up to a tenth of a second on a busy machine, and every
    request waiting would wait for it): after a batch, at most every
    CHECKPOINT_SECONDS, a second thread copies the log beside the writer and
    then starts it over in a moment the writer is idle (store.service.checkpoint_log).
    """

    def __init__(self, service: Service, max_posts: int = MAX_BATCH_POSTS, idle_seconds: float = IDLE_SECONDS) -> None:
        from proscribe.api.batching import Batcher

        self.service = service
        self._conn: Connection | None = None
        self._checkpoint_conn: Connection | None = None
        self._checkpointed = 0.0
        self._batcher: Batcher[Job] = Batcher(
            "proscribe-writer", self._process, size=lambda job: len(job.items), max_size=max_posts, idle_seconds=idle_seconds,
            on_stop=self._close,
        )
        self._checkpoints: Batcher[_Checkpoint] = Batcher(
            "proscribe-checkpoint", self._checkpoint, idle_seconds=idle_seconds, on_stop=self._close_checkpoint
        )

    def _sqlite(self) -> bool:
        return self.service.engine.dialect.name == "sqlite"

    def _connection(self) -> Connection:
        from proscribe.store import service as store

        if self._conn is None or self._conn.invalidated or self._conn.closed:
            self._conn = self.service.engine.connect()
            store.leave_checkpoints(self._conn)
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _close_checkpoint(self) -> None:
        if self._checkpoint_conn is not None:
            self._checkpoint_conn.close()
            self._checkpoint_conn = None

    def _checkpoint(self, items: list[_Checkpoint]) -> None:
        from proscribe.store import service as store

        if self._checkpoint_conn is None:
            self._checkpoint_conn = self.service.engine.connect()
        try:
            store.checkpoint_log(self._checkpoint_conn)
        except Exception:
            self._close_checkpoint()  # the next one opens another; a checkpoint missed is only a longer log
            raise
        for item in items:
            item.future.set_result(None)

    def _after_commit(self) -> None:
        now = time.monotonic()
        if self._sqlite() and now - self._checkpointed >= CHECKPOINT_SECONDS:
            self._checkpointed = now
            self._checkpoints.submit(_Checkpoint())

    def submit(self, job: Job) -> Future[list[str]]:
        """Queue a request's posts; the future gives their decision lines once they are committed."""
        return self._batcher.submit(job)

    @property
    def batches(self) -> int:
        return self._batcher.batches

    def _process(self, jobs: list[Job]) -> None:
        try:
            parts = self.service.parts()
        except Exception as exc:  # the model or registry cannot be loaded: every request gets the 503
            for job in jobs:
                job.future.set_exception(exc)
            return
        groups: dict[str, list[Job]] = {}
        for job in jobs:
            groups.setdefault(job.profile.name, []).append(job)
        for group in groups.values():
            try:
                answers = self._decide(group, parts)
            except Exception as exc:
                if len(group) == 1:
                    group[0].future.set_exception(exc)
                    continue
                for job in group:
                    try:
                        (answer,) = self._decide([job], parts)
                    except Exception as exc:
                        job.future.set_exception(exc)
                    else:
                        job.future.set_result(answer)
                continue
            for job, answer in zip(group, answers, strict=True):
                job.future.set_result(answer)

    def _decide(self, jobs: Sequence[Job], parts: Any) -> list[list[str]]:
        """Decide the requests of one profile in one transaction; each request's lines in its input order."""
        from proscribe.pipeline import ToDecide, assess, decide_batch, retrying
        from proscribe.review.queue import enqueue_decisions
        from proscribe.store import ledger as ledger_store
        from proscribe.store import service as store

        svc = self.service
        profile = jobs[0].profile
        tiers = svc._parts_tiers(parts, profile)
        order = [(job, item) for job in jobs for item in sorted(job.items, key=lambda i: (i.post.created_at or job.received, i.index))]
        # Assessed before the transaction, so the write lock is held only for the ledger's work. A post
        # decided before (a platform sending it again) is assessed for nothing and re-emitted below.
        fresh: dict[str, Any] = {}
        for _, item in order:
            fresh.setdefault(item.post.id, item.post)
        assessed = dict(zip(fresh, assess(list(fresh.values()), parts), strict=True))
        todo = [ToDecide(item.post, *assessed[item.post.id], item.post.created_at or job.received) for job, item in order]

        def attempt(_: bool) -> dict[str, str]:  # always looks for stored decisions: the batch did not before
            conn = self._connection()
            with conn.begin():
                s = conn
                # First the posts and authors: their rows take the write locks the decisions need.
                ledger_store.ingest(s, [(item.post, item.original) for _, item in order], datetime.now(UTC))
                decided = decide_batch(
                    s, profile, todo, tiers=tiers, registry_version=parts.registry_version, check_stored=True, locked=True
                )
                lines: dict[str, str] = {}
                made: dict[int, int] = {}  # decided now, by request
                summaries: dict[str, dict[str, Any]] = {}  # what the review queue reads of a new decision
                for (job, item), d in zip(order, decided, strict=True):
                    lines.setdefault(item.post.id, d.line)
                    if d.new:
                        made[id(job)] = made.get(id(job), 0) + 1
                        summaries[item.post.id] = _summary(d.outcome.decision)
                enqueue_decisions(
                    s,
                    [(summaries.get(item.post.id) or json.loads(lines[item.post.id]), item.post.author.followers) for _, item in order],
                    svc.config.queue,
                )
                entries = []
                for job in jobs:
                    if made.get(id(job)):
                        ids = [i.post.id for i in job.items]
                        entries.append(
                            (job.actor.label, str(job.actor.role), "posts.submit", f"profile:{profile.name}",
                             {"posts": len(ids), "decided": made[id(job)], "ids": ids[:50]})
                        )
                store.audit_many(s, entries)
                return lines

        try:
            lines: dict[str, str] = retrying(attempt)
        except Exception:
            self._close()  # a connection the database dropped is not used again
            raise
        self._after_commit()
        return [[lines[item.post.id] for item in job.items] for job in jobs]


def _summary(decision: Any) -> dict[str, Any]:
    """The fields of a decision that review.queue.item_for reads, without a JSON round trip."""
    return {
        "post_id": decision.post_id,
        "profile": decision.profile,
        "action": str(decision.action),
        "category": str(decision.category),
        "score": round(float(decision.score), 4),  # as the output line has it
        "account": {"id": decision.account.id, "action": str(decision.account.action)},
    }
