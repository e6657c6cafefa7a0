"""Plain, typed records that pass between the parts of proscribe (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class EntityKind(StrEnum):
    ORGANIZATION = "organization"
    PERSON = "person"
    EVENT = "event"


class NameKind(StrEnum):
    """What a name of an entity is: its main name, another name, or a signal."""

    PRIMARY = "primary"
    ALIAS = "alias"
    SLOGAN = "slogan"
    HASHTAG = "hashtag"
    EPITHET = "epithet"  # "the heroes of the Flood": names an event's perpetrators


class RelationKind(StrEnum):
    MILITARY_WING_OF = "military_wing_of"
    ALIAS_OF = "alias_of"
    PERPETRATOR_OF = "perpetrator_of"
    PERPETRATED_BY = "perpetrated_by"  # on an event: the group or person that carried it out
    MEMBER_OF = "member_of"
    PART_OF = "part_of"  # a province or branch of a larger group
    LEADER_OF = "leader_of"


class Category(StrEnum):
    GLORIFICATION = "glorification"
    SUPPORT = "support"
    REPRESENTATION = "representation"
    THREAT = "threat"
    NONE = "none"


class Context(StrEnum):
    NEWS = "news"
    CONDEMNATION = "condemnation"
    DISCUSSION = "discussion"
    SATIRE = "satire"
    HUMAN_RIGHTS = "human_rights"
    UNRELATED = "unrelated"


class ContentAction(StrEnum):
    ALLOW = "allow"
    REMOVE = "remove"
    INTERSTITIAL = "interstitial"
    LIMIT = "limit"
    REVIEW = "review"
    WITHHOLD = "withhold"


class AccountAction(StrEnum):
    NONE = "none"
    WARN = "warn"
    RESTRICT = "restrict"
    SUSPEND = "suspend"
    DISABLE = "disable"


KNOWN_ROLES = frozenset(
    {
        "head_of_state",
        "head_of_government",
        "head_of_state_office",
        "minister",
        "ministry",
        "government_official",
        "legislator",
        "candidate",
        "political_party",
        "state_media",
        "news_organization",
        "journalist",
        "individual",
    }
)


# --- registry ---------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """One name of an entity, as written, with what is known about it.

    `weak` marks a name too short or too common to count as a mention alone
    ("IS", "Base", "Isis"): it needs corroborating context.
    """

    text: str
    kind: NameKind = NameKind.ALIAS
    lang: str | None = None  # ISO 639-1 where known ("en", "ar", "fa")
    script: str | None = None  # ISO 15924 ("Latn", "Arab", "Hebr", "Cyrl")
    weak: bool = False


@dataclass(frozen=True)
class Designation:
    """One listing of an entity by one list.

    `list` is the list's id in proscribe: "us-ofac-sdgt", "us-ofac-fto",
    "us-ofac-<program>", "un-isil-aq", "un-taliban", "un-<regime>", "eu-terr",
    "uk-proscribed", "platform" (a platform's own list).
    """

    list: str
    program: str | None = None  # the publisher's own programme code ("SDGT", "QDe")
    listed: date | None = None
    delisted: date | None = None
    source_id: str | None = None  # the publisher's id ("4695", "QDe.115")
    source_url: str | None = None
    note: str | None = None

    @property
    def active(self) -> bool:
        return self.delisted is None


@dataclass(frozen=True)
class Relation:
    kind: RelationKind
    target: str  # entity id


@dataclass(frozen=True)
class Entity:
    """A designated organisation, person or violent event."""

    id: str
    kind: EntityKind
    name: str
    names: tuple[Name, ...] = ()
    designations: tuple[Designation, ...] = ()
    relations: tuple[Relation, ...] = ()
    tiers: dict[str, int] = field(default_factory=dict)  # profile name -> tier (1 = most severe)
    countries: tuple[str, ...] = ()
    date: date | None = None  # for events: the day it happened
    in_scope: bool = False  # counts for the DOI policy (set by the registry's scope configuration)
    sources: tuple[str, ...] = ()  # citations: "us-ofac-sdn 2024-05-03", URLs
    xrefs: tuple[str, ...] = ()  # ids of the same entity in other lists ("ofac:4695", "un:QDe.115", "eu:...")
    notes: str | None = None
    topics: tuple[str, ...] = ()  # FollowTheMoney topics ("role.pep", "sanction", "crime.terror")
    positions: tuple[str, ...] = ()  # offices a person holds or held ("Minister of Defense"), for account screening


# --- posts and accounts -----------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: str
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    followers: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    role: str | None = None  # see KNOWN_ROLES; other values are kept and treated as unknown
    operator: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    author: Account
    created_at: datetime | None = None  # always timezone-aware (UTC) when set
    platform: str | None = None
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # where it came from in its input file


# --- detection --------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A reference to a registry entity found in a post or an account field."""

    entity_id: str
    entity_name: str
    entity_kind: EntityKind
    alias: str  # the registry name that matched
    matched: str  # the words as written in the original text
    start: int  # offsets into the original text of `field`
    end: int
    field: str = "text"  # text | handle | display_name | bio
    weak: bool = False
    corroboration: str | None = None  # for weak names: the context that made it count
    via: str = "name"  # name | hashtag | slogan | epithet | date | perpetrator
    in_scope: bool = True
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountScreening:
    """What account screening found about an author."""

    account_id: str
    entity_mentions: tuple[Mention, ...] = ()  # the account names or claims a designated entity
    official: bool = False  # a government official of some state
    official_role: str | None = None
    official_country: str | None = None
    official_inferred: bool = False  # inferred from names and bio, not given by the platform
    official_evidence: str | None = None
    score: float = 0.0


# --- classification ---------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """What the classifier concluded about one post."""

    post_id: str
    category: Category
    context: Context | None
    score: float  # calibrated probability that the post is a violation of `category`
    mentions: tuple[Mention, ...] = ()
    evidence: tuple[str, ...] = ()  # words and signals that carried the decision
    lang: str | None = None
    model: str = ""  # model name and version
    scores: dict[str, float] = field(default_factory=dict)  # per-category probabilities
    confirmed_by: str | None = None  # a reviewer who confirmed the violation (the policy then needs no identified entity)

    @property
    def violation(self) -> bool:
        return self.category is not Category.NONE


# --- policy and ledger ------------------------------------------------------


@dataclass(frozen=True)
class AccountOutcome:
    id: str
    action: AccountAction
    strikes: int = 0
    until: datetime | None = None


@dataclass(frozen=True)
class LinkedAccountOutcome:
    id: str
    action: AccountAction


@dataclass(frozen=True)
class DecisionEntity:
    id: str
    name: str
    kind: EntityKind
    evidence: str
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The decision contract of SPEC.md, one per (post, profile)."""

    post_id: str
    profile: str
    category: Category
    context: Context | None
    score: float
    action: ContentAction
    entities: tuple[DecisionEntity, ...]
    account: AccountOutcome
    linked_accounts: tuple[LinkedAccountOutcome, ...] = ()
    exemptions: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    notice: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    strike: bool = False  # not part of the output contract: whether this decision earned a strike

    @property
    def violation(self) -> bool:
        return self.category is not Category.NONE

    def to_json(self) -> dict[str, Any]:
        """The decision as SPEC.md's output object, keys in contract order."""
        return {
            "post_id": self.post_id,
            "profile": self.profile,
            "violation": self.violation,
            "category": str(self.category),
            "context": str(self.context) if self.context is not None else None,
            "score": round(float(self.score), 4),
            "action": str(self.action),
            "entities": [
                {
                    "id": e.id,
                    "name": e.name,
                    "kind": str(e.kind),
                    "evidence": e.evidence,
                    "lists": list(e.lists),
                }
                for e in self.entities
            ],
            "account": {
                "id": self.account.id,
                "action": str(self.account.action),
                "strikes": self.account.strikes,
                "until": _iso(self.account.until),
            },
            "linked_accounts": [
                {"id": a.id, "action": str(a.action)} for a in self.linked_accounts
            ],
            "exemptions": list(self.exemptions),
            "reasons": list(self.reasons),
            "notice": self.notice,
            "versions": dict(self.versions),
        }


class EventKind(StrEnum):
    DECISION = "decision"
    STRIKE = "strike"
    ACCOUNT_ACTION = "account_action"
    LINKED_ACCOUNT_ACTION = "linked_account_action"
    REVIEW = "review"
    APPEAL = "appeal"
    REVERSAL = "reversal"
    REMOVAL_ORDER = "removal_order"
    NOTICE = "notice"


@dataclass(frozen=True)
class ModerationEvent:
    """One entry of the append-only enforcement ledger."""

    kind: EventKind
    account_id: str
    at: datetime
    profile: str
    post_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    actor: str = "system"
    id: int | None = None  # assigned by the store


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")
