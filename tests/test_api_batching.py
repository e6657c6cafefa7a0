"""The batching thread: everything waiting when it is free is one batch; failures reach every caller; cancelled or answered calls are dropped."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from proscribe.api.batching import Batcher


@dataclass
class Item:
    value: int
    future: Future = field(default_factory=Future)  # type: ignore[type-arg]


def test_items_that_wait_while_a_batch_runs_form_the_next_batch() -> None:
    running, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def handle(items: list[Item]) -> None:
        batches.append([i.value for i in items])
        if len(batches) == 1:
            running.set()
            release.wait(30)
        for i in items:
            i.future.set_result(i.value * 10)

    batcher: Batcher[Item] = Batcher("test-batcher", handle)
    first = batcher.submit(Item(1))
    assert running.wait(30)
    waiting = [batcher.submit(Item(n)) for n in (2, 3, 4)]
    release.set()
    assert [f.result(timeout=30) for f in (first, *waiting)] == [10, 20, 30, 40]
    assert batches == [[1], [2, 3, 4]] and batcher.batches == 2


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_still_runs() -> None:
    def handle(items: list[Item]) -> None:
        if any(i.value < 0 for i in items):
            raise ValueError("negative")
        for i in items:
            i.future.set_result(i.value)

    batcher: Batcher[Item] = Batcher("test-batcher", handle)
    with pytest.raises(ValueError, match="negative"):
        batcher.submit(Item(-1)).result(timeout=30)
    assert batcher.submit(Item(5)).result(timeout=30) == 5


def test_a_call_cancelled_or_answered_before_its_turn_is_dropped_and_the_thread_ends_when_idle() -> None:
    running, release = threading.Event(), threading.Event()
    seen: list[int] = []
    stopped = threading.Event()

    def handle(items: list[Item]) -> None:
        seen.extend(i.value for i in items)
        if items[0].value == 1:
            running.set()
            release.wait(30)
        for i in items:
            i.future.set_result(i.value)

    batcher: Batcher[Item] = Batcher("test-batcher", handle, idle_seconds=0.05, on_stop=stopped.set)
    batcher.submit(Item(1))
    assert running.wait(30)
    gone, answered, kept = Item(2), Item(5), Item(3)
    batcher.submit(gone)
    batcher.submit(answered)
    batcher.submit(kept)
    assert gone.future.cancel()
    answered.future.set_exception(RuntimeError("answered elsewhere"))  # e.g. failed while it waited
    release.set()
    assert kept.future.result(timeout=30) == 3
    assert seen == [1, 3]
    assert stopped.wait(30)  # no work: the thread ended; the next call starts another
    assert batcher.submit(Item(4)).result(timeout=30) == 4


def test_with_two_workers_an_item_waits_only_while_both_are_busy() -> None:
    release = threading.Event()
    busy = threading.Semaphore(0)
    threads: set[str] = set()

    def handle(items: list[Item]) -> None:
        threads.add(threading.current_thread().name)
        if items[0].value < 3:
            busy.release()
            release.wait(30)
        for i in items:
            i.future.set_result(i.value)

    stopped = threading.Event()
    ended: list[int] = []

    def on_stop() -> None:
        ended.append(1)
        if len(ended) == 2:
            stopped.set()

    batcher: Batcher[Item] = Batcher("test-batcher", handle, workers=2, idle_seconds=0.05, on_stop=on_stop)
    first = batcher.submit(Item(1))
    assert busy.acquire(timeout=30)
    second = batcher.submit(Item(2))  # taken by the other worker while the first is busy
    assert busy.acquire(timeout=30)
    third = batcher.submit(Item(3))  # both busy: it waits
    with pytest.raises(TimeoutError):
        third.result(timeout=0.2)
    release.set()
    assert [f.result(timeout=30) for f in (first, second, third)] == [1, 2, 3]
    assert threads == {"test-batcher-1", "test-batcher-2"}
    assert stopped.wait(30)  # both ended when idle; the next call starts one again
    assert batcher.submit(Item(4)).result(timeout=30) == 4
