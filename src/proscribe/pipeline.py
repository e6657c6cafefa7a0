"""The one place that wires the parts: read posts, assess (detect, classify), decide, record."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from proscribe.model import Account, AccountScreening, Assessment, Decision, Mention, Post

# --- reading posts ------------------------------------------------------------

AUTHOR_STRINGS = ("handle", "display_name", "bio", "country", "role", "operator")
POST_STRINGS = ("platform", "lang")


@dataclass(frozen=True)
class InputPost:
    """A good input line: its position, the post, and the JSON object as given."""

    index: int  # position among the good lines (output order)
    line: int  # 1-based line number in the input
    post: Post
    original: dict[str, Any]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


class BadPost(ValueError):
    pass


MAX_FOLLOWERS = 10**12  # more than any platform has people; keeps counts exact in every database and in JSON numbers
MAX_DEPTH = 32  # nesting of objects and lists in a post's extra fields
FUTURE_SKEW = timedelta(days=1)  # how far ahead of this machine's clock a post's created_at may be


def json_strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(path, string) for every string (keys too) in a decoded JSON value; BadPost when it nests too deeply or holds
    NaN or Infinity (which Python reads but JSON has not, and PostgreSQL refuses)."""
    if depth > MAX_DEPTH:
        raise BadPost(f"{path} is nested too deeply (at most {MAX_DEPTH} levels of objects and lists)")
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadPost(f"{path} is not a number JSON allows ({value})")
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            yield inner, key
            yield from json_strings(item, inner, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from json_strings(item, f"{path}[{i}]", depth + 1)


def _check_text(obj: dict[str, Any]) -> None:
    """Every string of the post (keys too) can be stored: no lone surrogate, no NUL; and `json_strings` refuses
    nesting deeper than MAX_DEPTH and NaN or Infinity."""
    for path, text in json_strings(obj, ""):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            where = path.encode("utf-8", "backslashreplace").decode("utf-8")
            raise BadPost(f"{where} is not valid Unicode text: a lone surrogate (\\u{ord(text[exc.start]):04x}) at character {exc.start}") from None
        if "\x00" in text:
            where = path.replace("\x00", "\\u0000")
            raise BadPost(f"{where} must not contain a NUL character (\\u0000; at character {text.index(chr(0))})")


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp ("Z" allowed) as an aware UTC datetime; naive means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _string(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadPost(f"{where}{key} must be a string, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def post_from_json(obj: Any, line: int | None = None) -> Post:
    """A Post from one decoded input object; raises BadPost saying what is wrong."""
    if not isinstance(obj, dict):
        raise BadPost(f"a post must be a JSON object, not {_kind(obj)}")
    for key in ("id", "text", "author"):
        if key not in obj:
            raise BadPost(f"required field {key} is missing")
    if not isinstance(obj["id"], str):
        raise BadPost(f"id must be a string, not {_kind(obj['id'])}")
    if not obj["id"].strip():
        raise BadPost("id must not be empty")
    if not isinstance(obj["text"], str):
        raise BadPost(f"text must be a string, not {_kind(obj['text'])}")
    author = obj["author"]
    if not isinstance(author, dict):
        raise BadPost(f"author must be an object, not {_kind(author)}")
    _check_text(obj)
    if "id" not in author:
        raise BadPost("required field author.id is missing")
    if not isinstance(author["id"], str):
        raise BadPost(f"author.id must be a string, not {_kind(author['id'])}")
    if not author["id"].strip():
        raise BadPost("author.id must not be empty")
    followers = author.get("followers")
    if followers is not None:
        if isinstance(followers, bool) or not isinstance(followers, (int, float)) or (
            isinstance(followers, float) and (not math.isfinite(followers) or not followers.is_integer())
        ):
            shown = repr(followers)[:40] if isinstance(followers, float) else _kind(followers)
            raise BadPost(f"author.followers must be a whole number, not {shown}")
        if followers < 0:
            raise BadPost("author.followers must not be negative")
        if followers > MAX_FOLLOWERS:
            raise BadPost(f"author.followers is too large (at most {MAX_FOLLOWERS:,})")
        followers = int(followers)
    strings = {key: _string(author, key, "author.") for key in AUTHOR_STRINGS}
    account = Account(
        id=author["id"],
        followers=followers,
        extra={k: v for k, v in author.items() if k not in ("id", "followers", *AUTHOR_STRINGS)},
        **strings,  # type: ignore[arg-type]
    )
    created = obj.get("created_at")
    created_at = None
    if created is not None:
        if not isinstance(created, str):
            raise BadPost(f"created_at must be an ISO 8601 string, not {_kind(created)}")
        try:
            created_at = parse_time(created)
        except (ValueError, OverflowError):
            raise BadPost(f"created_at is not an ISO 8601 timestamp within years 1-9999: {created[:40]!r}") from None
        if created_at > datetime.now(UTC) + FUTURE_SKEW:
            raise BadPost(f"created_at is in the future: {created[:40]!r} (a post is decided as of the time it was made)")
    post_strings = {key: _string(obj, key, "") for key in POST_STRINGS}
    return Post(
        id=obj["id"],
        text=obj["text"],
        author=account,
        created_at=created_at,
        extra={k: v for k, v in obj.items() if k not in ("id", "text", "author", "created_at", *POST_STRINGS)},
        line=line,
        **post_strings,  # type: ignore[arg-type]
    )


def read_posts(lines: Iterable[bytes | str]) -> Iterator[InputPost | Rejected]:
    """Parse JSON Lines: every good line as an InputPost, every bad one as Rejected (blank lines skipped)."""
    index = 0
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Rejected(number, f"not UTF-8 text (byte {exc.start})")
                continue
        else:
            text = raw
        if number == 1:
            text = text.lstrip("\ufeff")
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Rejected(number, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            yield Rejected(number, "not JSON: nested too deeply")
            continue
        try:
            post = post_from_json(obj, number)
        except BadPost as exc:
            yield Rejected(number, str(exc))
            continue
        yield InputPost(index, number, post, obj)
        index += 1


def id_taken(where: str, post_id: str, differs: str) -> str:
    """The reason a post is refused: its id names a stored post with another author or text (`differs`, from the store)."""
    shown = post_id if len(post_id) <= 80 else post_id[:80] + "…"
    return f"{where} {shown!r} names a post already stored with {differs}: a post id names one post; give this one its own id"


def decision_line(decision: Decision) -> str:
    """A decision as its output line (the same bytes whether new or re-emitted from the store)."""
    return json.dumps(decision.to_json(), ensure_ascii=False)


# --- the parts ------------------------------------------------------------------


class MissingPart(RuntimeError):
    """A part the pipeline needs is not installed or failed to load; the message says which."""


def _need(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingPart(f"{what} ({module}) is not available: {exc}") from exc


@dataclass
class Parts:
    """The registry, matcher and classifier a scan uses."""

    registry_version: str
    entities: Sequence[Any]
    matcher: Any
    classifier: Any
    screen: Callable[..., AccountScreening] | None = None
    officials: Any = None

    @property
    def model_version(self) -> str:
        name = getattr(self.classifier, "name", "")
        version = getattr(self.classifier, "version", "")
        return f"{name}@{version}" if version else str(name)

    def tiers(self, source: str) -> dict[str, int]:
        """Entity id -> tier for one profile's tier column (entities without one are left out)."""
        out: dict[str, int] = {}
        for entity in self.entities:
            tier = (getattr(entity, "tiers", None) or {}).get(source)
            if tier is not None:
                out[entity.id] = int(tier)
        return out


def load_classifier(classify: Any, model: str | None) -> Any:
    """A classifier by name (default, keyword, ...) or from a model directory."""
    from pathlib import Path

    try:
        if model and Path(model).is_dir():
            return classify.load("default", path=model)
        return classify.load(model or "default")
    except (OSError, ValueError) as exc:
        raise MissingPart(f"cannot load the classifier {model or 'default'!r}: {exc}") from exc


def load_parts(db_url: str | None, model: str | None = None) -> Parts:
    """Load the registry (as stored, or the starter registry), the matcher and the classifier."""
    service = _need("proscribe.registry.service", "the registry")
    matcher_mod = _need("proscribe.detect.matcher", "the detector")
    classify = _need("proscribe.classify", "the classifier")
    try:
        screening_mod = _need("proscribe.detect.screening", "account screening")
        screen = screening_mod.screen
    except MissingPart:
        screen = None
    snapshot = service.current(db_url)
    matcher = matcher_mod.Matcher.from_entities(snapshot.entities)
    if not hasattr(classify, "load"):
        raise MissingPart("the classifier (proscribe.classify.load) is not available")
    classifier = load_classifier(classify, model)
    return Parts(str(snapshot.version), snapshot.entities, matcher, classifier, screen)


def assess(posts: Sequence[Post], parts: Parts) -> list[tuple[Assessment, AccountScreening | None]]:
    """Detect mentions, screen the authors and classify a batch of posts."""
    mentions = find_mentions(posts, parts)
    return complete(posts, parts, mentions, [None] * len(posts))


def find_mentions(posts: Sequence[Post], parts: Parts) -> list[list[Mention]]:
    """The detector's mentions in each post's text (one pass over the batch)."""
    return parts.matcher.find_many([p.text for p in posts], "text")


def complete(
    posts: Sequence[Post], parts: Parts, mentions: Sequence[Sequence[Mention]], known: Sequence[Assessment | None]
) -> list[tuple[Assessment, AccountScreening | None]]:
    """Classify the posts whose assessment is not `known` yet (one classifier call), then screen the authors."""
    todo = [i for i, a in enumerate(known) if a is None]
    assessments = list(known)
    if todo:
        for i, a in zip(todo, parts.classifier.assess([posts[i] for i in todo], [mentions[i] for i in todo]), strict=True):
            assessments[i] = a
    screenings: dict[str, AccountScreening | None] = {}
    out = []
    for post, assessment, found in zip(posts, assessments, mentions, strict=True):
        assert assessment is not None
        if post.author.id not in screenings:
            screenings[post.author.id] = (
                parts.screen(post.author, parts.matcher, officials=parts.officials) if parts.screen else None
            )
        if not assessment.model:
            assessment = replace(assessment, model=parts.model_version)
        if not assessment.mentions and found:
            # The decision's entities come from the assessment; keep what detection found.
            assessment = replace(assessment, mentions=tuple(found))
        out.append((assessment, screenings[post.author.id]))
    return out


# --- deciding and recording -----------------------------------------------------


@dataclass
class ScanResult:
    lines: list[str]  # output lines in input order
    decided: int = 0  # decided in this run
    reused: int = 0  # already stored, re-emitted
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class ToDecide:
    """A post to decide, its assessment and screening, and the moment it is decided as of."""

    post: Post
    assessment: Assessment
    screening: AccountScreening | None
    now: datetime


@dataclass(frozen=True)
class Decided:
    """A post's decision line; `outcome` is set when it was decided now (None: re-emitted from the store).

    `refused` says what differs from the post stored under the same id (another author or text): such a post is
    not decided, and its line is empty.
    """

    line: str
    outcome: Any = None  # PolicyOutcome
    refused: str | None = None

    @property
    def new(self) -> bool:
        return self.outcome is not None


def decide_batch(
    session: Any,
    profile: Any,
    entries: Sequence[ToDecide],
    *,
    tiers: Mapping[str, int] | None = None,
    registry_version: str = "",
    check_stored: bool = True,
    locked: bool = False,
) -> list[Decided]:
    """Decide posts in the order given and record them, all in the caller's transaction.

    The authors' write locks come first, so what is read next cannot change
    until the transaction ends. Then one query each for the posts stored under
    the same ids, the posts already decided, the linked accounts and the
    events of every account involved; each decision sees the events of the
    decisions before it in the batch (kept in memory in the order they will be
    written), and all the new decisions and events are written with one
    statement a table. A post that appears twice, or was decided before, gets
    its stored line again. A post id names one post: a post whose id is stored
    with another author or text is refused (`Decided.refused`), never decided,
    and never given the other post's decision.

    `check_stored=False` skips the query for posts decided before, for a caller
    that has just looked: should another process have decided one since, the
    decisions table's unique constraint fails the write (IntegrityError) and
    the caller tries again with the check (see `retrying`).

    `locked=True`: the caller has kept the posts and written every author's
    row in this transaction already (`store.ledger.ingest`), which holds the
    same locks, and has refused every post `ingest` refused: the posts are not
    looked at again.
    """
    from proscribe.ledger import state
    from proscribe.policy.decide import decide
    from proscribe.store import ledger as store

    if not entries:
        return []
    refused: Sequence[str | None] = [None] * len(entries)
    if not locked:
        store.lock_accounts(session, (e.post.author.id for e in entries))
        refused = store.differing_posts(session, [e.post for e in entries])
    done = store.stored_decisions(session, (e.post.id for e in entries), profile.name) if check_stored else {}
    authors = {e.post.author.id for e, r in zip(entries, refused, strict=True) if r is None and e.post.id not in done}
    linked = store.linked_accounts_many(session, authors) if authors else {}
    involved = authors.union(other for pairs in linked.values() for other, _ in pairs)
    if involved - authors:
        # An action passes between linked accounts: another writer deciding a post of one of them waits
        # for this transaction, and then sees what it did (PostgreSQL; on SQLite nothing runs beside it).
        store.lock_accounts(session, involved - authors)
    loaded: dict[str, list[Any]] = {}
    for event in store.events_for(session, involved, profile.name, kinds=state.STATE_KINDS):
        loaded.setdefault(event.account_id, []).append(event)
    # Events decided in this batch, by account, with their place in the batch's write order.
    fresh: dict[str, list[tuple[int, Any]]] = {}
    sequence = 0
    out: list[Decided] = []
    for entry, differs in zip(entries, refused, strict=True):
        post = entry.post
        if differs is not None:
            out.append(Decided("", refused=differs))
            continue
        line = done.get(post.id)
        if line is not None:
            out.append(Decided(line))
            continue
        author = post.author.id
        others = linked[author]
        accounts = [author, *(other for other, _ in others)]
        events = [e for a in accounts for e in loaded.get(a, ())]
        new = [pair for a in accounts for pair in fresh.get(a, ())]
        if new:
            # Unsaved events have no id yet: state.ordered puts them after the stored ones of the same time, in this order.
            new.sort(key=lambda pair: pair[0])
            events.extend(e for _, e in new)
        history = state.history(events, author, others, profile, entry.now)
        outcome = decide(
            entry.assessment, post, history, entry.screening, profile, entry.now, tiers=tiers, registry_version=registry_version
        )
        for event in outcome.events:
            fresh.setdefault(event.account_id, []).append((sequence, event))
            sequence += 1
        line = decision_line(outcome.decision)
        done[post.id] = line
        out.append(Decided(line, outcome))
    store.record_many(session, [(d.outcome, d.line) for d in out if d.outcome is not None])
    return out


def retrying(attempt: Callable[[bool], Any], checked: bool = False, tries: int = 5) -> Any:
    """Run a transaction, and again when another writer got in the way.

    `attempt(check_stored)` runs the whole transaction. The first try skips
    the check for stored decisions when the caller has `checked` already; a
    unique constraint saying that another process decided a post first makes
    the next try check (it then finds the post stored and re-emits it).
    PostgreSQL may also pick the transaction as a deadlock victim.
    """
    from sqlalchemy.exc import DBAPIError, IntegrityError

    check = not checked
    for left in range(tries - 1, -1, -1):
        try:
            return attempt(check)
        except IntegrityError:
            if not left:
                raise
            check = True
        except DBAPIError as exc:
            if not left or getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
    raise AssertionError("unreachable")


class Scanner:
    """Decides posts under one profile on one database.

    Each classified batch is decided and recorded in one transaction (a
    decision and its effects are never split; a kill loses at most the batch
    not yet committed, which the next run decides). `transaction_size` caps
    the decisions a transaction: 1 commits each decision on its own.
    """

    def __init__(
        self,
        profile: Any,
        db_url: str | None,
        parts: Parts | None = None,
        now: datetime | None = None,
        transaction_size: int | None = None,
    ):
        from proscribe.store import db

        self.profile = profile
        self.url = db.resolve_url(db_url)
        self.parts = parts
        self.now = now
        self.started = datetime.now(UTC)
        self.transaction_size = transaction_size
        self.engine = db.engine(self.url)  # open and migrate once, before any decision
        self._tiers: Mapping[str, int] | None = None

    def clock(self, post: Post) -> datetime:
        """The moment the post is decided as of: --now, else its created_at, else the scan's start."""
        return self.now or post.created_at or self.started

    def tiers(self) -> Mapping[str, int]:
        if self._tiers is None:
            self._tiers = self.parts.tiers(self.profile.tier_source) if self.parts else {}
        return self._tiers

    @property
    def registry_version(self) -> str:
        return self.parts.registry_version if self.parts else ""

    def ingest(self, items: Sequence[InputPost]) -> list[tuple[InputPost, str]]:
        """Keep the posts and their authors; returns the refused ones (their id names a stored post with another
        author or text) and what differs. Nothing is written for a refused post."""
        from proscribe.store import db
        from proscribe.store import ledger as store

        refused: list[tuple[InputPost, str]] = []
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            with db.session(self.url) as s:
                found = store.ingest(s, [(i.post, i.original) for i in chunk], self.started)
            refused.extend((i, d) for i, d in zip(chunk, found, strict=True) if d is not None)
        return refused

    def stored(self, post_ids: Iterable[str]) -> dict[str, str]:
        from proscribe.store import db
        from proscribe.store import ledger as store

        with db.session(self.url) as s:
            return store.stored_decisions(s, post_ids, self.profile.name)

    def decide_many(self, entries: Sequence[ToDecide], checked: bool = False) -> list[Decided]:
        """Decide and record posts in one transaction (retried when another writer got in the way).

        `checked`: the caller has just looked for stored decisions of these posts.
        """

        def attempt(check_stored: bool) -> list[Decided]:
            # A Core connection: an ORM session would cost more than the statements for one decision.
            with self.engine.begin() as conn:
                return decide_batch(
                    conn, self.profile, entries, tiers=self.tiers(), registry_version=self.registry_version, check_stored=check_stored
                )

        return retrying(attempt, checked)

    def decide_one(self, post: Post, assessment: Assessment, screening: AccountScreening | None) -> tuple[str, bool]:
        """Decide and record one post in one transaction; (output line, decided now?).

        Raises BadPost when the post's id names a stored post with another author or text.
        """
        (decided,) = self.decide_many([ToDecide(post, assessment, screening, self.clock(post))])
        if decided.refused is not None:
            raise BadPost(id_taken("id", post.id, decided.refused))
        return decided.line, decided.new

    def scan(
        self,
        items: Sequence[InputPost],
        advance: Callable[[int], None] = lambda n: None,
        batch_size: int = 64,
        assessed: dict[str, tuple[Assessment, AccountScreening | None]] | None = None,
    ) -> ScanResult:
        """Decide every post (in created_at order, ties in input order); lines come back in input order.

        `assessed` gives assessments by post id (then no classifier is needed).
        A line whose id names a stored post (or an earlier line) with another
        author or text is not decided: it is in `rejected`, with its line number.
        """
        result = ScanResult([])
        lines: list[str | None] = [None] * (max((i.index for i in items), default=-1) + 1)
        refused = self.ingest(items)
        if refused:
            result.rejected = [Rejected(i.line, id_taken("id", i.post.id, differs)) for i, differs in refused]
            gone = {id(i) for i, _ in refused}
            items = [i for i in items if id(i) not in gone]
            advance(len(refused))
        stored = self.stored(i.post.id for i in items)
        pending: list[InputPost] = []
        for item in items:
            if item.post.id in stored:
                lines[item.index] = stored[item.post.id]
                result.reused += 1
                advance(1)
            else:
                pending.append(item)
        pending.sort(key=lambda i: (i.post.created_at or self.started, i.index))
        step = min(batch_size, self.transaction_size or batch_size)
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            if assessed is not None:
                pairs = [assessed[i.post.id] for i in batch]
            else:
                if self.parts is None:
                    raise MissingPart("no classifier loaded and no assessments given")
                pairs = assess([i.post for i in batch], self.parts)
            entries = [ToDecide(i.post, a, sc, self.clock(i.post)) for i, (a, sc) in zip(batch, pairs, strict=True)]
            for first in range(0, len(entries), step):
                chunk = batch[first : first + step]
                # Looked up when the scan started; a post decided since by another process is caught by the write.
                for item, decided in zip(chunk, self.decide_many(entries[first : first + step], checked=True), strict=True):
                    if decided.refused is not None:
                        result.rejected.append(Rejected(item.line, id_taken("id", item.post.id, decided.refused)))
                        continue
                    lines[item.index] = decided.line
                    if decided.new:
                        result.decided += 1
                    else:
                        result.reused += 1
                advance(len(chunk))
        result.lines = [line for line in lines if line is not None]
        result.rejected.sort(key=lambda r: r.line)
        return result
