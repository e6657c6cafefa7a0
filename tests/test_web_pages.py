"""The reviewers' web pages: sign-in, CSRF, cookies, and in a real browser: claim, decide, right-to-left text, screenshots."""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import make_app, make_key

from proscribe.web.pages import highlight

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def test_highlight_cuts_text_at_matches() -> None:
    assert highlight("glory to Hamas now", [(9, 14, "Hamas")]) == [("glory to ", None), ("Hamas", "Hamas"), (" now", None)]
    assert highlight("abc", [(0, 2, "x"), (1, 3, "y")]) == [("ab", "x"), ("c", "y")]
    assert highlight("", []) == []


@pytest.fixture
def seeded(sqlite_url: str):  # type: ignore[no-untyped-def]
    from proscribe.examples import demo

    result = demo.seed(sqlite_url, profiles=("meta",))
    assert result.queued > 0 and result.admin_key
    return sqlite_url, result.admin_key


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_sign_in_sets_a_safe_cookie_and_every_post_needs_the_csrf_token(seeded) -> None:  # type: ignore[no-untyped-def]
    url, _ = seeded
    reviewer = make_key(url, "reviewer", "alice")
    with TestClient(make_app(url), follow_redirects=False) as client:
        assert client.get("/queue").headers["location"].startswith("/login")
        page = client.get("/login")
        cookie = page.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        token = _csrf(page.text)
        assert client.post("/login", data={"key": reviewer}).status_code == 403  # no token
        assert client.post("/login", data={"key": "psk_wrong", "csrf": token}).status_code == 401
        signed = client.post("/login", data={"key": reviewer, "csrf": token, "next": "/queue"})
        assert signed.status_code == 303 and signed.headers["location"] == "/queue"
        queue = client.get("/queue")
        assert queue.status_code == 200 and "Claim" in queue.text
        fresh = _csrf(queue.text)
        assert fresh != token  # a new token after sign-in
        assert client.post("/items/1/claim", data={"csrf": token}).status_code == 403
        assert client.post("/items/1/claim", headers={"X-CSRF-Token": "forged"}).status_code == 403
        claimed = client.post("/items/1/claim", headers={"X-CSRF-Token": fresh, "HX-Request": "true"})
        assert claimed.status_code == 200 and claimed.headers["hx-redirect"] == "/items/1"
        assert client.post("/login", data={"key": reviewer, "csrf": fresh, "next": "https://evil.example/"}).headers["location"] == "/queue"


def test_a_revoked_key_ends_the_session(seeded) -> None:  # type: ignore[no-untyped-def]
    from conftest import run_cli

    url, _ = seeded
    reviewer = make_key(url, "reviewer", "bob")
    with TestClient(make_app(url), follow_redirects=False) as client:
        token = _csrf(client.get("/login").text)
        client.post("/login", data={"key": reviewer, "csrf": token})
        assert client.get("/queue").status_code == 200
        run_cli("keys", "revoke", "bob", "--db", url)
        assert client.get("/queue").status_code == 303



def _sign_in(client: TestClient, key: str) -> str:
    """Sign in with a fresh cookie jar, as another browser would; the session's cookie."""
    client.cookies.clear()
    client.post("/login", data={"key": key, "csrf": _csrf(client.get("/login").text)})
    return client.cookies["proscribe_session"]


def _use(client: TestClient, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("proscribe_session", cookie)


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(seeded) -> None:  # type: ignore[no-untyped-def]
    url, _ = seeded
    reviewer = make_key(url, "reviewer", "carol")
    with TestClient(make_app(url), follow_redirects=False) as client:
        other = _sign_in(client, reviewer)  # the same key signed in from a second browser
        copied = _sign_in(client, reviewer)
        page = client.get("/queue")
        assert page.status_code == 200 and "carol" in page.text
        token = _csrf(page.text)
        out = client.post("/logout", data={"csrf": token})
        assert out.status_code == 303 and out.headers["location"] == "/login"

        _use(client, copied)  # the cookie as it was before signing out
        again = client.get("/queue")
        assert again.status_code == 303 and again.headers["location"] == "/login?next=/queue"
        _use(client, copied)
        assert client.post("/items/1/claim", data={"csrf": token}).headers["location"].startswith("/login")

        _use(client, other)  # the second browser is still signed in
        assert client.get("/queue").status_code == 200


def test_signing_in_again_ends_the_session_the_browser_had(seeded) -> None:  # type: ignore[no-untyped-def]
    url, _ = seeded
    first, second = make_key(url, "reviewer", "dana"), make_key(url, "auditor", "eve")
    with TestClient(make_app(url), follow_redirects=False) as client:
        before = _sign_in(client, first)
        client.post("/login", data={"key": second, "csrf": _csrf(client.get("/queue").text)})
        assert "eve" in client.get("/queue").text
        _use(client, before)
        assert client.get("/queue").status_code == 303


def test_pages_render_for_an_auditor_without_decision_buttons(seeded) -> None:  # type: ignore[no-untyped-def]
    url, _ = seeded
    auditor = make_key(url, "auditor", "eve")
    with TestClient(make_app(url)) as client:
        client.post("/login", data={"key": auditor, "csrf": _csrf(client.get("/login").text)})
        item = client.get("/items/1")
        assert item.status_code == 200 and "Your role reads only" in item.text and 'dir="auto"' in item.text
        for path in ("/appeals", "/registry", "/registry?q=%D8%AD%D8%B2%D8%A8%20%D8%A7%D9%84%D9%84%D9%87", "/registry/hamas", "/accounts/demo-office-fa"):
            assert client.get(path).status_code == 200, path
        assert client.get("/registry/nothing-here").status_code == 404
        assert client.get("/static/htmx.min.js").status_code == 200


@pytest.fixture
def server(seeded):  # type: ignore[no-untyped-def]
    import uvicorn

    url, admin = seeded
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(url)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}", url, admin
    srv.should_exit = True
    thread.join(10)


@pytest.mark.browser
def test_a_reviewer_signs_in_claims_and_decides_in_a_browser(server) -> None:  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    base, url, admin = server
    reviewer = make_key(url, "reviewer", "rana")
    shots = Path(tempfile.mkdtemp(prefix="proscribe-web-"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(f"{base}/queue")
        assert "/login" in page.url
        page.screenshot(path=str(shots / "login.png"))
        page.fill("#key", reviewer)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/queue$"))
        assert page.locator("table.queue tbody tr").count() > 0
        page.screenshot(path=str(shots / "queue.png"), full_page=True)

        # The Arabic post the demo sends to review: claim it from the queue.
        row = page.locator("tr", has_text="تحية لأبطال")
        row.locator("button[data-claim]").click()
        page.wait_for_url(re.compile(r"/items/\d+$"))
        post = page.locator("blockquote.post")
        assert post.get_attribute("dir") == "auto"
        assert post.evaluate("el => getComputedStyle(el).direction") == "rtl"
        assert page.locator("blockquote.post mark").count() >= 1  # the matched words
        assert page.locator("article.entity").count() >= 1  # the entity card with its designations
        page.screenshot(path=str(shots / "item.png"), full_page=True)

        page.fill("#reason", "praise of the attack's perpetrators")
        page.click("button[value=confirm]")
        page.wait_for_selector("p.flash")
        assert "confirm recorded" in page.locator("p.flash").inner_text()
        assert "Decided: confirm by reviewer:rana" in page.locator("#actions").inner_text()

        # A POST without the session's CSRF token is refused, even with the session cookie.
        forged = page.request.post(f"{base}/items/1/claim", form={"csrf": "forged"})
        assert forged.status == 403

        # English text stays left-to-right on the same page design.
        page.goto(f"{base}/accounts/demo-office-en")
        page.screenshot(path=str(shots / "account.png"), full_page=True)
        page.goto(f"{base}/registry?q=%D8%AD%D8%B2%D8%A8%20%D8%A7%D9%84%D9%84%D9%87")
        assert page.locator("table.queue tbody tr").count() >= 1
        page.screenshot(path=str(shots / "registry.png"), full_page=True)
        page.goto(f"{base}/appeals")
        page.screenshot(path=str(shots / "appeals.png"))
        browser.close()
    assert sorted(f.name for f in shots.iterdir()) == ["account.png", "appeals.png", "item.png", "login.png", "queue.png", "registry.png"]
    print(f"screenshots in {shots}")
