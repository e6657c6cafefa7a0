"""The single writer: requests decided together are decided as one by one would be, in one transaction; a bad request fails alone."""

from __future__ import annotations

import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Sequence

import pytest
from service_helpers import StandInClassifier, post, stand_in_parts

from proscribe.api.service import Service, ServiceConfig
from proscribe.model import Assessment, Mention, Post
from proscribe.pipeline import MissingPart
from proscribe.review.actors import Actor, Role
from proscribe.store import db
from proscribe.store import ledger as ledger_store
from proscribe.store import service as store

PLATFORM = Actor("k1", "shop", Role.PLATFORM)
OTHER = Actor("k2", "forum", Role.PLATFORM)


class Choking(StandInClassifier):
    """The stand-in classifier, except that it fails on any batch holding the word "boom"."""

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
        if any("boom" in p.text for p in posts):
            raise RuntimeError("the classifier failed")
        return super().assess(posts, mentions)


class Gated(StandInClassifier):
    """The stand-in behind a gate: posts with the word "model" need the model, whose work waits for `release`."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.modelled: list[list[str]] = []  # the post ids of each call to the model

    def prescreen(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment | None]:
        settled = super().assess(posts, mentions)
        return [None if "model" in p.text else a for p, a in zip(posts, settled)]

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
        if any("boom" in p.text for p in posts):
            raise RuntimeError("the classifier failed")
        if any("model" in p.text for p in posts):
            self.modelled.append([p.id for p in posts])
            assert self.release.wait(30)
        return super().assess(posts, mentions)


class GatedByMention(StandInClassifier):
    """The stand-in behind a gate that sends every post naming an entity to the model, as the default does."""

    def prescreen(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment | None]:
        return [None if m else a for m, a in zip(mentions, super().assess(posts, mentions))]


def _service(url: str, classifier: Any = None, fail: bool = False, assessors: int = 1) -> Service:
    def parts(u: str) -> Any:
        if fail:
            raise MissingPart("the classifier (test) is not available")
        loaded = stand_in_parts(u)
        if classifier is not None:
            loaded.classifier = classifier
        return loaded

    return Service(ServiceConfig(db_url=url, parts_factory=parts, assessors=assessors))


def _requests() -> list[tuple[Any, Actor]]:
    return [
        ([post("a1", "Glory to Hamas", author="u1", days_ago=3), post("a2", "Glory to Hamas", author="u1", days_ago=2)], PLATFORM),
        (post("b1", "perhaps praise Hamas", author="u2", days_ago=2), OTHER),
        (post("c1", "Glory to Hamas", author="u1", days_ago=1), PLATFORM),
        (post("d1", "Reported: Hamas statement", author="u3", days_ago=1), OTHER),
    ]


def _events(url: str) -> list[tuple[Any, ...]]:
    with db.session(url) as s:
        return [(str(e.kind), e.account_id, e.post_id, e.at, e.payload, e.actor) for e in ledger_store.all_events(s)]


@pytest.mark.parametrize("classifier", [StandInClassifier, GatedByMention])
def test_requests_decided_together_get_what_one_by_one_gives(tmp_path, classifier) -> None:  # type: ignore[no-untyped-def]
    together, alone = f"sqlite:///{tmp_path / 'together.db'}", f"sqlite:///{tmp_path / 'alone.db'}"
    requests = _requests()  # once: the posts' times are relative to now
    svc = _service(together, classifier())
    jobs = [svc.prepare(body, "meta", who) for body, who in requests]
    svc.writer._process(jobs)  # the batch the writer thread would take with all four waiting
    batched = [j.future.result(timeout=30) for j in jobs]
    one = _service(alone)
    single = [one.submit(body, "meta", who)[0] for body, who in requests]
    assert batched == single
    assert [len(lines) for lines in batched] == [2, 1, 1, 1]
    assert '"strikes": 3' in batched[2][0]  # the third request saw the strikes of the first, decided in the same batch
    assert _events(together) == _events(alone)
    with db.session(together) as s:
        audit = [(e["actor"], e["detail"]["posts"], e["detail"]["decided"]) for e in reversed(store.audit_entries(s))]
        queued = [i["post_id"] for i in store.review_items_list(s, ["open"])]
    assert audit == [("platform:shop", 2, 2), ("platform:forum", 1, 1), ("platform:shop", 1, 1), ("platform:forum", 1, 1)]
    assert queued == ["b1"]


def test_the_same_post_in_two_waiting_requests_is_decided_once(sqlite_url: str) -> None:
    svc = _service(sqlite_url)
    jobs = [svc.prepare(post("p1", "Glory to Hamas"), "meta", who) for who in (PLATFORM, OTHER)]
    svc.writer._process(jobs)
    first, second = (j.future.result(timeout=30) for j in jobs)
    assert first == second
    with db.session(sqlite_url) as s:
        assert ledger_store.count_decisions(s) == 1
        assert [e["actor"] for e in store.audit_entries(s)] == ["platform:shop"]  # only the request that decided it


def test_a_request_that_fails_fails_alone(sqlite_url: str) -> None:
    svc = _service(sqlite_url, Choking())
    jobs = [svc.prepare(body, "meta", PLATFORM) for body in (post("ok1", "Glory to Hamas"), post("bad", "boom"), post("ok2", "hello"))]
    svc.writer._process(jobs)
    assert jobs[0].future.result(timeout=30) and jobs[2].future.result(timeout=30)
    with pytest.raises(RuntimeError, match="the classifier failed"):
        jobs[1].future.result(timeout=30)
    with db.session(sqlite_url) as s:
        assert sorted(ledger_store.stored_decisions(s, ["ok1", "bad", "ok2"], "meta")) == ["ok1", "ok2"]
        assert ledger_store.post(s, "bad") is None  # nothing of the failed request was written


def test_without_a_model_every_waiting_request_gets_the_reason(sqlite_url: str) -> None:
    svc = _service(sqlite_url, fail=True)
    futures = [svc.writer.submit(svc.prepare(post(f"p{i}", "hello"), "meta", PLATFORM)) for i in range(3)]
    for f in futures:
        with pytest.raises(MissingPart, match="not available"):
            f.result(timeout=30)


def test_a_failing_request_under_one_profile_does_not_stop_the_others(sqlite_url: str) -> None:
    svc = _service(sqlite_url, Choking())
    jobs = [svc.prepare(post("bad", "boom"), "meta", PLATFORM), svc.prepare(post("fine", "hello"), "x", PLATFORM)]
    svc.writer._process(jobs)
    with pytest.raises(RuntimeError, match="the classifier failed"):
        jobs[0].future.result(timeout=30)
    assert '"profile": "x"' in jobs[1].future.result(timeout=30)[0]


def test_warming_up_assesses_a_stand_in_through_the_model_and_writes_nothing(sqlite_url: str) -> None:
    seen: list[tuple[str, int]] = []

    class Recording(StandInClassifier):
        def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
            seen.extend((p.text, len(m)) for p, m in zip(posts, mentions))
            return super().assess(posts, mentions)

    svc = _service(sqlite_url, Recording())
    svc.warm()
    assert seen == [("warm up", 1)]  # with a mention, so that a gate in front of the model opens
    with db.session(sqlite_url) as s:
        assert ledger_store.count_decisions(s) == 0 and ledger_store.post(s, "warm-up") is None


def test_requests_the_gate_settles_do_not_wait_for_the_model(sqlite_url: str) -> None:
    gated = Gated()
    svc = _service(sqlite_url, gated)
    slow = svc.writer.submit(svc.prepare(post("m1", "model: Glory to Hamas", author="u1"), "meta", PLATFORM))
    quick = svc.writer.submit(svc.prepare(post("q1", "hello", author="u2"), "meta", OTHER))
    assert '"post_id": "q1"' in quick.result(timeout=30)[0]  # answered while the other is still at the model
    assert not slow.done() and gated.modelled == [["m1"]]
    gated.release.set()
    assert '"action": "remove"' in slow.result(timeout=30)[0]
    with db.session(sqlite_url) as s:
        assert ledger_store.count_decisions(s) == 2


def test_an_accounts_later_post_waits_for_its_post_at_the_model(sqlite_url: str) -> None:
    gated = Gated()
    svc = _service(sqlite_url, gated)
    first = svc.writer.submit(svc.prepare(post("m1", "model: Glory to Hamas", author="u1", days_ago=2), "meta", PLATFORM))
    later = svc.writer.submit(svc.prepare(post("g2", "Glory to Hamas", author="u1", days_ago=1), "meta", PLATFORM))
    other = svc.writer.submit(svc.prepare(post("q1", "hello", author="u2"), "meta", OTHER))
    other.result(timeout=30)
    with pytest.raises(FutureTimeout):
        later.result(timeout=0.3)  # the gate settled it, but u1 has a post at the model
    gated.release.set()
    assert '"strikes": 1' in first.result(timeout=30)[0]
    assert '"strikes": 2' in later.result(timeout=30)[0]  # decided after the post sent before it
    with db.session(sqlite_url) as s:
        strikes = [e.post_id for e in ledger_store.all_events(s) if str(e.kind) == "strike"]
    assert strikes == ["m1", "g2"]


def test_a_request_that_fails_at_the_model_fails_alone(sqlite_url: str) -> None:
    gated = Gated()
    gated.release.set()
    svc = _service(sqlite_url, gated)
    jobs = [svc.prepare(post(pid, text, author="u1"), "meta", PLATFORM) for pid, text in (("b1", "model boom"), ("m2", "model: hello"))]
    svc.writer._process(jobs)  # both go to the model in one call, which fails; then one by one
    with pytest.raises(RuntimeError, match="the classifier failed"):
        jobs[0].future.result(timeout=30)
    assert '"post_id": "m2"' in jobs[1].future.result(timeout=30)[0]
    # The account has nothing left at the model: its next post is decided at once.
    assert svc.writer.submit(svc.prepare(post("q1", "hello", author="u1"), "meta", PLATFORM)).result(timeout=30)
    assert not svc.writer._with_assessor
    with db.session(sqlite_url) as s:
        assert sorted(ledger_store.stored_decisions(s, ["b1", "m2", "q1"], "meta")) == ["m2", "q1"]


def test_a_request_back_from_the_model_is_decided_before_a_newer_one_of_its_account(sqlite_url: str) -> None:
    gated = Gated()
    gated.release.set()
    svc = _service(sqlite_url, gated)
    sent: list[Any] = []
    svc.writer._assessor.submit = sent.append  # type: ignore[method-assign]  # the assessor's turn is played below
    older = svc.prepare(post("m1", "model: Glory to Hamas", author="u1", days_ago=2), "meta", PLATFORM)
    svc.writer._process([older])
    assert sent == [older] and svc.writer._with_assessor["u1"] == 1
    svc.writer._complete([older], svc.parts())
    # The writer's next batch: a newer request of the same account queued ahead of the one coming back.
    newer = svc.prepare(post("g2", "Glory to Hamas", author="u1", days_ago=1), "meta", PLATFORM)
    svc.writer._process([newer, older])
    assert '"strikes": 1' in older.future.result(timeout=30)[0]
    assert '"strikes": 2' in newer.future.result(timeout=30)[0]
    with db.session(sqlite_url) as s:
        assert [e.post_id for e in ledger_store.all_events(s) if str(e.kind) == "strike"] == ["m1", "g2"]


class SlowGated(Gated):
    """`Gated`, whose posts with the word "slow" alone wait for `release`; it may run in two threads at once."""

    concurrent = True

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
        if any("model" in p.text for p in posts):
            self.modelled.append([p.id for p in posts])
        if any("slow" in p.text for p in posts):
            assert self.release.wait(30)
        return StandInClassifier.assess(self, posts, mentions)


def test_with_two_assessors_a_post_at_the_model_holds_back_only_its_own_accounts_later_posts(sqlite_url: str) -> None:
    gated = SlowGated()
    svc = _service(sqlite_url, gated, assessors=2)
    first = svc.writer.submit(svc.prepare(post("m1", "model slow: Glory to Hamas", author="u1", days_ago=3), "meta", PLATFORM))
    other = svc.writer.submit(svc.prepare(post("m2", "model: Glory to Hamas", author="u2", days_ago=2), "meta", OTHER))
    assert '"post_id": "m2"' in other.result(timeout=30)[0]  # the second assessor took it while the first waits
    later = svc.writer.submit(svc.prepare(post("m3", "model: Glory to Hamas", author="u1", days_ago=1), "meta", PLATFORM))
    with pytest.raises(FutureTimeout):
        later.result(timeout=0.3)  # assessed, but u1's earlier post is still at the model
    assert ["m3"] in gated.modelled and not first.done()
    gated.release.set()
    assert '"strikes": 1' in first.result(timeout=30)[0]
    assert '"strikes": 2' in later.result(timeout=30)[0]
    with db.session(sqlite_url) as s:
        strikes = [e.post_id for e in ledger_store.all_events(s) if str(e.kind) == "strike"]
    assert sorted(strikes) == ["m1", "m2", "m3"]
    assert not svc.writer._with_assessor and not svc.writer._at_assessor


def test_two_waiting_requests_with_one_id_for_two_posts_the_first_is_decided_the_second_refused(sqlite_url: str) -> None:
    from proscribe.api.service import BadRequest

    svc = _service(sqlite_url)
    jobs = [
        svc.prepare(post("same", "Glory to Hamas", author="u1"), "meta", PLATFORM),
        svc.prepare([post("new", "hello", author="u2"), post("same", "Glory to Hamas", author="u2")], "x", OTHER),
        svc.prepare(post("same", "Glory to Hamas", author="u3"), "meta", OTHER),
        svc.prepare(post("other", "Glory to Hamas", author="u4"), "meta", PLATFORM),
    ]
    svc.writer._process(jobs)  # one batch: the first request's post is the one the id names
    assert '"account": {"id": "u1"' in jobs[0].future.result(timeout=30)[0]
    for job, field in ((jobs[1], "posts[1].id"), (jobs[2], "post.id")):
        with pytest.raises(BadRequest) as refused:
            job.future.result(timeout=30)
        assert refused.value.status == 409 and refused.value.field == field
        assert "another author.id" in str(refused.value)
    assert '"post_id": "other"' in jobs[3].future.result(timeout=30)[0]
    with db.session(sqlite_url) as s:
        assert ledger_store.count_decisions(s) == 2
        assert ledger_store.stored_decision(s, "new", "x") is None and ledger_store.post(s, "new") is None
        assert ledger_store.account(s, "u2") is None and ledger_store.account(s, "u3") is None
        assert ledger_store.post(s, "same")["author"]["id"] == "u1"  # type: ignore[index]
        assert [e["actor"] for e in reversed(store.audit_entries(s))] == ["platform:shop", "platform:shop"]


def test_a_refused_request_takes_no_id_from_a_later_one_in_its_batch(sqlite_url: str) -> None:
    from proscribe.api.service import BadRequest

    svc = _service(sqlite_url)
    svc.submit(post("stored", "hello", author="u0"), "meta", PLATFORM)
    jobs = [
        svc.prepare([post("fresh", "Glory to Hamas", author="u1"), post("stored", "another text", author="u0")], "meta", PLATFORM),
        svc.prepare(post("fresh", "Reported: Hamas statement", author="u2"), "meta", OTHER),
    ]
    svc.writer._process(jobs)
    with pytest.raises(BadRequest, match=r"posts\[1\]\.id 'stored' names a post already stored with another text"):
        jobs[0].future.result(timeout=30)
    assert '"account": {"id": "u2"' in jobs[1].future.result(timeout=30)[0]
    with db.session(sqlite_url) as s:
        assert ledger_store.post(s, "fresh")["author"]["id"] == "u2"  # type: ignore[index]
        assert ledger_store.account(s, "u1") is None


def test_the_service_gives_the_encoder_the_threads_it_is_configured_with(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from proscribe.classify import features

    given: list[int] = []
    monkeypatch.setattr(features, "set_encoder_threads", given.append)
    Service(ServiceConfig(db_url=sqlite_url, parts_factory=stand_in_parts)).parts()
    assert given == []  # not configured: the encoder keeps its default
    Service(ServiceConfig(db_url=sqlite_url, parts_factory=stand_in_parts, encoder_threads=1)).parts()
    assert given == [1]
