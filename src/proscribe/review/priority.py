"""The review queue's order: severity, reach and time waiting, as a pure function."""

from __future__ import annotations

import math
from datetime import datetime

# Threats come first: a person may be in danger. Then the account itself being
# the entity, then support, then glorification; a doubt about a post the
# classifier found clean comes last.
SEVERITY = {"threat": 4.0, "representation": 3.0, "support": 2.5, "glorification": 2.0, "none": 1.0}
REASON_WEIGHT = {"uncertain": 0.0, "high_reach": 0.5, "escalated": 3.0}
AGE_POINTS_PER_DAY = 1.0
AGE_CAP_DAYS = 7.0


def reach(followers: int | None) -> float:
    """0 for no audience, about 1 point per factor of ten followers (1M followers: 6)."""
    return math.log10(max(0, followers or 0) + 1)


def base_priority(category: str, score: float, followers: int | None, reason: str) -> float:
    """The part of an item's priority fixed when it is queued."""
    severity = SEVERITY.get(category, 1.0)
    return round(2.0 * severity + reach(followers) + score + REASON_WEIGHT.get(reason, 0.0), 4)


def priority(base: float, queued_at: datetime, now: datetime, level: int = 0) -> float:
    """An item's priority now: its base, plus a point a day waiting (up to a week), plus escalation."""
    waited = max(0.0, (now - queued_at).total_seconds() / 86400.0)
    return round(base + AGE_POINTS_PER_DAY * min(waited, AGE_CAP_DAYS) + (REASON_WEIGHT["escalated"] if level else 0.0), 4)
