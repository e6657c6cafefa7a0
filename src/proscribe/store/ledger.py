"""Ledger tables (events, decisions, accounts, links, posts) and the queries over them.

The `moderation_events` table is the one truth of enforcement: account state is
derived from it (proscribe.ledger.state). `decisions` holds each decision's
output line once per (post, profile): its unique constraint is what makes a
scan idempotent and keeps two processes from deciding a post twice.
`accounts` keeps each author's attributes as last seen; `posts` keeps the
original JSON so reviewers can read the post later. A post id names one post:
once stored, a post is never replaced, and a post sent under a stored id with
another author or text is refused (`ingest`, `differing_posts`).
"""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Hashable, Iterable, Sequence

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
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Connection
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
    # Serves reads by account and profile too (its first two columns), so it replaces that index.
    Index("ix_moderation_events_account_profile_kind", "account_id", "profile", "kind"),
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
_KEPT = select(posts.c.id, posts.c.account_id, posts.c.original).where(posts.c.id.in_(bindparam("ids", expanding=True)))
_LOCK = update(accounts).where(accounts.c.id == bindparam("account")).values(lock_seq=accounts.c.lock_seq + 1)
_STORED = select(decisions.c.post_id, decisions.c.decision).where(
    decisions.c.profile == bindparam("profile"), decisions.c.post_id.in_(bindparam("ids", expanding=True))
)
_EVENT_COLUMNS = (
    moderation_events.c.id,
    moderation_events.c.kind,
    moderation_events.c.account_id,
    moderation_events.c.profile,
    moderation_events.c.post_id,
    moderation_events.c.at,
    moderation_events.c.payload,
    moderation_events.c.actor,
)
# The history read of every decision: times and payloads come back raw and are read below
# (SQLite's text), which costs a fraction of the generic DateTime and JSON result processing.
_EVENTS = (
    select(
        *(c for c in _EVENT_COLUMNS if c.name not in ("at", "payload")),
        type_coerce(moderation_events.c.at, String).label("at"),
        type_coerce(moderation_events.c.payload, Text).label("payload"),
    )
    .where(moderation_events.c.profile == bindparam("profile"), moderation_events.c.account_id.in_(bindparam("ids", expanding=True)))
    .order_by(moderation_events.c.at, moderation_events.c.id)
)
_EVENTS_OF_KINDS = _EVENTS.where(moderation_events.c.kind.in_(bindparam("kinds", expanding=True)))
_LOCK_MANY = (
    update(accounts).where(accounts.c.id.in_(bindparam("ids", expanding=True))).values(lock_seq=accounts.c.lock_seq + 1)
)
_LOCK_MANY_PG = (
    select(accounts.c.id).where(accounts.c.id.in_(bindparam("ids", expanding=True))).order_by(accounts.c.id).with_for_update()
)
# One round trip a step of the walk over links, for every account of the step at once: the
# members of their operators' groups (as last seen), and the links made by hand either way,
# of those accounts and of every member of those groups (so a group is walked in one step).
_GROUPS = select(accounts.c.operator).where(accounts.c.id.in_(bindparam("grouped", expanding=True)), accounts.c.operator.is_not(None))
_MATES = select(accounts.c.id).where(accounts.c.operator.in_(_GROUPS))
_GRAPH = union_all(
    select(literal("o", String).label("kind"), accounts.c.id.label("x"), accounts.c.operator.label("y")).where(
        accounts.c.operator.in_(_GROUPS)
    ),
    select(literal("l", String), account_links.c.a, account_links.c.b).where(
        or_(
            account_links.c.a.in_(bindparam("linked", expanding=True)),
            account_links.c.b.in_(bindparam("linked", expanding=True)),
            account_links.c.a.in_(_MATES),
            account_links.c.b.in_(_MATES),
        )
    ),
)
# Large IN lists are sent in chunks: SQLite and PostgreSQL both limit bound parameters a statement.
CHUNK = 500


def utc(value: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes that were stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


# The hot-path functions take an ORM Session or a Core Connection (lighter, for one decision a transaction).
Db = Session | Connection


def _dialect(session: Db) -> str:
    return session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name


def _insert(session: Db, table: Table) -> Any:
    if _dialect(session) == "postgresql":
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


def ingest(
    session: Db, items: Sequence[tuple[Post, dict[str, Any]]], seen: datetime, groups: Sequence[Hashable] | None = None
) -> list[str | None]:
    """Keep the posts' original JSON (first seen wins) and their authors' latest attributes.

    A post id names one post. An item whose id is stored already, or taken by
    an earlier item that is kept, with another author id or another text is
    refused: for each item, None, or what differs ("another author.id",
    "another text", "another author.id and text"). Nothing is written for a
    refused item: its post is not stored and its author's attributes are left
    as they were.

    `groups` (one key an item) makes items stand or fall together, as the
    posts of one request do: a group with a refused item is refused whole, its
    other items get None and their ids are taken by no one. Rows its items
    wrote are still in the transaction: a caller that passes groups rolls back
    when any item is refused, and runs again without those groups (which then
    keeps every item).

    The posts are written before they are compared, so two writers sending
    the same new id at once agree on which post it names: the second waits
    for the first's row (PostgreSQL) or write lock (SQLite), and then finds it.
    """
    if not items:
        return []
    now = _now()
    post_rows = {}
    for post, original in items:
        if post.id not in post_rows:
            post_rows[post.id] = {
                "id": post.id,
                "account_id": post.author.id,
                "created_at": utc(post.created_at) if post.created_at else None,
                "original": json.dumps(original, ensure_ascii=False, sort_keys=False),
                "first_seen": now,
            }
    dialect = _dialect(session)
    written = set(session.execute(_ingest_statements(dialect)[0], list(post_rows.values())).scalars())
    # Only the ids stored before name a post already; in the usual case every post is new and nothing is read.
    refused, kept = _first_post_wins(items, _stored_posts(session, [i for i in post_rows if i not in written]), groups)

    latest: dict[str, dict[str, Any]] = {}
    for (post, _), keep in zip(items, kept, strict=True):
        if not keep:
            continue
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
    if latest:
        # Sorted, so that two processes ingesting the same accounts lock rows in the same order.
        session.execute(_ingest_statements(dialect)[1], [latest[k] for k in sorted(latest)])
    return refused


def _first_post_wins(
    items: Sequence[tuple[Post, Any]], stored: dict[str, tuple[str, str | None]], groups: Sequence[Hashable] | None
) -> tuple[list[str | None], list[bool]]:
    """What differs for each item (None: nothing), and whether it is kept (its group has no refused item)."""
    names = dict(stored)  # post id -> (author id, text) of the post it names
    refused: list[str | None] = [None] * len(items)
    kept = [False] * len(items)
    members: dict[Hashable, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(groups[i] if groups is not None else i, []).append(i)
    for indices in members.values():
        claims: dict[str, tuple[str, str | None]] = {}
        for i in indices:
            post = items[i][0]
            named = claims.get(post.id) or names.get(post.id)
            if named is None:
                claims[post.id] = (post.author.id, post.text)
            else:
                refused[i] = _difference(post, *named)
        if not any(refused[i] for i in indices):
            names.update(claims)
            for i in indices:
                kept[i] = True
    return refused, kept


def _stored_posts(session: Db, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """The author id and text of the posts stored under `ids` (the text None when the stored JSON has none)."""
    out: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(ids), CHUNK):
        for post_id, account_id, original in session.execute(_KEPT, {"ids": list(ids[start : start + CHUNK])}):
            try:
                stored = json.loads(original)
            except (ValueError, RecursionError):
                stored = None
            text = stored.get("text") if isinstance(stored, dict) else None
            out[post_id] = (account_id, text if isinstance(text, str) else None)
    return out


def differing_posts(session: Db, items: Sequence[Post]) -> list[str | None]:
    """For each post, what differs from the post stored under its id (None: the same post, or none stored).

    Only the author id and the text make a post another post; its other fields
    (time, followers, handle...) may change between sendings.
    """
    stored = _stored_posts(session, list(dict.fromkeys(post.id for post in items)))
    return [_difference(post, *stored[post.id]) if post.id in stored else None for post in items]


def _difference(post: Post, account_id: str, text: str | None) -> str | None:
    what = []
    if account_id != post.author.id:
        what.append("author.id")
    if text is not None and text != post.text:
        what.append("text")
    return "another " + " and ".join(what) if what else None


@lru_cache(maxsize=4)
def _ingest_statements(dialect: str) -> tuple[Any, Any]:
    """The two upserts of `ingest`, built once a dialect (building them costs more than running them)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # The ids it wrote come back: the others were stored before (see `ingest`).
    keep_posts = insert(posts).on_conflict_do_nothing(index_elements=["id"]).returning(posts.c.id)
    stmt = insert(accounts)
    latest_accounts = stmt.on_conflict_do_update(
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
    return keep_posts, latest_accounts


def lock_account(session: Db, account_id: str) -> None:
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


def lock_accounts(session: Db, account_ids: Iterable[str]) -> None:
    """Take several accounts' write locks for the rest of the transaction (see lock_account).

    On PostgreSQL the rows are locked in id order, so two writers locking
    overlapping sets wait for each other instead of deadlocking; on SQLite the
    first write takes the database's write lock. Accounts never seen get a row.
    """
    ids = sorted(set(account_ids))
    if not ids:
        return
    if _dialect(session) == "postgresql":
        found: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            found.update(session.scalars(_LOCK_MANY_PG, {"ids": ids[start : start + CHUNK]}))
        missing = [i for i in ids if i not in found]
        if missing:
            _add_accounts(session, missing)
            session.execute(_LOCK_MANY_PG, {"ids": missing})
        return
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += session.execute(_LOCK_MANY, {"ids": ids[start : start + CHUNK]}).rowcount  # type: ignore[attr-defined]
    if changed < len(ids):
        _add_accounts(session, ids)


def _add_accounts(session: Db, ids: Sequence[str]) -> None:
    now = _now()
    session.execute(
        _insert(session, accounts).on_conflict_do_nothing(index_elements=["id"]),
        [{"id": i, "attributes": {"id": i}, "seen_at": now, "updated_at": now, "lock_seq": 1} for i in ids],
    )


def stored_decisions(session: Db, post_ids: Iterable[str], profile: str) -> dict[str, str]:
    """The stored output lines of the posts already decided under `profile`."""
    ids = list(dict.fromkeys(post_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(_STORED, {"profile": profile, "ids": chunk})
        found.update({post_id: line for post_id, line in rows})
    return found


def stored_decision(session: Db, post_id: str, profile: str) -> str | None:
    return stored_decisions(session, [post_id], profile).get(post_id)


def linked_accounts(session: Db, account_id: str, limit: int = 1000) -> list[tuple[str, str]]:
    """Accounts linked to `account_id`, directly or through others: (id, via) pairs, sorted.

    Two accounts are linked when they share `author.operator` (as last seen)
    or when someone linked them (`proscribe accounts link`).
    """
    return linked_accounts_many(session, [account_id], limit)[account_id]


class _Graph:
    """The part of the link graph read so far: operator groups and hand-made links."""

    def __init__(self) -> None:
        self.operator: dict[str, str | None] = {}  # account -> its operator (None: none, or never seen)
        self.members: dict[str, list[str]] = {}  # operator -> its accounts, sorted
        self.links: dict[str, tuple[set[str], set[str]]] = {}  # account -> (linked as a, linked as b)
        self.read: set[str] = set()  # accounts whose links have all been read (others may have some, seen from the other end)

    def load(self, session: Db, need: set[str]) -> None:
        grouped = sorted(a for a in need if a not in self.operator)
        linked = sorted(a for a in need if a not in self.read)
        found_groups: dict[str, list[str]] = {}
        for start in range(0, max(len(grouped), len(linked)), CHUNK):
            g, lk = grouped[start : start + CHUNK], linked[start : start + CHUNK]
            for kind, x, y in session.execute(_GRAPH, {"grouped": g, "linked": lk}):
                if kind == "o":
                    found_groups.setdefault(y, []).append(x)
                else:
                    self.links.setdefault(x, (set(), set()))[0].add(y)
                    self.links.setdefault(y, (set(), set()))[1].add(x)
        for operator, ids in found_groups.items():
            self.members[operator] = sorted(set(ids))
            for member in ids:
                self.operator[member] = operator
                self.read.add(member)  # the step read the links of the whole group
        for a in grouped:
            self.operator.setdefault(a, None)
        self.read.update(linked)

    def neighbours(self, current: str) -> list[tuple[str, str]] | None:
        """(account, via) in the order the walk takes them, or None when not read yet."""
        if current not in self.operator or current not in self.read:
            return None
        out: list[tuple[str, str]] = []
        operator = self.operator[current]
        if operator is not None:
            out.extend((other, f"operator {operator}") for other in self.members[operator] if other != current)
        as_a, as_b = self.links.get(current, (set(), set()))
        out.extend((other, "link") for other in sorted(as_a))
        out.extend((other, "link") for other in sorted(as_b))
        return out

    def walk(self, root: str, limit: int) -> tuple[list[tuple[str, str]] | None, set[str]]:
        """A breadth-first walk from `root`: its linked accounts, or None and the accounts still to read."""
        seen = {root: ""}
        queue = deque([root])
        while queue and len(seen) < limit:
            current = queue.popleft()
            found = self.neighbours(current)
            if found is None:
                return None, {current, *queue}
            for other, via in found:
                if other not in seen:
                    seen[other] = via
                    queue.append(other)
        return sorted((k, v) for k, v in seen.items() if k != root), set()


def linked_accounts_many(session: Db, account_ids: Iterable[str], limit: int = 1000) -> dict[str, list[tuple[str, str]]]:
    """`linked_accounts` of several accounts, reading the graph a step at a time for all of them together."""
    graph = _Graph()
    todo = sorted(set(account_ids))
    out: dict[str, list[tuple[str, str]]] = {}
    while todo:
        need: set[str] = set()
        waiting = []
        for root in todo:
            found, missing = graph.walk(root, limit)
            if found is None:
                need |= missing
                waiting.append(root)
            else:
                out[root] = found
        if need:
            graph.load(session, need)
        todo = waiting
    return out


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


_KINDS = {str(k): k for k in EventKind}


def _event(row: Any) -> ModerationEvent:
    at = row.at
    if isinstance(at, str):  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
        at = datetime.fromisoformat(at)
    payload = row.payload
    if isinstance(payload, (str, bytes)):
        payload = json.loads(payload)
    return ModerationEvent(
        kind=_KINDS.get(row.kind) or EventKind(row.kind),
        account_id=row.account_id,
        at=at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC),
        profile=row.profile,
        post_id=row.post_id,
        payload=dict(payload or {}),
        actor=row.actor,
        id=row.id,
    )


def events_for(
    session: Db, account_ids: Iterable[str], profile: str, kinds: Iterable[EventKind] | None = None
) -> list[ModerationEvent]:
    """The accounts' events under `profile` (only those of `kinds` when given), in log order."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    query, params = _EVENTS, {"profile": profile}
    if kinds is not None:
        query, params = _EVENTS_OF_KINDS, {"profile": profile, "kinds": sorted(str(k) for k in kinds)}
    if len(ids) <= CHUNK:
        return [_event(r) for r in session.execute(query, {**params, "ids": ids}).all()]
    out: list[ModerationEvent] = []
    for start in range(0, len(ids), CHUNK):
        out.extend(_event(r) for r in session.execute(query, {**params, "ids": ids[start : start + CHUNK]}).all())
    out.sort(key=lambda e: (e.at, e.id))
    return out


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


def record(session: Db, outcome: PolicyOutcome, line: str) -> None:
    """Store a decision and the events it implies (the caller's transaction makes them one).

    Raises IntegrityError when the post was already decided under the profile.
    """
    record_many(session, [(outcome, line)])


def record_many(session: Db, decided: Sequence[tuple[PolicyOutcome, str]]) -> None:
    """Store several decisions and their events with one statement for each table, in the caller's transaction.

    Events go in in the order given, so their ids keep the order they were decided in.
    Raises IntegrityError when a post was already decided under its profile.
    """
    if not decided:
        return
    now = _now()
    rows = []
    events: list[dict[str, Any]] = []
    for outcome, line in decided:
        d = outcome.decision
        decided_at = utc(outcome.events[0].at) if outcome.events else now
        rows.append(
            {
                "post_id": d.post_id,
                "profile": d.profile,
                "account_id": d.account.id,
                "decided_at": decided_at,
                "recorded_at": now,
                "action": str(d.action),
                "category": str(d.category),
                "violation": d.violation,
                "strike": d.strike,
                "decision": line,
            }
        )
        events.extend(
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
        )
    session.execute(decisions.insert(), rows)
    if events:
        session.execute(moderation_events.insert(), events)


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

