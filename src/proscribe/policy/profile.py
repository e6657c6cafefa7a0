"""Policy profiles: the YAML data that says what a platform's policy decides."""

from __future__ import annotations

import hashlib
import json
import string
from datetime import date
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proscribe.model import KNOWN_ROLES, AccountAction, Category, ContentAction
from proscribe.policy.yamlfile import FileError, MarkedYaml, parse, read, validate

SHIPPED = ("meta", "x", "twitter-2021")


# Longest duration a profile may give (a hundred years): longer ones are an error, not a very long suspension.
MAX_DAYS = 36_500

class Violation(StrEnum):
    """The categories a profile can act on (every category except none)."""

    GLORIFICATION = "glorification"
    SUPPORT = "support"
    REPRESENTATION = "representation"
    THREAT = "threat"


class WithoutEntity(StrEnum):
    """What to do with a violation that names no designated entity or event."""

    REVIEW = "review"
    ALLOW = "allow"
    ACT = "act"


NOTICE_KEYS = frozenset(
    {"remove", "interstitial", "limit", "withhold", "review", "warn", "restrict", "suspend", "disable", "repeated", "representation", "threat"}
)
NOTICE_FIELDS = frozenset({"strikes", "until", "profile", "title"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tiers(_Strict):
    acts_on: tuple[int, ...] = Field(description="Tiers of designated entities this profile acts on (1 = most severe).")
    default: int = Field(1, description="Tier of an entity the registry gives no tier for this profile.")
    source: str | None = Field(None, description="Which registry tier column to read; default: the profile's name.")


class Thresholds(_Strict):
    act: float = Field(ge=0.0, le=1.0, description="Act on a violation when its score is at least this.")
    review: float = Field(ge=0.0, le=1.0, description="Send to human review when the score is at least this but below `act`.")
    high_reach_followers: int | None = Field(
        None, ge=0,
        description="Also send to human review a decision that restricts the post or the account of an author with at "
        "least this many followers (the high-reach cases); unset: the server's --high-reach setting.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if self.review > self.act:
            raise ValueError(f"review ({self.review}) must not be above act ({self.act})")
        return self


class CategoryRule(_Strict):
    content_action: ContentAction = Field(description="What happens to the post.")
    strike: bool = Field(True, description="Whether the violation earns a strike.")
    doi: bool = Field(True, description="Whether the strike counts toward the DOI threshold.")
    account_action: AccountAction = Field(AccountAction.NONE, description="Account action at once, whatever the strike count.")
    days: float | None = Field(None, gt=0, le=MAX_DAYS, description="Duration of that account action; none = permanent.")
    requires_entity: bool = Field(True, description="Acts only when a designated entity or event is named or implied.")


class LadderStep(_Strict):
    strike: int = Field(ge=1, description="This step applies from this active strike count on.")
    action: AccountAction
    days: float | None = Field(None, gt=0, le=MAX_DAYS, description="How long a restrict/suspend lasts; none = no fixed end.")
    label: str | None = None


class Strikes(_Strict):
    expire_after_days: int | None = Field(365, ge=1, le=MAX_DAYS, description="A strike stops counting after this many days.")
    max_content_age_days: int | None = Field(90, ge=0, le=MAX_DAYS, description="Content older than this at decision time earns no strike.")
    ladder: tuple[LadderStep, ...] = ()

    @field_validator("ladder")
    @classmethod
    def _increasing(cls, ladder: tuple[LadderStep, ...]) -> tuple[LadderStep, ...]:
        numbers = [step.strike for step in ladder]
        if numbers != sorted(set(numbers)):
            raise ValueError("ladder steps must have strictly increasing `strike` numbers")
        return ladder

    def step(self, count: int) -> LadderStep | None:
        """The ladder step for the `count`-th active strike."""
        found = None
        for step in self.ladder:
            if step.strike <= count:
                found = step
        return found


class Doi(_Strict):
    threshold: int | None = Field(5, ge=1, description="DOI strikes within the window that trigger the account action; none = never.")
    window_days: int = Field(365, ge=1, le=MAX_DAYS)
    account_action: AccountAction = AccountAction.DISABLE
    days: float | None = Field(None, gt=0, le=MAX_DAYS)


class LinkedAccounts(_Strict):
    propagate: tuple[AccountAction, ...] = Field((), description="Account actions that reach the operator's other accounts.")
    bases: tuple[str, ...] = Field(("doi_threshold", "representation"), description="Only actions taken for these reasons propagate.")

    @field_validator("bases")
    @classmethod
    def _known_bases(cls, bases: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(bases) - {"doi_threshold", "representation", "threat", "ladder"}
        if unknown:
            raise ValueError(f"unknown basis {sorted(unknown)}; use doi_threshold, representation, threat, ladder")
        return bases


class Exemption(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    roles: tuple[str, ...] = Field(description="Author roles (SPEC.md's list) that qualify.")
    un_member: bool = Field(True, description="The author's country must be a current UN member state.")
    min_followers: int = Field(0, ge=0)
    inferred_roles: bool = Field(True, description="Whether a role inferred by account screening qualifies.")
    categories: tuple[Violation, ...] = Field(description="Violations the exemption covers.")
    content_action: ContentAction = ContentAction.INTERSTITIAL
    strike: bool = False
    account_action: bool = Field(False, description="False: no account action ever follows from a covered post.")
    never_suspend: bool = Field(False, description="True: the account is never suspended or disabled, whatever the post.")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(roles) - KNOWN_ROLES)
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; use roles from: {', '.join(sorted(KNOWN_ROLES))}")
        return roles


class Profile(_Strict):
    """One policy profile, as written in its YAML file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    description: str = ""
    effective_from: date
    tiers: Tiers
    thresholds: Thresholds
    without_entity: WithoutEntity = WithoutEntity.REVIEW
    categories: dict[Violation, CategoryRule]
    strikes: Strikes
    doi: Doi = Doi()
    linked_accounts: LinkedAccounts = LinkedAccounts()
    exemptions: tuple[Exemption, ...] = ()
    notices: dict[str, str] = Field(default_factory=dict)
    sources: tuple[str, ...] = ()

    @field_validator("notices")
    @classmethod
    def _known_notices(cls, notices: dict[str, str]) -> dict[str, str]:
        for key, text in notices.items():
            if key not in NOTICE_KEYS:
                raise ValueError(f"unknown notice '{key}'; use {', '.join(sorted(NOTICE_KEYS))}")
            for _, field, _, _ in string.Formatter().parse(text):
                if field is not None and field not in NOTICE_FIELDS:
                    raise ValueError(f"notice '{key}' uses {{{field}}}; only {sorted(NOTICE_FIELDS)} can be filled in")
        return notices

    @property
    def tier_source(self) -> str:
        return self.tiers.source or self.name

    @cached_property
    def content_hash(self) -> str:
        """A hash of the profile's meaning (not its comments or layout); computed once, the profile is frozen."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    @property
    def version(self) -> str:
        return f"{self.name}@{self.content_hash}"

    def rule(self, category: Category) -> CategoryRule | None:
        if category is Category.NONE:
            return None
        return self.categories.get(Violation(str(category)))

    def notice(self, key: str, **fields: Any) -> str | None:
        text = self.notices.get(key)
        if text is None:
            return None
        values = {"profile": self.name, "title": self.title, "strikes": "", "until": ""}
        values.update({k: ("" if v is None else v) for k, v in fields.items()})
        return text.format_map(values)


def _profiles_dir() -> Any:
    return resources.files("proscribe.policy") / "profiles"


def shipped_path(name: str) -> Path:
    return Path(str(_profiles_dir() / f"{name}.yaml"))


def from_yaml(doc: MarkedYaml) -> Profile:
    if not isinstance(doc.data, dict):
        raise FileError(doc.source, [(doc.line_of(()), "", "a profile must be a mapping of keys (name, title, ...)")])
    return validate(doc, Profile)


def from_text(text: str, source: str = "<profile>") -> Profile:
    return from_yaml(parse(text, source))


def load(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (meta, x, twitter-2021) or a profile file by path.

    Raises FileError naming the file, line and key when the file is not a valid profile.
    """
    text = str(name_or_path)
    if text in SHIPPED:
        return from_yaml(read(shipped_path(text)))
    path = Path(text)
    if not path.exists() and not text.endswith((".yaml", ".yml")) and "/" not in text:
        raise FileError(text, [(None, "", f"no such profile; shipped profiles: {', '.join(SHIPPED)}, or give a YAML file's path")])
    return from_yaml(read(path))
