"""Helpers for the service's tests: a stand-in classifier with known verdicts, an app over a fresh database, keys."""

from __future__ import annotations

from typing import Any, Sequence

from proscribe.model import Assessment, Category, Context, Mention, Post

# Words that fix the stand-in classifier's verdict, so the tests know what each post should get.
VERDICTS = (
    ("we threaten", Category.THREAT, None, 0.95),
    ("glory to", Category.GLORIFICATION, None, 0.95),
    ("perhaps praise", Category.GLORIFICATION, None, 0.45),
    ("reported", Category.NONE, Context.NEWS, 0.05),
)


class StandInClassifier:
    """Decides by fixed words (see VERDICTS): the tests exercise the service, not the model."""

    name = "stand-in"
    version = "1"

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
        out = []
        for post, found in zip(posts, mentions):
            category, context, score = Category.NONE, Context.UNRELATED, 0.02
            for words, cat, ctx, sc in VERDICTS:
                if words in post.text.lower():
                    category, context, score = cat, ctx, sc
                    break
            out.append(Assessment(post.id, category, context, score, tuple(found), model="stand-in@1"))
        return out


def stand_in_parts(url: str) -> Any:
    from proscribe.detect.matcher import Matcher
    from proscribe.pipeline import Parts
    from proscribe.registry import service as registry

    snap = registry.current(url)
    return Parts(str(snap.version), snap.entities, Matcher.from_entities(snap.entities), StandInClassifier())


def make_app(db_url: str, **config: Any) -> Any:
    from proscribe.api.app import create_app
    from proscribe.api.service import ServiceConfig

    return create_app(ServiceConfig(db_url=db_url, parts_factory=stand_in_parts, **config))


def make_key(db_url: str, role: str, name: str | None = None) -> str:
    from proscribe.api import keys
    from proscribe.store import db

    with db.session(db_url) as s:
        return keys.create(s, role, name).secret


def recent(days_ago: float = 1.0) -> str:
    """An ISO time `days_ago` before now (posts decided as of a recent time keep their strikes active)."""
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days_ago)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def post(post_id: str, text: str, author: str = "a1", followers: int = 100, days_ago: float = 1.0, **extra: Any) -> dict[str, Any]:
    author_obj = {"id": author, "followers": followers, **extra.pop("author", {})}
    return {"id": post_id, "text": text, "created_at": extra.pop("created_at", recent(days_ago)), "author": author_obj, **extra}
