"""The writer in a process of its own: the same answers as in a thread, errors that cross over, and a child that dies loses nothing answered."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from service_helpers import post, stand_in_parts

from proscribe.api.service import Service, ServiceConfig
from proscribe.api.writer_process import WriterProcess, WriterStopped
from proscribe.pipeline import MissingPart
from proscribe.review.actors import Actor, Role
from proscribe.store import db
from proscribe.store import ledger as ledger_store

PLATFORM = Actor("k1", "shop", Role.PLATFORM)


def _decided(url: str) -> int:
    with db.session(url) as s:
        return ledger_store.count_decisions(s)


@pytest.fixture()
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def test_answers_match_the_thread_writer(tmp_path: Path) -> None:
    requests = [
        [post("a1", "Glory to Hamas", author="u1", days_ago=3), post("a2", "Glory to Hamas", author="u1", days_ago=2)],
        post("b1", "Reported: Hamas statement", author="u2"),
        post("c1", "hello there", author="u1", days_ago=1),
    ]
    answers = {}
    for mode in (False, True):
        svc = Service(ServiceConfig(db_url=f"sqlite:///{tmp_path / f'{mode}.db'}", parts_factory=stand_in_parts, writer_process=mode))
        assert isinstance(svc.writer, WriterProcess) is mode
        try:
            svc.warm()
            answers[mode] = [svc.submit(body, "meta", PLATFORM) for body in requests]
        finally:
            if mode:
                svc.writer.close()  # type: ignore[union-attr]
    assert answers[True] == answers[False]
    lines, batch = answers[True][0]
    assert batch and [json.loads(line)["account"]["strikes"] for line in lines] == [1, 2]
    assert _decided(f"sqlite:///{tmp_path / 'True.db'}") == 4


def test_an_error_in_the_child_reaches_the_request(url: str) -> None:
    svc = Service(ServiceConfig(db_url=url, model=str(Path(url[10:]).parent / "no-such-model"), writer_process=True))
    try:
        with pytest.raises(MissingPart, match="no-such-model"):
            svc.warm()  # the child could not load the model: the same 503 as in one process
        with pytest.raises(MissingPart, match="no-such-model"):
            svc.submit(post("p1", "hello"), "meta", PLATFORM)
    finally:
        svc.writer.close()  # type: ignore[union-attr]
    assert _decided(url) == 0


def test_a_child_that_dies_is_started_again(url: str) -> None:
    svc = Service(ServiceConfig(db_url=url, parts_factory=stand_in_parts, writer_process=True))
    writer = svc.writer
    assert isinstance(writer, WriterProcess)
    try:
        svc.submit(post("p1", "hello", author="u1"), "meta", PLATFORM)
        first = writer._process
        first.kill()
        first.join(10)
        deadline = time.monotonic() + 10
        while writer._process is first and time.monotonic() < deadline:  # the reader sees the pipe close
            time.sleep(0.05)
        lines, _ = svc.submit(post("p2", "hello", author="u1"), "meta", PLATFORM)
        assert json.loads(lines[0])["post_id"] == "p2" and writer._process is not first
        # Sent again after the crash, a post decided before gets its stored line back, not a second decision.
        again, _ = svc.submit(post("p1", "hello", author="u1"), "meta", PLATFORM)
        assert json.loads(again[0])["post_id"] == "p1"
    finally:
        writer.close()
    assert _decided(url) == 2


def slow_parts(url: str) -> object:
    """The stand-in parts, after a pause: a request is in the child while they load."""
    time.sleep(5)
    return stand_in_parts(url)


def test_requests_left_when_the_child_dies_get_an_error(url: str) -> None:
    svc = Service(ServiceConfig(db_url=url, parts_factory=slow_parts, writer_process=True))
    writer = svc.writer
    assert isinstance(writer, WriterProcess)
    try:
        future = writer.submit(svc.prepare(post("p1", "hello"), "meta", PLATFORM))
        time.sleep(1.5)
        writer._process.kill()
        with pytest.raises(WriterStopped, match="before deciding the request; send it again"):
            future.result(timeout=30)
    finally:
        writer.close()
    assert _decided(url) == 0


def test_a_refused_post_id_gets_its_409_across_the_process(url: str) -> None:
    from proscribe.api.service import BadRequest

    svc = Service(ServiceConfig(db_url=url, parts_factory=stand_in_parts, writer_process=True))
    try:
        svc.submit(post("p1", "hello", author="u1"), "meta", PLATFORM)
        with pytest.raises(BadRequest) as refused:
            svc.submit([post("p1", "hello", author="u2")], "x", PLATFORM)
        assert (refused.value.status, refused.value.field) == (409, "posts[0].id")
    finally:
        svc.writer.close()  # type: ignore[union-attr]
    assert _decided(url) == 1
