"""Worker threads that handle queued requests a batch at a time: every request waiting when one is free.

Under load the batches grow by themselves; at rest a request is handled at
once, without waiting for others. Most queues have one worker; with more,
a request waits only when every worker is busy. Each queued item carries a
`concurrent.futures.Future` that the handler resolves; whatever the handler
leaves unresolved (it raised) gets the exception, so no request waits for
ever. A thread ends after a while with nothing to do and the next request
starts it again (so a test process with many services keeps no idle threads).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable, Generic, Protocol, TypeVar


class HasFuture(Protocol):
    future: Future  # type: ignore[type-arg]


T = TypeVar("T", bound=HasFuture)


class Batcher(Generic[T]):
    """`workers` threads over one queue: `handle(batch)` resolves the futures of the items it is given."""

    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        size: Callable[[T], int] = lambda item: 1,
        max_size: int = 1000,
        idle_seconds: float = 30.0,
        on_stop: Callable[[], None] | None = None,
        workers: int = 1,
    ) -> None:
        self.name = name
        self.handle = handle
        self.size = size
        self.max_size = max_size
        self.idle_seconds = idle_seconds
        self.on_stop = on_stop  # called by each thread that ends
        self.workers = max(1, workers)
        self._items: queue.SimpleQueue[T] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0  # running
        self.batches = 0  # batches handled so far (benchmarks and tests read it)

    def submit(self, item: T) -> Future:  # type: ignore[type-arg]
        self._items.put(item)
        with self._lock:
            if self._threads < self.workers:
                self._threads += 1
                name = self.name if self.workers == 1 else f"{self.name}-{self._threads}"
                threading.Thread(target=self._run, name=name, daemon=True).start()
        return item.future

    def _run(self) -> None:
        while True:
            try:
                first = self._items.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._items.empty():
                        self._threads -= 1
                        if self.on_stop is not None:
                            self.on_stop()
                        return
                continue
            batch = [first]
            size = self.size(first)
            while size < self.max_size:
                try:
                    item = self._items.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
                size += self.size(item)
            # An item whose caller went away before its turn is dropped (it was never answered), and so is one
            # answered already. An item may come back from another Batcher: its future is running already.
            batch = [item for item in batch if item.future.running() or (not item.future.done() and item.future.set_running_or_notify_cancel())]
            if not batch:
                continue
            try:
                self.handle(batch)
                self.batches += 1
            except BaseException as exc:  # never leave a caller waiting
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
