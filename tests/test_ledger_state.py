"""Account state derived from the event log: strikes, expiry, standing, linked accounts, reversals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from proscribe.ledger import state
from proscribe.model import (
    Account,
    AccountAction,
    Assessment,
    Category,
    EntityKind,
    EventKind,
    Mention,
    ModerationEvent,
    Post,
)
from proscribe.policy import decide, load

META = load("meta")
T0 = datetime(2024, 1, 1, tzinfo=UTC)
HAMAS = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5, lists=("us-ofac-sdgt",))


class Ledger:
    """An in-memory log: decide each post with the history derived from what is logged so far."""

    def __init__(self, profile=META):  # type: ignore[no-untyped-def]
        self.profile = profile
        self.events: list[ModerationEvent] = []
        self.links: dict[str, list[tuple[str, str]]] = {}

    def post(self, post_id: str, author: str, at: datetime, category: Category = Category.GLORIFICATION):  # type: ignore[no-untyped-def]
        p = Post(post_id, "text", Account(author), at)
        a = Assessment(post_id, category, None, 0.95, (HAMAS,) if category is not Category.THREAT else ())
        linked = self.links.get(author, [])
        history = state.history(self.events, author, linked, self.profile, at)
        outcome = decide(a, p, history, None, self.profile, at)
        for e in outcome.events:
            self.events.append(replace(e, id=len(self.events) + 1))
        return outcome.decision

    def reverse(self, post_id: str, author: str, at: datetime) -> None:
        self.events.append(
            ModerationEvent(EventKind.REVERSAL, author, at, self.profile.name, post_id, {"post_id": post_id}, "reviewer", len(self.events) + 1)
        )

    def state(self, account: str, at: datetime) -> state.AccountState:
        return state.account_state(self.events, account, self.profile, at)


def test_strikes_accumulate_and_expire_after_a_year() -> None:
    ledger = Ledger()
    for i in range(3):
        ledger.post(f"p{i}", "a1", T0 + timedelta(days=i))
    assert ledger.state("a1", T0 + timedelta(days=10)).active_strikes == 3
    # A year after the first strike, it no longer counts; the others still do.
    later = ledger.state("a1", T0 + timedelta(days=365, hours=1))
    assert later.active_strikes == 2
    assert [s.active(later.now) for s in later.strikes] == [False, True, True]
    assert ledger.state("a1", T0 + timedelta(days=400)).active_strikes == 0


def test_ladder_restriction_ends_when_its_days_are_over() -> None:
    ledger = Ledger()
    for i in range(7):
        d = ledger.post(f"p{i}", "a1", T0 + timedelta(hours=i), Category.THREAT)
    assert d.account.action is AccountAction.RESTRICT and d.account.strikes == 7
    assert ledger.state("a1", T0 + timedelta(hours=7)).standing.action is AccountAction.RESTRICT
    assert ledger.state("a1", T0 + timedelta(days=2)).standing.action is AccountAction.NONE


def test_fifth_doi_strike_disables_account_and_linked_accounts() -> None:
    ledger = Ledger()
    ledger.links = {"fa": [("en", "operator office")], "en": [("fa", "operator office")]}
    decisions = [ledger.post(f"p{i}", "fa", T0 + timedelta(days=i)) for i in range(5)]
    assert [d.account.action for d in decisions] == [AccountAction.WARN] + [AccountAction.RESTRICT] * 3 + [AccountAction.DISABLE]
    assert [(x.id, x.action) for x in decisions[-1].linked_accounts] == [("en", AccountAction.DISABLE)]
    assert ledger.state("fa", T0 + timedelta(days=6)).standing.action is AccountAction.DISABLE
    assert ledger.state("en", T0 + timedelta(days=6)).standing.action is AccountAction.DISABLE
    # The linked account's own next post shows it disabled, with no strike of its own.
    d = ledger.post("en1", "en", T0 + timedelta(days=7), Category.NONE)
    assert d.account.action is AccountAction.DISABLE and d.account.strikes == 0


def test_reversal_removes_the_strike_and_lifts_what_it_justified() -> None:
    ledger = Ledger()
    ledger.links = {"fa": [("en", "operator office")]}
    for i in range(5):
        ledger.post(f"p{i}", "fa", T0 + timedelta(days=i))
    # Overturning an earlier strike leaves four: the disable (and its reach to `en`) no longer stands.
    ledger.reverse("p1", "fa", T0 + timedelta(days=10))
    after = ledger.state("fa", T0 + timedelta(days=11))
    assert after.active_strikes == 4
    assert after.standing.action is AccountAction.NONE
    assert [s.reversed for s in after.strikes] == [False, True, False, False, False]
    assert ledger.state("en", T0 + timedelta(days=11)).standing.action is AccountAction.NONE
    # Before the reversal, the state as of then is unchanged: the log is replayable.
    assert ledger.state("fa", T0 + timedelta(days=9)).standing.action is AccountAction.DISABLE


def test_reversing_the_disabling_decision_itself() -> None:
    ledger = Ledger()
    for i in range(5):
        ledger.post(f"p{i}", "fa", T0 + timedelta(days=i))
    ledger.reverse("p4", "fa", T0 + timedelta(days=10))
    after = ledger.state("fa", T0 + timedelta(days=11))
    assert after.active_strikes == 4 and after.standing.action is AccountAction.NONE
    void = [a for a in after.actions if not a.stands]
    assert void and void[-1].void_reason == "the decision behind it was reversed"
    # The next violation is the fifth DOI strike again, and disables again.
    d = ledger.post("p5", "fa", T0 + timedelta(days=12))
    assert d.account.action is AccountAction.DISABLE and d.account.strikes == 5


def test_a_decision_as_of_an_earlier_time_counts_the_reversals_already_recorded() -> None:
    ledger = Ledger()
    ledger.links = {"fa": [("en", "operator office")]}
    for i in range(5):
        ledger.post(f"p{i}", "fa", T0 + timedelta(days=i))
    # Overturned on day 30; a post created on day 10 is decided after that (a late arrival, a replay).
    ledger.reverse("p3", "fa", T0 + timedelta(days=30))
    ledger.reverse("p4", "fa", T0 + timedelta(days=30))
    d = ledger.post("p5", "fa", T0 + timedelta(days=10))
    assert d.account.strikes == 4 and d.account.action is AccountAction.RESTRICT
    assert [(x.id, x.action) for x in d.linked_accounts] == [("en", AccountAction.NONE)]
    assert any(r.startswith("Strike 4 (4 active") for r in d.reasons)
    # The ledger agrees with the decision; a replay of day 10 still shows the log as it was then.
    assert ledger.state("fa", T0 + timedelta(days=31)).active_strikes == 4
    assert ledger.state("fa", T0 + timedelta(days=10)).active_strikes == 6
    assert state.history(ledger.events, "fa", [], META, T0 + timedelta(days=10)).strikes == 4


def test_a_decision_as_of_an_earlier_time_still_counts_only_the_strikes_of_its_window() -> None:
    ledger = Ledger()
    for day in (0, 100, 400):
        ledger.post(f"p{day}", "a1", T0 + timedelta(days=day))
    ledger.reverse("p100", "a1", T0 + timedelta(days=500))
    # As of day 300: the strike of day 0 is inside the year, the one of day 400 is not yet, the one of day 100 is void.
    history = state.history(ledger.events, "a1", [], META, T0 + timedelta(days=300))
    assert (history.strikes, history.doi_strikes) == (1, 1)
    # As of day 380: the strike of day 0 has expired.
    assert state.history(ledger.events, "a1", [], META, T0 + timedelta(days=380)).strikes == 0


def test_a_restore_lifts_a_manual_suspension() -> None:
    events = [
        ModerationEvent(EventKind.ACCOUNT_ACTION, "a1", T0, "meta", None, {"action": "suspend", "basis": "manual"}, "admin", 1),
    ]
    assert state.account_state(events, "a1", META, T0 + timedelta(days=1)).standing.action is AccountAction.SUSPEND
    events.append(ModerationEvent(EventKind.ACCOUNT_ACTION, "a1", T0 + timedelta(days=2), "meta", None, {"action": "none", "basis": "restore"}, "admin", 2))
    assert state.account_state(events, "a1", META, T0 + timedelta(days=3)).standing.action is AccountAction.NONE


def test_profiles_keep_separate_ledgers() -> None:
    meta = Ledger(META)
    for i in range(3):
        meta.post(f"p{i}", "a1", T0 + timedelta(days=i))
    assert state.account_state(meta.events, "a1", load("x"), T0 + timedelta(days=5)).active_strikes == 0


def test_state_as_json_lists_strikes_with_expiry() -> None:
    ledger = Ledger()
    ledger.post("p0", "a1", T0)
    out = ledger.state("a1", T0 + timedelta(days=1)).to_json()
    assert out["strikes"] == 1
    assert out["strike_log"][0]["expires"] == "2024-12-31T00:00:00Z"
    assert out["strike_log"][0]["status"] == "active"
    assert [h["kind"] for h in out["history"]] == ["decision", "strike", "account_action"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=12), st.integers(min_value=0, max_value=1000))
def test_active_strikes_are_exactly_those_of_the_last_year(days: list[int], at: int) -> None:
    events = [
        ModerationEvent(EventKind.STRIKE, "a1", T0 + timedelta(days=d), "meta", f"p{i}", {"category": "support", "doi": True}, id=i + 1)
        for i, d in enumerate(days)
    ]
    now = T0 + timedelta(days=at)
    expected = sum(1 for d in days if at - 365 < d <= at)
    assert state.account_state(events, "a1", META, now).active_strikes == expected
    # Reversing every post leaves nothing.
    reversed_all = events + [
        ModerationEvent(EventKind.REVERSAL, "a1", T0, "meta", f"p{i}", {"post_id": f"p{i}"}, id=100 + i) for i in range(len(days))
    ]
    assert state.account_state(reversed_all, "a1", META, now).active_strikes == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["post", "threat", "none", "reverse"]), st.sampled_from(["fa", "en"]), st.integers(0, 400)),
        min_size=1,
        max_size=25,
    )
)
def test_the_state_kinds_alone_give_the_same_history(steps: list[tuple[str, str, int]]) -> None:
    # Deciding reads only STATE_KINDS from the store: whatever the log, the history the policy sees is the same.
    ledger = Ledger()
    ledger.links = {"fa": [("en", "operator office")], "en": [("fa", "operator office")]}
    posted: list[tuple[str, str]] = []
    for i, (what, author, day) in enumerate(sorted(steps, key=lambda s: s[2])):
        at = T0 + timedelta(days=day, minutes=i)
        if what == "reverse" and posted:
            ledger.reverse(*posted[i % len(posted)], at)
        elif what != "reverse":
            category = {"post": Category.GLORIFICATION, "threat": Category.THREAT, "none": Category.NONE}[what]
            ledger.post(f"p{i}", author, at, category)
            posted.append((f"p{i}", author))
    kept = [e for e in ledger.events if e.kind in state.STATE_KINDS]
    end = T0 + timedelta(days=500)
    for account, linked in ledger.links.items():
        assert state.history(kept, account, linked, META, end) == state.history(ledger.events, account, linked, META, end)
