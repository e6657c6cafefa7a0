"""The OpenAPI document (/openapi.json) as a client reads it: references resolve, the posts body takes one post or a
batch within the server's limits, every /v1 operation needs a key, and errors are documented as the API answers them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_helpers import make_app, make_key, post

from proscribe.api.service import CODE_CHARS, Limits

LIMITS = Limits(body_bytes=20_000, batch=5, text_chars=2_000, id_chars=300, field_chars=1_000)  # not the defaults
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def api(db_url: str):  # type: ignore[no-untyped-def]
    app = make_app(db_url, limits=LIMITS)
    with TestClient(app) as client:
        yield client, client.get("/openapi.json").json(), make_key(db_url, "platform", "p")


def resolve(doc: dict[str, Any], ref: str) -> Any:
    """The object a local reference (`#/components/schemas/PostIn`) points to; KeyError when it points to nothing."""
    assert ref.startswith("#/"), ref
    found: Any = doc
    for part in ref[2:].split("/"):
        found = found[part.replace("~1", "/").replace("~0", "~")]
    return found


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def valid(doc: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """Whether `value` meets `schema`, for the JSON Schema keywords the document uses."""
    if "$ref" in schema and not valid(doc, resolve(doc, schema["$ref"]), value):
        return False
    if "oneOf" in schema and sum(valid(doc, s, value) for s in schema["oneOf"]) != 1:
        return False
    if "anyOf" in schema and not any(valid(doc, s, value) for s in schema["anyOf"]):
        return False
    if "type" in schema and not TYPES[schema["type"]](value):
        return False
    if isinstance(value, str) and not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < schema.get("minimum", value):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        if "items" in schema and not all(valid(doc, schema["items"], v) for v in value):
            return False
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        if any(key not in value for key in schema.get("required", [])):
            return False
        if schema.get("additionalProperties") is False and set(value) - set(properties):
            return False
        if not all(valid(doc, properties[k], v) for k, v in value.items() if k in properties):
            return False
    return True


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items() if method in METHODS]


def posts_body(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/v1/posts"]["post"]["requestBody"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def test_every_reference_resolves(api) -> None:  # type: ignore[no-untyped-def]
    _, doc, _ = api
    found = refs(doc)
    assert "#/components/schemas/PostIn" in found and "#/components/schemas/AuthorIn" in found
    for ref in found:
        resolve(doc, ref)  # KeyError when it points to nothing
    assert "$defs" not in json.dumps(doc["paths"])  # nothing defined inline where a client cannot refer to it


def test_the_posts_body_takes_one_post_or_a_batch_within_the_limits(api) -> None:  # type: ignore[no-untyped-def]
    _, doc, _ = api
    body = posts_body(doc)
    one = post("p1", "hello", author="a1", followers=10, platform="x", lang="en", author_extra=1)
    assert valid(doc, body, one)
    assert valid(doc, body, [one, post("p2", "")])
    assert valid(doc, body, [one] * LIMITS.batch)
    assert not valid(doc, body, [one] * (LIMITS.batch + 1))
    assert not valid(doc, body, [])
    assert not valid(doc, body, {"id": "p", "text": "no author"})
    assert not valid(doc, body, [one, {"id": "p", "author": {"id": "a"}}])  # no text
    assert not valid(doc, body, post("p", "x" * (LIMITS.text_chars + 1)))
    assert valid(doc, body, post("p", "x" * LIMITS.text_chars))
    assert not valid(doc, body, post("p" * (LIMITS.id_chars + 1), "x"))
    assert not valid(doc, body, post("p", "x", author="a" * (LIMITS.id_chars + 1)))
    assert not valid(doc, body, post("p", "x", author={"bio": "b" * (LIMITS.field_chars + 1)}))
    assert not valid(doc, body, post("p", "x", lang="l" * (CODE_CHARS + 1)))
    assert not valid(doc, body, post("p", "x", followers=-1))
    described = json.dumps(doc["paths"]["/v1/posts"]["post"]["requestBody"]) + json.dumps(doc["components"]["schemas"]["PostIn"]) + json.dumps(doc["components"]["schemas"]["AuthorIn"])
    for n in (LIMITS.batch, LIMITS.body_bytes, LIMITS.text_chars, LIMITS.id_chars, LIMITS.field_chars):
        assert f"{n:,}" in described  # the limits are said in words too


def test_the_server_accepts_and_refuses_posts_where_the_schema_says(api) -> None:  # type: ignore[no-untyped-def]
    client, doc, key = api
    body = posts_body(doc)
    cases = [
        post("edge-text", "x" * LIMITS.text_chars),
        post("long-text", "x" * (LIMITS.text_chars + 1)),
        post("i" * LIMITS.id_chars, "x"),
        post("i" * (LIMITS.id_chars + 1), "x"),
        [post(f"b{i}", "x") for i in range(LIMITS.batch)],
        [post(f"c{i}", "x") for i in range(LIMITS.batch + 1)],
        [],
    ]
    for case in cases:
        r = client.post("/v1/posts", json=case, headers={"X-API-Key": key})
        assert (r.status_code == 200) == valid(doc, body, case), (r.status_code, r.text[:200])


def test_every_v1_operation_needs_a_key_and_healthz_is_open(api) -> None:  # type: ignore[no-untyped-def]
    client, doc, _ = api
    schemes = doc["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["bearerKey"].items()
    assert {"type": "apiKey", "in": "header", "name": "X-API-Key"}.items() <= schemes["headerKey"].items()
    assert "security" not in doc  # not on /healthz
    ops = operations(doc)
    assert len([op for path, _, op in ops if path.startswith("/v1/")]) >= 20
    for path, method, op in ops:
        if path.startswith("/v1/"):
            assert op["security"] == [{"bearerKey": []}, {"headerKey": []}], (method, path)  # either header
            assert "401" in op["responses"], (method, path)
            r = client.request(method, path.replace("{", "").replace("}", ""), json={})  # no key
            assert r.status_code == 401 and valid(doc, op["responses"]["401"]["content"]["application/json"]["schema"], r.json())
        else:
            assert not op.get("security"), path
    health = doc["paths"]["/healthz"]["get"]
    assert "security" not in health and client.get("/healthz").status_code == 200


def test_errors_are_documented_as_the_api_answers_them(api) -> None:  # type: ignore[no-untyped-def]
    client, doc, key = api
    error = doc["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"] and set(error["properties"]) == {"error", "field"}
    assert "HTTPValidationError" not in json.dumps(doc) and "ValidationError" not in doc["components"]["schemas"]
    for path, method, op in operations(doc):
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in op["responses"], (method, path)
        if "requestBody" in op:
            assert "413" in op["responses"] and f"{LIMITS.body_bytes:,}" in op["responses"]["413"]["description"], (method, path)
    posts = doc["paths"]["/v1/posts"]["post"]["responses"]
    assert {"401", "403", "413", "422", "503"} <= set(posts)
    assert {"403", "404", "409"} <= set(doc["paths"]["/v1/review/items/{item_id}/claim"]["post"]["responses"])
    assert "404" in doc["paths"]["/v1/decisions/{post_id}"]["get"]["responses"]
    # Real answers meet the documented schema.
    h = {"X-API-Key": key}
    answers = [
        ("post", "/v1/posts", client.post("/v1/posts", json=[post("p", "x"), {"id": "q"}], headers=h), "422"),
        ("post", "/v1/posts", client.post("/v1/posts", content=b"[" + b" " * LIMITS.body_bytes + b"]", headers={**h, "content-type": "application/json"}), "413"),
        ("get", "/v1/audit", client.get("/v1/audit", headers=h), "403"),
        ("get", "/v1/decisions/{post_id}", client.get("/v1/decisions/nothing", headers=h), "404"),
        ("get", "/v1/decisions", client.get("/v1/decisions?limit=0", headers=h), "422"),
    ]
    for method, path, r, status in answers:
        assert str(r.status_code) == status, (path, r.status_code, r.text[:200])
        assert status in doc["paths"][path][method]["responses"]
        assert valid(doc, error, r.json()) and set(r.json()) <= {"error", "field"}
