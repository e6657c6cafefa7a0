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
from dataclasses import dataclass

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


def verify(session: Session, presented: str) -> Actor | None:
    """The actor a presented key belongs to, or None when it is malformed, unknown or revoked."""
    from proscribe.store import service as store

    match = _SHAPE.match(presented.strip())
    if match is None:
        # Still hash it, so a malformed key takes about as long as a wrong one.
        hmac.compare_digest(digest(presented), "0" * 64)
        return None
    row = store.key_by_id(session, match.group(1))
    expected = row.hash if row is not None else "0" * 64
    ok = hmac.compare_digest(digest(presented.strip()), expected)
    if row is None or not ok or not row.active:
        return None
    return Actor(row.key_id, row.name, Role(row.role))


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
