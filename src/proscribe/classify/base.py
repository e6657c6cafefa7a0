"""The classifier interface every backend implements, and helpers they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from proscribe.model import Account, Assessment, EntityKind, Mention, Post


@runtime_checkable
class Classifier(Protocol):
    """Assesses posts in batches: one Assessment per post, in order.

    `mentions[i]` are the detector's mentions for `posts[i]` (possibly empty).

    A backend whose model sits behind a cheap first step (a gate) may also offer
    `prescreen(posts, mentions) -> list[Assessment | None]`: the assessment of
    each post the first step settles alone (what `assess` would give), None for
    each post that needs the model. The service then answers those posts without
    waiting for the model's work on others (api/writer.py).

    A backend whose `assess` may run in several threads at once says so with
    `concurrent = True`; the service then runs the model for several requests
    side by side (`serve --assessors`), and otherwise one at a time.
    """

    name: str
    version: str

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]: ...


def warm_up(classifier: Classifier) -> None:
    """Assess one stand-in post, with a stand-in mention that opens any gate, so that what the classifier
    loads on first use (an encoder's weights, the language identifier) is loaded now."""
    text = "warm up"
    stand_in = Mention("warm-up", text, EntityKind.ORGANIZATION, text, text, 0, len(text))
    classifier.assess([Post(id="warm-up", text=text, author=Account(id="warm-up"))], [[stand_in]])


def check_batch(posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None) -> list[Sequence[Mention]]:
    """The mentions per post, or empty ones; ValueError when the lengths differ."""
    if mentions is None:
        return [() for _ in posts]
    if len(mentions) != len(posts):
        raise ValueError(f"{len(posts)} posts but {len(mentions)} mention lists")
    return list(mentions)


def mention_evidence(mentions: Sequence[Mention]) -> list[str]:
    """One line of evidence per distinct entity mentioned: id and the words as written."""
    out: list[str] = []
    seen: set[str] = set()
    for m in mentions:
        if m.entity_id in seen:
            continue
        seen.add(m.entity_id)
        via = "" if m.via == "name" else f" via {m.via}"
        field = "" if m.field == "text" else f" in {m.field}"
        out.append(f"mention {m.entity_id}: {m.matched!r}{via}{field}")
    return out
