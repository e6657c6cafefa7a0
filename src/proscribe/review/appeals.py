"""Appeals: a user contests a removal or an account action; a different reviewer upholds or overturns it.

The platform files the appeal on its user's behalf. The reviewers who made
the decision appealed (its review, an earlier manual decision) are excluded
from deciding it. Overturning appends a reversal to the ledger: the ledger's
pure functions then void the strike and every account action that followed
from the decision (linked accounts included), so a disabled account is
re-enabled when it no longer meets the threshold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Callable

from sqlalchemy.orm import Session

from proscribe.model import EventKind, ModerationEvent
from proscribe.policy.profile import Profile
from proscribe.review.actors import Actor, Permission
from proscribe.review.content import content_status
from proscribe.review.errors import Conflict, Forbidden, Invalid, NotFound
from proscribe.review.queue import MAX_REASON, QueueSettings, _log, _reason

MAX_STATEMENT = 5000


class AppealKind(StrEnum):
    CONTENT = "content"  # a post's removal (or interstitial, limit, withholding)
    ACCOUNT = "account"  # an account action in force


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    OVERTURN = "overturn"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def view(appeal: dict[str, Any]) -> dict[str, Any]:
    out = dict(appeal)
    for key in ("filed_at", "claimed_at", "decided_at"):
        out[key] = _iso(out.get(key))
    return out


def get(session: Session, appeal_id: int) -> dict[str, Any]:
    from proscribe.store import service as store

    found = store.appeal(session, appeal_id)
    if found is None:
        raise NotFound(f"no appeal {appeal_id}")
    return found


def _deciders(events: list[ModerationEvent], extra: list[str]) -> list[str]:
    """People (not the automatic system) who made or reviewed the decision appealed."""
    names = {e.actor for e in events if e.actor and e.actor != "system" and e.kind in (EventKind.DECISION, EventKind.REVIEW, EventKind.ACCOUNT_ACTION, EventKind.STRIKE)}
    names.update(x for x in extra if x)
    return sorted(names)


def _standing(session: Session, account_id: str, profile: Profile, now: datetime) -> Any:
    from proscribe.ledger import state
    from proscribe.store import ledger as ledger_store

    linked = ledger_store.linked_accounts(session, account_id)
    events = ledger_store.events_for(session, [account_id, *(other for other, _ in linked)], profile.name)
    return state.account_state(events, account_id, profile, now)


def file(
    session: Session,
    actor: Actor,
    kind: AppealKind | str,
    profile: Profile,
    statement: str,
    post_id: str | None = None,
    account_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """File an appeal of a post's restriction or an account's action; Conflict when there is nothing to appeal."""
    from proscribe.store import ledger as ledger_store
    from proscribe.store import service as store

    if not actor.may(Permission.APPEAL):
        raise Forbidden(f"the {actor.role} role cannot file appeals; the platform's key files them for its users")
    now = now or _now()
    try:
        kind = AppealKind(kind)
    except ValueError:
        raise Invalid(f"kind must be content or account, not {kind!r}") from None
    text = (statement or "").strip()
    if len(text) > MAX_STATEMENT:
        raise Invalid(f"statement is too long ({len(text)} characters; at most {MAX_STATEMENT})")
    if kind is AppealKind.CONTENT:
        if not post_id:
            raise Invalid("post_id is required for a content appeal")
        events = store.events_of_post(session, post_id, profile.name)
        status = content_status(events, post_id, profile.name)
        if status.action is None:
            raise NotFound(f"post {post_id} has no decision under {profile.name}")
        if not status.appealable:
            raise Conflict(f"nothing to appeal: post {post_id} is {'restored' if status.reversed else status.action} under {profile.name}")
        author = next((e.account_id for e in events if e.kind is EventKind.DECISION), account_id or "")
        excluded = _post_deciders(session, post_id, profile.name, events)
        target, event_id = post_id, None
    else:
        if not account_id:
            raise Invalid("account_id is required for an account appeal")
        st = _standing(session, account_id, profile, now)
        if not st.standing.in_force:
            raise Conflict(f"nothing to appeal: account {account_id} has no account action in force under {profile.name}")
        record = next(
            (a for a in reversed(st.actions) if a.stands and a.action is st.standing.action and a.at == st.standing.since),
            None,
        )
        if record is None or record.event_id is None:
            raise Conflict(f"the account action in force on {account_id} cannot be traced to a ledger event")
        event_id = int(record.event_id)
        post_events = store.events_of_post(session, record.post_id, profile.name) if record.post_id else []
        excluded = _deciders([e for e in st.events if e.id == event_id] + post_events, [])
        author, target = account_id, f"{account_id}#{event_id}"
        post_id = record.post_id
    if store.appeal_for(session, str(kind), target, profile.name) is not None:
        raise Conflict(f"this {kind} decision was appealed already (appeal {store.appeal_for(session, str(kind), target, profile.name)['id']})")  # type: ignore[index]
    appeal_id = store.add_appeal(
        session, kind=str(kind), target=target, profile=profile.name, post_id=post_id, account_id=author,
        event_id=event_id, statement=text, filed_by=actor.label, excluded=excluded,
    )
    ledger_store.append_event(
        session,
        ModerationEvent(EventKind.APPEAL, author, now, profile.name, post_id,
                        {"appeal": appeal_id, "status": "filed", "kind": str(kind), "event_id": event_id}, actor.label),
    )
    store.audit(session, actor.label, actor.role, "appeal.file", f"appeal:{appeal_id}", {"kind": str(kind), "target": target, "profile": profile.name})
    return get(session, appeal_id)


def _excluded(session: Session, appeal: dict[str, Any]) -> set[str]:
    """Who may not decide the appeal: those recorded when it was filed, and anyone who has since reviewed or
    decided the post appealed (a high-reach removal stays in the review queue while its appeal is open)."""
    names = set(appeal.get("excluded") or [])
    if appeal.get("post_id"):
        names.update(_post_deciders(session, appeal["post_id"], appeal["profile"]))
    return names


def _post_deciders(session: Session, post_id: str, profile: str, events: list[ModerationEvent] | None = None) -> list[str]:
    """The people who decided or reviewed a post under a profile: its ledger events' actors and its review item's
    decider (`events`: the post's events, when the caller has read them already)."""
    from proscribe.store import service as store

    if events is None:
        events = store.events_of_post(session, post_id, profile)
    item = store.review_item_for(session, post_id, profile)
    return _deciders(events, [item["decided_by"]] if item and item.get("decided_by") else [])


def _settle_review(session: Session, appeal: dict[str, Any], actor: Actor, outcome: AppealOutcome, reason: str, now: datetime) -> None:
    """A content appeal decided settles the post's review item still waiting (a high-reach removal is queued and
    in force at once): it is closed with the appeal's outcome, so nobody confirms a post the appeal restored."""
    from proscribe.store import service as store

    item = store.review_item_for(session, appeal["post_id"], appeal["profile"])
    if item is None or item["status"] == "closed":
        return
    done = "overturn" if outcome is AppealOutcome.OVERTURN else "confirm"
    note = f"settled by appeal {appeal['id']} ({outcome}): {reason}"
    store.update_review_item(
        session, item["id"], None, status="closed", outcome=done, outcome_reason=note, decided_by=actor.label, decided_at=now,
        claimed_by=None, claimed_at=None, history=_log(item, actor, f"appeal {outcome}", now, appeal=appeal["id"], reason=reason),
    )


def claim(session: Session, appeal_id: int, actor: Actor, settings: QueueSettings, now: datetime | None = None) -> dict[str, Any]:
    """Claim an appeal; Forbidden for a reviewer who made the decision appealed, Conflict when someone holds it."""
    from proscribe.store import service as store

    if not actor.may(Permission.REVIEW):
        raise Forbidden(f"the {actor.role} role cannot decide appeals; use a reviewer or admin key")
    now = now or _now()
    appeal = get(session, appeal_id)
    if appeal["status"] == "claimed" and appeal["claimed_by"] == actor.label:
        return appeal
    if appeal["status"] == "closed":
        raise Conflict(f"appeal {appeal_id} was decided already ({appeal['outcome']} by {appeal['decided_by']})")
    if actor.label in _excluded(session, appeal):
        raise Forbidden(f"appeal {appeal_id} must go to a different reviewer: {actor.label} made or reviewed the decision appealed")
    stale = now - timedelta(minutes=settings.claim_minutes)
    if not store.claim_appeal(session, appeal_id, actor.label, stale):
        raise Conflict(f"appeal {appeal_id} is held by {get(session, appeal_id)['claimed_by']}")
    store.audit(session, actor.label, actor.role, "appeal.claim", f"appeal:{appeal_id}", {})
    return get(session, appeal_id)


def decide(
    session: Session,
    appeal_id: int,
    actor: Actor,
    outcome: AppealOutcome | str,
    reason: str | None,
    profiles: Callable[[str], Profile],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Uphold or overturn an appeal the actor holds; returns the appeal with the account's standing before and after."""
    from proscribe.store import ledger as ledger_store
    from proscribe.store import service as store

    now = now or _now()
    try:
        outcome = AppealOutcome(outcome)
    except ValueError:
        raise Invalid(f"outcome must be uphold or overturn, not {outcome!r}") from None
    text = _reason(reason)
    assert len(text) <= MAX_REASON
    appeal = get(session, appeal_id)
    if appeal["status"] != "claimed" or appeal["claimed_by"] != actor.label:
        raise Conflict(f"claim appeal {appeal_id} first (it is {appeal['status']})")
    if actor.label in _excluded(session, appeal):  # reviewed the post after claiming its appeal
        raise Forbidden(f"appeal {appeal_id} must go to a different reviewer: {actor.label} made or reviewed the decision appealed")
    profile = profiles(appeal["profile"])
    account = appeal["account_id"]
    ledger_store.lock_account(session, account)
    before = _standing(session, account, profile, now).standing
    if outcome is AppealOutcome.OVERTURN:
        payload: dict[str, Any] = {"appeal": appeal_id, "reason": text}
        if appeal["kind"] == AppealKind.ACCOUNT:
            payload["event_id"] = int(appeal["event_id"])
        else:
            payload["post_id"] = appeal["post_id"]
        ledger_store.append_event(
            session, ModerationEvent(EventKind.REVERSAL, account, now, profile.name, appeal["post_id"], payload, actor.label)
        )
    ledger_store.append_event(
        session,
        ModerationEvent(EventKind.APPEAL, account, now, profile.name, appeal["post_id"],
                        {"appeal": appeal_id, "outcome": str(outcome), "reason": text}, actor.label),
    )
    after = _standing(session, account, profile, now).standing
    if appeal["kind"] == AppealKind.CONTENT:
        _settle_review(session, appeal, actor, outcome, text, now)
    store.update_appeal(
        session, appeal_id, actor.label, status="closed", outcome=str(outcome), outcome_reason=text, decided_by=actor.label, decided_at=now
    )
    result = {
        "account_before": {"action": str(before.action), "until": _iso(before.until)},
        "account_after": {"action": str(after.action), "until": _iso(after.until)},
    }
    store.audit(session, actor.label, actor.role, f"appeal.{outcome}", f"appeal:{appeal_id}", {"reason": text, **result})
    return {**view(get(session, appeal_id)), **result}
