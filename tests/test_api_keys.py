"""API keys: shown once, stored as a hash, verified in constant time, revoked; the `proscribe keys` commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from conftest import run_cli
from proscribe.api import keys
from proscribe.review.actors import Role
from proscribe.store import db
from proscribe.store import service as store


def test_a_key_is_stored_only_as_its_hash_and_verifies(db_url: str) -> None:
    with db.session(db_url) as s:
        made = keys.create(s, "reviewer", "alice")
    assert made.secret.startswith("psk_") and made.role is Role.REVIEWER
    with db.session(db_url) as s:
        stored = [tuple(r) for r in s.execute(select(store.api_keys))]
        assert not any(made.secret in str(v) for row in stored for v in row)
        actor = keys.verify(s, made.secret)
    assert actor is not None and actor.label == "reviewer:alice"
    with db.session(db_url) as s:
        assert keys.verify(s, made.secret[:-1] + ("A" if made.secret[-1] != "A" else "B")) is None
        assert keys.verify(s, "not a key") is None
        assert keys.verify(s, f"psk_{'0' * 10}_{'a' * 43}") is None


def test_revoked_keys_stop_working_and_names_are_unique(db_url: str) -> None:
    with db.session(db_url) as s:
        made = keys.create(s, "admin", "root")
        with pytest.raises(keys.KeyError_, match="exists already"):
            keys.create(s, "auditor", "root")
        with pytest.raises(keys.KeyError_, match="role must be one of"):
            keys.create(s, "superuser", "x")
        with pytest.raises(keys.KeyError_, match="not allowed"):
            keys.create(s, "admin", "bad name; drop table")
        keys.revoke(s, "root")
        assert keys.verify(s, made.secret) is None
        with pytest.raises(keys.KeyError_, match="revoked already"):
            keys.revoke(s, made.key_id)


def test_keys_commands(sqlite_url: str) -> None:
    made = run_cli("keys", "create", "--role", "auditor", "--name", "eve", "--db", sqlite_url)
    assert made.exit_code == 0
    secret = made.stdout.strip()
    assert secret.startswith("psk_") and "shown once" in made.stderr
    listed = json.loads(run_cli("keys", "list", "--json", "--db", sqlite_url).stdout)
    assert [(k["name"], k["role"], k["revoked_at"]) for k in listed] == [("eve", "auditor", None)]
    assert secret not in json.dumps(listed)
    assert run_cli("keys", "create", "--role", "auditor", "--name", "eve", "--db", sqlite_url).exit_code == 1
    assert run_cli("keys", "create", "--role", "god", "--db", sqlite_url).exit_code == 1
    assert run_cli("keys", "revoke", "eve", "--db", sqlite_url).stdout.startswith("revoked ")
    assert run_cli("keys", "revoke", "eve", "--db", sqlite_url).exit_code == 1
    audit = [e["action"] for e in _audit(sqlite_url)]
    assert audit == ["key.revoke", "key.create"]


def _audit(url: str) -> list[dict]:  # type: ignore[type-arg]
    with db.session(url) as s:
        return store.audit_entries(s)


def test_the_key_checker_reads_every_key_now_and_a_revoked_one_stops_at_once(db_url: str) -> None:
    from proscribe.api.keys import KeyChecker

    with db.session(db_url) as s:
        alice = keys.create(s, "reviewer", "alice").secret
        bob = keys.create(s, "platform", "bob").secret
    checker = KeyChecker(db.engine(db_url))
    futures = [checker.check(k) for k in (alice, bob, alice, "not a key", None, f"psk_{'0' * 10}_{'a' * 43}")]
    found = [f.result(timeout=30) for f in futures]
    assert [a.label if a else None for a in found] == ["reviewer:alice", "platform:bob", "reviewer:alice", None, None, None]
    with db.session(db_url) as s:  # another connection, as `proscribe keys revoke` in another process
        keys.revoke(s, "bob")
    assert checker.check(bob).result(timeout=30) is None
    assert checker.check(alice).result(timeout=30) is not None
    with db.session(db_url) as s:  # last use is written, at most once a minute a key
        assert store.key_by_name(s, "alice").last_used_at is not None  # type: ignore[union-attr]
