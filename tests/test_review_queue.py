"""The review queue: what is queued, priority order, atomic claims under concurrency, outcomes in the ledger."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from service_helpers import make_app, make_key, post

from conftest import run_cli
from proscribe.policy.profile import load
from proscribe.review import queue
from proscribe.review.actors import Actor, Role
from proscribe.review.errors import Conflict, Forbidden, Invalid
from proscribe.store import db
from proscribe.store import ledger as ledger_store

ALICE = Actor("k2", "alice", Role.REVIEWER)
BOB = Actor("k3", "bob", Role.REVIEWER)
ROOT = Actor("k9", "root", Role.ADMIN)
SETTINGS = queue.QueueSettings(high_reach_followers=1_000_000)


def decision(action: str, category: str = "glorification", score: float = 0.9, account_action: str = "none") -> dict:  # type: ignore[type-arg]
    return {"post_id": "p", "profile": "meta", "action": action, "category": category, "score": score,
            "account": {"id": "a", "action": account_action}}


@pytest.mark.parametrize(
    ("d", "followers", "reason"),
    [
        (decision("review", score=0.5), 10, "uncertain"),
        (decision("review", "none", 0.4), None, "uncertain"),
        (decision("remove"), 2_000_000, "high_reach"),
        (decision("interstitial"), 1_000_000, "high_reach"),
        (decision("allow", "none", 0.1, account_action="disable"), 5_000_000, "high_reach"),
        (decision("remove"), 999_999, None),
        (decision("allow", "none", 0.1), 50_000_000, None),
    ],
)
def test_what_goes_to_the_queue(d: dict, followers: int | None, reason: str | None) -> None:  # type: ignore[type-arg]
    item = queue.item_for(d, followers, SETTINGS)
    assert (item["reason"] if item else None) == reason
    without_reach = queue.item_for(d, followers, queue.QueueSettings(high_reach_followers=None))
    assert (without_reach["reason"] if without_reach else None) == (reason if reason == "uncertain" else None)


@pytest.fixture
def queued(db_url: str):  # type: ignore[no-untyped-def]
    """A queue with an uncertain glorification, an uncertain threat and a high-reach removal."""
    app = make_app(db_url)
    key = make_key(db_url, "platform", "platform")
    with TestClient(app) as client:
        r = client.post(
            "/v1/posts?profile=meta",
            json=[
                post("glory", "perhaps praise Hamas", author="small", days_ago=3),
                post("threat", "we threaten the minister", author="angry", days_ago=0.2),
                post("famous", "Glory to Hamas", author="star", followers=3_000_000),
                post("news", "Reuters reported on Hamas", author="wire", followers=9_000_000),
            ],
            headers={"X-API-Key": key},
        )
    assert [d["action"] for d in r.json()] == ["review", "remove", "remove", "allow"]
    return db_url


def test_items_come_highest_priority_first_and_age_raises_priority(queued: str) -> None:
    with db.session(queued) as s:
        rows = queue.items(s)
    assert [r["post_id"] for r in rows] == ["famous", "glory"]
    assert rows[0]["reason"] == "high_reach" and rows[1]["reason"] == "uncertain"
    later = datetime.now(UTC) + timedelta(days=3)
    with db.session(queued) as s:
        aged = queue.items(s, now=later)
    assert aged[1]["priority"] == pytest.approx(rows[1]["priority"] + 3, abs=0.01)


def test_only_one_of_many_concurrent_claims_wins(queued: str) -> None:
    with db.session(queued) as s:
        item = queue.items(s)[0]["id"]
    reviewers = [Actor(f"k{i}", f"r{i}", Role.REVIEWER) for i in range(8)]
    barrier = threading.Barrier(len(reviewers))
    won: list[str] = []
    lost: list[str] = []

    def attempt(who: Actor) -> None:
        barrier.wait()
        try:
            with db.session(queued) as s:
                queue.claim(s, item, who, SETTINGS)
            won.append(who.label)
        except Conflict:
            lost.append(who.label)

    threads = [threading.Thread(target=attempt, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == len(reviewers) - 1
    with db.session(queued) as s:
        assert queue.get(s, item)["claimed_by"] == won[0]


def test_a_stale_claim_can_be_taken_over(queued: str) -> None:
    with db.session(queued) as s:
        item = queue.items(s)[0]["id"]
        queue.claim(s, item, ALICE, SETTINGS)
        with pytest.raises(Conflict, match="held by reviewer:alice"):
            queue.claim(s, item, BOB, SETTINGS)
        later = datetime.now(UTC) + timedelta(minutes=SETTINGS.claim_minutes + 1)
        assert queue.claim(s, item, BOB, SETTINGS, now=later)["claimed_by"] == "reviewer:bob"


def test_confirming_an_uncertain_post_enforces_the_profile_as_the_reviewer(queued: str) -> None:
    with db.session(queued) as s:
        item = next(r for r in queue.items(s) if r["post_id"] == "glory")["id"]
        with pytest.raises(Conflict, match="claim review item"):
            queue.decide(s, item, ALICE, "confirm", "praise", profiles=load, tiers_for=lambda p: {})
        queue.claim(s, item, ALICE, SETTINGS)
        with pytest.raises(Invalid, match="reason is required"):
            queue.decide(s, item, ALICE, "confirm", " ", profiles=load, tiers_for=lambda p: {})
        done = queue.decide(s, item, ALICE, "confirm", "praises the group", profiles=load, tiers_for=lambda p: {})
    assert done["status"] == "closed" and done["outcome"] == "confirm" and done["decided_by"] == "reviewer:alice"
    with db.session(queued) as s:
        events = [e for e in ledger_store.events_for(s, ["small"], "meta") if e.post_id == "glory"]
    assert [str(e.kind) for e in events] == ["decision", "decision", "strike", "account_action", "review"]
    assert events[1].payload["action"] == "remove" and events[1].actor == "reviewer:alice"
    assert events[2].payload["review_item"] == item


def test_overturning_a_high_reach_removal_reverses_it(queued: str) -> None:
    with db.session(queued) as s:
        item = next(r for r in queue.items(s) if r["post_id"] == "famous")["id"]
        queue.claim(s, item, BOB, SETTINGS)
        queue.decide(s, item, BOB, "overturn", "it is a quotation", profiles=load, tiers_for=lambda p: {})
    run = run_cli("accounts", "show", "star", "--json", "--db", queued)
    shown = json.loads(run.stdout)["profiles"][0]
    assert shown["strikes"] == 0 and shown["strike_log"][0]["status"] == "reversed"


def test_escalated_items_go_to_admins(queued: str) -> None:
    with db.session(queued) as s:
        item = queue.items(s)[0]["id"]
        queue.claim(s, item, ALICE, SETTINGS)
        queue.decide(s, item, ALICE, "escalate", "a head of state's office: not mine to decide", profiles=load, tiers_for=lambda p: {})
        assert queue.get(s, item)["status"] == "escalated"
        with pytest.raises(Forbidden, match="an admin decides"):
            queue.claim(s, item, BOB, SETTINGS)
        queue.claim(s, item, ROOT, SETTINGS)
        with pytest.raises(Conflict, match="escalated already"):
            queue.decide(s, item, ROOT, "escalate", "again", profiles=load, tiers_for=lambda p: {})
        assert queue.decide(s, item, ROOT, "confirm", "stands", profiles=load, tiers_for=lambda p: {})["outcome"] == "confirm"
    with db.session(queued) as s, pytest.raises(Conflict, match="decided already"):
        queue.claim(s, item, BOB, SETTINGS)


def test_release_gives_the_item_back(queued: str) -> None:
    with db.session(queued) as s:
        item = queue.items(s)[0]["id"]
        queue.claim(s, item, ALICE, SETTINGS)
        with pytest.raises(Conflict):
            queue.release(s, item, BOB)
        assert queue.release(s, item, ALICE)["status"] == "open"
        assert [h["what"] for h in queue.get(s, item)["history"]] == ["claim", "release"]


def test_scan_decisions_reach_the_queue_through_sync(tmp_path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    """Decisions made outside the server (proscribe scan, here the pipeline with given verdicts) are queued by `review sync`."""
    from proscribe.model import Assessment, Category
    from proscribe.pipeline import Scanner, read_posts

    lines = [json.dumps(post("s1", "anything", author="x", followers=2_000_000)), json.dumps(post("s2", "anything else", author="y"))]
    items = list(read_posts(lines))
    verdicts = {"s1": (Assessment("s1", Category.THREAT, None, 0.95, model="given"), None),
                "s2": (Assessment("s2", Category.GLORIFICATION, None, 0.4, model="given"), None)}
    Scanner(load("meta"), sqlite_url).scan(items, assessed=verdicts)  # type: ignore[arg-type]
    first = run_cli("review", "sync", "--db", sqlite_url)
    assert first.exit_code == 0 and first.stdout.strip() == "2 items queued"
    assert run_cli("review", "sync", "--db", sqlite_url).stdout.strip() == "0 items queued"
    listed = json.loads(run_cli("review", "list", "--json", "--db", sqlite_url).stdout)
    assert [(r["post_id"], r["reason"]) for r in listed] == [("s1", "high_reach"), ("s2", "uncertain")]
    bad = run_cli("review", "list", "--status", "gone", "--db", sqlite_url)
    assert bad.exit_code == 1


def test_review_list_queues_what_a_scan_recorded(sqlite_url: str) -> None:
    from proscribe.model import Assessment, Category
    from proscribe.pipeline import Scanner, read_posts

    items = list(read_posts([json.dumps(post("s1", "anything", author="x"))]))
    Scanner(load("meta"), sqlite_url).scan(items, assessed={"s1": (Assessment("s1", Category.GLORIFICATION, None, 0.4, model="given"), None)})  # type: ignore[arg-type]
    listed = json.loads(run_cli("review", "list", "--json", "--db", sqlite_url).stdout)
    assert [(r["post_id"], r["reason"]) for r in listed] == [("s1", "uncertain")]
    assert run_cli("review", "sync", "--db", sqlite_url).stdout.strip() == "0 items queued"


def test_a_profile_names_its_own_high_reach_threshold() -> None:
    from dataclasses import replace

    from proscribe.policy import load

    strict = load("meta").model_copy(update={"name": "strict"})
    strict = strict.model_copy(update={"thresholds": strict.thresholds.model_copy(update={"high_reach_followers": 5_000})})
    settings = queue.QueueSettings(high_reach_followers=1_000_000).with_profiles([load("meta"), strict])
    assert settings.high_reach("strict") == 5_000 and settings.high_reach("meta") == 1_000_000 == settings.high_reach("other")
    removal = decision("remove")
    assert queue.item_for(removal, 20_000, settings) is None  # under meta: below the server's threshold
    assert queue.item_for({**removal, "profile": "strict"}, 20_000, settings)["reason"] == "high_reach"  # type: ignore[index]
    assert queue.item_for({**removal, "profile": "strict"}, 4_999, settings) is None
    assert replace(settings, high_reach_followers=None).high_reach("meta") is None  # the server queues no high reach


def test_the_server_queues_the_high_reach_cases_a_custom_profile_names(db_url: str) -> None:
    meta = load("meta")
    own = meta.model_copy(update={"name": "watchful", "thresholds": meta.thresholds.model_copy(update={"high_reach_followers": 10_000})})
    app = make_app(db_url, profiles={"watchful": own})
    key = make_key(db_url, "platform", "platform")
    with TestClient(app) as client:
        for profile in ("meta", "watchful"):
            r = client.post(f"/v1/posts?profile={profile}", json=post(f"{profile}-1", "Glory to Hamas", author="mid", followers=50_000),
                            headers={"X-API-Key": key})
            assert r.status_code == 200 and r.json()["action"] == "remove"
    with db.session(db_url) as s:
        rows = queue.items(s)
    assert [(r["post_id"], r["reason"]) for r in rows] == [("watchful-1", "high_reach")]  # meta's threshold is the server's 1,000,000


def test_confirming_never_strikes_the_author_of_another_post_stored_under_the_same_id(queued: str) -> None:
    # A store written before a post id named one post may hold another author's post under a decided id.
    from sqlalchemy import update

    with db.session(queued) as s:
        original = ledger_store.post(s, "glory")
        original["author"] = {"id": "innocent"}  # type: ignore[index]
        s.execute(update(ledger_store.posts).where(ledger_store.posts.c.id == "glory").values(account_id="innocent", original=json.dumps(original)))
    with db.session(queued) as s:
        item = next(r for r in queue.items(s) if r["post_id"] == "glory")["id"]
        queue.claim(s, item, ALICE, SETTINGS)
    with pytest.raises(Conflict, match="the stored post glory is by innocent, but the decision under meta is about small"):
        with db.session(queued) as s:
            queue.decide(s, item, ALICE, "confirm", "praise", profiles=load, tiers_for=lambda p: {})
    with db.session(queued) as s:
        assert ledger_store.events_for(s, ["innocent"], "meta") == []
        assert queue.get(s, item)["status"] == "claimed"
