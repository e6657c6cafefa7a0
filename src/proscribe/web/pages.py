"""The reviewers' web pages: server-rendered Jinja2, enhanced with htmx (served from the package, never a CDN).

Sign-in takes an API key once and starts a session on the server; the session
cookie (signed, HttpOnly, SameSite=Lax) then holds only the session's random id.
The session and its key are re-checked on every request, so signing out ends
the session for every copy of the cookie, and revoking the key ends all of its
sessions. Every POST must carry the session's CSRF token, as a form field or
(for htmx requests) the X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from proscribe.api.service import RowId, Service, iso
from proscribe.review.actors import Actor, Permission
from proscribe.review.errors import ReviewError

HERE = Path(__file__).parent
CATEGORIES = ("glorification", "support", "representation", "threat")


class _Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def highlight(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """The text cut into (piece, entity name or None) so that matched words can be marked; overlapping spans merge."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for start, end, title in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], title))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


def _fallback_spans(text: str, words: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Spans of evidence words found as written (when no matcher is at hand)."""
    spans = []
    lowered = text.lower()
    for word, title in words:
        w = word.strip(" ….").lower()
        if len(w) < 2:
            continue
        i = lowered.find(w)
        while i >= 0:
            spans.append((i, i + len(w), title))
            i = lowered.find(w, i + len(w))
    return spans


class Pages:
    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.filters["iso"] = iso
        self.templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, default=str)
        self._matcher: tuple[str, Any] | None = None
        self._lock = threading.Lock()

    # --- sessions -------------------------------------------------------------------

    def csrf(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    async def check_csrf(self, request: Request) -> dict[str, Any]:
        form = dict(await request.form())
        sent = request.headers.get("x-csrf-token") or str(form.get("csrf", ""))
        expected = request.session.get("csrf") or ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise _Forbidden("the form has expired or did not come from this site (CSRF check failed): reload the page and try again")
        return form

    def actor(self, request: Request) -> Actor:
        session_id = request.session.get("sid")
        who = self.svc.actor_by_web_session(session_id) if session_id else None
        if who is None:
            request.session.pop("sid", None)
            raise _Redirect("/login?next=" + quote(request.url.path))
        return who

    async def end_session(self, request: Request) -> None:
        """End this browser's session on the server (if it has one) and clear its cookie."""
        session_id = request.session.get("sid")
        if session_id:
            await run_in_threadpool(self.svc.end_web_session, session_id)
        request.session.clear()

    def render(self, request: Request, name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("actor", None)
        flash = request.session.pop("flash", None)
        return self.templates.TemplateResponse(
            request, name, {"csrf": self.csrf(request), "flash": flash, "profiles": self.svc.profile_names(), **context}, status_code=http_status
        )

    # --- helpers over the parts -------------------------------------------------------

    def matcher(self) -> Any:
        from proscribe.registry import service as registry

        snap = registry.current(self.svc.url)
        parts = self.svc._parts
        if parts is not None and parts.registry_version == snap.version:
            return parts.matcher
        with self._lock:
            if self._matcher is None or self._matcher[0] != snap.version:
                from proscribe.detect.matcher import Matcher

                self._matcher = (snap.version, Matcher.from_entities(snap.entities))
            return self._matcher[1]

    def marked(self, text: str, decision: dict[str, Any] | None) -> list[tuple[str, str | None]]:
        try:
            spans = [(m.start, m.end, m.entity_name) for m in self.matcher().find(text, "text")]
        except Exception:  # highlighting must never break the page
            spans = []
        if not spans and decision:
            spans = _fallback_spans(text, [(e.get("evidence") or "", e.get("name") or "") for e in decision.get("entities", [])])
        return highlight(text, spans)

    def entities(self, decision: dict[str, Any] | None) -> list[Any]:
        from proscribe.registry import service as registry

        if not decision:
            return []
        snap = registry.current(self.svc.url)
        found = []
        for e in decision.get("entities", []):
            entity = snap.by_id(e.get("id"))
            if entity is not None and entity not in found:
                found.append(entity)
        return found


class _Forbidden(Exception):
    pass


def mount(app: FastAPI, svc: Service) -> None:
    """Add the web pages, static files and the session middleware to `app`."""
    pages = Pages(svc)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=svc.secret,
        session_cookie="proscribe_session",
        max_age=svc.config.session_minutes * 60,
        same_site="lax",
        https_only=svc.config.secure_cookies,
    )

    def page(handler: Callable[..., Any]) -> Callable[..., Any]:
        """Turns redirects, CSRF failures and review errors into responses a browser (or htmx) understands."""
        import functools
        import inspect

        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
            try:
                if inspect.iscoroutinefunction(handler):
                    return await handler(request, *args, **kwargs)  # type: ignore[no-any-return]
                # Sync pages read the database: keep them off the event loop.
                return await run_in_threadpool(handler, request, *args, **kwargs)  # type: ignore[no-any-return]
            except _Redirect as r:
                return _go(request, r.url)
            except _Forbidden as exc:
                return pages.render(request, "error.html", 403, message=str(exc), actor=None)
            except ReviewError as exc:
                request.session["flash"] = str(exc)
                referer = urlsplit(request.headers.get("referer") or "/queue")
                return _go(request, referer.path + (f"?{referer.query}" if referer.query else ""))

        return wrapper

    def _go(request: Request, url: str) -> Response:
        if not url.startswith("/") or url.startswith("//"):
            url = "/queue"  # only ever redirect within the site
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    @page
    def login_page(request: Request, next: str = "/queue") -> Response:
        return pages.render(request, "login.html", next=next if next.startswith("/") and not next.startswith("//") else "/queue")

    @app.post("/login", include_in_schema=False)
    @page
    async def login(request: Request) -> Response:
        form = await pages.check_csrf(request)
        key = str(form.get("key", "")).strip()
        target = str(form.get("next", "/queue"))
        who = svc.authenticate(key) if key else None
        if who is None:
            return pages.render(request, "login.html", 401, next=target, error="That key is unknown or revoked.")
        await pages.end_session(request)  # a fresh session (and CSRF token) on sign-in; the one before ends
        request.session["sid"] = await run_in_threadpool(svc.start_web_session, who.key_id)
        request.session["csrf"] = secrets.token_urlsafe(32)
        return _go(request, target)

    @app.post("/logout", include_in_schema=False)
    @page
    async def logout(request: Request) -> Response:
        await pages.check_csrf(request)
        await pages.end_session(request)
        return _go(request, "/login")

    # --- the queue ---------------------------------------------------------------------

    @app.get("/queue", include_in_schema=False, response_class=HTMLResponse)
    @page
    def queue_page(request: Request, profile: str | None = None, status: str = "open") -> Response:
        from proscribe.review import queue
        from proscribe.store import service as store

        who = pages.actor(request)
        statuses = {"open": ["open", "escalated"], "mine": ["claimed"], "claimed": ["claimed"], "closed": ["closed"]}.get(status, ["open", "escalated"])
        with svc.session() as s:
            queue.sync(s, svc.queue)
        with svc.session() as s:
            rows = queue.items(s, statuses, profile or None, 200, claimed_by=who.label if status == "mine" else None)
            counts = store.count_review_items(s)
            texts = {r["post_id"]: _post_text(s, r["post_id"]) for r in rows}
        return pages.render(request, "queue.html", actor=who, items=rows, counts=counts, status=status, profile=profile or "", texts=texts,
                            can_review=who.may(Permission.REVIEW))

    @app.get("/items/{item_id}", include_in_schema=False, response_class=HTMLResponse)
    @page
    def item_page(request: Request, item_id: RowId) -> Response:
        from proscribe.review import queue

        who = pages.actor(request)
        with svc.session() as s:
            item = queue.view(queue.get(s, item_id))
            context = _post_context(svc, pages, s, item["post_id"], item["profile"])
        return pages.render(request, "item.html", actor=who, item=item, categories=CATEGORIES, can_review=who.may(Permission.REVIEW),
                            can_admin=who.may(Permission.ADMIN), **context)

    @app.post("/items/{item_id}/claim", include_in_schema=False)
    @page
    async def item_claim(request: Request, item_id: RowId) -> Response:
        from proscribe.review import queue

        await pages.check_csrf(request)
        who = pages.actor(request)
        with svc.session() as s:
            queue.claim(s, item_id, who, svc.queue)
        return _go(request, f"/items/{item_id}")

    @app.post("/items/{item_id}/release", include_in_schema=False)
    @page
    async def item_release(request: Request, item_id: RowId) -> Response:
        from proscribe.review import queue

        await pages.check_csrf(request)
        who = pages.actor(request)
        with svc.session() as s:
            queue.release(s, item_id, who)
        return _go(request, "/queue")

    @app.post("/items/{item_id}/decide", include_in_schema=False)
    @page
    async def item_decide(request: Request, item_id: RowId) -> Response:
        from proscribe.review import queue

        form = await pages.check_csrf(request)
        who = pages.actor(request)
        with svc.session() as s:
            queue.decide(s, item_id, who, str(form.get("outcome", "")), str(form.get("reason", "")), profiles=svc.profile,
                         tiers_for=svc.tiers_for, category=str(form.get("category") or "") or None)
        request.session["flash"] = f"Item {item_id}: {form.get('outcome')} recorded."
        return _go(request, f"/items/{item_id}")

    # --- appeals -----------------------------------------------------------------------

    @app.get("/appeals", include_in_schema=False, response_class=HTMLResponse)
    @page
    def appeals_page(request: Request, status: str = "open") -> Response:
        from proscribe.review import appeals
        from proscribe.store import service as store

        who = pages.actor(request)
        statuses = {"open": ["open", "claimed"], "closed": ["closed"]}.get(status, ["open", "claimed"])
        with svc.session() as s:
            rows = [appeals.view(a) for a in store.appeals_list(s, statuses, 200)]
        return pages.render(request, "appeals.html", actor=who, appeals=rows, status=status)

    @app.get("/appeals/{appeal_id}", include_in_schema=False, response_class=HTMLResponse)
    @page
    def appeal_page(request: Request, appeal_id: RowId) -> Response:
        from proscribe.review import appeals

        who = pages.actor(request)
        with svc.session() as s:
            appeal = appeals.view(appeals.get(s, appeal_id))
            context = _post_context(svc, pages, s, appeal["post_id"], appeal["profile"], appeal["account_id"]) if appeal["post_id"] else _account_context(svc, s, appeal["account_id"], appeal["profile"])
        return pages.render(request, "appeal.html", actor=who, appeal=appeal, can_review=who.may(Permission.REVIEW),
                            excluded=who.label in (appeal.get("excluded") or []), **context)

    @app.post("/appeals/{appeal_id}/claim", include_in_schema=False)
    @page
    async def appeal_claim(request: Request, appeal_id: RowId) -> Response:
        from proscribe.review import appeals

        await pages.check_csrf(request)
        who = pages.actor(request)
        with svc.session() as s:
            appeals.claim(s, appeal_id, who, svc.queue)
        return _go(request, f"/appeals/{appeal_id}")

    @app.post("/appeals/{appeal_id}/decide", include_in_schema=False)
    @page
    async def appeal_decide(request: Request, appeal_id: RowId) -> Response:
        from proscribe.review import appeals

        form = await pages.check_csrf(request)
        who = pages.actor(request)
        with svc.session() as s:
            result = appeals.decide(s, appeal_id, who, str(form.get("outcome", "")), str(form.get("reason", "")), svc.profile)
        request.session["flash"] = (
            f"Appeal {appeal_id}: {result['outcome']}. Account {result['account_before']['action']} → {result['account_after']['action']}."
        )
        return _go(request, f"/appeals/{appeal_id}")

    # --- registry and accounts ---------------------------------------------------------

    @app.get("/registry", include_in_schema=False, response_class=HTMLResponse)
    @page
    def registry_page(request: Request, q: str = "") -> Response:
        from proscribe.registry import service as registry

        who = pages.actor(request)
        snap = registry.current(svc.url)
        query = q.strip()[:200]
        if query:
            results = [(e, round(score, 2)) for e, score in registry.search(snap, query, 50)]
        else:
            results = [(e, None) for e in sorted(snap.in_scope(), key=lambda e: (str(e.kind), e.name.lower()))[:300]]
        return pages.render(request, "registry.html", actor=who, results=results, q=query, version=snap.version, total=len(snap.entities))

    @app.get("/registry/{entity_id}", include_in_schema=False, response_class=HTMLResponse)
    @page
    def entity_page(request: Request, entity_id: str) -> Response:
        from proscribe.registry import service as registry

        who = pages.actor(request)
        snap = registry.current(svc.url)
        entity = snap.by_id(entity_id)
        if entity is None:
            return pages.render(request, "error.html", 404, actor=who, message=f"No entity {entity_id!r} in registry version {snap.version}.")
        related = [(r, snap.by_id(r.target)) for r in entity.relations]
        return pages.render(request, "entity.html", actor=who, entity=entity, related=related, version=snap.version)

    @app.get("/accounts/{account_id:path}", include_in_schema=False, response_class=HTMLResponse)
    @page
    def account_page(request: Request, account_id: str) -> Response:
        from proscribe.store import service as store

        who = pages.actor(request)
        with svc.session() as s:
            context = _account_context(svc, s, account_id, None)
            posts = store.posts_of_account(s, account_id, 100)
        if context["account"] is None:
            return pages.render(request, "error.html", 404, actor=who, message=f"No account {account_id!r} in the ledger.")
        return pages.render(request, "account.html", actor=who, posts=posts, **context)


def _post_text(session: Any, post_id: str) -> str:
    from proscribe.store import ledger as ledger_store

    original = ledger_store.post(session, post_id) or {}
    text = original.get("text")
    return text if isinstance(text, str) else ""


def _account_context(svc: Service, session: Any, account_id: str, profile: str | None) -> dict[str, Any]:
    """The account card: attributes, links and its state under the profile(s)."""
    from proscribe.ledger import state
    from proscribe.store import ledger as ledger_store

    now = datetime.now(UTC)
    attributes = ledger_store.account(session, account_id)
    linked = ledger_store.linked_accounts(session, account_id)
    names = [profile] if profile else ledger_store.profiles_of(session, account_id)
    states = []
    for name in names:
        try:
            p = svc.profile(name)
        except ValueError:
            continue
        events = ledger_store.events_for(session, [account_id, *(other for other, _ in linked)], p.name)
        states.append(state.account_state(events, account_id, p, now).to_json())
    return {
        "account": attributes,
        "account_id": account_id,
        "linked": linked,
        "states": states,
    }


def _post_context(svc: Service, pages: Pages, session: Any, post_id: str, profile: str, account_id: str | None = None) -> dict[str, Any]:
    """Everything the item and appeal pages show about a post."""
    from proscribe.review.content import content_status
    from proscribe.store import ledger as ledger_store
    from proscribe.store import service as store

    original = ledger_store.post(session, post_id) or {}
    line = ledger_store.stored_decision(session, post_id, profile)
    decision = json.loads(line) if line else None
    text = original.get("text") if isinstance(original.get("text"), str) else ""
    events = store.events_of_post(session, post_id, profile)
    author = (original.get("author") or {}).get("id") or account_id or (decision or {}).get("account", {}).get("id", "")
    return {
        "post": original,
        "post_id": post_id,
        "profile_name": profile,
        "decision": decision,
        "segments": pages.marked(text, decision),
        "entity_cards": pages.entities(decision),
        "status": content_status(events, post_id, profile),
        "post_events": events,
        **_account_context(svc, session, str(author), profile),
    }
