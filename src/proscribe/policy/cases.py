"""Policy unit tests: short cases (assessment + account history) with the decision fields they expect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from proscribe.model import (
    Account,
    AccountAction,
    AccountScreening,
    Assessment,
    Category,
    Context,
    EntityKind,
    Mention,
    Post,
)
from proscribe.policy.decide import decide
from proscribe.policy.history import AccountHistory, LinkedAccount, Standing
from proscribe.policy.profile import Profile
from proscribe.policy.profile import load as load_profile
from proscribe.policy.yamlfile import FileError, read, validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseMention(_Strict):
    entity: str
    name: str | None = None
    kind: EntityKind = EntityKind.ORGANIZATION
    matched: str | None = None
    lists: list[str] = []
    in_scope: bool = True
    field: str = "text"

    def build(self) -> Mention:
        name = self.name or self.entity
        words = self.matched or name
        return Mention(self.entity, name, self.kind, name, words, 0, len(words), field=self.field, in_scope=self.in_scope, lists=tuple(self.lists))


class CaseAuthor(_Strict):
    model_config = ConfigDict(extra="allow")
    id: str = "a1"
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    followers: int | None = None
    country: str | None = None
    role: str | None = None
    operator: str | None = None


class CasePost(_Strict):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    text: str = ""
    created_at: datetime | None = None
    platform: str | None = None
    lang: str | None = None
    author: CaseAuthor = CaseAuthor()


class CaseAssessment(_Strict):
    category: Category
    context: Context | None = None
    score: float = Field(ge=0.0, le=1.0)
    scores: dict[str, float] = {}
    mentions: list[CaseMention] = []
    model: str = "case"


class CaseStanding(_Strict):
    action: AccountAction = AccountAction.NONE
    until: datetime | None = None
    basis: str | None = None

    def build(self) -> Standing:
        return Standing(self.action, _utc(self.until), None, self.basis)


class CaseLinked(_Strict):
    id: str
    standing: CaseStanding = CaseStanding()
    via: str = "operator"


class CaseHistory(_Strict):
    strikes: int = Field(0, ge=0)
    doi_strikes: int = Field(0, ge=0)
    standing: CaseStanding = CaseStanding()
    linked: list[str | CaseLinked] = []


class CaseScreening(_Strict):
    official: bool = False
    official_role: str | None = None
    official_country: str | None = None
    official_inferred: bool = True
    entity_mentions: list[CaseMention] = []
    score: float = 0.0


class Case(_Strict):
    name: str
    now: datetime | None = None
    post: CasePost = CasePost()
    assessment: CaseAssessment
    history: CaseHistory = CaseHistory()
    screening: CaseScreening | None = None
    tiers: dict[str, int] = {}
    expect: dict[str, Any]


class CasesFile(_Strict):
    profile: str | None = None
    description: str = ""
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int | None
    failures: tuple[str, ...]
    decision: dict[str, Any]

    @property
    def passed(self) -> bool:
        return not self.failures


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _lookup(decision: dict[str, Any], path: str) -> Any:
    current: Any = decision
    for part in path.split("."):
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise KeyError(path)
    return current


def run_case(case: Case, profile: Profile) -> tuple[str, ...]:
    """Run one case; the failures, each in plain words (empty when it passes)."""
    return _run(case, profile)[0]


def _run(case: Case, profile: Profile) -> tuple[tuple[str, ...], dict[str, Any]]:
    a = case.post.author
    extra_author = dict(a.model_extra or {})
    author = Account(a.id, a.handle, a.display_name, a.bio, a.followers, a.country, a.role, a.operator, extra_author)
    created = _utc(case.post.created_at)
    now = _utc(case.now) or created or datetime(2024, 6, 1, tzinfo=UTC)
    post = Post(case.post.id or case.name, case.post.text, author, created, case.post.platform, case.post.lang, dict(case.post.model_extra or {}))
    given = case.assessment
    assessment = Assessment(
        post.id, given.category, given.context, given.score, tuple(m.build() for m in given.mentions), (), None, given.model, dict(given.scores)
    )
    linked = tuple(
        LinkedAccount(x, Standing(), "operator") if isinstance(x, str) else LinkedAccount(x.id, x.standing.build(), x.via)
        for x in case.history.linked
    )
    history = AccountHistory(author.id, case.history.strikes, case.history.doi_strikes, case.history.standing.build(), linked)
    screening = None
    if case.screening is not None:
        s = case.screening
        screening = AccountScreening(
            author.id, tuple(m.build() for m in s.entity_mentions), s.official, s.official_role, s.official_country, s.official_inferred, None, s.score
        )
    outcome = decide(assessment, post, history, screening, profile, now, tiers=case.tiers or None)
    decision = outcome.decision.to_json()
    decision["strike"] = outcome.decision.strike
    failures = []
    for key, expected in case.expect.items():
        if key in ("reasons_include", "exemptions_include"):
            field = key.split("_")[0]
            wanted = expected if isinstance(expected, list) else [expected]
            for text in wanted:
                if not any(str(text).lower() in item.lower() for item in decision[field]):
                    failures.append(f"{field} should include {text!r}; got {decision[field]}")
            continue
        try:
            actual = _lookup(decision, key)
        except KeyError:
            failures.append(f"{key}: no such field in the decision")
            continue
        if isinstance(actual, float) and isinstance(expected, (int, float)):
            same = abs(actual - expected) < 1e-9
        else:
            same = actual == expected
        if not same:
            failures.append(f"{key}: expected {expected!r}, got {actual!r}")
    return tuple(failures), decision


def load_cases(path: Path) -> tuple[CasesFile, dict[int, int | None]]:
    """A cases file, validated; with the line of each case."""
    doc = read(path)
    if not isinstance(doc.data, dict):
        raise FileError(str(path), [(doc.line_of(()), "", "a cases file is a mapping with a `cases:` list")])
    cases = validate(doc, CasesFile)
    return cases, {i: doc.line_of(("cases", i)) for i in range(len(cases.cases))}


def run_file(path: Path, profile: Profile | None = None) -> tuple[Profile, list[CaseResult]]:
    """Run every case of a file under `profile` (or the file's own `profile:`)."""
    cases, lines = load_cases(path)
    if profile is None:
        if not cases.profile:
            raise FileError(str(path), [(lines.get(0), "profile", "name the profile to test (profile: meta) or pass one")])
        target = cases.profile
        local = (path.parent / target) if target.endswith((".yaml", ".yml")) else None
        profile = load_profile(local if local is not None and local.exists() else target)
    results = []
    for i, case in enumerate(cases.cases):
        failures, decision = _run(case, profile)
        results.append(CaseResult(case.name, lines.get(i), failures, decision))
    return profile, results


def shipped_cases(name: str) -> Path:
    from importlib import resources

    return Path(str(resources.files("proscribe.policy") / "cases" / f"{name}.yaml"))
