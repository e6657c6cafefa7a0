"""The policy-as-prompt backend against a stub OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from proscribe.classify import load
from proscribe.classify.prompt import UNSURE_SCORE
from proscribe.model import Account, Category, Context, EntityKind, Mention, Post


class _Stub:
    def __init__(self) -> None:
        self.replies: list[tuple[int, str]] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []


def _chat(content: str) -> str:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})


@pytest.fixture
def stub() -> Iterator[tuple[_Stub, str]]:
    state = _Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, **json.loads(body)})
            state.headers.append(dict(self.headers))
            status, reply = state.replies.pop(0)
            data = reply.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _post(i: int, text: str) -> Post:
    return Post(id=f"p{i}", text=text, author=Account(id="a"), lang="en")


def test_reads_category_context_score_and_evidence(stub) -> None:  # type: ignore[no-untyped-def]
    state, url = stub
    state.replies = [
        (200, _chat('{"category": "glorification", "context": null, "score": 0.93, "evidence": ["kiss the hands"]}')),
        (200, _chat('Sure! ```json\n{"category": "none", "context": "news", "score": 0.05}\n```')),
    ]
    clf = load("prompt", base_url=url, model="stub-model", api_key="k-123")
    m = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5)
    out = clf.assess([_post(1, "we kiss the hands of those who planned it"), _post(2, "Hamas said, Reuters reported")], [[], [m]])
    assert out[0].category is Category.GLORIFICATION and out[0].score == 0.93
    assert any("kiss the hands" in e for e in out[0].evidence)
    assert out[1].category is Category.NONE and out[1].context is Context.NEWS
    assert state.requests[0]["path"] == "/v1/chat/completions" and state.requests[0]["model"] == "stub-model"
    assert "Hamas" in state.requests[1]["messages"][1]["content"]
    assert state.headers[0]["Authorization"] == "Bearer k-123"
    assert out[0].model == "prompt stub-model"


@pytest.mark.parametrize(
    "status,reply,reason",
    [
        (200, _chat("I cannot help with that."), "no JSON object"),
        (200, _chat('{"category": "praise"}'), "ValueError"),
        (200, '{"choices": []}', "IndexError"),
        (200, "not json at all", "JSONDecodeError"),
        (500, '{"error": "boom"}', "HTTPStatusError"),
        (200, _chat('{"a": ' * 50_000 + "1" + "}" * 50_000), "RecursionError"),
    ],
)
def test_malformed_replies_fall_back_to_review_worthy_output(stub, status: int, reply: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    state, url = stub
    state.replies = [(status, reply)]
    [a] = load("prompt", base_url=url).assess([_post(1, "some post")], [[]])
    assert a.category is Category.NONE and a.score == UNSURE_SCORE
    assert "needs review" in a.evidence[-1] and reason in a.evidence[-1]
    from datetime import UTC, datetime

    from proscribe.policy import AccountHistory, decide, load as load_profile
    from proscribe.model import ContentAction

    for name in ("meta", "x", "twitter-2021"):  # the unsure score lies between every shipped profile's thresholds
        out = decide(a, _post(1, "some post"), AccountHistory("a"), None, load_profile(name), datetime.now(UTC))
        assert out.decision.action is ContentAction.REVIEW, (name, out.decision.reasons)


def test_an_unreachable_endpoint_does_not_raise() -> None:
    [a] = load("prompt", base_url="http://127.0.0.1:9/v1", timeout=2).assess([_post(1, "x")], [[]])
    assert a.score == UNSURE_SCORE


def test_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROSCRIBE_LLM_BASE_URL", raising=False)
    with pytest.raises(ValueError, match="base_url"):
        load("prompt")
    monkeypatch.setenv("PROSCRIBE_LLM_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("PROSCRIBE_LLM_MODEL", "m1")
    clf = load("prompt")
    assert clf.base_url == "http://127.0.0.1:9/v1" and clf.version == "m1"  # type: ignore[attr-defined]
