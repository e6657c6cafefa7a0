"""A post's content status from its ledger events: decisions, reviews, appeals, reversals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from proscribe.model import EventKind, ModerationEvent
from proscribe.review.content import content_status

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def ev(kind: EventKind, minutes: int, **payload) -> ModerationEvent:  # type: ignore[no-untyped-def]
    return ModerationEvent(kind, "a", T0 + timedelta(minutes=minutes), "meta", "p1", payload, id=minutes)


def test_a_reviewed_then_reversed_post_is_restored() -> None:
    events = [ev(EventKind.DECISION, 1, action="review"), ev(EventKind.DECISION, 2, action="remove"), ev(EventKind.STRIKE, 3),
              ev(EventKind.REVIEW, 4, outcome="confirm")]
    status = content_status(events, "p1", "meta")
    assert (status.machine_action, status.action, status.strike, status.reviewed, status.appealable) == ("review", "remove", True, "confirm", True)
    restored = content_status([*events, ev(EventKind.APPEAL, 5, status="filed"), ev(EventKind.REVERSAL, 6, post_id="p1")], "p1", "meta")
    assert (restored.action, restored.reversed, restored.strike, restored.appealed, restored.appealable) == ("allow", True, False, "filed", False)


def test_other_profiles_and_account_reversals_do_not_count() -> None:
    other = ModerationEvent(EventKind.REVERSAL, "a", T0, "x", "p1", {"post_id": "p1"}, id=9)
    account = ev(EventKind.REVERSAL, 7, event_id=3)
    status = content_status([ev(EventKind.DECISION, 1, action="remove"), other, account], "p1", "meta")
    assert status.action == "remove" and not status.reversed
    assert content_status([], "p1", "meta").action is None
