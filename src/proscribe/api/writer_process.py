"""The single writer (api/writer.py) in a process of its own, so that it does not share an interpreter lock with the HTTP server.

One Python process runs one thread at a time. Under load the HTTP server
(parsing requests, checking keys, answering) and the writer (screening,
deciding, writing the ledger) each want the lock for much of the time, and
every request waits for both: on 2 cores the writer's work then queues
behind the server's and the other way round. With the writer in a child
process each has its own lock, and the two cores share the work.

The child process holds a whole `Service` over the same database (its own
connections, the registry and the model) and its `Writer`. The parent sends
it each request's checked posts over a pipe, in arrival order; the child
hands them to its writer in that order and sends back each request's
decision lines (or the error) once they are committed. Nothing else changes:
a request is answered only after its transaction commits, so a crash of the
child loses no answered decision; the requests it held get a 503, and the
next request starts another child.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from proscribe.api.service import ServiceConfig
    from proscribe.api.writer import Job

log = logging.getLogger("proscribe.writer")

STOP_SECONDS = 30.0  # how long a child whose parent closed the pipe waits for the requests it holds
START_SECONDS = 300.0  # the child's start (imports, registry, model and a stand-in post through it) takes seconds, at most this
_WARM = "warm"  # the parent asks the child to load its parts and answer when done
_STOP = "stop"  # the parent asks the child to end once the requests it holds are answered


def _stopped_base() -> type[Exception]:
    from proscribe.pipeline import MissingPart

    return MissingPart


class WriterStopped(_stopped_base()):  # type: ignore[misc]  # a MissingPart: the API answers it with a 503
    """The writer's process ended before it answered; the request was not decided (send it again)."""


def _portable(exc: BaseException) -> BaseException:
    """`exc` when it survives pickling, else a RuntimeError with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _child(config: ServiceConfig, conn: Connection) -> None:
    """The child process: a Service and its Writer, fed from the pipe until it closes."""
    from proscribe.api.service import Service
    from proscribe.api.writer import Job

    svc = Service(replace(config, writer_process=False))
    sending = threading.Lock()
    pending: set[Future[list[str]]] = set()

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            try:
                conn.send(message)
            except (OSError, EOFError):  # the parent is gone: nobody to answer
                pass

    def answered(seq: int, future: Future[list[str]]) -> None:
        pending.discard(future)
        exc = future.exception()
        send((seq, None, _portable(exc)) if exc is not None else (seq, future.result(), None))

    def warm(seq: int) -> None:
        try:
            svc.warm()
        except BaseException as exc:
            send((seq, None, _portable(exc)))
        else:
            send((seq, [], None))

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        seq, request = message
        if request == _STOP:
            break
        if request == _WARM:
            threading.Thread(target=warm, args=(seq,), name="proscribe-warm", daemon=True).start()
            continue
        profile_name, items, actor, batch, received = request
        try:
            job = Job(svc.profile(profile_name), items, actor, batch, received)
        except Exception as exc:
            send((seq, None, _portable(exc)))
            continue
        future = svc.writer.submit(job)
        pending.add(future)
        future.add_done_callback(lambda future, seq=seq: answered(seq, future))
    # Asked to stop, or the parent is gone: answer what is in hand, then end at once (the writer's threads
    # would otherwise wait for work until their idle time runs out).
    deadline = time.monotonic() + STOP_SECONDS
    while pending and time.monotonic() < deadline:
        time.sleep(0.05)
    svc.engine.dispose()
    os._exit(0)


class WriterProcess:
    """`Writer`'s `submit`, served by a child process (see the module's note). Starts the child on first use."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self._lock = threading.Lock()  # the child, its pipe and the futures waiting for it
        self._process: Any = None
        self._conn: Connection | None = None
        self._waiting: dict[int, Future[list[str]]] = {}
        self._seq = itertools.count()

    def _started(self) -> Connection:
        """The pipe to a running child (started now when there is none). Call with the lock held."""
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        context = multiprocessing.get_context("spawn")  # forking a process with threads is not safe
        ours, theirs = context.Pipe()
        process = context.Process(target=_child, args=(self.config, theirs), name="proscribe-writer", daemon=True)
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        threading.Thread(target=self._read, args=(ours, process), name="proscribe-writer-answers", daemon=True).start()
        return ours

    def _send(self, request: Any) -> Future[list[str]]:
        future: Future[list[str]] = Future()
        with self._lock:
            seq = next(self._seq)
            self._waiting[seq] = future
            try:
                self._started().send((seq, request))
            except Exception as exc:
                del self._waiting[seq]
                future.set_exception(WriterStopped(f"the writer's process cannot be reached: {exc}"))
        return future

    def submit(self, job: Job) -> Future[list[str]]:
        """Queue a request's posts; the future gives their decision lines once they are committed."""
        return self._send((job.profile.name, job.items, job.actor, job.batch, job.received))

    def warm(self) -> None:
        """Start the child and have it load the registry and the model; raises what loading them raised."""
        self._send(_WARM).result(timeout=START_SECONDS)

    def _read(self, conn: Connection, process: Any) -> None:
        """The parent's reader: answers the futures, then fails those left when the child ends."""
        while True:
            try:
                seq, lines, exc = conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._waiting.pop(seq, None)
            if future is None:
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(lines)
        process.join(timeout=5)
        with self._lock:
            if self._conn is conn:
                self._conn = None
                self._process = None
            left, self._waiting = self._waiting, {}
        if left:
            log.error("the writer's process ended (exit code %s) with %d requests undecided", process.exitcode, len(left))
        for future in left.values():
            future.set_exception(WriterStopped(f"the writer's process ended (exit code {process.exitcode}) before deciding the request; send it again"))
        conn.close()

    def close(self) -> None:
        """Stop the child once it has answered the requests it holds (at most STOP_SECONDS)."""
        with self._lock:
            conn, process = self._conn, self._process
            if conn is not None:
                try:
                    conn.send((-1, _STOP))
                except OSError:
                    pass
        if process is not None:
            process.join(timeout=STOP_SECONDS + 5)
            if process.is_alive():
                process.kill()
