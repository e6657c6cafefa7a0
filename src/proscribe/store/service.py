"""Service tables (API keys, web sessions, audit log, review items, appeals, settings) and the queries over them.

Review items and appeals refer to posts, accounts and ledger events by their
ids only (no foreign keys into the ledger's tables): each part migrates on its
own. Claims are single conditional UPDATEs, so two reviewers can never hold
the same item, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Iterable, Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from proscribe.store.db import metadata

Id = BigInteger().with_variant(Integer(), "sqlite")

api_keys = Table(
    "service_api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),  # the key's public prefix
    Column("name", String(128), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("hash", String(64), nullable=False),  # sha256 of the whole key, hex
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

web_sessions = Table(
    "service_web_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),  # sha256 of the session id the cookie holds, hex
    Column("key_id", String(32), ForeignKey("service_api_keys.key_id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_service_web_sessions_expires_at", "expires_at"),
)

audit_log = Table(
    "service_audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(1024), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_service_audit_log_actor", "actor"),
)

review_items = Table(
    "service_review_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("post_id", String(512), nullable=False),
    Column("profile", String(128), nullable=False),
    Column("account_id", String(512), nullable=False),
    Column("reason", String(32), nullable=False),  # uncertain | high_reach
    Column("status", String(16), nullable=False),  # open | claimed | escalated | closed
    Column("level", Integer, nullable=False, default=0),  # 0: first review; 1: escalated
    Column("category", String(32), nullable=False),
    Column("action", String(32), nullable=False),  # the machine decision's content action
    Column("score", Float, nullable=False),
    Column("followers", BigInteger, nullable=True),
    Column("base_priority", Float, nullable=False),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(256), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(16), nullable=True),  # confirm | overturn
    Column("outcome_reason", Text, nullable=True),
    Column("decided_by", String(256), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("history", JSON, nullable=False),  # every claim, release, escalation and decision
    UniqueConstraint("post_id", "profile", name="uq_service_review_items_post_id_profile"),
    Index("ix_service_review_items_status", "status", "level"),
)

appeals = Table(
    "service_appeals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # content | account
    Column("target", String(1100), nullable=False),  # post id, or "account id#event id"
    Column("profile", String(128), nullable=False),
    Column("post_id", String(512), nullable=True),
    Column("account_id", String(512), nullable=False),
    Column("event_id", BigInteger, nullable=True),  # the account action appealed
    Column("statement", Text, nullable=False),
    Column("filed_by", String(256), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open | claimed | closed
    Column("excluded", JSON, nullable=False),  # reviewers who made the decision appealed
    Column("claimed_by", String(256), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(16), nullable=True),  # uphold | overturn
    Column("outcome_reason", Text, nullable=True),
    Column("decided_by", String(256), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("kind", "target", "profile", name="uq_service_appeals_kind_target_profile"),
    Index("ix_service_appeals_status", "status"),
)

settings = Table(
    "service_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

__all__ = ["IntegrityError"]


def _now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC; SQLite hands back naive datetimes that were stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _insert(session: Session, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _dict(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = utc(value)
    return out


# --- settings ---------------------------------------------------------------------


def setting(session: Session, key: str) -> str | None:
    return session.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def setting_or_create(session: Session, key: str, make: Any) -> str:
    """The stored value of `key`, storing `make()` first when there is none (first writer wins)."""
    value = setting(session, key)
    if value is not None:
        return value
    session.execute(_insert(session, settings).on_conflict_do_nothing(index_elements=["key"]), [{"key": key, "value": make()}])
    value = setting(session, key)
    assert value is not None
    return value


def set_setting(session: Session, key: str, value: str) -> None:
    stmt = _insert(session, settings)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}), [{"key": key, "value": value}])


def session_secret(session: Session) -> str:
    """The secret that signs the web interface's cookies: made once per database."""
    return setting_or_create(session, "session_secret", lambda: secrets.token_urlsafe(48))


# --- API keys ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    id: int
    key_id: str
    name: str
    role: str
    hash: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _key(row: Any) -> KeyRow:
    d = _dict(row)
    return KeyRow(**d)


def add_key(session: Session, key_id: str, name: str, role: str, digest: str, created_by: str) -> KeyRow:
    """Store a new key's hash; raises IntegrityError when the name is taken."""
    session.execute(
        api_keys.insert().values(key_id=key_id, name=name, role=role, hash=digest, created_at=_now(), created_by=created_by)
    )
    found = key_by_id(session, key_id)
    assert found is not None
    return found


_KEY_BY_ID = select(api_keys).where(api_keys.c.key_id == bindparam("key_id"))  # every request's key check: built once


def key_by_id(session: Session | Connection, key_id: str) -> KeyRow | None:
    row = session.execute(_KEY_BY_ID, {"key_id": key_id}).first()
    return _key(row) if row else None


@dataclass(frozen=True)
class KeyCheck:
    """What checking a presented key needs of its stored row."""

    key_id: str
    name: str
    role: str
    hash: str
    active: bool


_KEY_CHECK = select(api_keys.c.key_id, api_keys.c.name, api_keys.c.role, api_keys.c.hash, api_keys.c.revoked_at).where(
    api_keys.c.key_id == bindparam("key_id")
)


@lru_cache(maxsize=4)
def _key_check_sql(dialect: Any) -> tuple[str, bool]:
    compiled = _KEY_CHECK.compile(dialect=dialect)
    return compiled.string, bool(compiled.positional)


def key_checks(conn: Connection, key_ids: Sequence[str]) -> dict[str, KeyCheck]:
    """The stored keys with these ids, read straight through the driver's cursor and ended at once.

    Every API request runs this (through the key checker's own connection):
    the statement is compiled once a dialect, which leaves the database's
    own time as most of the cost. No transaction stays open afterwards.
    """
    sql, positional = _key_check_sql(conn.dialect)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    out = {}
    try:
        for key_id in dict.fromkeys(key_ids):
            cursor.execute(sql, (key_id,) if positional else {"key_id": key_id})
            row = cursor.fetchone()
            if row is not None:
                out[key_id] = KeyCheck(row[0], row[1], row[2], row[3], row[4] is None)
    finally:
        cursor.close()
        raw.rollback()  # end the read: no snapshot is held between requests
    return out


def key_by_name(session: Session, name: str) -> KeyRow | None:
    row = session.execute(select(api_keys).where(api_keys.c.name == name)).first()
    return _key(row) if row else None


def list_keys(session: Session) -> list[KeyRow]:
    return [_key(r) for r in session.execute(select(api_keys).order_by(api_keys.c.id))]


def revoke_key(session: Session, key_id: str) -> bool:
    result = session.execute(
        update(api_keys).where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=_now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def touch_key(session: Session | Connection, key_id: str) -> None:
    session.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at=_now()))


def count_keys(session: Session, role: str | None = None, name_prefix: str | None = None) -> int:
    query = select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
    if role:
        query = query.where(api_keys.c.role == role)
    if name_prefix:
        query = query.where(api_keys.c.name.like(f"{name_prefix}%"))
    return int(session.execute(query).scalar() or 0)


# --- web sessions -----------------------------------------------------------------


def add_web_session(session: Session, digest: str, key_id: str, expires_at: datetime) -> None:
    """Record a sign-in to the web pages; sessions already past their end are deleted on the way."""
    now = _now()
    session.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
    session.execute(web_sessions.insert().values(digest=digest, key_id=key_id, created_at=now, expires_at=expires_at))


def key_by_web_session(session: Session, digest: str) -> KeyRow | None:
    """The key signed in with a web session that has neither ended nor expired (revoked or not: the caller checks)."""
    row = session.execute(
        select(api_keys)
        .join(web_sessions, web_sessions.c.key_id == api_keys.c.key_id)
        .where(web_sessions.c.digest == digest, web_sessions.c.expires_at > _now())
    ).first()
    return _key(row) if row else None


def end_web_session(session: Session, digest: str) -> bool:
    """Sign a web session out for good: its row goes, so no copy of its cookie works afterwards."""
    result = session.execute(delete(web_sessions).where(web_sessions.c.digest == digest))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- audit log --------------------------------------------------------------------


def audit(session: Session, actor: str, role: str, action: str, target: str | None, detail: dict[str, Any] | None = None) -> None:
    """Record who changed what, in the caller's transaction (so the change and its entry are one)."""
    session.execute(
        audit_log.insert().values(at=_now(), actor=actor, role=role, action=action, target=target, detail=detail or {})
    )


def audit_many(session: Session | Connection, entries: Sequence[tuple[str, str, str, str | None, dict[str, Any] | None]]) -> None:
    """Several audit entries (actor, role, action, target, detail) with one statement, in the caller's transaction."""
    if not entries:
        return
    now = _now()
    session.execute(
        audit_log.insert(),
        [{"at": now, "actor": a, "role": r, "action": act, "target": t, "detail": d or {}} for a, r, act, t, d in entries],
    )


def audit_entries(
    session: Session, limit: int = 100, before: int | None = None, actor: str | None = None, action: str | None = None
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    return [_dict(r) for r in session.execute(query)]


# --- review items -----------------------------------------------------------------


def enqueue(session: Session | Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Add review items; one per (post, profile): items already queued are left as they are."""
    if not rows:
        return 0
    now = _now()
    values = [{"status": "open", "level": 0, "queued_at": now, "history": [], **r} for r in rows]
    dialect = session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name
    result = session.execute(_enqueue_statement(dialect), values)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def _enqueue_statement(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(review_items).on_conflict_do_nothing(index_elements=["post_id", "profile"])


def review_item(session: Session, item_id: int) -> dict[str, Any] | None:
    row = session.execute(select(review_items).where(review_items.c.id == item_id)).first()
    return _dict(row) if row else None


def review_item_for(session: Session, post_id: str, profile: str) -> dict[str, Any] | None:
    row = session.execute(
        select(review_items).where(review_items.c.post_id == post_id, review_items.c.profile == profile)
    ).first()
    return _dict(row) if row else None


def review_items_list(
    session: Session,
    statuses: Iterable[str],
    profile: str | None = None,
    claimed_by: str | None = None,
    limit: int = 500,
    account_id: str | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(review_items)
        .where(review_items.c.status.in_(list(statuses)))
        .order_by(review_items.c.base_priority.desc(), review_items.c.queued_at, review_items.c.id)
        .limit(limit)
    )
    if profile:
        query = query.where(review_items.c.profile == profile)
    if claimed_by:
        query = query.where(review_items.c.claimed_by == claimed_by)
    if account_id:
        query = query.where(review_items.c.account_id == account_id)
    return [_dict(r) for r in session.execute(query)]


def count_review_items(session: Session) -> dict[str, int]:
    rows = session.execute(select(review_items.c.status, func.count()).group_by(review_items.c.status))
    return {status: int(n) for status, n in rows}


def claim_review_item(session: Session, item_id: int, reviewer: str, stale_before: datetime, may_take_escalated: bool) -> bool:
    """Claim an item atomically: open, escalated (when allowed) or claimed long ago; False when someone holds it."""
    claimable = [review_items.c.status == "open", and_(review_items.c.status == "claimed", review_items.c.claimed_at < stale_before)]
    if may_take_escalated:
        claimable.append(review_items.c.status == "escalated")
    result = session.execute(
        update(review_items)
        .where(review_items.c.id == item_id, or_(*claimable))
        .values(status="claimed", claimed_by=reviewer, claimed_at=_now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def update_review_item(session: Session, item_id: int, expect_claimed_by: str | None, **values: Any) -> bool:
    """Change an item, only while `expect_claimed_by` holds it (None: whatever its state)."""
    stmt = update(review_items).where(review_items.c.id == item_id)
    if expect_claimed_by is not None:
        stmt = stmt.where(review_items.c.status == "claimed", review_items.c.claimed_by == expect_claimed_by)
    result = session.execute(stmt.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- appeals ----------------------------------------------------------------------


def add_appeal(session: Session, **values: Any) -> int:
    """File an appeal; raises IntegrityError when the same decision was appealed already."""
    result = session.execute(appeals.insert().values(filed_at=_now(), status="open", **values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def appeal(session: Session, appeal_id: int) -> dict[str, Any] | None:
    row = session.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
    return _dict(row) if row else None


def appeal_for(session: Session, kind: str, target: str, profile: str) -> dict[str, Any] | None:
    row = session.execute(
        select(appeals).where(appeals.c.kind == kind, appeals.c.target == target, appeals.c.profile == profile)
    ).first()
    return _dict(row) if row else None


def appeals_list(
    session: Session, statuses: Iterable[str], limit: int = 500, account_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(appeals).where(appeals.c.status.in_(list(statuses))).order_by(appeals.c.filed_at, appeals.c.id).limit(limit)
    if account_id:
        query = query.where(appeals.c.account_id == account_id)
    return [_dict(r) for r in session.execute(query)]


def claim_appeal(session: Session, appeal_id: int, reviewer: str, stale_before: datetime) -> bool:
    result = session.execute(
        update(appeals)
        .where(
            appeals.c.id == appeal_id,
            or_(appeals.c.status == "open", and_(appeals.c.status == "claimed", appeals.c.claimed_at < stale_before)),
        )
        .values(status="claimed", claimed_by=reviewer, claimed_at=_now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def update_appeal(session: Session, appeal_id: int, expect_claimed_by: str | None, **values: Any) -> bool:
    stmt = update(appeals).where(appeals.c.id == appeal_id)
    if expect_claimed_by is not None:
        stmt = stmt.where(appeals.c.status == "claimed", appeals.c.claimed_by == expect_claimed_by)
    result = session.execute(stmt.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- reading the ledger's decisions for listings ------------------------------------


def decisions_page(
    session: Session,
    profile: str | None = None,
    account_id: str | None = None,
    action: str | None = None,
    violation: bool | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(row id, decision line) of stored decisions, oldest first, from after `after`."""
    from proscribe.store.ledger import decisions

    query = select(decisions.c.id, decisions.c.decision).order_by(decisions.c.id).limit(limit)
    if profile:
        query = query.where(decisions.c.profile == profile)
    if account_id:
        query = query.where(decisions.c.account_id == account_id)
    if action:
        query = query.where(decisions.c.action == action)
    if violation is not None:
        query = query.where(decisions.c.violation == violation)
    if after is not None:
        query = query.where(decisions.c.id > after)
    return [(int(i), line) for i, line in session.execute(query)]


def decisions_after(session: Session, after: int, limit: int = 1000) -> list[tuple[int, str, str, str, str]]:
    """(row id, post id, profile, account id, decision line) of decisions recorded after row `after`."""
    from proscribe.store.ledger import decisions

    query = (
        select(decisions.c.id, decisions.c.post_id, decisions.c.profile, decisions.c.account_id, decisions.c.decision)
        .where(decisions.c.id > after)
        .order_by(decisions.c.id)
        .limit(limit)
    )
    return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in session.execute(query)]


def events_of_post(session: Session, post_id: str, profile: str | None = None) -> list[Any]:
    """Every ledger event about one post (its decision, strike, reviews, appeals, reversals), in log order."""
    from proscribe.model import EventKind, ModerationEvent
    from proscribe.store.ledger import moderation_events

    query = select(moderation_events).where(moderation_events.c.post_id == post_id).order_by(moderation_events.c.at, moderation_events.c.id)
    if profile:
        query = query.where(moderation_events.c.profile == profile)
    return [
        ModerationEvent(
            kind=EventKind(r.kind), account_id=r.account_id, at=utc(r.at), profile=r.profile,  # type: ignore[arg-type]
            post_id=r.post_id, payload=dict(r.payload or {}), actor=r.actor, id=r.id,
        )
        for r in session.execute(query)
    ]


def posts_of_account(session: Session, account_id: str, limit: int = 200) -> list[dict[str, Any]]:
    import json

    from proscribe.store.ledger import posts

    query = select(posts.c.id, posts.c.created_at, posts.c.original).where(posts.c.account_id == account_id).order_by(posts.c.created_at.desc()).limit(limit)
    return [{"id": r[0], "created_at": utc(r[1]), "post": json.loads(r[2])} for r in session.execute(query)]


# --- SQLite's write-ahead log under the server's single writer ------------------------


def leave_checkpoints(conn: Connection) -> None:
    """SQLite: this connection's commits no longer checkpoint the log themselves (see checkpoint_log); elsewhere nothing."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        conn.commit()


def checkpoint_log(conn: Connection, wait_ms: int = 20) -> None:
    """SQLite: copy the log into the database without blocking writers, then start the log over.

    The copy (PASSIVE) runs beside the writer; starting over (RESTART) needs a
    moment without a writer and is then quick, since little is left to copy.
    It waits at most `wait_ms` for that moment and otherwise leaves it for the
    next call, so a long reader never holds the writer up.
    """
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)")
    finally:
        conn.exec_driver_sql("PRAGMA busy_timeout=30000")  # the engine's own timeout, for whoever uses this connection next
        conn.commit()
