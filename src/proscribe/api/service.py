"""What the HTTP API and the web pages share: configuration, the loaded parts, deciding posts, sessions."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Callable, Iterator, Mapping, Sequence

from fastapi import Path
from sqlalchemy.orm import Session

from proscribe.model import Assessment, Mention, Post
from proscribe.pipeline import AUTHOR_STRINGS, POST_STRINGS
from proscribe.policy.profile import SHIPPED, Profile
from proscribe.review.actors import Actor
from proscribe.review.queue import QueueSettings
from proscribe.store.db import MAX_ROW_ID

if TYPE_CHECKING:
    from proscribe.api.writer import Job

REGISTRY_RECHECK_SECONDS = 30.0
CODE_CHARS = 64  # the longest platform name or language code a post may give
# The field a pipeline message is about: "required field author.id is missing", "author.followers must be ...".
_FIELD = re.compile(r"^(?:required field ([a-z_.]+) is missing|([^\s\[.][^\s]*) (?:must|is) )")


# The fields of a post whose lengths `Service.check_post` checks one by one (every other string: `field_chars`).
_CHECKED_FIELDS = frozenset(
    {"id", "text", "created_at", "author", "author.id", "author.followers", *POST_STRINGS, *(f"author.{k}" for k in AUTHOR_STRINGS)}
)

# A review item's or an appeal's number in a URL: a larger one cannot exist (a 422 naming the field, not a database error).
RowId = Annotated[int, Path(le=MAX_ROW_ID, description="The number the API gave it.")]


class BadRequest(ValueError):
    """A request the service refuses; `field` names where the problem is."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Limits:
    """What one request may hold; larger requests get a 413 or 422 naming the field."""

    body_bytes: int = 2_000_000
    batch: int = 500
    text_chars: int = 20_000
    id_chars: int = 512  # post ids and account ids (the ledger's columns)
    field_chars: int = 5_000  # handle, display name, bio, other strings


@dataclass
class ServiceConfig:
    db_url: str
    model: str | None = None
    queue: QueueSettings = field(default_factory=QueueSettings)
    limits: Limits = field(default_factory=Limits)
    secure_cookies: bool = False  # set when served over HTTPS (behind a proxy)
    profiles: Mapping[str, Profile] = field(default_factory=dict)  # custom profiles by name, besides the shipped ones
    # Tests and benchmarks may hand in their own parts (e.g. a stand-in classifier); default: pipeline.load_parts.
    parts_factory: Callable[[str], Any] | None = None
    session_minutes: int = 8 * 60
    fast_posts: bool = True  # POST /v1/posts in front of the framework (api.app.FastPosts); False: through the route
    writer_process: bool = False  # decide posts in a child process (api.writer_process), not in a thread of this one
    assessors: int = 1  # threads that run the model side by side (api.writer); more than one needs a `concurrent` classifier
    # Threads for each pass of the sentence encoder, in the process that decides (None: the encoder's default, every
    # usable core). `proscribe serve` gives each assessor its share of the cores.
    encoder_threads: int | None = None


class _SerialClassifier:
    """Hands the classifier one batch at a time: request threads share one model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "")
        self.version = getattr(inner, "version", "")
        self._lock = threading.Lock()
        if hasattr(inner, "prescreen"):
            self.prescreen = inner.prescreen  # the cheap first step needs no turn (see classify.base.Classifier)

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]]) -> list[Assessment]:
        if getattr(self.inner, "concurrent", False):
            return self.inner.assess(posts, mentions)
        with self._lock:
            return self.inner.assess(posts, mentions)


class Service:
    """One running service over one database."""

    def __init__(self, config: ServiceConfig) -> None:
        from proscribe.store import db

        self.config = config
        self.url = db.resolve_url(config.db_url)
        self.engine = db.engine(self.url)  # open and migrate before the first request
        self._parts: Any = None
        self._parts_lock = threading.Lock()
        self._checked = 0.0
        self._failed: tuple[float, Exception] | None = None
        self._profiles: dict[str, Profile] = dict(config.profiles)
        # The queue settings, with the high-reach threshold each known profile names.
        self.queue = config.queue.with_profiles(self.profile(name) for name in self.profile_names())
        self._tiers: dict[tuple[str, str], dict[str, int]] = {}
        from proscribe.api.writer import Writer
        from proscribe.api.writer_process import WriterProcess

        self.writer: Writer | WriterProcess = WriterProcess(config) if config.writer_process else Writer(self, assessors=config.assessors)
        from proscribe.api.keys import KeyChecker

        self.keys = KeyChecker(self.engine)
        with self.session() as s:
            from proscribe.store import service as store

            self.secret = store.session_secret(s)

    # --- database ------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        from proscribe.store import db

        with db.session(self.url) as s:
            yield s

    # --- parts and profiles ----------------------------------------------------------

    def parts(self) -> Any:
        """The registry, matcher and classifier, loaded once; the matcher follows new registry versions."""
        now = time.monotonic()
        if self._parts is not None and now - self._checked < REGISTRY_RECHECK_SECONDS:
            return self._parts
        with self._parts_lock:
            if self._parts is None:
                if self._failed is not None and now - self._failed[0] < REGISTRY_RECHECK_SECONDS:
                    raise self._failed[1]  # do not reload the registry and model on every request
                try:
                    self._parts = self._load_parts()
                except Exception as exc:
                    self._failed = (now, exc)
                    raise
                self._failed = None
            elif now - self._checked >= REGISTRY_RECHECK_SECONDS:
                from proscribe.registry import service as registry

                if registry.current(self.url).version != self._parts.registry_version:
                    self._parts = self._load_parts()
                    self._tiers.clear()
                    import gc

                    if gc.get_freeze_count():  # the process keeps long-lived objects out of the collector (serve does)
                        gc.freeze()
            self._checked = now
            return self._parts

    def warm(self) -> None:
        """Load the parts, then assess one stand-in post through the model (nothing is written).

        What a classifier loads on first use (the encoder's weights, the language identifier) is then
        loaded before the first request instead of during it.
        """
        from proscribe.classify.base import warm_up

        from proscribe.api.writer_process import WriterProcess

        if isinstance(self.writer, WriterProcess):
            self.writer.warm()  # the parts live in the writer's process; this one never loads them
            return
        warm_up(self.parts().classifier)

    def _load_parts(self) -> Any:
        from proscribe.pipeline import load_parts

        if self.config.encoder_threads is not None:
            from proscribe.classify.features import set_encoder_threads

            set_encoder_threads(self.config.encoder_threads)
        factory = self.config.parts_factory or (lambda url: load_parts(url, self.config.model))
        parts = factory(self.url)
        if not isinstance(parts.classifier, _SerialClassifier):
            parts.classifier = _SerialClassifier(parts.classifier)
        return parts

    def profile(self, name: str) -> Profile:
        """A profile the service knows by name: a shipped one or one given at start. Never a path from a request."""
        found = self._profiles.get(name)
        if found is not None:
            return found
        if name not in SHIPPED:
            known = sorted({*SHIPPED, *self._profiles})
            raise BadRequest(f"unknown profile {name!r}; this server knows: {', '.join(known)}", "profile")
        from proscribe.policy.profile import load

        profile = load(name)
        self._profiles[name] = profile
        return profile

    def profile_names(self) -> list[str]:
        return sorted({*SHIPPED, *self._profiles})

    def tiers_for(self, profile: Profile) -> Mapping[str, int]:
        from proscribe.registry import service as registry

        snap = registry.current(self.url)
        key = (snap.version, profile.tier_source)
        if key not in self._tiers:
            source = profile.tier_source
            self._tiers[key] = {e.id: int(e.tiers[source]) for e in snap.entities if (e.tiers or {}).get(source) is not None}
        return self._tiers[key]

    def _parts_tiers(self, parts: Any, profile: Profile) -> Mapping[str, int]:
        """Tiers from the loaded parts' registry, cached per registry version (no query per request)."""
        key = (parts.registry_version, profile.tier_source)
        if key not in self._tiers:
            self._tiers[key] = parts.tiers(profile.tier_source)
        return self._tiers[key]

    # --- keys ---------------------------------------------------------------------------

    def authenticate(self, presented: str | None) -> Actor | None:
        """The actor of a presented key, read from the database now (a revoked key stops at once)."""
        return self.keys.check(presented).result()

    # --- web sessions ---------------------------------------------------------------------

    def start_web_session(self, key_id: str) -> str:
        """A new web session for a signed-in key: its random id, for the cookie (the database keeps its sha256)."""
        from proscribe.api.keys import digest
        from proscribe.store import service as store

        session_id = secrets.token_urlsafe(32)
        ends = datetime.now(UTC) + timedelta(minutes=self.config.session_minutes)
        with self.session() as s:
            store.add_web_session(s, digest(session_id), key_id, ends)
        return session_id

    def end_web_session(self, session_id: str) -> None:
        """Sign out: the session ends on the server, for every copy of its cookie."""
        from proscribe.api.keys import digest
        from proscribe.store import service as store

        with self.session() as s:
            store.end_web_session(s, digest(session_id))

    def actor_by_web_session(self, session_id: str) -> Actor | None:
        """The actor of a web session that has not ended or expired, whose key is still valid (both read now)."""
        from proscribe.api.keys import digest
        from proscribe.review.actors import Role
        from proscribe.store import service as store

        with self.session() as s:
            row = store.key_by_web_session(s, digest(session_id))
        if row is None or not row.active:
            return None
        return Actor(row.key_id, row.name, Role(row.role))

    # --- deciding posts -------------------------------------------------------------------

    def check_post(self, obj: Any, where: str) -> Post:
        """A Post from one request object, or BadRequest naming the field."""
        from proscribe.pipeline import BadPost, json_strings, post_from_json

        try:
            post = post_from_json(obj)
        except BadPost as exc:
            message = str(exc)
            named = _FIELD.match(message)
            name = named.group(1) or named.group(2) if named else None
            raise BadRequest(f"{where}: {message}", f"{where}.{name}" if name else where) from None
        limits = self.config.limits
        checks = [("id", post.id, limits.id_chars), ("author.id", post.author.id, limits.id_chars), ("text", post.text, limits.text_chars)]
        for key in AUTHOR_STRINGS:
            checks.append((f"author.{key}", getattr(post.author, key) or "", limits.field_chars if key != "operator" else limits.id_chars))
        for key in POST_STRINGS:
            checks.append((key, getattr(post, key) or "", CODE_CHARS))
        for name, value, most in checks:
            if len(value) > most:
                raise BadRequest(f"{where}.{name} is too long ({len(value)} characters; at most {most})", f"{where}.{name}")
        for path, value in json_strings(obj, ""):  # the other fields, as given (kept with the post and the account)
            if path not in _CHECKED_FIELDS and len(value) > limits.field_chars:
                shown = path if len(path) <= 80 else path[:77] + "..."
                raise BadRequest(f"{where}.{shown} is too long ({len(value)} characters; at most {limits.field_chars})", f"{where}.{shown}")
        return post

    def prepare(self, body: Any, profile_name: str, actor: Actor) -> Job:
        """A request's posts checked and ready for the writer, or BadRequest naming the field (nothing is written)."""
        from proscribe.api.writer import Job
        from proscribe.pipeline import InputPost

        profile = self.profile(profile_name)
        batch = isinstance(body, list)
        objects = body if batch else [body]
        if batch and not objects:
            raise BadRequest("the batch is empty: send one post object or a list of them", "body")
        if len(objects) > self.config.limits.batch:
            raise BadRequest(f"the batch holds {len(objects)} posts; at most {self.config.limits.batch} a request", "body")
        items = []
        for i, obj in enumerate(objects):
            where = f"posts[{i}]" if batch else "post"
            items.append(InputPost(i, i + 1, self.check_post(obj, where), obj))
        seen: dict[str, int] = {}
        for item in items:
            if item.post.id in seen:
                raise BadRequest(f"posts[{item.index}].id {item.post.id!r} repeats posts[{seen[item.post.id]}]", f"posts[{item.index}].id")
            seen[item.post.id] = item.index
        return Job(profile, items, actor, batch)

    def submit(self, body: Any, profile_name: str, actor: Actor) -> tuple[list[str], bool]:
        """Decide one post or a batch and wait for it (decision lines in input order, was a batch).

        The posts go to the service's single writer (see api/writer.py), which
        decides them together with other requests' posts in one transaction.
        """
        job = self.prepare(body, profile_name, actor)
        return self.writer.submit(job).result(), job.batch


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
