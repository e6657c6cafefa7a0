"""The service's single writer: decides the posts of concurrent requests together, in one transaction a batch.

Requests hand their (already checked) posts to one thread and wait for the
answer. The thread takes every request waiting when it is free, so under load
the batches grow by themselves and at rest a post is decided at once. For a
batch it looks up the posts already decided (one query), assesses the others,
then in ONE transaction keeps the posts and their authors, decides every post
in arrival order (each request's posts in created_at order, as `proscribe
scan` does), writes the decisions and their events, queues what needs a
person and writes one audit entry a request. A request is answered only after
that transaction commits, so an answered decision is never lost; a crash
before the commit loses the whole batch and answers none of it (the platform
sends again; decisions are idempotent).

Assessing takes a second thread when the classifier has a cheap first step
(`prescreen`, classify.base.Classifier): the writer runs the detector and that
step itself and decides at once every request it settles; a request with a
post that needs the model (the sentence encoder: tens of milliseconds) goes to
an assessor thread, which assesses the requests waiting for it in one call
and hands them back to the writer. So most requests never wait for another's
embedding; with several assessor threads (`assessors`, for a classifier that
allows it), a request at the model waits only while every assessor is busy.
The order of an account's posts still holds: while a request is with an
assessor, every later request of any of its authors follows it there, and a
request is handed back only after every earlier one of its authors.

A batch that fails (a post the classifier chokes on, a database error) is
decided again request by request, so one bad request fails only itself.

A post id names one post. A request with a post whose id is stored with
another author or text (or taken by an earlier request of the batch that is
kept) is refused with a 409 naming the field: the check is made in the
batch's transaction, after the posts are written (so two requests sending the
same new id agree on which post it names); the transaction is then rolled back
and the batch decided again without the refused requests, so nothing of them
is written.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from proscribe.api.service import Service
    from proscribe.model import AccountScreening, Assessment, Mention
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
    # Set on the way through the assessor: the detector's mentions and the first step's assessments of the
    # request's posts (by post id), then the complete assessments, or what made them fail.
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    known: dict[str, Assessment | None] = field(default_factory=dict)
    assessed: dict[str, tuple[Assessment, AccountScreening | None]] | None = None
    failure: BaseException | None = None
    turn: int = -1  # its place in the order of requests sent to the assessor

    @property
    def returned(self) -> bool:
        """Back from the assessor (assessed, or failed there)."""
        return self.assessed is not None or self.failure is not None

    def authors(self) -> set[str]:
        return {item.post.author.id for item in self.items}

    @cached_property
    def posts(self) -> dict[str, Any]:
        """The request's distinct posts by id (the first of each id)."""
        out: dict[str, Any] = {}
        for item in self.items:
            out.setdefault(item.post.id, item.post)
        return out


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

    def __init__(
        self, service: Service, max_posts: int = MAX_BATCH_POSTS, idle_seconds: float = IDLE_SECONDS, assessors: int = 1
    ) -> None:
        import threading

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
        self._assessor: Batcher[Job] = Batcher(
            "proscribe-assessor", self._assess, size=lambda job: len(job.items), max_size=max_posts, idle_seconds=idle_seconds,
            workers=assessors,
        )
        self._with_assessor: Counter[str] = Counter()  # authors of the requests at the assessor (the writer thread's own)
        # The requests at the assessors, in the order sent, and whether each is done (see `_assess`).
        self._at_assessor: dict[int, tuple[Job, bool]] = {}
        self._sent = 0
        self._return_lock = threading.Lock()

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
        back = [job for job in jobs if job.returned]
        for job in back:  # back from the assessor: their authors' later requests need not follow them there
            self._with_assessor.subtract(job.authors())
            self._with_assessor += Counter()  # drops the authors at zero
        # A request back from the assessor came before every new one in this batch (it went there from an
        # earlier batch), so it is decided first: a new request of the same author behind it stays behind it.
        jobs = back + [job for job in jobs if not job.returned]
        try:
            parts = self.service.parts()
        except Exception as exc:  # the model or registry cannot be loaded: every request gets the 503
            for job in jobs:
                _fail(job, exc)
            return
        groups: dict[str, list[Job]] = {}
        for job in self._triage(jobs, parts):
            if job.failure is not None:
                _fail(job, job.failure)
                continue
            groups.setdefault(job.profile.name, []).append(job)
        for group in groups.values():
            try:
                answers = self._decide(group, parts)
            except Exception as exc:
                if len(group) == 1:
                    _fail(group[0], exc)
                    continue
                for job in group:
                    try:
                        (answer,) = self._decide([job], parts)
                    except Exception as exc:
                        _fail(job, exc)
                    else:
                        _settle(job, answer)
                continue
            for job, answer in zip(group, answers, strict=True):
                _settle(job, answer)

    def _triage(self, jobs: list[Job], parts: Any) -> list[Job]:
        """The requests to decide now, in order; the others go to the assessor (see the module's note).

        A request is decided now when it came back from the assessor, when the classifier has no cheap
        first step (it is assessed in `_decide`), or when that step settles all its posts and none of its
        authors has a request at the assessor.
        """
        from proscribe.pipeline import complete, find_mentions

        prescreen = getattr(parts.classifier, "prescreen", None)
        if prescreen is None:
            return jobs
        new = [job for job in jobs if not job.returned]
        fresh: dict[str, Any] = {}
        for job in new:
            fresh.update((pid, p) for pid, p in job.posts.items() if pid not in fresh)
        if not fresh:
            return jobs
        posts = list(fresh.values())
        try:
            mentions = find_mentions(posts, parts)
            known = prescreen(posts, mentions)
        except Exception:  # assessed in _decide instead, where a failure fails only its own request
            return jobs
        found = dict(zip(fresh, mentions, strict=True))
        first = dict(zip(fresh, known, strict=True))
        new_ids = {id(job) for job in new}
        now: list[Job] = []
        for job in jobs:
            if id(job) not in new_ids:
                now.append(job)
                continue
            posts_of = job.posts
            job.mentions = {pid: found[pid] for pid in posts_of}
            job.known = {pid: first[pid] for pid in posts_of}
            authors = job.authors()
            if any(self._with_assessor[a] for a in authors) or any(a is None for a in job.known.values()):
                self._with_assessor.update(authors)
                with self._return_lock:
                    job.turn = self._sent
                    self._sent += 1
                    self._at_assessor[job.turn] = (job, False)
                self._assessor.submit(job)
                continue
            try:
                done = complete(list(posts_of.values()), parts, list(job.mentions.values()), list(job.known.values()))
                job.assessed = dict(zip(posts_of, done, strict=True))
            except Exception as exc:
                job.failure = exc
            now.append(job)
        return now

    def _assess(self, jobs: list[Job]) -> None:
        """An assessor thread: complete the assessments of the requests waiting (one classifier call when
        they all go through), then hand them back to the writer.

        With several assessors, a request is handed back only after every request sent before it that
        shares an author with it (another assessor may still hold one): an account's posts reach the
        writer in the order they came, and other accounts' posts do not wait for them.
        """
        try:
            self._assess_all(jobs)
        finally:
            for job in jobs:
                if not job.returned:  # the thread is ending: the writer answers it with this
                    job.failure = RuntimeError("the assessment was interrupted; send the request again")
            back: list[Job] = []
            with self._return_lock:
                for job in jobs:
                    self._at_assessor[job.turn] = (job, True)
                waiting: set[str] = set()  # authors of earlier requests still at an assessor
                for turn, (job, done) in list(self._at_assessor.items()):  # in the order sent
                    authors = job.authors()
                    if done and not authors & waiting:
                        del self._at_assessor[turn]
                        back.append(job)
                    else:
                        waiting |= authors
                for job in back:
                    self._batcher.submit(job)

    def _assess_all(self, jobs: list[Job]) -> None:
        try:
            parts = self.service.parts()
        except Exception as exc:  # the model or registry cannot be loaded: the writer answers each with this
            for job in jobs:
                job.failure = exc
        else:
            try:
                self._complete(jobs, parts)
            except Exception as exc:
                if len(jobs) == 1:
                    jobs[0].failure = exc
                else:
                    for job in jobs:
                        try:
                            self._complete([job], parts)
                        except Exception as exc:
                            job.failure = exc

    @staticmethod
    def _complete(jobs: list[Job], parts: Any) -> None:
        from proscribe.pipeline import complete

        keys = [(job, pid) for job in jobs for pid in job.posts]
        posts = [job.posts[pid] for job, pid in keys]
        done = complete(posts, parts, [job.mentions[pid] for job, pid in keys], [job.known[pid] for job, pid in keys])
        for job in jobs:
            job.assessed = {}
        for (job, pid), result in zip(keys, done, strict=True):
            assert job.assessed is not None
            job.assessed[pid] = result

    def _decide(self, jobs: Sequence[Job], parts: Any) -> list[list[str] | BaseException]:
        """Decide the requests of one profile in one transaction: each request's lines in its input order, or
        the error that refused it (a post whose id names another post)."""
        from proscribe.pipeline import assess

        profile = jobs[0].profile
        tiers = self.service._parts_tiers(parts, profile)
        # Assessed before the transaction, so the write lock is held only for the ledger's work. A post
        # decided before (a platform sending it again) is assessed for nothing and re-emitted below.
        assessed: dict[str, Any] = {}
        for job in jobs:
            for pid, result in (job.assessed or {}).items():
                assessed.setdefault(pid, result)  # the first request's post, as below
        fresh: dict[str, Any] = {}
        for job in jobs:
            for item in job.items:
                if item.post.id not in assessed:
                    fresh.setdefault(item.post.id, item.post)
        assessed.update(zip(fresh, assess(list(fresh.values()), parts), strict=True))
        answers: dict[int, list[str] | BaseException] = {}
        live = list(jobs)
        while live:
            try:
                lines = self._write(live, profile, tiers, parts, assessed)
            except _Refused as refused:
                # Rolled back: the refused requests get their error, the others are decided again without them.
                answers.update(refused.errors)
                live = [job for job in live if id(job) not in refused.errors]
                continue
            except Exception:
                self._close()  # a connection the database dropped is not used again
                raise
            self._after_commit()
            for job in live:
                answers[id(job)] = [lines[item.post.id] for item in job.items]
            break
        return [answers[id(job)] for job in jobs]

    def _write(self, jobs: Sequence[Job], profile: Profile, tiers: Any, parts: Any, assessed: dict[str, Any]) -> dict[str, str]:
        """One transaction for the requests: their posts kept, decided, queued and audited; the lines by post id.

        Raises _Refused (the transaction rolled back) when a post's id names a stored post with another author or text.
        """
        from proscribe.pipeline import ToDecide, decide_batch, retrying
        from proscribe.review.queue import enqueue_decisions
        from proscribe.store import ledger as ledger_store
        from proscribe.store import service as store

        svc = self.service
        order = [(job, item) for job in jobs for item in sorted(job.items, key=lambda i: (i.post.created_at or job.received, i.index))]
        todo = [ToDecide(item.post, *assessed[item.post.id], item.post.created_at or job.received) for job, item in order]

        def attempt(check: bool) -> dict[str, str]:
            conn = self._connection()
            with conn.begin():
                s = conn
                # First the posts and authors: their rows take the write locks the decisions need. A post whose id
                # names another post refuses its request, and nothing of the batch is kept (see the module's note).
                refused = ledger_store.ingest(
                    s, [(item.post, item.original) for _, item in order], datetime.now(UTC), groups=[id(job) for job, _ in order]
                )
                if any(refused):
                    raise _Refused.of(order, refused)
                decided = decide_batch(
                    s, profile, todo, tiers=tiers, registry_version=parts.registry_version, check_stored=check, locked=True
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
                    svc.queue,
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

        # The first try does not look for posts decided before (a platform rarely sends one again): the
        # decisions table's unique key then fails the transaction, and the next try looks.
        result: dict[str, str] = retrying(attempt, checked=True)
        return result


class _Refused(Exception):
    """Requests refused because a post's id names a stored post with another author or text: their errors by request."""

    def __init__(self, errors: dict[int, BaseException]) -> None:
        super().__init__(f"{len(errors)} requests refused")
        self.errors = errors

    @classmethod
    def of(cls, order: Sequence[tuple[Job, InputPost]], refused: Sequence[str | None]) -> _Refused:
        from proscribe.api.service import BadRequest
        from proscribe.pipeline import id_taken

        errors: dict[int, BaseException] = {}
        for (job, item), differs in sorted(zip(order, refused, strict=True), key=lambda pair: pair[0][1].index):
            if differs is None or id(job) in errors:
                continue
            where = f"posts[{item.index}].id" if job.batch else "post.id"
            message = id_taken(where, item.post.id, differs) + ("; nothing in this request was decided" if job.batch else "")
            errors[id(job)] = BadRequest(message, where, status=409)
        return cls(errors)


def _fail(job: Job, exc: BaseException) -> None:
    if not job.future.done():  # a request may have been answered with an error while it was at the assessor
        job.future.set_exception(exc)


def _answer(job: Job, lines: list[str]) -> None:
    if not job.future.done():
        job.future.set_result(lines)


def _settle(job: Job, answer: list[str] | BaseException) -> None:
    if isinstance(answer, BaseException):
        _fail(job, answer)
    else:
        _answer(job, answer)


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
