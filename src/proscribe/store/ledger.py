"""Ledger tables (events, decisions, accounts, links, posts) and the queries over them.

The `moderation_events` table is the one truth of enforcement: account state is
derived from it (proscribe.ledger.state). `decisions` holds each decision's
output line once per (post, profile): its unique constraint is what makes a
scan idempotent and keeps two processes from deciding a post twice.
`accounts` keeps each author's attributes as last seen; `posts` keeps the
original JSON so reviewers can read the post later.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from proscribe.model import EventKind, ModerationEvent, Post
from proscribe.policy.decide import PolicyOutcome
from proscribe.store.db import metadata

__all__ = ["IntegrityError"]

Id = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid

moderation_events = Table(
    "moderation_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("account_id", String(512), nullable=False),
    Column("profile", String(128), nullable=False),
    Column("post_id", String(512), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_moderation_events_account_profile", "account_id", "profile"),
    Index("ix_moderation_events_post", "post_id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("post_id", String(512), nullable=False),
    Column("profile", String(128), nullable=False),
    Column("account_id", String(512), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),  # the decision's clock
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("action", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("violation", Boolean, nullable=False),
    Column("strike", Boolean, nullable=False),
    Column("decision", Text, nullable=False),  # the output line, byte for byte
    UniqueConstraint("post_id", "profile", name="uq_decisions_post_id_profile"),
    Index("ix_decisions_account_profile", "account_id", "profile"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("handle", String(512), nullable=True),
    Column("display_name", Text, nullable=True),
    Column("operator", String(512), nullable=True, index=True),
    Column("attributes", JSON, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("lock_seq", Integer, nullable=False, default=0),
)

account_links = Table(
    "account_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("a", String(512), nullable=False),
    Column("b", String(512), nullable=False),
    Column("note", Text, nullable=True),
    Column("actor", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("a", "b", name="uq_account_links_a_b"),
    Index("ix_account_links_b", "b"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("account_id", String(512), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=True),
    Column("original", Text, nullable=False),  # the input line's JSON object
    Column("first_seen", DateTime(timezone=True), nullable=False),
)


# Statements of the per-decision hot path, built once (bound parameters filled in per call).
_LOCK = update(accounts).where(accounts.c.id == bindparam("account")).values(lock_seq=accounts.c.lock_seq + 1)
_STORED = select(decisions.c.post_id, decisions.c.decision).where(
    decisions.c.profile == bindparam("profile"), decisions.c.post_id.in_(bindparam("ids", expanding=True))
)
_OPERATOR = select(accounts.c.operator).where(accounts.c.id == bindparam("current")).scalar_subquery()
_NEIGHBOURS = union_all(
    select(accounts.c.id, accounts.c.operator).where(accounts.c.operator == _OPERATOR, accounts.c.id != bindparam("current")),
    select(account_links.c.b, literal(None, String)).where(account_links.c.a == bindparam("current")),
    select(account_links.c.a, literal(None, String)).where(account_links.c.b == bindparam("current")),
)
_EVENTS = (
    select(moderation_events)
    .where(moderation_events.c.profile == bindparam("profile"), moderation_events.c.account_id.in_(bindparam("ids", expanding=True)))
    .order_by(moderation_events.c.at, moderation_events.c.id)
)


def utc(value: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes that were stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _insert(session: Session, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _account_attributes(post: Post) -> dict[str, Any]:
    a = post.author
    attrs = {
        "id": a.id,
        "handle": a.handle,
        "display_name": a.display_name,
        "bio": a.bio,
        "followers": a.followers,
        "country": a.country,
        "role": a.role,
        "operator": a.operator,
        "platform": post.platform,
    }
    attrs.update({k: v for k, v in a.extra.items() if k not in attrs})
    return {k: v for k, v in attrs.items() if v is not None}


def ingest(session: Session, items: Sequence[tuple[Post, dict[str, Any]]], seen: datetime) -> None:
    """Keep the posts' original JSON (first seen wins) and their authors' latest attributes."""
    if not items:
        return
    now = _now()
    post_rows = {}
    for post, original in items:
        post_rows.setdefault(
            post.id,
            {
                "id": post.id,
                "account_id": post.author.id,
                "created_at": utc(post.created_at) if post.created_at else None,
                "original": json.dumps(original, ensure_ascii=False, sort_keys=False),
                "first_seen": now,
            },
        )
    stmt = _insert(session, posts)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]), list(post_rows.values()))

    latest: dict[str, dict[str, Any]] = {}
    for post, _ in items:
        when = utc(post.created_at) if post.created_at else utc(seen)
        current = latest.get(post.author.id)
        if current is None or current["seen_at"] <= when:
            attrs = _account_attributes(post)
            latest[post.author.id] = {
                "id": post.author.id,
                "handle": post.author.handle,
                "display_name": post.author.display_name,
                "operator": post.author.operator,
                "attributes": attrs,
                "seen_at": when,
                "updated_at": now,
                "lock_seq": 0,
            }
    stmt = _insert(session, accounts)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "handle": stmt.excluded.handle,
            "display_name": stmt.excluded.display_name,
            "operator": stmt.excluded.operator,
            "attributes": stmt.excluded.attributes,
            "seen_at": stmt.excluded.seen_at,
            "updated_at": stmt.excluded.updated_at,
        },
        where=accounts.c.seen_at <= stmt.excluded.seen_at,
    )
    # Sorted, so that two processes ingesting the same accounts lock rows in the same order.
    session.execute(stmt, [latest[k] for k in sorted(latest)])


def lock_account(session: Session, account_id: str) -> None:
    """Take the account's write lock for the rest of the transaction.

    A write as the transaction's first statement: on PostgreSQL it locks the
    account's row; on SQLite it takes the database's write lock, so what the
    transaction reads next cannot change under it.
    """
    result = session.execute(_LOCK, {"account": account_id})
    if result.rowcount == 0:  # type: ignore[attr-defined]
        now = _now()
        session.execute(
            _insert(session, accounts).on_conflict_do_nothing(index_elements=["id"]),
            [{"id": account_id, "attributes": {"id": account_id}, "seen_at": now, "updated_at": now, "lock_seq": 1}],
        )


def stored_decisions(session: Session, post_ids: Iterable[str], profile: str) -> dict[str, str]:
    """The stored output lines of the posts already decided under `profile`."""
    ids = list(dict.fromkeys(post_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(_STORED, {"profile": profile, "ids": chunk})
        found.update({post_id: line for post_id, line in rows})
    return found


def stored_decision(session: Session, post_id: str, profile: str) -> str | None:
    return stored_decisions(session, [post_id], profile).get(post_id)


def linked_accounts(session: Session, account_id: str, limit: int = 1000) -> list[tuple[str, str]]:
    """Accounts linked to `account_id`, directly or through others: (id, via) pairs, sorted.

    Two accounts are linked when they share `author.operator` (as last seen)
    or when someone linked them (`proscribe accounts link`).
    """
    seen = {account_id: ""}
    queue = deque([account_id])
    while queue and len(seen) < limit:
        current = queue.popleft()
        # One round trip a node: same operator (as last seen), or a link either way.
        for other, operator in session.execute(_NEIGHBOURS, {"current": current}):
            if other not in seen:
                seen[other] = f"operator {operator}" if operator is not None else "link"
                queue.append(other)
    return sorted((k, v) for k, v in seen.items() if k != account_id)


def link(session: Session, a: str, b: str, actor: str = "cli", note: str | None = None) -> bool:
    """Link two accounts (order does not matter); False when they were linked already."""
    if a == b:
        raise ValueError("an account cannot be linked to itself")
    first, second = sorted((a, b))
    result = session.execute(
        _insert(session, account_links)
        .values(a=first, b=second, note=note, actor=actor, created_at=_now())
        .on_conflict_do_nothing(index_elements=["a", "b"])
        .returning(account_links.c.id)  # rowcount is not reliable here on PostgreSQL
    )
    return result.first() is not None


def _event(row: Any) -> ModerationEvent:
    return ModerationEvent(
        kind=EventKind(row.kind),
        account_id=row.account_id,
        at=utc(row.at),
        profile=row.profile,
        post_id=row.post_id,
        payload=dict(row.payload or {}),
        actor=row.actor,
        id=row.id,
    )


def events_for(session: Session, account_ids: Iterable[str], profile: str) -> list[ModerationEvent]:
    """The accounts' events under `profile`, and reversals of their posts, in log order."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    return [_event(r) for r in session.execute(_EVENTS, {"profile": profile, "ids": ids})]


def all_events(session: Session, account_id: str | None = None) -> list[ModerationEvent]:
    """Every event (of one account, or all), in log order: for audits and exports."""
    query = select(moderation_events).order_by(moderation_events.c.at, moderation_events.c.id)
    if account_id is not None:
        query = query.where(moderation_events.c.account_id == account_id)
    return [_event(r) for r in session.execute(query)]


def append_event(session: Session, event: ModerationEvent) -> int:
    """Append one event to the log (reviews, appeals, reversals, manual actions); returns its id."""
    result = session.execute(
        moderation_events.insert().values(
            kind=str(event.kind),
            account_id=event.account_id,
            profile=event.profile,
            post_id=event.post_id,
            at=utc(event.at),
            payload=event.payload,
            actor=event.actor,
            recorded_at=_now(),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def record(session: Session, outcome: PolicyOutcome, line: str) -> None:
    """Store a decision and the events it implies (the caller's transaction makes them one).

    Raises IntegrityError when the post was already decided under the profile.
    """
    d = outcome.decision
    now = _now()
    decided_at = outcome.events[0].at if outcome.events else now
    session.execute(
        decisions.insert().values(
            post_id=d.post_id,
            profile=d.profile,
            account_id=d.account.id,
            decided_at=utc(decided_at),
            recorded_at=now,
            action=str(d.action),
            category=str(d.category),
            violation=d.violation,
            strike=d.strike,
            decision=line,
        )
    )
    if outcome.events:
        session.execute(
            moderation_events.insert(),
            [
                {
                    "kind": str(e.kind),
                    "account_id": e.account_id,
                    "profile": e.profile,
                    "post_id": e.post_id,
                    "at": utc(e.at),
                    "payload": e.payload,
                    "actor": e.actor,
                    "recorded_at": now,
                }
                for e in outcome.events
            ],
        )


def account(session: Session, account_id: str) -> dict[str, Any] | None:
    """The account's attributes as last seen, or None when it was never seen."""
    row = session.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        return None
    return {"id": row.id, "attributes": dict(row.attributes or {}), "seen_at": utc(row.seen_at), "operator": row.operator}


def profiles_of(session: Session, account_id: str) -> list[str]:
    """The profiles the account has events under."""
    rows = session.execute(
        select(moderation_events.c.profile).where(moderation_events.c.account_id == account_id).distinct()
    )
    return sorted(r for (r,) in rows)


def post(session: Session, post_id: str) -> dict[str, Any] | None:
    """A stored post's original JSON."""
    row = session.execute(select(posts.c.original).where(posts.c.id == post_id)).first()
    return json.loads(row[0]) if row else None


def decisions_of(session: Session, account_id: str, profile: str | None = None) -> list[dict[str, Any]]:
    query = select(decisions.c.decision).where(decisions.c.account_id == account_id).order_by(decisions.c.decided_at, decisions.c.id)
    if profile:
        query = query.where(decisions.c.profile == profile)
    return [json.loads(line) for (line,) in session.execute(query)]


def count_decisions(session: Session, profile: str | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(decisions)
    if profile:
        query = query.where(decisions.c.profile == profile)
    return int(session.execute(query).scalar() or 0)

