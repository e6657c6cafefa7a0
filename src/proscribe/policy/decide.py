"""The decision: a pure function of (assessment, post, account history, screening, profile, clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from proscribe.model import (
    AccountAction,
    AccountOutcome,
    AccountScreening,
    Assessment,
    Category,
    ContentAction,
    Context,
    Decision,
    DecisionEntity,
    EventKind,
    LinkedAccountOutcome,
    Mention,
    ModerationEvent,
    Post,
)
from proscribe.policy.history import SEVERITY, AccountHistory, Standing
from proscribe.policy.profile import Exemption, Profile, Violation, WithoutEntity

CONTEXT_WORDS = {
    Context.NEWS: "news reporting",
    Context.CONDEMNATION: "condemnation",
    Context.DISCUSSION: "neutral discussion",
    Context.SATIRE: "satire",
    Context.HUMAN_RIGHTS: "human-rights discussion",
    Context.UNRELATED: "unrelated to any designated entity",
}


_VIOLATIONS = frozenset(v.value for v in Violation)

ACTION_WORDS = {
    ContentAction.ALLOW: "no action",
    ContentAction.REMOVE: "removal",
    ContentAction.INTERSTITIAL: "a public-interest notice (interstitial)",
    ContentAction.LIMIT: "reduced distribution",
    ContentAction.REVIEW: "human review",
    ContentAction.WITHHOLD: "withholding in named countries",
}


@dataclass(frozen=True)
class AccountStep:
    """An account action a rule calls for, and why."""

    action: AccountAction
    until: datetime | None
    basis: str  # ladder | doi_threshold | representation | threat
    label: str
    strike_number: int | None = None
    doi_strikes: int | None = None
    threshold: int | None = None


@dataclass(frozen=True)
class PolicyOutcome:
    """A decision and the ledger events it implies (to be recorded in one transaction)."""

    decision: Decision
    events: tuple[ModerationEvent, ...]
    account_step: AccountStep | None = None


def _until(now: datetime, days: float | None) -> datetime | None:
    return now + timedelta(days=days) if days is not None else None


def _names(mentions: tuple[Mention, ...] | list[Mention]) -> str:
    seen: list[str] = []
    for m in mentions:
        if m.entity_name not in seen:
            seen.append(m.entity_name)
    return ", ".join(seen)


def decision_entities(mentions: tuple[Mention, ...]) -> tuple[DecisionEntity, ...]:
    """One entry per entity: the words that matched and the lists that designate it."""
    order: list[str] = []
    by_id: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.entity_id not in by_id:
            order.append(m.entity_id)
            by_id[m.entity_id] = []
        by_id[m.entity_id].append(m)
    out = []
    for entity_id in order:
        ms = by_id[entity_id]
        words: list[str] = []
        lists: list[str] = []
        for m in ms:
            if m.matched not in words:
                words.append(m.matched)
            for name in m.lists:
                if name not in lists:
                    lists.append(name)
        out.append(DecisionEntity(entity_id, ms[0].entity_name, ms[0].entity_kind, "; ".join(words), tuple(lists)))
    return tuple(out)


def _qualifying(
    mentions: tuple[Mention, ...], profile: Profile, tiers: Mapping[str, int] | None, reasons: list[str]
) -> list[Mention]:
    """Mentions of designated, in-scope entities of a tier the profile acts on. An entity left out is given its
    reason once, however often the post names it."""
    keep = []
    explained: set[str] = set()
    for m in mentions:
        tier = (tiers or {}).get(m.entity_id, profile.tiers.default)
        if m.in_scope and tier in profile.tiers.acts_on:
            keep.append(m)
            continue
        if m.entity_id in explained:
            continue
        explained.add(m.entity_id)
        if not m.in_scope:
            reasons.append(f"{m.entity_name} is mentioned but is not in the scope of the DOI policy.")
        else:
            reasons.append(f"{m.entity_name} is a tier {tier} entity; this profile acts on tiers {list(profile.tiers.acts_on)}.")
    return keep


def qualifies(exemption: Exemption, post: Post, screening: AccountScreening | None, now: datetime) -> str | None:
    """Why the author qualifies for an exemption, or None when it does not."""
    from proscribe.policy import un

    author = post.author
    role, country, inferred = author.role, author.country, False
    if role not in exemption.roles and screening is not None and screening.official and exemption.inferred_roles:
        role, inferred = screening.official_role, True
        country = country or screening.official_country
    if role not in exemption.roles:
        return None
    if (author.followers or 0) < exemption.min_followers:
        return None
    where = ""
    if exemption.un_member:
        state = un.is_member(country or (screening.official_country if screening else None), now.date())
        if state is None:
            return None
        where = f" of {state.name} ({state.alpha2}), a UN member state"
    how = " (role inferred by account screening)" if inferred else ""
    return f"{exemption.id}: {role}{how}{where}, {author.followers:,} followers"


def _ladder_step(profile: Profile, count: int, now: datetime) -> AccountStep | None:
    step = profile.strikes.step(count)
    if step is None or step.action is AccountAction.NONE:
        return None
    label = step.label or str(step.action)
    return AccountStep(step.action, _until(now, step.days), "ladder", f"strike {count}: {label}", strike_number=count)


def _strongest(steps: list[AccountStep]) -> AccountStep | None:
    best = None
    for step in steps:
        if best is None or _stronger(step.action, step.until, best.action, best.until):
            best = step
    return best


def _stronger(a: AccountAction, a_until: datetime | None, b: AccountAction, b_until: datetime | None) -> bool:
    if SEVERITY[a] != SEVERITY[b]:
        return SEVERITY[a] > SEVERITY[b]
    if a_until is None or b_until is None:
        return a_until is None and b_until is not None
    return a_until > b_until


def _describe(action: AccountAction, until: datetime | None) -> str:
    word = {
        AccountAction.WARN: "warned",
        AccountAction.RESTRICT: "restricted",
        AccountAction.SUSPEND: "suspended",
        AccountAction.DISABLE: "disabled",
        AccountAction.NONE: "not acted on",
    }[action]
    if action in (AccountAction.RESTRICT, AccountAction.SUSPEND):
        if until is not None:
            return f"{word} until {until.isoformat().replace('+00:00', 'Z')}"
        if action is AccountAction.SUSPEND:
            return f"{word} permanently"
    return word


def decide(
    assessment: Assessment,
    post: Post,
    history: AccountHistory,
    screening: AccountScreening | None,
    profile: Profile,
    now: datetime,
    *,
    tiers: Mapping[str, int] | None = None,
    registry_version: str = "",
) -> PolicyOutcome:
    """Decide one post under a profile, as of `now`.

    Pure: the same arguments give the same outcome. `tiers` maps entity ids to
    their tier under this profile (absent: the profile's default tier).
    """
    reasons: list[str] = []
    exemptions: list[str] = []
    category = assessment.category
    rule = profile.rule(category)
    score = float(assessment.score)
    act, review = profile.thresholds.act, profile.thresholds.review
    content = ContentAction.ALLOW
    strike = False
    doi_strike = False
    steps: list[AccountStep] = []
    exemption: Exemption | None = None

    if now.date() < profile.effective_from:
        reasons.append(
            f"The {profile.name} profile applies from {profile.effective_from.isoformat()}; "
            f"this post is decided as of {now.date().isoformat()}, before it, so no action is taken."
        )
    elif category is Category.NONE:
        # The chance that the post violates at all: the violation categories' probabilities together.
        doubt = min(1.0, sum(float(v) for k, v in assessment.scores.items() if k in _VIOLATIONS))
        context = CONTEXT_WORDS.get(assessment.context) if assessment.context else None
        if doubt >= review:
            content = ContentAction.REVIEW
            reasons.append(
                f"Classified as not violating{f' ({context})' if context else ''}, but the chance of a violation "
                f"({doubt:.2f}) is at or above the review threshold {review}: a person should look."
            )
        else:
            reasons.append(f"Not a violation{f': {context}' if context else ''}; allowed.")
    elif rule is None:
        reasons.append(f"Classified as {category}, which the {profile.name} profile does not act on.")
    elif score < review:
        reasons.append(f"Classified as {category} with score {score:.2f}, below the review threshold {review}: no action.")
    elif score < act:
        content = ContentAction.REVIEW
        reasons.append(
            f"Classified as {category} with score {score:.2f}, between the review threshold {review} "
            f"and the action threshold {act}: sent to human review."
        )
    else:
        qualifying = _qualifying(assessment.mentions, profile, tiers, reasons)
        acting = True
        if rule.requires_entity and not qualifying:
            if assessment.confirmed_by:
                reasons.append(
                    f"Confirmed as {category} by {assessment.confirmed_by} on review, although no designated entity or event "
                    "was identified in the post."
                )
            elif profile.without_entity is WithoutEntity.REVIEW:
                content, acting = ContentAction.REVIEW, False
                reasons.append(f"Classified as {category} (score {score:.2f}) but no designated entity or event was identified: sent to human review.")
            elif profile.without_entity is WithoutEntity.ALLOW:
                acting = False
                reasons.append(f"Classified as {category} (score {score:.2f}) but no designated entity or event was identified: no action.")
            else:
                reasons.append(f"Classified as {category} (score {score:.2f}); no designated entity was identified, and this profile acts anyway.")
        if acting:
            content = rule.content_action
            named = _names(qualifying)
            about = f" of {named}" if named and category is not Category.THREAT else ""
            reasons.append(f"{str(category).capitalize()}{about} (score {score:.2f}): the {profile.name} profile requires {ACTION_WORDS[content]}.")
            for ex in profile.exemptions:
                if Violation(str(category)) in ex.categories:
                    why = qualifies(ex, post, screening, now)
                    if why:
                        exemption = ex
                        exemptions.append(why)
                        content = ex.content_action
                        reasons.append(f"Exempt ({why}): the post gets {ACTION_WORDS[content]} instead.")
                        break
            strike = rule.strike and (exemption is None or exemption.strike)
            if exemption is not None and rule.strike and not strike:
                reasons.append("No strike: the exemption covers this post.")
            max_age = profile.strikes.max_content_age_days
            if strike and max_age is not None and post.created_at is not None:
                age = now - post.created_at
                if age > timedelta(days=max_age):
                    strike = False
                    reasons.append(f"No strike: the content is {age.days} days old, older than {max_age} days at review time.")
            count = history.strikes + (1 if strike else 0)
            doi_count = history.doi_strikes
            if strike:
                doi_strike = rule.doi
                doi_count += 1 if rule.doi else 0
                reasons.append(
                    f"Strike {count} ({count} active within {profile.strikes.expire_after_days or 'unlimited'} days"
                    + (f"; DOI strike {doi_count} within {profile.doi.window_days} days" if rule.doi else "")
                    + ")."
                )
                ladder = _ladder_step(profile, count, now)
                if ladder is not None:
                    steps.append(ladder)
                if rule.doi and profile.doi.threshold is not None and doi_count >= profile.doi.threshold:
                    steps.append(
                        AccountStep(
                            profile.doi.account_action,
                            _until(now, profile.doi.days),
                            "doi_threshold",
                            f"DOI strike {doi_count}, at or above the threshold of {profile.doi.threshold} within {profile.doi.window_days} days",
                            strike_number=count,
                            doi_strikes=doi_count,
                            threshold=profile.doi.threshold,
                        )
                    )
            if rule.account_action is not AccountAction.NONE:
                basis = "threat" if category is Category.THREAT else "representation" if category is Category.REPRESENTATION else str(category)
                steps.append(AccountStep(rule.account_action, _until(now, rule.days), basis, f"{category} of violence" if basis == "threat" else f"{category}"))
            represented = _claims(screening, act)
            rep_rule = profile.categories.get(Violation.REPRESENTATION)
            if represented and category is not Category.REPRESENTATION and rep_rule and rep_rule.account_action is not AccountAction.NONE:
                steps.append(AccountStep(rep_rule.account_action, _until(now, rep_rule.days), "representation", f"the account itself claims {represented}"))
                reasons.append(f"Account screening found that the account itself names or claims {represented}.")
            if exemption is not None and not exemption.account_action and steps:
                reasons.append("No account action: the exemption covers this post.")
                steps = []

    # An author who qualifies for a never-suspend exemption keeps the account, whatever the post.
    for ex in profile.exemptions:
        if ex.never_suspend and any(SEVERITY[s.action] >= SEVERITY[AccountAction.SUSPEND] for s in steps):
            why = qualifies(ex, post, screening, now)
            if why:
                steps = [s for s in steps if SEVERITY[s.action] < SEVERITY[AccountAction.SUSPEND]]
                if why not in exemptions:
                    exemptions.append(why)
                reasons.append(f"The account is never suspended ({why}).")

    chosen = _strongest(steps)
    standing = history.standing
    account_action, until = AccountAction.NONE, None
    outweighed = (
        standing.in_force
        and (standing.until is None or standing.until > now)
        and (chosen is None or _stronger(standing.action, standing.until, chosen.action, chosen.until))
    )
    if outweighed:
        already = f"The account is already {_describe(standing.action, standing.until)}"
        if chosen is not None:
            reasons.append(f"{already}, which outweighs what this post calls for ({chosen.label}).")
        else:
            reasons.append(f"{already}.")
        account_action, until = standing.action, standing.until
        chosen = None  # nothing new is imposed
    elif chosen is not None:
        account_action, until = chosen.action, chosen.until
        reasons.append(f"Account {_describe(chosen.action, chosen.until)}: {chosen.label}.")

    linked_out: list[LinkedAccountOutcome] = []
    linked_events: list[ModerationEvent] = []
    propagates = (
        chosen is not None
        and chosen.action in profile.linked_accounts.propagate
        and chosen.basis in profile.linked_accounts.bases
    )
    reached = []
    for other in history.linked:
        if propagates and chosen is not None:
            linked_out.append(LinkedAccountOutcome(other.id, chosen.action))
            reached.append(other.id)
            linked_events.append(
                ModerationEvent(
                    EventKind.LINKED_ACCOUNT_ACTION,
                    other.id,
                    now,
                    profile.name,
                    post.id,
                    {
                        "action": str(chosen.action),
                        "until": _iso(chosen.until),
                        "basis": "linked",
                        "source": post.author.id,
                        "source_basis": chosen.basis,
                        "via": other.via,
                    },
                )
            )
        else:
            s = other.standing
            action = s.action if s.in_force and (s.until is None or s.until > now) else AccountAction.NONE
            linked_out.append(LinkedAccountOutcome(other.id, action))
    if reached:
        reasons.append(f"Linked accounts of the same operator {_describe(chosen.action, chosen.until)} with it: {', '.join(reached)}.")  # type: ignore[union-attr]

    strikes_now = history.strikes + (1 if strike else 0)
    notice = _notice(profile, content, chosen, strikes_now)
    versions = {"registry": registry_version, "policy": profile.version, "model": assessment.model}
    decision = Decision(
        post_id=post.id,
        profile=profile.name,
        category=category,
        context=assessment.context,
        score=score,
        action=content,
        entities=decision_entities(assessment.mentions),
        account=AccountOutcome(post.author.id, account_action, strikes_now, until),
        linked_accounts=tuple(linked_out),
        exemptions=tuple(exemptions),
        reasons=tuple(reasons),
        notice=notice,
        versions=versions,
        strike=strike,
    )
    events = [
        ModerationEvent(
            EventKind.DECISION,
            post.author.id,
            now,
            profile.name,
            post.id,
            {
                "action": str(content),
                "category": str(category),
                "context": str(assessment.context) if assessment.context else None,
                "score": round(score, 4),
                "strike": strike,
                "account_action": str(account_action),
                "versions": versions,
            },
        )
    ]
    if strike:
        expires = _until(now, profile.strikes.expire_after_days)
        events.append(
            ModerationEvent(
                EventKind.STRIKE,
                post.author.id,
                now,
                profile.name,
                post.id,
                {"category": str(category), "doi": doi_strike, "number": strikes_now, "expires": _iso(expires)},
            )
        )
    if chosen is not None:
        events.append(
            ModerationEvent(
                EventKind.ACCOUNT_ACTION,
                post.author.id,
                now,
                profile.name,
                post.id,
                {
                    "action": str(chosen.action),
                    "until": _iso(chosen.until),
                    "basis": chosen.basis,
                    "label": chosen.label,
                    "strike_number": chosen.strike_number,
                    "doi_strikes": chosen.doi_strikes,
                    "threshold": chosen.threshold,
                },
            )
        )
    events.extend(linked_events)
    return PolicyOutcome(decision, tuple(events), chosen)


def _claims(screening: AccountScreening | None, act: float) -> str | None:
    """The entity the account itself names or claims to be, when screening is sure enough."""
    if screening is None or not screening.entity_mentions or screening.score < act:
        return None
    in_scope = [m for m in screening.entity_mentions if m.in_scope]
    return _names(in_scope) or None


def _notice(profile: Profile, content: ContentAction, chosen: AccountStep | None, strikes: int) -> str | None:
    if chosen is not None:
        key = {"doi_threshold": "repeated", "representation": "representation", "threat": "threat"}.get(chosen.basis)
        for k in (key, str(chosen.action), str(content)):
            if k and k in profile.notices:
                return profile.notice(k, strikes=strikes, until=_iso(chosen.until))
        return None
    if content is ContentAction.ALLOW:
        return None
    return profile.notice(str(content), strikes=strikes)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
