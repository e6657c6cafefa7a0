"""API keys: made from 256 random bits, shown once, stored as a sha256 hash, checked in constant time.

A key reads `psk_<key id>_<secret>`: the key id (public, 10 hex characters)
finds the stored row; the sha256 of the whole key is compared with
`hmac.compare_digest`. A hash without salt is enough here because the secret
is high-entropy and random, never a password a person chose.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from proscribe.review.actors import Actor, Role

PREFIX = "psk_"
_SHAPE = re.compile(r"^psk_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class KeyError_(ValueError):
    """A key could not be created or revoked; the message says why."""


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is shown once and never stored."""

    secret: str
    key_id: str
    name: str
    role: Role


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(session: Session, role: Role | str, name: str | None = None, created_by: str = "cli") -> NewKey:
    """Make a key with `role`, store its hash, and return it (the only time the secret is known)."""
    from proscribe.store import service as store

    try:
        role = Role(role)
    except ValueError:
        raise KeyError_(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}") from None
    key_id = secrets.token_hex(5)
    secret = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    name = name if name is not None else f"{role}-{key_id}"
    if not NAME.match(name):
        raise KeyError_(f"name {name!r} is not allowed: letters, digits and . _ @ - only, up to 64 characters")
    if store.key_by_name(session, name) is not None:
        raise KeyError_(f"a key named {name!r} exists already; names say who acts in the audit log, so each is unique")
    store.add_key(session, key_id, name, str(role), digest(secret), created_by)
    store.audit(session, created_by, "admin" if created_by != "cli" else "cli", "key.create", f"key:{key_id}", {"name": name, "role": str(role)})
    return NewKey(secret, key_id, name, role)


def key_id_of(presented: str) -> str | None:
    """The public key id of a well-formed key, else None."""
    match = _SHAPE.match(presented.strip())
    return match.group(1) if match else None


def match(presented: str, row: Any) -> Actor | None:
    """The actor when `presented` is the key stored in `row` (None: unknown) and it is not revoked."""
    expected = row.hash if row is not None else "0" * 64
    ok = hmac.compare_digest(digest(presented.strip()), expected)  # hashed even for an unknown id: same time
    if row is None or not ok or not row.active:
        return None
    return Actor(row.key_id, row.name, Role(row.role))


def verify(session: Session, presented: str) -> Actor | None:
    """The actor a presented key belongs to, or None when it is malformed, unknown or revoked."""
    from proscribe.store import service as store

    key_id = key_id_of(presented)
    if key_id is None:
        # Still hash it, so a malformed key takes about as long as a wrong one.
        hmac.compare_digest(digest(presented), "0" * 64)
        return None
    return match(presented, store.key_by_id(session, key_id))


@dataclass
class _Check:
    presented: str
    key_id: str
    future: Future[Actor | None] = field(default_factory=Future)


class KeyChecker:
    """Checks every request's key against the database, in one thread: all the keys waiting, with one query.

    Each check reads the key's row after the request arrived, so a key revoked
    by any process stops working at once; batching only shares that read
    among the requests that arrived while the previous one ran. The thread
    keeps one connection, so no request pays for opening one.
    """

    def __init__(self, engine: Engine, touch_every: float = 60.0) -> None:
        from proscribe.api.batching import Batcher

        self.engine = engine
        self.touch_every = touch_every
        self._conn: Connection | None = None
        self._touched: dict[str, float] = {}
        self._batcher: Batcher[_Check] = Batcher("proscribe-keys", self._handle, on_stop=self._close)

    def check(self, presented: str | None) -> Future[Actor | None]:
        """A future of the key's actor (None: missing, malformed, unknown or revoked)."""
        key_id = key_id_of(presented) if presented else None
        if key_id is None:
            if presented:
                hmac.compare_digest(digest(presented), "0" * 64)
            done: Future[Actor | None] = Future()
            done.set_result(None)
            return done
        return self._batcher.submit(_Check(presented, key_id))  # type: ignore[arg-type]

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _rows(self, key_ids: list[str]) -> dict[str, Any]:
        from proscribe.store import service as store

        for attempt in (1, 2):
            if self._conn is None:
                self._conn = self.engine.connect()
            try:
                return store.key_checks(self._conn, key_ids)
            except Exception:
                self._close()  # a connection the database dropped: open another once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _handle(self, checks: list[_Check]) -> None:
        rows = self._rows(sorted({c.key_id for c in checks}))
        used = set()
        for c in checks:
            actor = match(c.presented, rows.get(c.key_id))
            c.future.set_result(actor)
            if actor is not None:
                used.add(actor.key_id)
        # Last use, at most once a minute a key: a write per request would serialise readers on SQLite.
        now = time.monotonic()
        stale = [k for k in used if now - self._touched.get(k, -1e9) > self.touch_every]
        if stale:
            from proscribe.store import service as store

            for k in stale:
                self._touched[k] = now
            with self.engine.begin() as conn:
                for k in stale:
                    store.touch_key(conn, k)  # type: ignore[arg-type]


def revoke(session: Session, key_id_or_name: str, by: str = "cli") -> str:
    """Revoke a key by its id or name; returns the key id. KeyError_ when there is no such active key."""
    from proscribe.store import service as store

    row = store.key_by_id(session, key_id_or_name) or store.key_by_name(session, key_id_or_name)
    if row is None:
        raise KeyError_(f"no key with id or name {key_id_or_name!r} (see `proscribe keys list`)")
    if not store.revoke_key(session, row.key_id):
        raise KeyError_(f"key {row.key_id} ({row.name}) was revoked already")
    store.audit(session, by, "admin" if by != "cli" else "cli", "key.revoke", f"key:{row.key_id}", {"name": row.name})
    return row.key_id
