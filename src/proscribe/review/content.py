"""What the ledger says happened to a post: its content action now, reviews, appeals and reversals (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from proscribe.model import EventKind, ModerationEvent

# Content actions that restrict a post, so that its author can appeal them.
RESTRICTING = frozenset({"remove", "interstitial", "limit", "withhold"})


@dataclass(frozen=True)
class ContentStatus:
    """A post's standing under one profile, as derived from its events."""

    post_id: str
    profile: str
    action: str | None  # the content action in force; None when the post was never decided
    machine_action: str | None  # what the automatic decision said
    reversed: bool = False
    reviewed: str | None = None  # the last review outcome
    appealed: str | None = None  # the last appeal outcome ("filed" while open)
    strike: bool = False  # a strike from this post still counts (not reversed)

    @property
    def appealable(self) -> bool:
        return self.action in RESTRICTING and not self.reversed

    def to_json(self) -> dict[str, object]:
        return {
            "post_id": self.post_id,
            "profile": self.profile,
            "action": self.action,
            "machine_action": self.machine_action,
            "reversed": self.reversed,
            "reviewed": self.reviewed,
            "appealed": self.appealed,
            "strike": self.strike,
        }


def content_status(events: Iterable[ModerationEvent], post_id: str, profile: str) -> ContentStatus:
    """The post's content action after every decision, review and reversal recorded about it."""
    machine = action = reviewed = appealed = None
    reversed_ = False
    strike = False
    ordered = sorted(
        (e for e in events if e.profile == profile and (e.post_id == post_id or e.payload.get("post_id") == post_id)),
        key=lambda e: (e.at, e.id if e.id is not None else 1 << 62),
    )
    for e in ordered:
        if e.kind is EventKind.DECISION:
            if machine is None:
                machine = str(e.payload.get("action"))
            action = str(e.payload.get("action"))
        elif e.kind is EventKind.STRIKE:
            strike = True
        elif e.kind is EventKind.REVIEW:
            reviewed = str(e.payload.get("outcome"))
        elif e.kind is EventKind.APPEAL:
            appealed = str(e.payload.get("outcome") or e.payload.get("status"))
        elif e.kind is EventKind.REVERSAL and e.payload.get("event_id") is None:
            reversed_ = True
    if reversed_:
        # A reversal restores the post and voids its strike, whatever came before.
        action, strike = "allow", False
    return ContentStatus(post_id, profile, action, machine, reversed_, reviewed, appealed, strike)
