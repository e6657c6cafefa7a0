"""The ledger's tables on SQLite and PostgreSQL: links, events, idempotency, attributes as last seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proscribe.model import Account, Assessment, Category, EventKind, ModerationEvent, Post
from proscribe.policy import AccountHistory, decide, load
from proscribe.store import db
from proscribe.store import ledger as store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _post(post_id: str, author: str, at: datetime, **fields) -> Post:  # type: ignore[no-untyped-def]
    return Post(post_id, "text", Account(author, **fields), at)


def test_links_by_operator_and_by_hand_are_transitive(db_url: str) -> None:
    with db.session(db_url) as s:
        store.ingest(s, [(_post("p1", "fa", T0, operator="office"), {}), (_post("p2", "en", T0, operator="office"), {}), (_post("p3", "x", T0), {})], T0)
        assert store.link(s, "x", "en", note="same office on X")
        assert not store.link(s, "en", "x")  # already linked, either order
    with db.session(db_url) as s:
        assert store.linked_accounts(s, "fa") == [("en", "operator office"), ("x", "link")]
        assert store.linked_accounts(s, "x") == [("en", "link"), ("fa", "operator office")]
    with pytest.raises(ValueError):
        with db.session(db_url) as s:
            store.link(s, "fa", "fa")


def test_attributes_as_last_seen_by_post_time(db_url: str) -> None:
    with db.session(db_url) as s:
        store.ingest(s, [(_post("new", "a1", T0 + timedelta(days=5), followers=900), {})], T0)
    with db.session(db_url) as s:  # an older post seen later does not overwrite newer attributes
        store.ingest(s, [(_post("old", "a1", T0, followers=10, operator="o"), {"id": "old"})], T0)
    with db.session(db_url) as s:
        account = store.account(s, "a1")
        assert account is not None and account["attributes"]["followers"] == 900
        assert store.post(s, "old") == {"id": "old"}


def test_events_round_trip_with_aware_times(db_url: str) -> None:
    event = ModerationEvent(EventKind.ACCOUNT_ACTION, "a1", T0 + timedelta(hours=3), "meta", None, {"action": "suspend", "basis": "manual", "note": "ß"}, "admin@example.org")
    with db.session(db_url) as s:
        event_id = store.append_event(s, event)
    with db.session(db_url) as s:
        (stored,) = store.events_for(s, ["a1"], "meta")
    assert stored.id == event_id and stored.at == event.at and stored.at.tzinfo is not None
    assert stored.payload == event.payload and stored.actor == "admin@example.org"


def test_a_post_is_decided_once_per_profile(db_url: str) -> None:
    meta = load("meta")
    post = _post("p1", "a1", T0)
    outcome = decide(Assessment("p1", Category.NONE, None, 0.9), post, AccountHistory("a1"), None, meta, T0)
    with db.session(db_url) as s:
        store.record(s, outcome, '{"first": true}')
    with pytest.raises(store.IntegrityError):
        with db.session(db_url) as s:
            store.record(s, outcome, '{"second": true}')
    with db.session(db_url) as s:
        assert store.stored_decision(s, "p1", "meta") == '{"first": true}'
        assert store.stored_decision(s, "p1", "x") is None
        # The failed second write left no events behind: one transaction.
        assert [e.kind for e in store.events_for(s, ["a1"], "meta")] == [EventKind.DECISION]


def test_linked_accounts_of_many_accounts_read_together_match_one_by_one(db_url: str) -> None:
    # Two operator groups joined by a hand-made link, a chain of links, and accounts on their own.
    people = [("g1", "north"), ("g2", "north"), ("g3", "north"), ("h1", "south"), ("h2", "south"), ("c1", None), ("c2", None), ("c3", None), ("solo", None)]
    with db.session(db_url) as s:
        store.ingest(s, [(_post(f"p-{a}", a, T0, operator=op), {}) for a, op in people], T0)
        store.link(s, "g3", "h1")
        store.link(s, "c1", "c2")
        store.link(s, "c3", "c2")
        store.link(s, "c3", "g1")
    ids = [a for a, _ in people] + ["never-seen"]
    with db.session(db_url) as s:
        together = store.linked_accounts_many(s, ids)
        one_by_one = {a: store.linked_accounts(s, a) for a in ids}
    assert together == one_by_one
    assert together["solo"] == [] and together["never-seen"] == []
    assert dict(together["c1"]) == {"c2": "link", "c3": "link", "g1": "link", "g2": "operator north", "g3": "operator north", "h1": "link", "h2": "operator south"}
    with db.session(db_url) as s:  # a walk stops once it has found `limit` accounts
        assert len(store.linked_accounts_many(s, ["c1"], limit=3)["c1"]) < 7


def test_events_of_some_kinds_only(db_url: str) -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    kinds = [EventKind.DECISION, EventKind.STRIKE, EventKind.REVIEW, EventKind.REVERSAL, EventKind.DECISION]
    with db.session(db_url) as s:
        for i, kind in enumerate(kinds):
            store.append_event(s, ModerationEvent(kind, "a1", at + timedelta(minutes=i), "meta", f"p{i}", {}, "cli"))
        store.append_event(s, ModerationEvent(EventKind.STRIKE, "a1", at, "x", "p9", {}, "cli"))  # another profile
        s.commit()
    with db.session(db_url) as s:
        every = store.events_for(s, ["a1"], "meta")
        some = store.events_for(s, ["a1"], "meta", kinds={EventKind.STRIKE, EventKind.REVERSAL})
        assert [e.kind for e in every] == kinds
        assert [(e.kind, e.post_id) for e in some] == [(EventKind.STRIKE, "p1"), (EventKind.REVERSAL, "p3")]
        assert store.events_for(s, ["a1"], "meta", kinds=()) == []


def _said(post: Post) -> dict:  # type: ignore[type-arg]
    return {"id": post.id, "text": post.text, "author": {"id": post.author.id}}


def test_a_post_id_names_one_post_ingest_refuses_another_author_or_text(db_url: str) -> None:
    first = _post("p1", "a1", T0, followers=10)
    with db.session(db_url) as s:
        assert store.ingest(s, [(first, _said(first))], T0) == [None]
    again = _post("p1", "a1", T0 + timedelta(days=1), followers=20)  # the same post: time and attributes may change
    other_author = _post("p1", "a2", T0, operator="o")
    other_text = Post("p1", "another text", Account("a1"), T0)
    both = Post("p1", "another text", Account("a3"), T0)
    fresh = _post("p2", "a4", T0)
    items = [(p, _said(p)) for p in (again, other_author, other_text, both, fresh)]
    with db.session(db_url) as s:
        refused = store.ingest(s, items, T0)
    assert refused == [None, "another author.id", "another text", "another author.id and text", None]
    with db.session(db_url) as s:
        assert store.post(s, "p1") == _said(first)  # the first post stays
        assert store.account(s, "a2") is None and store.account(s, "a3") is None  # nothing written for the refused
        assert store.account(s, "a1")["attributes"]["followers"] == 20  # type: ignore[index]
        assert store.post(s, "p2") == _said(fresh)
        # A decision's own check reads the same answers.
        assert store.differing_posts(s, [p for p, _ in items]) == refused


def test_within_one_ingest_the_first_of_two_posts_with_one_id_is_kept(db_url: str) -> None:
    a, b = Post("p1", "one", Account("a1"), T0), Post("p1", "two", Account("a2"), T0)
    with db.session(db_url) as s:
        assert store.ingest(s, [(a, _said(a)), (b, _said(b)), (a, _said(a))], T0) == [None, "another author.id and text", None]
    with db.session(db_url) as s:
        assert store.post(s, "p1") == _said(a) and store.account(s, "a2") is None


def test_two_writers_keeping_one_new_id_for_two_posts_agree_on_the_first(db_url: str) -> None:
    import threading

    a, b = Post("p1", "one", Account("a1"), T0), Post("p1", "two", Account("a2"), T0)
    eng = db.engine(db_url)
    answer: list[list[str | None]] = []

    def second() -> None:
        with eng.begin() as conn:
            answer.append(store.ingest(conn, [(b, _said(b))], T0))

    with eng.begin() as conn:
        assert store.ingest(conn, [(a, _said(a))], T0) == [None]
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # it waits for the first writer's row (PostgreSQL) or write lock (SQLite)
    other.join(timeout=30)
    assert answer == [["another author.id and text"]]
    with db.session(db_url) as s:
        assert store.post(s, "p1") == _said(a) and store.account(s, "a2") is None


def test_posts_kept_in_groups_stand_or_fall_together(db_url: str) -> None:
    stored = Post("old", "stored", Account("a0"), T0)
    with db.session(db_url) as s:
        store.ingest(s, [(stored, _said(stored))], T0)
    # Request 1 reuses "old" for another post, so its new post "p1" is not kept: request 2 may take "p1".
    r1 = [Post("p1", "one", Account("a1"), T0), Post("old", "not the stored one", Account("a1"), T0)]
    r2 = [Post("p1", "two", Account("a2"), T0)]
    r3 = [Post("p1", "three", Account("a3"), T0), Post("p3", "fine", Account("a3"), T0)]
    posts = [*r1, *r2, *r3]
    with pytest.raises(RuntimeError):  # rolled back, as the service does
        with db.session(db_url) as s:
            refused = store.ingest(s, [(p, _said(p)) for p in posts], T0, groups=[1, 1, 2, 3, 3])
            raise RuntimeError
    assert refused == [None, "another author.id and text", None, "another author.id and text", None]
    with db.session(db_url) as s:  # run again without the refused requests: everything is kept
        assert store.ingest(s, [(p, _said(p)) for p in r2], T0, groups=[2]) == [None]
    with db.session(db_url) as s:
        assert store.post(s, "p1") == _said(r2[0]) and store.post(s, "p3") is None
        assert store.account(s, "a1") is None and store.account(s, "a3") is None
