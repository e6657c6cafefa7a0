"""`proscribe scan` from the user's side: real files, real databases, a real kill in the middle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli
from sqlalchemy import create_engine, func, select

FIXTURES = Path(__file__).parent / "fixtures" / "scan"
CONTRACT_KEYS = [
    "post_id", "profile", "violation", "category", "context", "score", "action", "entities",
    "account", "linked_accounts", "exemptions", "reasons", "notice", "versions",
]


def scan(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return run_cli("scan", *args, input=input)


def decisions(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_scan_prints_one_contract_decision_a_line_in_input_order(db_url: str) -> None:
    result = scan(str(FIXTURES / "posts.jsonl"), "--profile", "meta", "--db", db_url)
    assert result.exit_code == 0, result.output
    out = decisions(result.stdout)
    assert [d["post_id"] for d in out] == ["s1", "s2", "s3", "s4"]
    for d in out:
        assert list(d) == CONTRACT_KEYS
        assert d["profile"] == "meta"
        assert d["violation"] == (d["category"] != "none")
        assert set(d["versions"]) == {"registry", "policy", "model"} and all(d["versions"].values())
        assert d["reasons"]
    assert out[0]["violation"] and out[0]["action"] == "remove"
    assert out[1]["action"] == "allow"
    assert out[2]["action"] == "allow" and out[3]["action"] == "allow"
    assert result.stderr == ""  # quiet when piped


def test_bad_lines_are_reported_and_the_good_ones_decided(db_url: str) -> None:
    bad = FIXTURES / "bad.jsonl"
    result = scan(str(bad), "--profile", "x", "--db", db_url)
    assert result.exit_code == 1
    assert [d["post_id"] for d in decisions(result.stdout)] == ["s1", "s4"]
    assert f"{bad}:2: rejected: not JSON" in result.stderr
    assert f"{bad}:3: rejected: id must be a string, not a number" in result.stderr
    assert f"{bad}:4: rejected: required field text is missing" in result.stderr


def test_stdin_and_out_file(tmp_path: Path, sqlite_url: str) -> None:
    out = tmp_path / "decisions.jsonl"
    text = (FIXTURES / "posts.jsonl").read_text()
    result = scan("-", "--profile", "twitter-2021", "--db", sqlite_url, "--out", str(out), input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert [d["post_id"] for d in decisions(out.read_text())] == ["s1", "s2", "s3", "s4"]
    assert "4 decisions (4 new, 0 already stored)" in result.stderr


def test_scanning_twice_gives_the_same_output_and_decides_nothing_twice(db_url: str) -> None:
    first = scan(str(FIXTURES / "posts.jsonl"), "--profile", "meta", "--db", db_url)
    second = scan(str(FIXTURES / "posts.jsonl"), "--profile", "meta", "--db", db_url)
    assert first.exit_code == second.exit_code == 0
    assert second.stdout == first.stdout
    assert _count(db_url, "decisions") == 4


def test_a_profile_file_and_now(tmp_path: Path, sqlite_url: str) -> None:
    custom = Path(__file__).parent / "fixtures" / "policy" / "custom.yaml"
    result = scan(str(FIXTURES / "posts.jsonl"), "--profile", str(custom), "--db", sqlite_url, "--now", "2024-06-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    out = decisions(result.stdout)
    assert {d["profile"] for d in out} == {"small-forum"}
    assert out[0]["versions"]["policy"].startswith("small-forum@")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "facebook"], "no such profile"),
        (["--profile", "meta", "--now", "soon"], "--now 'soon' is not an ISO 8601 time"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str, sqlite_url: str) -> None:
    result = scan(str(FIXTURES / "posts.jsonl"), "--db", sqlite_url, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_a_missing_file_is_refused(sqlite_url: str) -> None:
    result = scan("/nonexistent/posts.jsonl", "--profile", "meta", "--db", sqlite_url)
    assert result.exit_code == 1 and "no such file" in result.stderr


def _count(url: str, table: str, where: str = "") -> int:
    from proscribe.store import ledger as store

    eng = create_engine(url)
    try:
        t = {"decisions": store.decisions, "moderation_events": store.moderation_events}[table]
        query = select(func.count()).select_from(t)
        if where:
            query = query.where(t.c.kind == where)
        with eng.connect() as conn:
            return int(conn.execute(query).scalar() or 0)
    finally:
        eng.dispose()


def _big_file(path: Path, n: int) -> None:
    texts = [
        "We kiss the hands of those who planned the blessed 7 October operation.",
        "Hamas claimed the attack on 7 October, officials said, according to the agency.",
        "Lovely weather at the market today.",
        "I condemn the Hamas massacre; my thoughts are with the victims.",
    ]
    with path.open("w") as f:
        for i in range(n):
            post = {
                "id": f"k{i}",
                "text": texts[i % len(texts)],
                "created_at": f"2024-01-{1 + (i * 7) % 28:02d}T{i % 24:02d}:00:00Z",
                "author": {"id": f"a{i % 25}", "operator": f"op{i % 10}"},
            }
            f.write(json.dumps(post) + "\n")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "proscribe", *args]


@pytest.mark.slow
def test_killed_in_the_middle_and_run_again_loses_nothing_and_decides_nothing_twice(tmp_path: Path, db_url: str) -> None:
    posts = tmp_path / "posts.jsonl"
    n = 150
    _big_file(posts, n)
    env = dict(os.environ)
    proc = subprocess.Popen(_cli("scan", str(posts), "--profile", "meta", "--db", db_url, "--out", str(tmp_path / "partial.jsonl")), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = _count(db_url, "decisions")
        except Exception:  # the tables may not exist yet
            done = 0
        if done >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the scan ended before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = _count(db_url, "decisions")
    assert 0 < killed_at < n, "killed in the middle"
    assert not (tmp_path / "partial.jsonl").exists()  # no half-written output

    again = subprocess.run(_cli("scan", str(posts), "--profile", "meta", "--db", db_url), env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert _count(db_url, "decisions") == n
    assert _count(db_url, "moderation_events", "decision") == n  # no post decided twice

    # The result is what an uninterrupted run gives on a fresh database.
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    clean = subprocess.run(_cli("scan", str(posts), "--profile", "meta", "--db", fresh), env=env, capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    assert again.stdout == clean.stdout


GLORY = "Glory to Hamas and its heroic fighters, the Qassam Brigades are legends."


def _jsonl(path: Path, posts: list[dict]) -> str:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(p) + "\n" for p in posts))
    return str(path)


def _post(post_id: str, author: str, day: int, text: str = GLORY, **author_fields: object) -> dict:  # type: ignore[type-arg]
    return {"id": post_id, "text": text, "created_at": f"2024-01-{day:02d}T10:00:00Z", "author": {"id": author, **author_fields}}


def test_a_scan_replayed_as_of_an_earlier_time_does_not_count_strikes_overturned_before_it(tmp_path: Path, sqlite_url: str) -> None:
    from fastapi.testclient import TestClient
    from service_helpers import make_app, make_key

    first = _jsonl(tmp_path / "first.jsonl", [_post(f"v{i}", "acc-v", i) for i in range(1, 6)])
    out = decisions(scan(first, "--profile", "meta", "--db", sqlite_url, "--model", "keyword").stdout)
    assert out[-1]["account"]["action"] == "disable" and out[-1]["account"]["strikes"] == 5
    # Two removals are overturned on appeal today; the next post was created in 2024, long before.
    platform, reviewer = make_key(sqlite_url, "platform"), make_key(sqlite_url, "reviewer")
    with TestClient(make_app(sqlite_url)) as client:
        for post_id in ("v4", "v5"):
            appeal = client.post("/v1/appeals", json={"kind": "content", "profile": "meta", "post_id": post_id, "statement": "a quote"},
                                 headers={"X-API-Key": platform}).json()["id"]
            client.post(f"/v1/appeals/{appeal}/claim", headers={"X-API-Key": reviewer})
            done = client.post(f"/v1/appeals/{appeal}/decision", json={"outcome": "overturn", "reason": "a quote"}, headers={"X-API-Key": reviewer})
            assert done.json()["outcome"] == "overturn", done.text
    second = _jsonl(tmp_path / "second.jsonl", [_post("v6", "acc-v", 10)])
    result = scan(second, "--profile", "meta", "--db", sqlite_url, "--model", "keyword")
    assert result.exit_code == 0, result.output
    (d,) = decisions(result.stdout)
    assert d["account"] == {"id": "acc-v", "action": "restrict", "strikes": 4, "until": None}
    assert any(r.startswith("Strike 4 (4 active") for r in d["reasons"]), d["reasons"]


def _accounts(url: str) -> list[str]:
    from proscribe.store import ledger as store

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return sorted(conn.execute(select(store.accounts.c.id)).scalars())
    finally:
        eng.dispose()


def test_a_line_whose_id_names_another_stored_post_is_rejected_and_the_others_decided(tmp_path: Path, sqlite_url: str) -> None:
    first = _jsonl(tmp_path / "first.jsonl", [_post("p1", "col-A", 1, text="Lovely weather")])
    meta = scan(first, "--profile", "meta", "--db", sqlite_url, "--model", "keyword")
    assert meta.exit_code == 0, meta.output
    second = _jsonl(tmp_path / "second.jsonl", [
        _post("p1", "col-B", 2),                          # another author and text under a stored id
        _post("p2", "col-C", 2),                          # a new post
        _post("p1", "col-A", 1, text="Lovely weather"),   # the stored post, sent again
        _post("p1", "col-A", 3, text="Lovely weather!"),  # its author, another text
    ])
    for profile in ("x", "meta"):
        result = scan(second, "--profile", profile, "--db", sqlite_url, "--model", "keyword")
        assert result.exit_code == 1
        out = decisions(result.stdout)
        assert [(d["post_id"], d["account"]["id"], d["profile"]) for d in out] == [("p2", "col-C", profile), ("p1", "col-A", profile)]
        assert out[1]["action"] == "allow"
        assert f"{second}:1: rejected: id 'p1' names a post already stored with another author.id and text: a post id names one post" in result.stderr
        assert f"{second}:4: rejected: id 'p1' names a post already stored with another text:" in result.stderr
        assert ":2: " not in result.stderr and ":3: " not in result.stderr
    assert decisions(meta.stdout)[0] == decisions(result.stdout)[1]  # under meta: the stored decision again
    assert _accounts(sqlite_url) == ["col-A", "col-C"]  # nothing was written for col-B


def test_two_lines_of_one_file_with_one_id_for_two_posts_the_first_is_decided(tmp_path: Path, sqlite_url: str) -> None:
    posts = _jsonl(tmp_path / "posts.jsonl", [_post("p1", "acc-a", 5, text="Lovely weather"), _post("p1", "acc-b", 1)])
    result = scan(posts, "--profile", "meta", "--db", sqlite_url, "--model", "keyword", "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1
    assert [(d["post_id"], d["account"]["id"]) for d in decisions((tmp_path / "out.jsonl").read_text())] == [("p1", "acc-a")]
    assert f"{posts}:2: rejected: id 'p1' names a post already stored with another author.id and text" in result.stderr
    assert "1 decisions (1 new, 0 already stored), 1 lines rejected" in result.stderr
    assert _count(sqlite_url, "moderation_events", "strike") == 0 and _accounts(sqlite_url) == ["acc-a"]
