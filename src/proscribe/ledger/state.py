"""Account state derived from the event log by pure functions (strikes, expiry, standing, reversals).

Nothing here is stored: the log of `ModerationEvent`s is the one truth, and the
same events, profile and clock always give the same state. A reversal event
(payload `{"post_id": ...}` or `{"event_id": ...}`) voids the decision it names
and everything that followed from it: its strike, its account action and the
linked accounts' actions. Strike-based account actions are re-checked against
the strikes that remain, so removing a strike also lifts an action it no
longer justifies.

Two clocks meet here. The state of an account at a moment (`account_state`)
is a replay: only the reversals recorded by then count. A decision
(`history`) is made now, even when it is made as of an earlier moment (a post
decided as of its `created_at`): every reversal already in the log counts,
whatever its time, and that moment only decides which strikes fall inside the
profile's windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from proscribe.model import AccountAction, EventKind, ModerationEvent
from proscribe.policy.history import SEVERITY, AccountHistory, LinkedAccount, Standing
from proscribe.policy.profile import Profile


@dataclass(frozen=True)
class Strike:
    account_id: str
    post_id: str | None
    at: datetime
    category: str
    doi: bool
    expires: datetime | None
    reversed: bool = False

    def active(self, now: datetime) -> bool:
        return not self.reversed and self.at <= now and (self.expires is None or self.expires > now)


@dataclass(frozen=True)
class ActionRecord:
    """An account action from the log, and whether it still stands."""

    account_id: str
    action: AccountAction
    at: datetime
    until: datetime | None
    basis: str
    post_id: str | None
    source: str | None  # for an action that reached a linked account: the account it came from
    stands: bool
    void_reason: str | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class AccountState:
    """Everything the ledger knows about one account under one profile, as of `now`."""

    account_id: str
    profile: str
    now: datetime
    standing: Standing
    strikes: tuple[Strike, ...]  # every strike, expired and reversed ones flagged
    active_strikes: int
    doi_strikes: int
    actions: tuple[ActionRecord, ...]
    events: tuple[ModerationEvent, ...]  # this account's events up to `now`, in order

    def to_json(self) -> dict[str, object]:
        return {
            "account": self.account_id,
            "profile": self.profile,
            "as_of": _iso(self.now),
            "action": str(self.standing.action),
            "until": _iso(self.standing.until),
            "since": _iso(self.standing.since),
            "basis": self.standing.basis,
            "strikes": self.active_strikes,
            "doi_strikes": self.doi_strikes,
            "strike_log": [
                {
                    "post_id": s.post_id,
                    "at": _iso(s.at),
                    "category": s.category,
                    "doi": s.doi,
                    "expires": _iso(s.expires),
                    "status": "reversed" if s.reversed else "active" if s.active(self.now) else "expired",
                }
                for s in self.strikes
            ],
            "actions": [
                {
                    "action": str(a.action),
                    "at": _iso(a.at),
                    "until": _iso(a.until),
                    "basis": a.basis,
                    "post_id": a.post_id,
                    "source": a.source,
                    "stands": a.stands,
                    "void_reason": a.void_reason,
                }
                for a in self.actions
            ],
            "history": [
                {"id": e.id, "kind": str(e.kind), "at": _iso(e.at), "post_id": e.post_id, "actor": e.actor, "payload": e.payload}
                for e in self.events
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _parse(value: object) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def ordered(events: Iterable[ModerationEvent]) -> list[ModerationEvent]:
    """Events in log order: by time, then by id (insertion order) for ties."""
    indexed = list(enumerate(events))
    indexed.sort(key=lambda pair: (pair[1].at, pair[1].id if pair[1].id is not None else 1 << 62, pair[0]))
    return [e for _, e in indexed]


@dataclass(frozen=True)
class _Reversals:
    posts: frozenset[str]
    event_ids: frozenset[int]

    def covers(self, event: ModerationEvent) -> bool:
        return (event.post_id is not None and event.post_id in self.posts) or (
            event.id is not None and event.id in self.event_ids
        )


def reversals(events: Iterable[ModerationEvent], profile: str, now: datetime | None) -> _Reversals:
    """Which decisions and events have been overturned by `now` (None: by every reversal in `events`)."""
    posts: set[str] = set()
    ids: set[int] = set()
    for e in events:
        if e.kind is not EventKind.REVERSAL or e.profile != profile or (now is not None and e.at > now):
            continue
        target_event = e.payload.get("event_id")
        if target_event is not None:
            ids.add(int(target_event))
        else:
            target = e.payload.get("post_id", e.post_id)
            if target:
                posts.add(str(target))
    return _Reversals(frozenset(posts), frozenset(ids))


_ACTIONS = {str(a): a for a in AccountAction}

# The kinds of event an account's state is made of (strikes, standing, linked accounts' actions). The
# others (decisions, reviews, appeals, notices, removal orders) are its history only: deciding a post
# reads just these, so an account's thousandth post costs no more than its first.
STATE_KINDS = frozenset({EventKind.STRIKE, EventKind.ACCOUNT_ACTION, EventKind.LINKED_ACCOUNT_ACTION, EventKind.REVERSAL})


class _Log:
    """The events of one profile up to `now`, ordered once and grouped by account.

    Every derivation for a moment (strikes, actions, standing, linked accounts)
    reads this one view, so the log is sorted and its reversals found once,
    however many accounts are looked at.
    """

    def __init__(self, events: Sequence[ModerationEvent], profile: Profile, now: datetime, every_reversal: bool = False) -> None:
        self.profile = profile
        self.now = now
        log = ordered(events)
        # A replay counts the reversals recorded by `now`; a decision counts every one in the log (see the module's note).
        self.rev = reversals(log, profile.name, None if every_reversal else now)
        self.by_account: dict[str, list[ModerationEvent]] = {}
        name = profile.name
        for e in log:
            if e.profile == name and e.at <= now:
                self.by_account.setdefault(e.account_id, []).append(e)
        self._strikes: dict[str, tuple[Strike, ...]] = {}
        self._actions: dict[tuple[str, int], tuple[ActionRecord, ...]] = {}

    def own(self, account_id: str) -> list[ModerationEvent]:
        return self.by_account.get(account_id, [])

    def strikes(self, account_id: str) -> tuple[Strike, ...]:
        found = self._strikes.get(account_id)
        if found is not None:
            return found
        days = self.profile.strikes.expire_after_days
        out = []
        for e in self.own(account_id):
            if e.kind is not EventKind.STRIKE:
                continue
            expires = _parse(e.payload.get("expires"))
            if expires is None and "expires" not in e.payload and days is not None:
                expires = e.at + timedelta(days=days)
            out.append(
                Strike(
                    account_id,
                    e.post_id,
                    e.at,
                    str(e.payload.get("category", "")),
                    bool(e.payload.get("doi", True)),
                    expires,
                    self.rev.covers(e),
                )
            )
        self._strikes[account_id] = result = tuple(out)
        return result

    def actions(self, account_id: str, depth: int = 0) -> tuple[ActionRecord, ...]:
        key = (account_id, depth)
        found = self._actions.get(key)
        if found is not None:
            return found
        own_strikes = self.strikes(account_id)
        out = []
        for e in self.own(account_id):
            if e.kind is not EventKind.ACCOUNT_ACTION and e.kind is not EventKind.LINKED_ACCOUNT_ACTION:
                continue
            payload = e.payload
            action = _ACTIONS.get(payload.get("action", "none")) or AccountAction(str(payload.get("action")))
            basis = str(payload.get("basis", "manual"))
            source = payload.get("source")
            stands, why = True, None
            if self.rev.covers(e):
                stands, why = False, "the decision behind it was reversed"
            elif basis == "ladder" and payload.get("strike_number"):
                if active_count(own_strikes, e.at) < int(payload["strike_number"]):
                    stands, why = False, "a strike it counted was reversed"
            elif basis == "doi_threshold" and payload.get("threshold"):
                if doi_count(own_strikes, e.at, self.profile.doi.window_days) < int(payload["threshold"]):
                    stands, why = False, "a DOI strike it counted was reversed"
            elif e.kind is EventKind.LINKED_ACCOUNT_ACTION and source and depth < 2:
                # It stands as long as the action on the account it came from stands.
                origin = [a for a in self.actions(str(source), depth + 1) if a.post_id == e.post_id and a.source is None]
                if origin and not any(a.stands for a in origin):
                    stands, why = False, f"the action on {source} it followed no longer stands"
            out.append(
                ActionRecord(account_id, action, e.at, _parse(payload.get("until")), basis, e.post_id, source, stands, why, e.id)
            )
        self._actions[key] = result = tuple(out)
        return result


def strikes(events: Sequence[ModerationEvent], account_id: str, profile: Profile, now: datetime) -> tuple[Strike, ...]:
    """Every strike on the account recorded by `now`, with its expiry and whether it was reversed."""
    return _Log(events, profile, now).strikes(account_id)


def active_count(all_strikes: Iterable[Strike], at: datetime) -> int:
    # Strike.active written out: this runs for every ladder action of every history read.
    return sum(1 for s in all_strikes if not s.reversed and s.at <= at and (s.expires is None or s.expires > at))


def doi_count(all_strikes: Iterable[Strike], at: datetime, window_days: int) -> int:
    start = at - timedelta(days=window_days)
    return sum(1 for s in all_strikes if s.doi and not s.reversed and start < s.at <= at)


def actions(events: Sequence[ModerationEvent], account_id: str, profile: Profile, now: datetime) -> tuple[ActionRecord, ...]:
    """Account actions on the account recorded by `now`, each re-checked against the log."""
    return _Log(events, profile, now).actions(account_id)


def standing(records: Sequence[ActionRecord], now: datetime) -> Standing:
    """The strongest account action in force at `now`.

    A restore (action `none`) lifts everything before it. A ladder `restrict`
    with no duration is a one-off feature limit, not a standing restriction.
    """
    best: ActionRecord | None = None
    for record in records:
        if not record.stands or record.at > now:
            continue
        if record.action is AccountAction.NONE:
            best = None  # a restore
            continue
        if record.action is AccountAction.WARN:
            continue
        if record.until is not None and record.until <= now:
            continue
        if record.until is None and record.action is AccountAction.RESTRICT and record.basis == "ladder":
            continue
        if best is None or _stronger(record, best):
            best = record
    if best is None:
        return Standing()
    return Standing(best.action, best.until, best.at, best.basis, best.post_id)


def _stronger(a: ActionRecord, b: ActionRecord) -> bool:
    if SEVERITY[a.action] != SEVERITY[b.action]:
        return SEVERITY[a.action] > SEVERITY[b.action]
    if a.until is None or b.until is None:
        return a.until is None and b.until is not None
    return a.until > b.until


def account_state(events: Sequence[ModerationEvent], account_id: str, profile: Profile, now: datetime) -> AccountState:
    """The account's state under `profile` as of `now`, derived from the events.

    `events` may hold other accounts' events too (linked accounts' actions are
    checked against the account they came from).
    """
    return _state(_Log(events, profile, now), account_id)


def _state(log: _Log, account_id: str) -> AccountState:
    all_strikes = log.strikes(account_id)
    records = log.actions(account_id)
    now = log.now
    return AccountState(
        account_id=account_id,
        profile=log.profile.name,
        now=now,
        standing=standing(records, now),
        strikes=all_strikes,
        active_strikes=active_count(all_strikes, now),
        doi_strikes=doi_count(all_strikes, now, log.profile.doi.window_days),
        actions=records,
        events=tuple(log.own(account_id)),
    )


def history(
    events: Sequence[ModerationEvent],
    account_id: str,
    linked: Sequence[tuple[str, str]],
    profile: Profile,
    now: datetime,
) -> AccountHistory:
    """What the policy needs about the account as of `now`; `linked` is (account id, via) pairs.

    `events` is the log as it stands when the decision is made. Strikes and
    account actions count as of `now` (their windows, expiry and durations);
    every reversal in `events` counts, even one timed after `now`: it was
    recorded before this decision, so what it voided stays void (a post
    decided as of an earlier `created_at` does not bring an overturned strike
    back).
    """
    log = _Log(events, profile, now, every_reversal=True)
    state = _state(log, account_id)
    others = tuple(LinkedAccount(other, standing(log.actions(other), now), via) for other, via in linked)
    return AccountHistory(account_id, state.active_strikes, state.doi_strikes, state.standing, others)
