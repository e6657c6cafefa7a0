"""The FastAPI application: the /v1 JSON API, /healthz, and the reviewers' web pages (OpenAPI at /docs)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any, Callable, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proscribe import __version__
from proscribe.api.service import CODE_CHARS, BadRequest, Limits, RowId, Service, ServiceConfig, iso
from proscribe.review.actors import Actor, Permission
from proscribe.review.errors import ReviewError
from proscribe.pipeline import MAX_FOLLOWERS
from proscribe.store.db import MAX_ROW_ID

# Requests with at most this many posts are checked on the event loop; larger ones in a worker thread.
INLINE_CHECK = 20

REF = "#/components/schemas/"  # where the OpenAPI document keeps its schemas

# --- request bodies (documented in OpenAPI) ---------------------------------------------


def post_models(limits: Limits) -> tuple[type[BaseModel], type[BaseModel]]:
    """The post contract's author and post objects (AuthorIn, PostIn) with the limits this service enforces.

    They describe `POST /v1/posts` in the OpenAPI document; the posts themselves are checked by
    `Service.check_post`, with the same limits.
    """
    ids, strings, chars = limits.id_chars, limits.field_chars, limits.text_chars

    def most(n: int) -> str:
        return f"At most {n:,} characters."

    class AuthorIn(BaseModel):
        model_config = ConfigDict(extra="allow")
        id: str = Field(min_length=1, max_length=ids, description=f"The account's id on the platform (required, not blank). {most(ids)}")
        handle: str | None = Field(None, max_length=strings, description=most(strings))
        display_name: str | None = Field(None, max_length=strings, description=most(strings))
        bio: str | None = Field(None, max_length=strings, description=most(strings))
        followers: int | None = Field(None, ge=0, le=MAX_FOLLOWERS, description="A whole number, not negative.")
        country: str | None = Field(None, max_length=strings, description=f"ISO 3166-1 alpha-2. {most(strings)}")
        role: str | None = Field(None, max_length=strings, description=f"head_of_state, minister, journalist, ... (see SPEC.md). {most(strings)}")
        operator: str | None = Field(None, max_length=ids, description=f"Groups accounts run by the same person or organisation. {most(ids)}")

    class PostIn(BaseModel):
        model_config = ConfigDict(extra="allow")
        id: str = Field(min_length=1, max_length=ids, description=f"The post's id on the platform (required, not blank). {most(ids)}")
        text: str = Field(max_length=chars, description=f"May be empty. {most(chars)}")
        created_at: str | None = Field(None, description="ISO 8601; the post is decided as of this time (at most a day ahead of the server's clock).")
        platform: str | None = Field(None, max_length=CODE_CHARS, description=most(CODE_CHARS))
        lang: str | None = Field(None, max_length=CODE_CHARS, description=most(CODE_CHARS))
        author: AuthorIn

    return AuthorIn, PostIn


def post_schemas(limits: Limits) -> dict[str, Any]:
    """The JSON schemas of AuthorIn and PostIn by name, their references pointing into the OpenAPI components."""
    _, post = post_models(limits)
    _, top = models_json_schema([(post, "validation")], ref_template=REF + "{model}")
    return dict(top["$defs"])


class ReviewDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="confirm | overturn | escalate")
    reason: str = Field(min_length=1, max_length=4000, description="Why: required, kept in the ledger and the audit log.")
    category: str | None = Field(None, description="To confirm an uncertain item the classifier called `none`: the violation.")


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="content (a post's removal) | account (an account action in force)")
    profile: str = Field(max_length=128)
    post_id: str | None = Field(None, max_length=512)
    account_id: str | None = Field(None, max_length=512)
    statement: str = Field("", max_length=5000, description="The user's own words.")


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="uphold | overturn")
    reason: str = Field(min_length=1, max_length=4000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other: str = Field(min_length=1, max_length=512, description="The other account's id.")
    note: str | None = Field(None, max_length=2000)


class ErrorOut(BaseModel):
    """The body of the API's error answers (4xx, and 503 from the posts endpoint)."""

    error: str = Field(description="What is wrong, and what to do.")
    field: str | None = Field(None, description="Where the problem is (`posts[3].author.id`, `body`, `profile`, `reason`); absent when no one field is.")


def error_responses(limits: Limits) -> Callable[..., dict[int | str, dict[str, Any]]]:
    """`answers(401, 404, ...)`: the error answers a route gives, for its OpenAPI responses."""
    said = {
        401: "No API key, or the key is unknown or revoked.",
        403: "The key's role may not do this.",
        404: "Nothing with that id (or no decision under that profile).",
        409: "Someone else holds the item, or its state forbids the request.",
        413: f"The request body is over {limits.body_bytes:,} bytes.",
        422: "A parameter or the body is invalid; `field` names where.",
        503: "Posts cannot be decided now (the model or the registry cannot be loaded); the other endpoints keep working.",
    }
    challenge = {"WWW-Authenticate": {"description": "`Bearer`: send a key as `Authorization: Bearer KEY` or `X-API-Key: KEY`.", "schema": {"type": "string"}}}

    def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
        return {s: {"model": ErrorOut, "description": said[s], **({"headers": challenge} if s == 401 else {})} for s in statuses}

    return answers


# --- body size ---------------------------------------------------------------------------


class BodyLimit:
    """Refuses request bodies over `limit` bytes with a 413, whether or not Content-Length is given."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await _too_large(send, self.limit)
                    return
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = _error_body(f"request body too large: at most {limit} bytes", "body")
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# --- the busiest endpoint, in front of the framework ------------------------------------------


PROFILE_CHARS = 128  # the longest profile name a request may give (as the route's Query declares)


class FastPosts:
    """`POST /v1/posts` answered in front of the framework's routing, dependency solving and middleware.

    At hundreds of requests a second those layers cost more CPU than deciding
    the post. This handler does what the FastAPI route below does, with the
    same checks, errors and answers (the route stays, for the OpenAPI schema
    and as the path any other method or URL takes): the key is read from the
    database, the body checked, and the posts handed to the single writer.
    """

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.svc = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/posts":
            await self.app(scope, receive, send)
            return
        try:
            status, body, headers = await self._answer(scope, receive)
        except BadRequest as exc:
            status, body, headers = exc.status, _error_body(str(exc), exc.field), []
        except StarletteHTTPException as exc:
            status, body, headers = exc.status_code, _error_body(str(exc.detail)), list((exc.headers or {}).items())
        except ReviewError as exc:
            status, body, headers = exc.status, _error_body(str(exc)), []
        except Exception as exc:
            from proscribe.pipeline import MissingPart

            if not isinstance(exc, MissingPart):
                raise
            status, body, headers = 503, _error_body(f"posts cannot be decided now: {exc}"), []
        raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, bytes, list[tuple[str, str]]]:
        from urllib.parse import parse_qsl

        profile = "meta"
        for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            if key == "profile":
                profile = value  # the last one wins, as in the framework
        if len(profile) > PROFILE_CHARS:
            raise BadRequest(f"query.profile: String should have at most {PROFILE_CHARS} characters", "query.profile")
        authorization = api_key = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"x-api-key":
                api_key = value.decode("latin-1")
        who = await authorize(self.svc, authorization, api_key, Permission.SUBMIT)
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, b"", []  # nobody is left to answer
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        lines, batch = await submit_posts(self.svc, b"".join(chunks), profile, who)
        content = ("[" + ",".join(lines) + "]") if batch else lines[0]
        return 200, content.encode("utf-8"), []


def _error_body(message: str, field: str | None = None) -> bytes:
    content: dict[str, Any] = {"error": message}
    if field:
        content["field"] = field
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def authorize(svc: Service, authorization: str | None, api_key: str | None, permission: Permission | None = None) -> Actor:
    """The actor of the request's key (read from the database now), or a 401 (or a 403 without `permission`)."""
    header = authorization or ""
    presented = header[7:].strip() if header.lower().startswith("bearer ") else api_key
    if not presented:
        raise StarletteHTTPException(401, "an API key is required: Authorization: Bearer KEY or X-API-Key: KEY", headers={"WWW-Authenticate": "Bearer"})
    # In the key checker's thread (the loop stays free).
    found = await asyncio.wrap_future(svc.keys.check(presented))
    if found is None:
        raise StarletteHTTPException(401, "the API key is unknown or revoked", headers={"WWW-Authenticate": "Bearer"})
    if permission is not None and not found.may(permission):
        raise StarletteHTTPException(403, f"the {found.role} role may not {permission}: this needs a key with another role")
    return found


async def submit_posts(svc: Service, raw: bytes, profile: str, who: Actor) -> tuple[list[str], bool]:
    """Decide the posts of a request body: (decision lines in input order, was a batch)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not JSON: {getattr(exc, 'msg', exc)}", "body") from None
    except RecursionError:
        raise BadRequest("the body is not JSON: nested too deeply", "body") from None
    if isinstance(body, list) and len(body) > INLINE_CHECK:
        from starlette.concurrency import run_in_threadpool

        job = await run_in_threadpool(svc.prepare, body, profile, who)
    else:
        job = svc.prepare(body, profile, who)  # a few posts: checked on the loop, cheaper than a thread hop
    # The single writer decides it with the other requests waiting (one transaction); the loop stays free meanwhile.
    return await asyncio.wrap_future(svc.writer.submit(job)), job.batch


# The two ways to present an API key (see `authorize`), as OpenAPI security schemes.
KEY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerKey": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer KEY` (a key from `proscribe keys create`)."},
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "`X-API-Key: KEY`, the same key in its own header."},
}

# --- errors ---------------------------------------------------------------------------------


def _error(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    content: dict[str, Any] = {"error": message}
    if field:
        content["field"] = field
    return JSONResponse(content, status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    if first.get("type") == "json_invalid":  # its loc is ("body", character offset)
        at = first.get("loc", ())[-1]
        reason = (first.get("ctx") or {}).get("error", "invalid JSON")
        return _error(422, f"the body is not JSON: {reason} (at character {at})", "body")
    field = _field_path(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return _error(422, f"{field}: {message}{more}", field)


# --- the app --------------------------------------------------------------------------------


def create_app(config: ServiceConfig, service: Service | None = None) -> FastAPI:
    """The whole service (API and web pages) over one database."""
    svc = service or Service(config)
    app = FastAPI(
        title="proscribe",
        version=__version__,
        description=(
            "Enforce a platform's Dangerous Organizations and Individuals policy. Every /v1 endpoint needs an API key "
            "(`Authorization: Bearer KEY` or `X-API-Key: KEY`), made with `proscribe keys create --role ROLE`. "
            "Roles: platform (submit posts, file appeals, read), reviewer (decide reviews and appeals, read), "
            "auditor (read everything incl. the audit log), admin (everything)."
        ),
    )
    app.state.service = svc
    limits = config.limits
    bodies = post_schemas(limits)
    answers = error_responses(limits)

    def openapi() -> dict[str, Any]:
        """The framework's document, with the post contract's schemas (the posts route reads its body itself)
        and the API key (either header) on every /v1 operation; /healthz stays open."""
        if app.openapi_schema is None:
            doc = FastAPI.openapi(app)
            components = doc.setdefault("components", {})
            components.setdefault("schemas", {}).update(bodies)
            components["securitySchemes"] = {name: dict(scheme) for name, scheme in KEY_SCHEMES.items()}
            for path, operations in doc["paths"].items():
                if path.startswith("/v1/"):
                    for operation in operations.values():
                        operation["security"] = [{name: []} for name in KEY_SCHEMES]  # either one
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(BadRequest)
    def _bad(_: Request, exc: BadRequest) -> JSONResponse:
        return _error(exc.status, str(exc), exc.field)

    @app.exception_handler(ReviewError)
    def _review(_: Request, exc: ReviewError) -> JSONResponse:
        return _error(exc.status, str(exc), getattr(exc, "field", None))

    from proscribe.pipeline import MissingPart

    @app.exception_handler(MissingPart)
    def _missing(_: Request, exc: MissingPart) -> JSONResponse:
        return _error(503, f"posts cannot be decided now: {exc}")

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and str(exc.detail) == "There was an error parsing the body":  # e.g. JSON nested too deeply
            return _error(400, "the body cannot be read as JSON (nested too deeply, or not JSON)", "body")
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]

    async def actor(request: Request) -> Actor:
        return await authorize(svc, request.headers.get("authorization"), request.headers.get("x-api-key"))

    def allowed(who: Actor, permission: Permission) -> Actor:
        if not who.may(permission):
            raise StarletteHTTPException(403, f"the {who.role} role may not {permission}: this needs a key with another role")
        return who

    def need(permission: Permission) -> Callable[[Actor], Any]:
        async def check(who: Actor = Depends(actor)) -> Actor:  # no I/O: on the loop, not a thread hop
            return allowed(who, permission)

        return check

    reader = Depends(need(Permission.READ))

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """Open: whether the service and its database answer."""
        from sqlalchemy import text

        with svc.session() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    # --- posts and decisions ---------------------------------------------------------------

    @app.post(
        "/v1/posts",
        tags=["posts"],
        responses=answers(401, 403, 413, 422, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": f"One post (an object) or a batch (a list of 1 to {limits.batch:,} posts), at most {limits.body_bytes:,} bytes.",
                "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": REF + "PostIn"},
                    {"type": "array", "items": {"$ref": REF + "PostIn"}, "minItems": 1, "maxItems": limits.batch},
                ]}}},
            }
        },
    )
    async def submit(request: Request, profile: str = Query("meta", max_length=PROFILE_CHARS, description="meta, x, twitter-2021 or a profile the server was started with.")) -> Response:
        """Decide one post (an object) or a batch (a list) under a profile; the SPEC's decision objects come back.

        Needs a key with the platform (or admin) role. Idempotent by (post id, profile): posting a
        post again returns the stored decision. A post id names one post: a post whose id is stored
        with another author.id or text is refused with 409 naming the field (`post.id`,
        `posts[i].id`), and nothing of the request is written. Decisions that need a person
        (uncertain, or high reach) join the review queue.
        """
        # Requests normally take FastPosts (above), which does the same in front of the framework.
        who = await authorize(svc, request.headers.get("authorization"), request.headers.get("x-api-key"), Permission.SUBMIT)
        lines, batch = await submit_posts(svc, await request.body(), profile, who)
        content = ("[" + ",".join(lines) + "]") if batch else lines[0]
        return Response(content, media_type="application/json")

    @app.get("/v1/decisions", tags=["posts"], responses=answers(401, 422))
    def decisions(
        profile: str | None = None,
        account: str | None = Query(None, max_length=512),
        action: str | None = None,
        violation: bool | None = None,
        after: int | None = Query(None, ge=0, le=MAX_ROW_ID, description="The `next` of the previous page."),
        limit: int = Query(100, ge=1, le=1000),
        _: Actor = reader,
    ) -> Response:
        """Stored decisions, oldest first, a page at a time."""
        from proscribe.store import service as store

        with svc.session() as s:
            rows = store.decisions_page(s, profile, account, action, violation, after, limit)
        body = '{"decisions":[' + ",".join(line for _, line in rows) + '],"next":' + (str(rows[-1][0]) if len(rows) == limit else "null") + "}"
        return Response(body, media_type="application/json")

    @app.get("/v1/decisions/{post_id:path}/status", tags=["posts"], responses=answers(401, 404, 422))
    def decision_status(post_id: str, profile: str = "meta", _: Actor = reader) -> dict[str, Any]:
        """What happened to the post since: its content action now, reviews, appeals and reversals, with the ledger's events."""
        from proscribe.review.content import content_status
        from proscribe.store import service as store

        with svc.session() as s:
            events = store.events_of_post(s, post_id, profile)
            item = store.review_item_for(s, post_id, profile)
        if not events:
            raise StarletteHTTPException(404, f"post {post_id!r} has no decision under {profile!r}")
        from proscribe.review import queue

        return {
            **content_status(events, post_id, profile).to_json(),
            "review_item": queue.view(item) if item else None,
            "events": [_event_json(e) for e in events],
        }

    @app.get("/v1/decisions/{post_id:path}", tags=["posts"], responses=answers(401, 404, 422))
    def decision(post_id: str, profile: str = "meta", _: Actor = reader) -> Response:
        """The stored decision of one post under one profile, exactly as first returned."""
        from proscribe.store import ledger as ledger_store

        with svc.session() as s:
            line = ledger_store.stored_decision(s, post_id, profile)
        if line is None:
            raise StarletteHTTPException(404, f"post {post_id!r} has no decision under {profile!r}")
        return Response(line, media_type="application/json")

    # --- accounts ------------------------------------------------------------------------------

    @app.get("/v1/accounts/{account_id:path}/decisions", tags=["accounts"], responses=answers(401, 422))
    def account_decisions(account_id: str, profile: str | None = None, _: Actor = reader) -> dict[str, Any]:
        from proscribe.store import ledger as ledger_store

        with svc.session() as s:
            return {"account": account_id, "decisions": ledger_store.decisions_of(s, account_id, profile)}

    @app.post("/v1/accounts/{account_id:path}/links", tags=["accounts"], responses=answers(401, 403, 413, 422))
    def link(account_id: str, body: LinkIn, who: Actor = Depends(need(Permission.ADMIN))) -> dict[str, Any]:
        """Link two accounts run by the same operator, so account actions reach both where the profile says so."""
        from proscribe.store import ledger as ledger_store
        from proscribe.store import service as store

        if len(account_id) > 512:
            raise BadRequest("account id is too long", "account_id")
        try:
            with svc.session() as s:
                new = ledger_store.link(s, account_id, body.other, actor=who.label, note=body.note)
                if new:
                    store.audit(s, who.label, who.role, "accounts.link", f"account:{account_id}", {"other": body.other, "note": body.note})
                linked = ledger_store.linked_accounts(s, account_id)
        except ValueError as exc:
            raise BadRequest(str(exc), "other") from None
        return {"linked": new, "linked_accounts": [{"id": other, "via": via} for other, via in linked]}

    @app.get("/v1/accounts/{account_id:path}", tags=["accounts"], responses=answers(401, 404, 422))
    def account(account_id: str, profile: list[str] = Query([]), now: str | None = None, _: Actor = reader) -> dict[str, Any]:
        """An account's state under each profile (standing action, strikes with expiry, history), derived from the ledger."""
        return account_json(svc, account_id, profile, now)

    # --- registry --------------------------------------------------------------------------------

    @app.get("/v1/registry/search", tags=["registry"], responses=answers(401, 422))
    def registry_search(q: str = Query(..., min_length=1, max_length=200), limit: int = Query(10, ge=1, le=100), _: Actor = reader) -> dict[str, Any]:
        """Designated entities whose names match, in any script or spelling, best first."""
        from proscribe.registry import service as registry

        snap = registry.current(svc.url)
        return {"version": snap.version, "results": [{**entity_summary(e), "score": round(score, 3)} for e, score in registry.search(snap, q, limit)]}

    @app.get("/v1/registry/entities/{entity_id}", tags=["registry"], responses=answers(401, 404, 422))
    def registry_entity(entity_id: str, version: str = "latest", _: Actor = reader) -> dict[str, Any]:
        """One entity as the registry holds it: names, designations with dates and lists, relations, tiers."""
        from proscribe.registry import codec
        from proscribe.registry import service as registry
        from proscribe.registry.errors import RegistryError

        try:
            snap = registry.current(svc.url) if version == "latest" else registry.snapshot(svc.url, version)
        except RegistryError as exc:
            raise BadRequest(str(exc), "version") from None
        entity = snap.by_id(entity_id)
        if entity is None:
            raise StarletteHTTPException(404, f"no entity {entity_id!r} in registry version {snap.version}")
        return {"version": snap.version, "entity": {**codec.to_dict(entity), "in_scope": entity.in_scope}}

    @app.get("/v1/registry/versions", tags=["registry"], responses=answers(401))
    def registry_versions(_: Actor = reader) -> dict[str, Any]:
        from proscribe.registry import service as registry

        return {"versions": [{"id": v.id, "version": v.label, "created_at": iso(v.created_at), "source": v.source, "origin": v.origin, "summary": v.summary} for v in registry.versions(svc.url)]}

    # --- review queue --------------------------------------------------------------------------

    @app.get("/v1/review/items", tags=["review"], responses=answers(401, 422))
    def review_items(
        status: list[Literal["open", "claimed", "escalated", "closed"]] = Query(["open", "escalated"], description="open, claimed, escalated, closed"),
        profile: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
        _: Actor = reader,
    ) -> dict[str, Any]:
        """The queue, highest priority first (severity, reach, time waiting)."""
        from proscribe.review import queue

        if profile:
            svc.profile(profile)  # an unknown name is a 422 naming `profile`, not an empty queue
        with svc.session() as s:
            queue.sync(s, svc.queue)
        with svc.session() as s:
            return {"items": queue.items(s, status, profile, limit)}

    @app.get("/v1/review/items/{item_id}", tags=["review"], responses=answers(401, 404, 422))
    def review_item(item_id: RowId, _: Actor = reader) -> dict[str, Any]:
        from proscribe.review import queue

        with svc.session() as s:
            return queue.view(queue.get(s, item_id))

    @app.post("/v1/review/items/{item_id}/claim", tags=["review"], responses=answers(401, 403, 404, 409, 422))
    def review_claim(item_id: RowId, who: Actor = Depends(need(Permission.REVIEW))) -> dict[str, Any]:
        """Take an item: no two reviewers hold the same item (409 when someone else does)."""
        from proscribe.review import queue

        with svc.session() as s:
            return queue.view(queue.claim(s, item_id, who, svc.queue))

    @app.post("/v1/review/items/{item_id}/release", tags=["review"], responses=answers(401, 403, 404, 409, 422))
    def review_release(item_id: RowId, who: Actor = Depends(need(Permission.REVIEW))) -> dict[str, Any]:
        from proscribe.review import queue

        with svc.session() as s:
            return queue.view(queue.release(s, item_id, who))

    @app.post("/v1/review/items/{item_id}/decision", tags=["review"], responses=answers(401, 403, 404, 409, 413, 422))
    def review_decide(item_id: RowId, body: ReviewDecisionIn, who: Actor = Depends(need(Permission.REVIEW))) -> dict[str, Any]:
        """Confirm, overturn or escalate an item you hold, with a reason; recorded in the ledger."""
        from proscribe.review import queue

        with svc.session() as s:
            item = queue.decide(s, item_id, who, body.outcome, body.reason, profiles=svc.profile, tiers_for=svc.tiers_for, category=body.category)
            return queue.view(item)

    # --- appeals ----------------------------------------------------------------------------------

    @app.post("/v1/appeals", tags=["appeals"], status_code=201, responses=answers(401, 403, 404, 409, 413, 422))
    def appeal_file(body: AppealIn, who: Actor = Depends(need(Permission.APPEAL))) -> dict[str, Any]:
        """File a user's appeal of a removal (kind content, post_id) or of an account action (kind account, account_id)."""
        from proscribe.review import appeals

        profile = svc.profile(body.profile)
        with svc.session() as s:
            return appeals.view(appeals.file(s, who, body.kind, profile, body.statement, body.post_id, body.account_id))

    @app.get("/v1/appeals", tags=["appeals"], responses=answers(401, 422))
    def appeal_list(status: list[Literal["open", "claimed", "closed"]] = Query(["open", "claimed"]), limit: int = Query(100, ge=1, le=1000), _: Actor = reader) -> dict[str, Any]:
        from proscribe.review import appeals
        from proscribe.store import service as store

        with svc.session() as s:
            return {"appeals": [appeals.view(a) for a in store.appeals_list(s, status, limit)]}

    @app.get("/v1/appeals/{appeal_id}", tags=["appeals"], responses=answers(401, 404, 422))
    def appeal_get(appeal_id: RowId, _: Actor = reader) -> dict[str, Any]:
        from proscribe.review import appeals

        with svc.session() as s:
            return appeals.view(appeals.get(s, appeal_id))

    @app.post("/v1/appeals/{appeal_id}/claim", tags=["appeals"], responses=answers(401, 403, 404, 409, 422))
    def appeal_claim(appeal_id: RowId, who: Actor = Depends(need(Permission.REVIEW))) -> dict[str, Any]:
        """Take an appeal; the reviewers who made the decision appealed cannot (403)."""
        from proscribe.review import appeals

        with svc.session() as s:
            return appeals.view(appeals.claim(s, appeal_id, who, svc.queue))

    @app.post("/v1/appeals/{appeal_id}/decision", tags=["appeals"], responses=answers(401, 403, 404, 409, 413, 422))
    def appeal_decide(appeal_id: RowId, body: AppealDecisionIn, who: Actor = Depends(need(Permission.REVIEW))) -> dict[str, Any]:
        """Uphold or overturn; overturning restores the post, removes the strike and recomputes the account's state."""
        from proscribe.review import appeals

        with svc.session() as s:
            return appeals.decide(s, appeal_id, who, body.outcome, body.reason, svc.profile)

    # --- audit ---------------------------------------------------------------------------------------

    @app.get("/v1/audit", tags=["audit"], responses=answers(401, 403, 422))
    def audit(
        limit: int = Query(100, ge=1, le=1000),
        before: int | None = Query(None, ge=0, le=MAX_ROW_ID),
        actor_name: str | None = Query(None, alias="actor", max_length=256),
        action: str | None = Query(None, max_length=64),
        _: Actor = Depends(need(Permission.AUDIT)),
    ) -> dict[str, Any]:
        """Who changed what, newest first."""
        from proscribe.store import service as store

        with svc.session() as s:
            entries = store.audit_entries(s, limit, before, actor_name, action)
        return {"entries": [{**e, "at": iso(e["at"])} for e in entries], "next": entries[-1]["id"] if len(entries) == limit else None}

    from proscribe.web.pages import mount

    mount(app, svc)
    if config.fast_posts:
        app.add_middleware(FastPosts, service=svc)
    app.add_middleware(BodyLimit, limit=config.limits.body_bytes)  # outermost: it limits FastPosts' body too
    return app


def _event_json(e: Any) -> dict[str, Any]:
    return {"id": e.id, "kind": str(e.kind), "account_id": e.account_id, "at": iso(e.at), "post_id": e.post_id, "actor": e.actor, "payload": e.payload}


def entity_summary(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "kind": str(e.kind),
        "lists": sorted({d.list for d in e.designations if d.active}),
        "in_scope": e.in_scope,
    }


def account_json(svc: Service, account_id: str, profiles: list[str], now: str | None) -> dict[str, Any]:
    """An account's attributes, links and state under each profile (as `proscribe accounts show --json`)."""
    from proscribe.ledger import state
    from proscribe.pipeline import parse_time
    from proscribe.store import ledger as ledger_store

    try:
        clock = parse_time(now) if now else datetime.now(UTC)
    except ValueError:
        raise BadRequest(f"now {now!r} is not an ISO 8601 time", "now") from None
    with svc.session() as s:
        attributes = ledger_store.account(s, account_id)
        names = ledger_store.profiles_of(s, account_id)
        linked = ledger_store.linked_accounts(s, account_id)
        states = []
        for name in profiles or names:
            p = svc.profile(name)
            events = ledger_store.events_for(s, [account_id, *(other for other, _ in linked)], p.name)
            states.append(state.account_state(events, account_id, p, clock).to_json())
    if attributes is None and not names:
        raise StarletteHTTPException(404, f"no account {account_id!r} in the ledger")
    return {
        "id": account_id,
        "attributes": (attributes or {}).get("attributes", {}),
        "linked_accounts": [{"id": other, "via": via} for other, via in linked],
        "profiles": states,
    }
