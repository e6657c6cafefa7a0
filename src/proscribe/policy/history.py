"""What the policy needs to know about an account's past: counts and standing, as of a moment.

The enforcement ledger derives these from its events (proscribe.ledger.state);
a policy test writes them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from proscribe.model import AccountAction

# How severe an account action is, to pick the strongest of several.
SEVERITY = {
    AccountAction.NONE: 0,
    AccountAction.WARN: 1,
    AccountAction.RESTRICT: 2,
    AccountAction.SUSPEND: 3,
    AccountAction.DISABLE: 4,
}


@dataclass(frozen=True)
class Standing:
    """The account action in force on an account at a moment (none when nothing is)."""

    action: AccountAction = AccountAction.NONE
    until: datetime | None = None  # None with restrict/suspend/disable: no end
    since: datetime | None = None
    basis: str | None = None  # ladder | doi_threshold | representation | threat | manual | linked
    post_id: str | None = None  # the decision that caused it

    @property
    def in_force(self) -> bool:
        return self.action not in (AccountAction.NONE, AccountAction.WARN)


@dataclass(frozen=True)
class LinkedAccount:
    """Another account of the same operator, or one linked by hand."""

    id: str
    standing: Standing = Standing()
    via: str = "operator"  # "operator" | "link"


@dataclass(frozen=True)
class AccountHistory:
    """An account's enforcement history under one profile, as of the decision's clock."""

    account_id: str
    strikes: int = 0  # active strikes (not expired, not reversed)
    doi_strikes: int = 0  # DOI strikes within the profile's DOI window
    standing: Standing = Standing()
    linked: tuple[LinkedAccount, ...] = ()
