"""Queue priority: severity first, then reach, then time waiting (capped), escalation on top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from proscribe.review.priority import base_priority, priority, reach

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_threats_outrank_glorification_and_reach_counts() -> None:
    assert base_priority("threat", 0.5, 10, "uncertain") > base_priority("glorification", 0.5, 10, "uncertain")
    assert base_priority("glorification", 0.5, 1_000_000, "uncertain") > base_priority("glorification", 0.5, 100, "uncertain")
    assert reach(None) == 0 and round(reach(999_999)) == 6


def test_waiting_raises_priority_up_to_a_week_and_escalation_adds() -> None:
    base = base_priority("support", 0.5, 100, "uncertain")
    assert priority(base, T0, T0) == base
    assert priority(base, T0, T0 + timedelta(days=2)) == round(base + 2, 4)
    assert priority(base, T0, T0 + timedelta(days=30)) == round(base + 7, 4)
    assert priority(base, T0, T0, level=1) > priority(base, T0, T0)
