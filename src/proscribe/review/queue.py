"""The review queue: which decisions a person must look at, atomic claims, and the reviewer's outcome.

An item is queued when its decision's action is `review` (the score fell
between the profile's thresholds) or when the author's reach is high and the
decision restricts the post or the account. A reviewer claims an item (one
conditional UPDATE: never two holders), then confirms, overturns or escalates
it with a reason. Every outcome is a ledger event with the reviewer as actor,
written in the same transaction as the item's change and the audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from proscribe.model import Assessment, Category, ContentAction, EntityKind, EventKind, Mention, ModerationEvent
from proscribe.policy.profile import Profile
from proscribe.review.actors import Actor, Permission
from proscribe.review.content import RESTRICTING
from proscribe.review.errors import Conflict, Forbidden, Invalid, NotFound
from proscribe.review.priority import base_priority, priority

ENFORCING_ACCOUNT_ACTIONS = frozenset({"restrict", "suspend", "disable"})
MAX_REASON = 4000


class Outcome(StrEnum):
    CONFIRM = "confirm"  # the decision stands (for an uncertain one: the violation is confirmed and enforced)
    OVERTURN = "overturn"  # no violation: the post is restored, its strike and account actions voided
    ESCALATE = "escalate"  # a senior reviewer (an admin) decides


@dataclass(frozen=True)
class QueueSettings:
    high_reach_followers: int | None = 1_000_000  # None: only uncertain decisions are queued
    claim_minutes: float = 30.0  # a claim older than this can be taken by someone else
    # Profiles that name their own high-reach threshold (`thresholds.high_reach_followers`), by profile name.
    by_profile: Mapping[str, int] = field(default_factory=dict)

    def high_reach(self, profile: str) -> int | None:
        """Followers from which an enforcing decision under `profile` goes to a person."""
        return self.by_profile.get(profile, self.high_reach_followers)

    def with_profiles(self, profiles: Iterable[Profile]) -> QueueSettings:
        """These settings, with the high-reach threshold each of `profiles` names (those set here already stay)."""
        named = {p.name: p.thresholds.high_reach_followers for p in profiles if p.thresholds.high_reach_followers is not None}
        return replace(self, by_profile={**named, **self.by_profile})


ProfileLoader = Callable[[str], Profile]
TiersFor = Callable[[Profile], Mapping[str, int]]


def _now() -> datetime:
    return datetime.now(UTC)


def item_for(decision: Mapping[str, Any], followers: int | None, settings: QueueSettings) -> dict[str, Any] | None:
    """The review item a decision calls for, or None (pure)."""
    action = str(decision.get("action"))
    account_action = str((decision.get("account") or {}).get("action", "none"))
    if action == ContentAction.REVIEW:
        reason = "uncertain"
    elif (
        (threshold := settings.high_reach(str(decision.get("profile")))) is not None
        and followers is not None
        and followers >= threshold
        and (action in RESTRICTING or account_action in ENFORCING_ACCOUNT_ACTIONS)
    ):
        reason = "high_reach"
    else:
        return None
    category = str(decision.get("category") or "none")
    score = float(decision.get("score") or 0.0)
    return {
        "post_id": str(decision["post_id"]),
        "profile": str(decision["profile"]),
        "account_id": str((decision.get("account") or {}).get("id", "")),
        "reason": reason,
        "category": category,
        "action": action,
        "score": score,
        "followers": followers,
        "base_priority": base_priority(category, score, followers, reason),
    }


def enqueue_decisions(session: Any, decisions: Sequence[tuple[Mapping[str, Any], int | None]], settings: QueueSettings) -> int:
    """Queue the decisions that need a person: (decision JSON, author's followers) pairs; returns how many were new."""
    from proscribe.store import service as store

    rows = [item for d, followers in decisions if (item := item_for(d, followers, settings)) is not None]
    return store.enqueue(session, rows)


def _followers(original: Mapping[str, Any] | None) -> int | None:
    author = (original or {}).get("author") or {}
    value = author.get("followers")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def sync(session: Session, settings: QueueSettings, full: bool = False, batch: int = 1000) -> int:
    """Queue decisions recorded by any process (e.g. `proscribe scan`) since the last sync; returns items added."""
    from proscribe.store import ledger as ledger_store
    from proscribe.store import service as store

    mark = 0 if full else int(store.setting(session, "queue_watermark") or 0)
    added = 0
    while True:
        rows = store.decisions_after(session, mark, batch)
        if not rows:
            break
        pairs = []
        for _row_id, post_id, _profile, _account, line in rows:
            decision = json.loads(line)
            needs_reach = decision.get("action") != ContentAction.REVIEW and settings.high_reach(str(decision.get("profile"))) is not None
            followers = _followers(ledger_store.post(session, post_id)) if needs_reach else None
            pairs.append((decision, followers))
        added += enqueue_decisions(session, pairs, settings)
        mark = rows[-1][0]
        if len(rows) < batch:
            break
    current = int(store.setting(session, "queue_watermark") or 0)
    if mark > current:
        store.set_setting(session, "queue_watermark", str(mark))
    return added


# --- reading ------------------------------------------------------------------------


def view(item: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """An item as the API shows it, with its priority now."""
    now = now or _now()
    out = {k: v for k, v in item.items()}
    out["priority"] = priority(item["base_priority"], item["queued_at"], now, item.get("level") or 0)
    for key in ("queued_at", "claimed_at", "decided_at"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat().replace("+00:00", "Z")
    return out


def items(
    session: Session,
    statuses: Sequence[str] = ("open", "claimed", "escalated"),
    profile: str | None = None,
    limit: int = 100,
    claimed_by: str | None = None,
    now: datetime | None = None,
    account_id: str | None = None,
) -> list[dict[str, Any]]:
    """Items in the given states, highest priority first (priority grows with time waiting)."""
    from proscribe.store import service as store

    now = now or _now()
    rows = store.review_items_list(session, statuses, profile, claimed_by, limit=max(limit * 5, 500), account_id=account_id)
    views = [view(r, now) for r in rows]
    views.sort(key=lambda v: (-v["priority"], v["queued_at"], v["id"]))
    return views[:limit]


def get(session: Session, item_id: int) -> dict[str, Any]:
    from proscribe.store import service as store

    item = store.review_item(session, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}")
    return item


# --- claiming -----------------------------------------------------------------------


def _log(item: Mapping[str, Any], actor: Actor, what: str, now: datetime, **extra: Any) -> list[dict[str, Any]]:
    history = list(item.get("history") or [])
    history.append({"at": now.isoformat().replace("+00:00", "Z"), "by": actor.label, "what": what, **extra})
    return history


def claim(session: Session, item_id: int, actor: Actor, settings: QueueSettings, now: datetime | None = None) -> dict[str, Any]:
    """Claim an item for `actor`; Conflict when someone else holds it (atomic: one winner)."""
    from proscribe.store import service as store

    if not actor.may(Permission.REVIEW):
        raise Forbidden(f"the {actor.role} role cannot review; use a reviewer or admin key")
    now = now or _now()
    item = get(session, item_id)
    if item["status"] == "claimed" and item["claimed_by"] == actor.label:
        return item
    if item["status"] == "closed":
        raise Conflict(f"review item {item_id} was decided already ({item['outcome']} by {item['decided_by']})")
    if item["status"] == "escalated" and not actor.may(Permission.ADMIN):
        raise Forbidden(f"review item {item_id} was escalated: an admin decides it")
    stale = now - timedelta(minutes=settings.claim_minutes)
    if not store.claim_review_item(session, item_id, actor.label, stale, actor.may(Permission.ADMIN)):
        holder = get(session, item_id)
        raise Conflict(f"review item {item_id} is held by {holder['claimed_by']} (claims lapse after {settings.claim_minutes:g} minutes)")
    store.update_review_item(session, item_id, None, history=_log(item, actor, "claim", now))
    store.audit(session, actor.label, actor.role, "review.claim", f"review_item:{item_id}", {"post_id": item["post_id"], "profile": item["profile"]})
    return get(session, item_id)


def release(session: Session, item_id: int, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """Give a claimed item back to the queue."""
    from proscribe.store import service as store

    now = now or _now()
    item = get(session, item_id)
    if item["status"] != "claimed" or item["claimed_by"] != actor.label:
        raise Conflict(f"review item {item_id} is not held by {actor.label}")
    status = "escalated" if item["level"] else "open"
    store.update_review_item(session, item_id, actor.label, status=status, claimed_by=None, claimed_at=None, history=_log(item, actor, "release", now))
    store.audit(session, actor.label, actor.role, "review.release", f"review_item:{item_id}", {})
    return get(session, item_id)


# --- deciding -----------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid("reason is required: say why (it is shown to auditors and, on appeal, to the next reviewer)")
    if len(text) > MAX_REASON:
        raise Invalid(f"reason is too long ({len(text)} characters; at most {MAX_REASON})")
    return text


def _mentions(decision: Mapping[str, Any]) -> tuple[Mention, ...]:
    """The decision's entities as mentions, so that the policy can act on them again."""
    out = []
    for e in decision.get("entities") or []:
        out.append(
            Mention(
                entity_id=str(e["id"]),
                entity_name=str(e.get("name", e["id"])),
                entity_kind=EntityKind(e.get("kind", "organization")),
                alias=str(e.get("name", e["id"])),
                matched=str(e.get("evidence", "")),
                start=0,
                end=0,
                lists=tuple(e.get("lists") or ()),
            )
        )
    return tuple(out)


def enforce(
    session: Session,
    post_id: str,
    profile: Profile,
    category: Category,
    actor: Actor,
    now: datetime,
    tiers: Mapping[str, int],
    note: Mapping[str, Any],
) -> list[ModerationEvent]:
    """Decide a post again with the reviewer's certainty and append what follows (strike, account actions).

    The decision is the policy's pure function over the ledger's history, as
    for an automatic decision, as of the review (so the 90-day rule and expiry
    use the review's time).
    """
    from proscribe.ledger import state
    from proscribe.pipeline import BadPost, post_from_json
    from proscribe.policy.decide import decide
    from proscribe.store import ledger as ledger_store

    line = ledger_store.stored_decision(session, post_id, profile.name)
    original = ledger_store.post(session, post_id)
    if line is None or original is None:
        raise NotFound(f"post {post_id} has no stored decision under {profile.name}")
    decision = json.loads(line)
    try:
        post = post_from_json(original)
    except BadPost as exc:
        raise Conflict(f"the stored post {post_id} cannot be read again: {exc}") from None
    author = post.author.id
    decided_for = str((decision.get("account") or {}).get("id", author))
    if decided_for != author:  # a post id names one post; a store written before that was enforced may hold another
        raise Conflict(f"the stored post {post_id} is by {author}, but the decision under {profile.name} is about {decided_for}: "
                       "it cannot be decided again from the stored post")
    ledger_store.lock_account(session, author)
    assessment = Assessment(
        post_id=post_id,
        category=category,
        context=None,
        score=max(float(decision.get("score") or 0.0), profile.thresholds.act),
        mentions=_mentions(decision),
        evidence=(f"confirmed by {actor.label}",),
        model=f"review:{actor.label}",
        confirmed_by=actor.label,
    )
    linked = ledger_store.linked_accounts(session, author)
    events = ledger_store.events_for(session, [author, *(other for other, _ in linked)], profile.name)
    history = state.history(events, author, linked, profile, now)
    outcome = decide(
        assessment, post, history, None, profile, now, tiers=tiers, registry_version=str((decision.get("versions") or {}).get("registry", ""))
    )
    if outcome.decision.action is ContentAction.REVIEW:
        reasons = " ".join(outcome.decision.reasons)
        raise Conflict(f"the {profile.name} profile still sends this post to review when confirmed as {category}: {reasons} Escalate it instead.")
    recorded = []
    for e in outcome.events:
        event = replace(e, actor=actor.label, payload={**e.payload, **note})
        event = replace(event, id=ledger_store.append_event(session, event))
        recorded.append(event)
    return recorded


def decide(
    session: Session,
    item_id: int,
    actor: Actor,
    outcome: Outcome | str,
    reason: str | None,
    *,
    profiles: ProfileLoader,
    tiers_for: TiersFor,
    category: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Confirm, overturn or escalate an item the actor holds; the ledger events and the audit entry go in the same transaction."""
    from proscribe.store import ledger as ledger_store
    from proscribe.store import service as store

    now = now or _now()
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise Invalid(f"outcome must be one of {', '.join(o.value for o in Outcome)}, not {outcome!r}") from None
    text = _reason(reason)
    item = get(session, item_id)
    if item["status"] != "claimed" or item["claimed_by"] != actor.label:
        raise Conflict(f"claim review item {item_id} first (it is {item['status']}" + (f", held by {item['claimed_by']})" if item["claimed_by"] else ")"))
    profile = profiles(item["profile"])
    note = {"review_item": item_id, "outcome": str(outcome), "reason": text}
    recorded: list[ModerationEvent] = []
    review_event = ModerationEvent(EventKind.REVIEW, item["account_id"], now, item["profile"], item["post_id"], dict(note), actor.label)

    if outcome is Outcome.ESCALATE:
        if item["level"]:
            raise Conflict(f"review item {item_id} was escalated already: confirm or overturn it")
        ledger_store.append_event(session, review_event)
        store.update_review_item(
            session, item_id, actor.label, status="escalated", level=1, claimed_by=None, claimed_at=None,
            history=_log(item, actor, "escalate", now, reason=text),
        )
    else:
        if outcome is Outcome.CONFIRM and item["action"] == ContentAction.REVIEW:
            chosen = category or item["category"]
            try:
                cat = Category(chosen)
            except ValueError:
                raise Invalid(f"category must be one of glorification, support, representation, threat, not {chosen!r}") from None
            if cat is Category.NONE:
                raise Invalid("category is required to confirm this item: the classifier found no violation category; "
                              "give glorification, support, representation or threat, or overturn it")
            recorded = enforce(session, item["post_id"], profile, cat, actor, now, tiers_for(profile), note)
            review_event = replace(review_event, payload={**review_event.payload, "category": str(cat)})
        ledger_store.append_event(session, review_event)
        if outcome is Outcome.OVERTURN:
            reversal = ModerationEvent(
                EventKind.REVERSAL, item["account_id"], now, item["profile"], item["post_id"],
                {"post_id": item["post_id"], "review_item": item_id, "reason": text}, actor.label,
            )
            ledger_store.append_event(session, reversal)
        store.update_review_item(
            session, item_id, actor.label, status="closed", outcome=str(outcome), outcome_reason=text,
            decided_by=actor.label, decided_at=now, history=_log(item, actor, str(outcome), now, reason=text),
        )
    store.audit(
        session, actor.label, actor.role, f"review.{outcome}", f"review_item:{item_id}",
        {"post_id": item["post_id"], "profile": item["profile"], "reason": text, "events": [str(e.kind) for e in recorded]},
    )
    return get(session, item_id)
