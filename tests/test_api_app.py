"""The HTTP API from a client's side: keys and roles, posts and decisions, limits, accounts, registry, review, appeals, audit."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from service_helpers import make_app, make_key, post

from proscribe.api.service import Limits

DECISION_KEYS = ["post_id", "profile", "violation", "category", "context", "score", "action", "entities", "account",
                 "linked_accounts", "exemptions", "reasons", "notice", "versions"]


@pytest.fixture
def api(db_url: str):  # type: ignore[no-untyped-def]
    app = make_app(db_url, limits=Limits(body_bytes=20_000, batch=5, text_chars=2_000))
    keys = {role: make_key(db_url, role, f"{role}-1") for role in ("admin", "reviewer", "auditor", "platform")}
    keys["reviewer2"] = make_key(db_url, "reviewer", "reviewer-2")
    with TestClient(app) as client:
        yield client, keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_healthz_is_open_and_everything_else_needs_a_valid_key(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/v1/decisions")
    assert r.status_code == 401 and "API key is required" in r.json()["error"]
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/decisions", headers=auth("psk_0000000000_" + "x" * 43)).status_code == 401
    assert client.get("/v1/decisions", headers={"X-API-Key": keys["auditor"]}).status_code == 200


def test_roles_separate_submitting_reviewing_and_reading(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    body = post("p1", "Glory to Hamas")
    r = client.post("/v1/posts?profile=meta", json=body, headers=auth(keys["auditor"]))
    assert r.status_code == 403 and "auditor" in r.json()["error"]
    assert client.post("/v1/posts?profile=meta", json=body, headers=auth(keys["reviewer"])).status_code == 403
    assert client.post("/v1/posts?profile=meta", json=body, headers=auth(keys["platform"])).status_code == 200
    assert client.get("/v1/audit", headers=auth(keys["platform"])).status_code == 403
    assert client.get("/v1/audit", headers=auth(keys["auditor"])).status_code == 200
    assert client.post("/v1/review/items/1/claim", headers=auth(keys["platform"])).status_code == 403


def test_posts_come_back_as_the_decision_contract_and_are_idempotent(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = auth(keys["platform"])
    one = client.post("/v1/posts?profile=meta", json=post("p1", "Glory to Hamas and its fighters"), headers=h)
    assert one.status_code == 200
    decision = one.json()
    assert list(decision) == DECISION_KEYS
    assert decision["violation"] is True and decision["action"] == "remove"
    assert [e["id"] for e in decision["entities"]] == ["hamas"]
    again = client.post("/v1/posts?profile=meta", json=post("p1", "Glory to Hamas and its fighters", followers=200), headers=h)
    assert again.text == one.text  # the stored decision, byte for byte
    batch = client.post("/v1/posts?profile=x", json=[post("p2", "Reuters reported on Hamas"), post("p1", "Glory to Hamas and its fighters")], headers=h)
    assert [d["post_id"] for d in batch.json()] == ["p2", "p1"]
    assert [d["profile"] for d in batch.json()] == ["x", "x"]
    assert batch.json()[0]["violation"] is False and batch.json()[0]["context"] == "news"
    assert client.get("/v1/decisions/p1?profile=meta", headers=h).text == one.text
    listed = client.get("/v1/decisions?profile=meta", headers=h).json()
    assert [d["post_id"] for d in listed["decisions"]] == ["p1"] and listed["next"] is None


def _nothing_written_for(client, keys, post_id: str, account: str, profile: str) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["auditor"])
    assert client.get(f"/v1/decisions/{post_id}?profile={profile}", headers=h).status_code == 404
    assert client.get(f"/v1/accounts/{account}", headers=h).status_code == 404
    assert client.get("/v1/review/items", params={"status": ["open", "escalated", "claimed", "closed"]}, headers=h).json()["items"] == []


def test_a_post_id_already_stored_with_another_author_is_refused_under_any_profile(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = auth(keys["platform"])
    first = client.post("/v1/posts?profile=meta", json=post("xp-1", "nice weather today", author="xp-A"), headers=h)
    assert first.status_code == 200
    audited = len(client.get("/v1/audit", headers=auth(keys["auditor"])).json()["entries"])
    other = post("xp-1", "Glory to Hamas and the heroes of the Qassam Brigades!", author="xp-B", followers=2_000_000)
    for profile in ("x", "meta"):
        r = client.post(f"/v1/posts?profile={profile}", json=other, headers=h)
        assert r.status_code == 409, r.text
        assert r.json()["field"] == "post.id"
        assert "post.id 'xp-1'" in r.json()["error"] and "another author.id and text" in r.json()["error"]
    _nothing_written_for(client, keys, "xp-1", "xp-B", "x")
    # The first post, its decision and its author are as they were.
    assert client.get("/v1/decisions/xp-1?profile=meta", headers=h).text == first.text
    assert len(client.get("/v1/audit", headers=auth(keys["auditor"])).json()["entries"]) == audited
    # The same author with another text is another post too; only the differing field is named.
    r = client.post("/v1/posts?profile=x", json=post("xp-1", "nice weather tomorrow", author="xp-A"), headers=h)
    assert r.status_code == 409 and "with another text:" in r.json()["error"]
    r = client.post("/v1/posts?profile=x", json=post("xp-1", "nice weather today", author="xp-C"), headers=h)
    assert r.status_code == 409 and "with another author.id:" in r.json()["error"]
    # Sent again as it was, it is the same post: decided under another profile, re-emitted under its own.
    assert client.post("/v1/posts?profile=x", json=post("xp-1", "nice weather today", author="xp-A"), headers=h).json()["profile"] == "x"
    assert client.post("/v1/posts?profile=meta", json=post("xp-1", "nice weather today", author="xp-A"), headers=h).text == first.text


def test_a_batch_with_a_post_id_of_another_post_is_refused_whole(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = auth(keys["platform"])
    assert client.post("/v1/posts?profile=meta", json=post("col-1", "Lovely weather", author="col-A"), headers=h).status_code == 200
    batch = [post("new-1", "Glory to Hamas", author="col-B"), post("col-1", "Respect to the mujahideen.", author="col-B")]
    r = client.post("/v1/posts?profile=x", json=batch, headers=h)
    assert r.status_code == 409 and r.json()["field"] == "posts[1].id", r.text
    assert "posts[1].id 'col-1'" in r.json()["error"] and "nothing in this request was decided" in r.json()["error"]
    _nothing_written_for(client, keys, "new-1", "col-B", "x")
    assert client.get("/v1/decisions/col-1?profile=x", headers=h).status_code == 404


def test_a_review_of_a_reused_id_can_only_reach_the_post_that_was_decided(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = auth(keys["platform"])
    client.post("/v1/posts?profile=meta", json=post("col-1", "Lovely weather", author="col-A"), headers=h)
    assert client.post("/v1/posts?profile=x", json=post("col-1", "perhaps praise Hamas", author="col-B"), headers=h).status_code == 409
    # Under its own id the post is decided and queued, and the reviewer's confirm strikes its own author.
    assert client.post("/v1/posts?profile=x", json=post("col-2", "perhaps praise Hamas", author="col-B"), headers=h).json()["action"] == "review"
    (item,) = client.get("/v1/review/items", headers=auth(keys["reviewer"])).json()["items"]
    assert (item["post_id"], item["account_id"]) == ("col-2", "col-B")
    client.post(f"/v1/review/items/{item['id']}/claim", headers=auth(keys["reviewer"]))
    done = client.post(f"/v1/review/items/{item['id']}/decision", json={"outcome": "confirm", "reason": "praise"}, headers=auth(keys["reviewer"]))
    assert done.status_code == 200, done.text
    a = client.get("/v1/accounts/col-A?profile=x", headers=auth(keys["auditor"])).json()["profiles"][0]
    b = client.get("/v1/accounts/col-B?profile=x", headers=auth(keys["auditor"])).json()["profiles"][0]
    assert (a["strikes"], b["strikes"]) == (0, 1)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"text": "", "author": {"id": "a"}}, "post.id", "required field id is missing"),
        ({"id": "p", "text": 5, "author": {"id": "a"}}, "post.text", "text must be a string"),
        ({"id": "p", "text": "", "author": {}}, "post.author.id", "author.id is missing"),
        ({"id": "p", "text": "", "author": {"id": "a", "followers": "many"}}, "post.author.followers", "whole number"),
        ({"id": "p" * 600, "text": "", "author": {"id": "a"}}, "post.id", "too long"),
        ({"id": "p", "text": "x" * 2001, "author": {"id": "a"}}, "post.text", "at most 2000"),
        ([], "body", "empty"),
        ([post(f"p{i}", "") for i in range(6)], "body", "at most 5"),
        ([post("p", ""), post("p", "")], "posts[1].id", "repeats posts[0]"),
        ({"id": "p", "text": "", "author": {"id": "a", "followers": 10**30}}, "post.author.followers", "too large"),
        ({"id": "p", "text": "", "author": {"id": "a", "followers": 2.5}}, "post.author.followers", "not 2.5"),
        ({"id": "p", "text": "hi \ud800 there", "author": {"id": "a"}}, "post.text", "lone surrogate"),
        ({"id": "p", "text": "", "author": {"id": "a", "handle": "\udfff"}}, "post.author.handle", "lone surrogate"),
        ({"id": "p", "text": "", "author": {"id": "a"}, "source": {"app": "x\ud800"}}, "post.source.app", "lone surrogate"),
        ({"id": "p", "text": "", "created_at": "2999-01-01T00:00:00Z", "author": {"id": "a"}}, "post.created_at", "in the future"),
        ({"id": "p", "text": "", "author": {"id": "a", "note": "e" * 6000}}, "post.author.note", "at most 5000"),
        ({"id": "p", "text": "", "author": {"id": "a"}, "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
         "post.x[0]", "nested too deeply"),
    ],
)
def test_bad_posts_get_a_422_naming_the_field_and_nothing_is_written(api, body, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    raw = json.dumps(body).encode()  # escapes lone surrogates as JSON allows
    r = client.post("/v1/posts?profile=meta", content=raw, headers={**auth(keys["platform"]), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field) and words in r.json()["error"], r.json()
    assert client.get("/v1/decisions", headers=auth(keys["auditor"])).json()["decisions"] == []


def test_a_bad_post_in_a_batch_rejects_the_whole_batch(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    r = client.post("/v1/posts?profile=meta", json=[post("ok", "Glory to Hamas"), {"id": "bad"}], headers=auth(keys["platform"]))
    assert r.status_code == 422 and r.json()["field"] == "posts[1].text"
    assert client.get("/v1/decisions/ok?profile=meta", headers=auth(keys["auditor"])).status_code == 404


def test_limits_on_body_json_and_profile(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = {**auth(keys["platform"]), "content-type": "application/json"}
    big = client.post("/v1/posts", content=b"[" + b" " * 30_000 + b"]", headers=h)
    assert big.status_code == 413 and "at most 20000 bytes" in big.json()["error"]
    assert "not JSON" in client.post("/v1/posts", content=b"{nope", headers=h).json()["error"]
    deep = client.post("/v1/posts", content=b"[" * 5000 + b"]" * 5000, headers=h)
    assert deep.status_code == 422
    unknown = client.post("/v1/posts?profile=../../etc/passwd", json=post("p", ""), headers=h)
    assert unknown.status_code == 422 and unknown.json()["field"] == "profile" and "meta" in unknown.json()["error"]


def test_pydantic_errors_name_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    r = client.post("/v1/review/items/1/decision", json={"outcome": "confirm"}, headers=auth(keys["reviewer"]))
    assert r.status_code == 422 and r.json()["field"] == "reason" and "required" in r.json()["error"].lower()
    r = client.get("/v1/decisions?limit=0", headers=auth(keys["auditor"]))
    assert r.status_code == 422 and r.json()["field"].endswith("limit")
    r = client.post("/v1/review/items/1/decision", content=b"nope", headers={**auth(keys["reviewer"]), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body" and "not JSON" in r.json()["error"]
    r = client.post("/v1/appeals", json={"kind": "film", "profile": "meta"}, headers=auth(keys["platform"]))
    assert r.status_code == 422 and r.json()["field"] == "kind"
    for url, field in [("/v1/review/items?status=bogus", "status"), ("/v1/appeals?status=bogus", "status"), ("/v1/review/items?profile=nope", "profile")]:
        r = client.get(url, headers=auth(keys["auditor"]))
        assert r.status_code == 422 and field in r.json()["field"], r.text


def test_review_errors_name_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    client.post("/v1/posts?profile=meta", json=post("p1", "perhaps praise Hamas"), headers=auth(keys["platform"]))
    item = client.get("/v1/review/items", headers=auth(keys["reviewer"])).json()["items"][0]["id"]
    client.post(f"/v1/review/items/{item}/claim", headers=auth(keys["reviewer"]))
    for body, field in [({"outcome": "confirm", "reason": "   "}, "reason"), ({"outcome": "maybe", "reason": "x"}, "outcome"),
                        ({"outcome": "confirm", "reason": "x", "category": "rudeness"}, "category")]:
        r = client.post(f"/v1/review/items/{item}/decision", json=body, headers=auth(keys["reviewer"]))
        assert r.status_code == 422 and r.json()["field"] == field, r.json()


def test_numbers_beyond_what_the_database_holds_get_a_422_not_a_crash(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    big = 10**23
    for method, url, field in [("GET", f"/v1/review/items/{big}", "item_id"), ("POST", f"/v1/review/items/{big}/claim", "item_id"),
                               ("GET", f"/v1/appeals/{big}", "appeal_id"), ("POST", f"/v1/appeals/{big}/claim", "appeal_id"),
                               ("GET", f"/v1/audit?before={big}", "before"), ("GET", f"/v1/decisions?after={big}", "after")]:
        r = client.request(method, url, headers=auth(keys["admin"]))
        assert r.status_code == 422 and r.json()["field"].endswith(field), (url, r.text)
    r = client.get(f"/v1/registry/entities/hamas?version={big}", headers=auth(keys["auditor"]))
    assert r.status_code == 422 and r.json()["field"] == "version"


def test_ids_that_are_urls_can_be_read_back(api) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    client, keys = api
    pid, aid = "https://example.social/@u/statuses/1", "at://did:plc:abc/app.bsky.actor.profile/self"
    r = client.post("/v1/posts?profile=meta", json=post(pid, "Glory to Hamas", author=aid), headers=auth(keys["platform"]))
    assert r.status_code == 200 and r.json()["post_id"] == pid
    for url in (f"/v1/decisions/{quote(pid, safe='')}", f"/v1/decisions/{pid}"):
        assert client.get(url, headers=auth(keys["auditor"])).text == r.text
    assert client.get(f"/v1/decisions/{quote(pid, safe='')}/status", headers=auth(keys["auditor"])).json()["action"] == "remove"
    account = client.get(f"/v1/accounts/{quote(aid, safe='')}", headers=auth(keys["auditor"]))
    assert account.status_code == 200 and account.json()["profiles"][0]["strikes"] == 1
    listed = client.get(f"/v1/accounts/{quote(aid, safe='')}/decisions", headers=auth(keys["auditor"])).json()
    assert [d["post_id"] for d in listed["decisions"]] == [pid]


def test_a_reviewer_confirms_praise_that_names_no_group_and_it_is_enforced(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    r = client.post("/v1/posts?profile=meta", json=post("p1", "Glory to those who planned it", author="a1"), headers=auth(keys["platform"]))
    assert r.json()["action"] == "review" and r.json()["entities"] == []
    item = client.get("/v1/review/items", headers=auth(keys["reviewer"])).json()["items"][0]["id"]
    client.post(f"/v1/review/items/{item}/claim", headers=auth(keys["reviewer"]))
    done = client.post(f"/v1/review/items/{item}/decision", json={"outcome": "confirm", "reason": "praise of the attack's planners"},
                       headers=auth(keys["reviewer"]))
    assert done.status_code == 200, done.text
    status = client.get("/v1/decisions/p1/status?profile=meta", headers=auth(keys["auditor"])).json()
    assert status["action"] == "remove" and status["strike"] is True and status["reviewed"] == "confirm"
    assert client.get("/v1/accounts/a1", headers=auth(keys["auditor"])).json()["profiles"][0]["strikes"] == 1


def test_an_appeal_goes_to_another_reviewer_than_the_one_who_reviewed_the_post_after_it_was_filed(db_url: str) -> None:
    app = make_app(db_url, limits=Limits(body_bytes=20_000, batch=5, text_chars=2_000))
    keys = {name: make_key(db_url, role, name) for name, role in (("plat", "platform"), ("alice", "reviewer"), ("bob", "reviewer"), ("eve", "auditor"))}
    with TestClient(app) as client:
        big = post("p1", "Glory to Hamas", author="star", followers=5_000_000)
        assert client.post("/v1/posts?profile=meta", json=big, headers=auth(keys["plat"])).json()["action"] == "remove"
        item = client.get("/v1/review/items", headers=auth(keys["eve"])).json()["items"][0]
        assert item["reason"] == "high_reach"
        filed = client.post("/v1/appeals", json={"kind": "content", "profile": "meta", "post_id": "p1"}, headers=auth(keys["plat"])).json()
        assert filed["excluded"] == []  # nobody but the system has decided the post yet
        client.post(f"/v1/review/items/{item['id']}/claim", headers=auth(keys["alice"]))
        ok = client.post(f"/v1/review/items/{item['id']}/decision", json={"outcome": "confirm", "reason": "stands"}, headers=auth(keys["alice"]))
        assert ok.status_code == 200
        own = client.post(f"/v1/appeals/{filed['id']}/claim", headers=auth(keys["alice"]))
        assert own.status_code == 403 and "different reviewer" in own.json()["error"]
        assert client.post(f"/v1/appeals/{filed['id']}/claim", headers=auth(keys["bob"])).status_code == 200


def test_an_appeal_decided_settles_the_posts_review_item(db_url: str) -> None:
    app = make_app(db_url)
    keys = {name: make_key(db_url, role, name) for name, role in (("plat", "platform"), ("alice", "reviewer"), ("bob", "reviewer"), ("eve", "auditor"))}
    with TestClient(app) as client:
        client.post("/v1/posts?profile=meta", json=post("p1", "Glory to Hamas", author="star", followers=5_000_000), headers=auth(keys["plat"]))
        item = client.get("/v1/review/items", headers=auth(keys["eve"])).json()["items"][0]["id"]
        appeal = client.post("/v1/appeals", json={"kind": "content", "profile": "meta", "post_id": "p1"}, headers=auth(keys["plat"])).json()["id"]
        client.post(f"/v1/appeals/{appeal}/claim", headers=auth(keys["bob"]))
        client.post(f"/v1/appeals/{appeal}/decision", json={"outcome": "overturn", "reason": "a quotation"}, headers=auth(keys["bob"]))
        settled = client.get(f"/v1/review/items/{item}", headers=auth(keys["eve"])).json()
        assert settled["status"] == "closed" and settled["outcome"] == "overturn" and f"appeal {appeal}" in settled["outcome_reason"]
        late = client.post(f"/v1/review/items/{item}/claim", headers=auth(keys["alice"]))
        assert late.status_code == 409 and "decided already" in late.json()["error"]
        assert client.get("/v1/review/items", headers=auth(keys["eve"])).json()["items"] == []


def test_accounts_registry_and_links(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    client.post("/v1/posts?profile=meta", json=[post("p1", "Glory to Hamas", author="a1"), post("p2", "Glory to Hamas", author="a1", days_ago=0.5)],
                headers=auth(keys["platform"]))
    state = client.get("/v1/accounts/a1", headers=auth(keys["auditor"])).json()
    assert state["profiles"][0]["strikes"] == 2 and state["profiles"][0]["profile"] == "meta"
    assert client.get("/v1/accounts/nobody", headers=auth(keys["auditor"])).status_code == 404
    assert client.post("/v1/accounts/a1/links", json={"other": "a2"}, headers=auth(keys["reviewer"])).status_code == 403
    linked = client.post("/v1/accounts/a1/links", json={"other": "a2", "note": "same office"}, headers=auth(keys["admin"])).json()
    assert linked["linked"] is True and linked["linked_accounts"] == [{"id": "a2", "via": "link"}]
    found = client.get("/v1/registry/search", params={"q": "حزب الله"}, headers=auth(keys["auditor"])).json()
    assert found["results"][0]["id"] == "hizballah"
    entity = client.get("/v1/registry/entities/hamas", headers=auth(keys["auditor"])).json()["entity"]
    assert any(d["list"] == "us-ofac-fto" for d in entity["designations"])
    assert client.get("/v1/registry/entities/nope", headers=auth(keys["auditor"])).status_code == 404
    assert client.get("/v1/registry/versions", headers=auth(keys["auditor"])).json()["versions"][0]["id"] == 1


def test_review_then_appeal_through_the_api_records_every_actor(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    r = client.post("/v1/posts?profile=meta", json=post("p1", "perhaps praise Hamas", author="a1"), headers=auth(keys["platform"]))
    assert r.json()["action"] == "review"
    items = client.get("/v1/review/items", headers=auth(keys["reviewer"])).json()["items"]
    assert [(i["post_id"], i["reason"]) for i in items] == [("p1", "uncertain")]
    item = items[0]["id"]
    assert client.post(f"/v1/review/items/{item}/decision", json={"outcome": "confirm", "reason": "praise"}, headers=auth(keys["reviewer"])).status_code == 409
    assert client.post(f"/v1/review/items/{item}/claim", headers=auth(keys["reviewer"])).json()["claimed_by"] == "reviewer:reviewer-1"
    taken = client.post(f"/v1/review/items/{item}/claim", headers=auth(keys["reviewer2"]))
    assert taken.status_code == 409 and "held by reviewer:reviewer-1" in taken.json()["error"]
    done = client.post(f"/v1/review/items/{item}/decision", json={"outcome": "confirm", "reason": "praises the attackers"}, headers=auth(keys["reviewer"]))
    assert done.status_code == 200 and done.json()["status"] == "closed"
    status = client.get("/v1/decisions/p1/status?profile=meta", headers=auth(keys["auditor"])).json()
    assert status["action"] == "remove" and status["strike"] is True and status["reviewed"] == "confirm"
    assert {e["actor"] for e in status["events"] if e["kind"] in ("strike", "review")} == {"reviewer:reviewer-1"}

    filed = client.post("/v1/appeals", json={"kind": "content", "profile": "meta", "post_id": "p1", "statement": "I was quoting"}, headers=auth(keys["platform"]))
    assert filed.status_code == 201 and filed.json()["excluded"] == ["reviewer:reviewer-1"]
    appeal = filed.json()["id"]
    again = client.post("/v1/appeals", json={"kind": "content", "profile": "meta", "post_id": "p1"}, headers=auth(keys["platform"]))
    assert again.status_code == 409
    same = client.post(f"/v1/appeals/{appeal}/claim", headers=auth(keys["reviewer"]))
    assert same.status_code == 403 and "different reviewer" in same.json()["error"]
    assert client.post(f"/v1/appeals/{appeal}/claim", headers=auth(keys["reviewer2"])).status_code == 200
    decided = client.post(f"/v1/appeals/{appeal}/decision", json={"outcome": "overturn", "reason": "quotation in a news context"}, headers=auth(keys["reviewer2"])).json()
    assert decided["outcome"] == "overturn" and decided["status"] == "closed"
    status = client.get("/v1/decisions/p1/status?profile=meta", headers=auth(keys["auditor"])).json()
    assert status["action"] == "allow" and status["reversed"] is True and status["strike"] is False
    assert client.get("/v1/accounts/a1", headers=auth(keys["auditor"])).json()["profiles"][0]["strikes"] == 0

    audit = client.get("/v1/audit", headers=auth(keys["auditor"])).json()["entries"]
    seen = [(e["actor"], e["action"]) for e in reversed(audit)]
    for expected in [("platform:platform-1", "posts.submit"), ("reviewer:reviewer-1", "review.claim"), ("reviewer:reviewer-1", "review.confirm"),
                     ("platform:platform-1", "appeal.file"), ("reviewer:reviewer-2", "appeal.claim"), ("reviewer:reviewer-2", "appeal.overturn")]:
        assert expected in seen
    assert seen.index(("reviewer:reviewer-1", "review.confirm")) < seen.index(("reviewer:reviewer-2", "appeal.overturn"))


def test_openapi_documents_the_endpoints(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    spec = client.get("/openapi.json").json()
    for path in ("/v1/posts", "/v1/decisions/{post_id}", "/v1/accounts/{account_id}", "/v1/registry/search", "/v1/review/items/{item_id}/claim",
                 "/v1/appeals", "/v1/appeals/{appeal_id}/decision", "/v1/audit"):
        assert path in spec["paths"]
    assert "oneOf" in json.dumps(spec["paths"]["/v1/posts"]["post"]["requestBody"])


def test_the_fast_path_for_posts_answers_as_the_framework_route_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """POST /v1/posts is answered in front of the framework (FastPosts); the route behind it must say the same."""
    answers = {}
    for fast in (True, False):
        url = f"sqlite:///{tmp_path / f'fast-{fast}.db'}"
        app = make_app(url, fast_posts=fast, limits=Limits(body_bytes=20_000, batch=5, text_chars=2_000))
        platform, auditor = make_key(url, "platform", "p"), make_key(url, "auditor", "a")
        requests = [
            {"params": {"profile": "x" * 129}, "json": post("p1", "hi"), "headers": {"X-API-Key": platform}},
            {"json": post("p1", "hi")},
            {"json": post("p1", "hi"), "headers": {"Authorization": "Bearer nope"}},
            {"json": post("p0", "hi"), "headers": {"Authorization": "bearer " + platform}},
            {"json": post("p1", "hi"), "headers": {"X-API-Key": auditor}},
            {"content": b"{x", "headers": {"X-API-Key": platform}},
            {"params": [("profile", "x"), ("profile", "meta")], "json": post("p2", "hi"), "headers": {"X-API-Key": platform}},
            {"params": {"profile": "../etc"}, "json": post("p2", "hi"), "headers": {"X-API-Key": platform}},
            {"content": b"[" + b" " * 30_000 + b"]", "headers": {"X-API-Key": platform, "content-type": "application/json"}},
            {"json": [post("b1", "Glory to Hamas"), post("b2", "x")], "headers": {"X-API-Key": platform}},
            {"json": [post("b3", "x"), {"id": "q"}], "headers": {"X-API-Key": platform}},
            {"json": post("b1", "changed"), "headers": {"X-API-Key": platform}},
            {"json": post("b1", "Glory to Hamas"), "headers": {"X-API-Key": platform}},
        ]
        with TestClient(app) as client:
            answers[fast] = [
                (r.status_code, r.headers.get("www-authenticate"), r.headers["content-type"], r.text)
                for r in (client.post("/v1/posts", **kw) for kw in requests)
            ]
    assert [a[0] for a in answers[True]] == [422, 401, 401, 200, 403, 422, 200, 422, 413, 200, 422, 409, 200]
    assert answers[True] == answers[False]


def _overturn(client, keys, post_id: str, profile: str = "meta") -> None:  # type: ignore[no-untyped-def]
    filed = client.post("/v1/appeals", json={"kind": "content", "profile": profile, "post_id": post_id, "statement": "a quotation"},
                        headers=auth(keys["platform"]))
    assert filed.status_code == 201, filed.text
    appeal = filed.json()["id"]
    assert client.post(f"/v1/appeals/{appeal}/claim", headers=auth(keys["reviewer"])).status_code == 200
    decided = client.post(f"/v1/appeals/{appeal}/decision", json={"outcome": "overturn", "reason": "not praise"}, headers=auth(keys["reviewer"]))
    assert decided.status_code == 200 and decided.json()["outcome"] == "overturn", decided.text


def test_a_post_created_before_an_overturn_does_not_count_the_overturned_strikes(api) -> None:  # type: ignore[no-untyped-def]
    client, keys = api
    h = auth(keys["platform"])
    office = {"operator": "op-v"}
    linked = {**post("w1", "good morning", author="acc-w", days_ago=30), "author": {"id": "acc-w", **office}}
    assert client.post("/v1/posts?profile=meta", json=linked, headers=h).status_code == 200
    strikes = [{**post(f"v{i}", "Glory to Hamas", author="acc-v", days_ago=20 - i), "author": {"id": "acc-v", "followers": 500, **office}}
               for i in range(1, 6)]
    fifth = client.post("/v1/posts?profile=meta", json=strikes, headers=h).json()[-1]
    assert fifth["account"] == {"id": "acc-v", "action": "disable", "strikes": 5, "until": None}
    assert fifth["linked_accounts"] == [{"id": "acc-w", "action": "disable"}]
    _overturn(client, keys, "v4")
    _overturn(client, keys, "v5")
    state = client.get("/v1/accounts/acc-v", headers=auth(keys["auditor"])).json()["profiles"][0]
    assert (state["strikes"], state["action"]) == (3, "none")
    # Created ten days ago, before the overturns were recorded: still the fourth strike, not the sixth.
    late = {**post("v6", "Glory to Hamas", author="acc-v", days_ago=10), "author": {"id": "acc-v", "followers": 500, **office}}
    decision = client.post("/v1/posts?profile=meta", json=late, headers=h).json()
    assert decision["account"]["strikes"] == 4 and decision["account"]["action"] == "restrict", decision
    assert decision["linked_accounts"] == [{"id": "acc-w", "action": "none"}]
    assert any("Strike 4 " in r for r in decision["reasons"]), decision["reasons"]
    state = client.get("/v1/accounts/acc-v", headers=auth(keys["auditor"])).json()["profiles"][0]
    assert (state["strikes"], state["action"]) == (4, "none")
    assert client.get("/v1/accounts/acc-w", headers=auth(keys["auditor"])).json()["profiles"][0]["action"] == "none"
