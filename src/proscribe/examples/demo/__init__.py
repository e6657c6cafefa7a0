"""The fictional demo: invented accounts and posts decided through the real pipeline, a populated review queue, an admin key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proscribe.model import Assessment, Category, Context

POSTS = Path(__file__).parent / "posts.jsonl"
PROFILES = ("meta", "x", "twitter-2021")
ADMIN_NAME = "demo-admin"


@dataclass(frozen=True)
class DemoResult:
    decided: int
    queued: int
    admin_key: str | None  # shown once: None when a demo admin key existed already


def _assessment(post_id: str, verdict: dict[str, Any], mentions: tuple[Any, ...]) -> Assessment:
    category = Category(verdict.get("category", "none"))
    context = Context(verdict["context"]) if verdict.get("context") else None
    scores = {k: float(v) for k, v in verdict.items() if k in ("glorification", "support", "representation", "threat")}
    return Assessment(post_id, category, context, float(verdict.get("score", 0.0)), mentions, ("demo verdict",), model="demo-verdicts@1", scores=scores)


def seed(db_url: str, profiles: tuple[str, ...] = PROFILES, create_key: bool = True) -> DemoResult:
    """Decide the demo posts under each profile (idempotent), queue what needs review, make a demo admin key once."""
    from proscribe.api import keys
    from proscribe.detect.matcher import Matcher
    from proscribe.pipeline import Parts, Rejected, Scanner, read_posts
    from proscribe.policy.profile import load
    from proscribe.registry import service as registry
    from proscribe.review.queue import QueueSettings, sync
    from proscribe.store import db
    from proscribe.store import service as store

    items = []
    for entry in read_posts(POSTS.read_bytes().splitlines()):
        if isinstance(entry, Rejected):  # the shipped file is tested; this guards edits
            raise ValueError(f"{POSTS}:{entry.line}: {entry.reason}")
        items.append(entry)
    snap = registry.current(db_url)
    matcher = Matcher.from_entities(snap.entities)
    # The real registry and detector; the verdicts come from the file, so no classifier is needed.
    parts = Parts(str(snap.version), snap.entities, matcher, classifier=None)
    assessed = {
        i.post.id: (_assessment(i.post.id, i.original.get("demo_verdict") or {}, tuple(matcher.find(i.post.text, "text"))), None)
        for i in items
    }
    decided = 0
    for name in profiles:
        profile = load(name)
        scanner = Scanner(profile, db_url, parts)
        decided += scanner.scan(list(items), assessed=assessed).decided
    secret = None
    with db.session(db_url) as s:
        queued = sync(s, QueueSettings(), full=True)
        if create_key and store.key_by_name(s, ADMIN_NAME) is None:
            secret = keys.create(s, "admin", ADMIN_NAME, created_by="demo").secret
    return DemoResult(decided, queued, secret)
