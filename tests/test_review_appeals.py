"""Appeals: filing, a different reviewer, and overturning that restores the post, removes the strike and re-enables accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from service_helpers import make_app, make_key, post

from proscribe.policy.profile import load
from proscribe.review import appeals, queue
from proscribe.review.actors import Actor, Role
from proscribe.review.errors import Conflict, Forbidden, Invalid
from proscribe.store import db

PLATFORM = Actor("k1", "platform", Role.PLATFORM)
ALICE = Actor("k2", "alice", Role.REVIEWER)
BOB = Actor("k3", "bob", Role.REVIEWER)
AUDITOR = Actor("k4", "eve", Role.AUDITOR)
META = load("meta")


@pytest.fixture
def disabled(db_url: str):  # type: ignore[no-untyped-def]
    """An office whose fifth DOI strike under meta disabled it and its linked account."""
    app = make_app(db_url)
    key = make_key(db_url, "platform", "platform")
    posts = [post(f"p{i}", "Glory to Hamas", author="office-fa", followers=5000, days_ago=10 - i) for i in range(1, 6)]
    for p in posts:
        p["author"]["operator"] = "the-office"
    other = post("e1", "good morning", author="office-en", days_ago=20)
    other["author"]["operator"] = "the-office"
    with TestClient(app) as client:
        client.post("/v1/posts?profile=meta", json=[other], headers={"X-API-Key": key})
        decisions = client.post("/v1/posts?profile=meta", json=posts, headers={"X-API-Key": key}).json()
    assert decisions[-1]["account"]["action"] == "disable"
    assert decisions[-1]["linked_accounts"] == [{"id": "office-en", "action": "disable"}]
    return db_url


def _standing(db_url: str, account: str) -> str:
    with db.session(db_url) as s:
        return str(appeals._standing(s, account, META, datetime.now(UTC)).standing.action)


def test_overturning_a_removal_restores_it_removes_the_strike_and_re_enables_both_accounts(disabled: str) -> None:
    with db.session(disabled) as s:
        filed = appeals.file(s, PLATFORM, "content", META, "I only quoted the news", post_id="p5")
    assert filed["status"] == "open" and filed["account_id"] == "office-fa"
    with db.session(disabled) as s:
        appeals.claim(s, filed["id"], ALICE, queue.QueueSettings())
    with db.session(disabled) as s:
        result = appeals.decide(s, filed["id"], ALICE, "overturn", "a quotation", load)
    assert result["account_before"]["action"] == "disable"
    assert result["account_after"]["action"] == "none"  # four DOI strikes left: below the threshold of five
    assert _standing(disabled, "office-en") == "none"  # the linked account follows
    with db.session(disabled) as s:
        from proscribe.store import service as store

        events = store.events_of_post(s, "p5", "meta")
    kinds = [str(e.kind) for e in events]
    assert kinds[-3:] == ["appeal", "reversal", "appeal"]
    assert events[-2].actor == "reviewer:alice" and events[-2].payload["post_id"] == "p5"


def test_an_account_appeal_lifts_the_action_but_keeps_the_strikes(disabled: str) -> None:
    with db.session(disabled) as s:
        filed = appeals.file(s, PLATFORM, "account", META, "this is a government office", account_id="office-fa")
    assert filed["event_id"] is not None and filed["target"].startswith("office-fa#")
    with db.session(disabled) as s:
        appeals.claim(s, filed["id"], BOB, queue.QueueSettings())
        result = appeals.decide(s, filed["id"], BOB, "overturn", "mistaken identity", load)
    assert (result["account_before"]["action"], result["account_after"]["action"]) == ("disable", "none")
    with db.session(disabled) as s:
        from proscribe.ledger import state
        from proscribe.store import ledger as ledger_store

        st = state.account_state(ledger_store.events_for(s, ["office-fa", "office-en"], "meta"), "office-fa", META, datetime.now(UTC))
    assert st.active_strikes == 5


def test_upholding_changes_nothing_but_is_recorded(disabled: str) -> None:
    with db.session(disabled) as s:
        filed = appeals.file(s, PLATFORM, "content", META, "", post_id="p3")
        appeals.claim(s, filed["id"], ALICE, queue.QueueSettings())
        result = appeals.decide(s, filed["id"], ALICE, "uphold", "clear praise", load)
    assert result["outcome"] == "uphold" and result["account_after"]["action"] == "disable"


def test_the_reviewer_who_decided_cannot_take_the_appeal(db_url: str) -> None:
    app = make_app(db_url)
    key = make_key(db_url, "platform", "platform")
    with TestClient(app) as client:
        client.post("/v1/posts?profile=meta", json=post("p1", "perhaps praise Hamas"), headers={"X-API-Key": key})
    with db.session(db_url) as s:
        queue.sync(s, queue.QueueSettings())
        item = queue.items(s)[0]["id"]
        queue.claim(s, item, ALICE, queue.QueueSettings())
        queue.decide(s, item, ALICE, "confirm", "praise of the group", profiles=load, tiers_for=lambda p: {})
        filed = appeals.file(s, PLATFORM, "content", META, "no", post_id="p1")
    assert filed["excluded"] == ["reviewer:alice"]
    with db.session(db_url) as s, pytest.raises(Forbidden, match="different reviewer"):
        appeals.claim(s, filed["id"], ALICE, queue.QueueSettings())
    with db.session(db_url) as s:
        assert appeals.claim(s, filed["id"], BOB, queue.QueueSettings())["claimed_by"] == "reviewer:bob"


def test_what_cannot_be_appealed(disabled: str) -> None:
    with db.session(disabled) as s, pytest.raises(Conflict, match="nothing to appeal: post e1 is allow"):
        appeals.file(s, PLATFORM, "content", META, "", post_id="e1")
    with db.session(disabled) as s, pytest.raises(Invalid, match="post_id is required"):
        appeals.file(s, PLATFORM, "content", META, "")
    with db.session(disabled) as s, pytest.raises(Forbidden, match="auditor"):
        appeals.file(s, AUDITOR, "content", META, "", post_id="p1")
    with db.session(disabled) as s, pytest.raises(Conflict, match="no account action in force"):
        appeals.file(s, PLATFORM, "account", META, "", account_id="nobody")
    with db.session(disabled) as s:
        filed = appeals.file(s, PLATFORM, "content", META, "", post_id="p2")
        with pytest.raises(Conflict, match="claim appeal"):
            appeals.decide(s, filed["id"], ALICE, "overturn", "x", load)
        appeals.claim(s, filed["id"], ALICE, queue.QueueSettings())
        with pytest.raises(Invalid, match="reason is required"):
            appeals.decide(s, filed["id"], ALICE, "overturn", "  ", load)
        with pytest.raises(Invalid, match="uphold or overturn"):
            appeals.decide(s, filed["id"], ALICE, "maybe", "x", load)
