"""Baseline: a violation whenever a designated, in-scope entity or event is mentioned (what keyword lists do)."""

from __future__ import annotations

from collections.abc import Sequence

from proscribe.classify.base import check_batch, mention_evidence
from proscribe.model import Assessment, Category, Context, Mention, Post


class KeywordClassifier:
    """Flags every post that names a designated entity; says nothing about stance."""

    name = "keyword"
    version = "1"

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None = None) -> list[Assessment]:
        out = []
        for post, ms in zip(posts, check_batch(posts, mentions)):
            hit = [m for m in ms if m.in_scope]
            category = Category.GLORIFICATION if hit else Category.NONE
            out.append(
                Assessment(
                    post_id=post.id, category=category, context=None if hit else Context.UNRELATED,
                    score=1.0 if hit else 0.0, mentions=tuple(ms),
                    evidence=tuple(mention_evidence(hit)) or ("no designated entity mentioned",),
                    lang=post.lang, model=f"{self.name} {self.version}",
                    scores={"glorification": 1.0 if hit else 0.0, "none": 0.0 if hit else 1.0},
                )
            )
        return out
