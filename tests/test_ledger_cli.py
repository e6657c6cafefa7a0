"""`proscribe accounts show|link` and `proscribe bench ledger` from the user's side."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from conftest import run_cli

from proscribe.model import Assessment, Category, EntityKind, Mention
from proscribe.pipeline import Scanner, read_posts
from proscribe.policy import load

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HAMAS = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5, lists=("us-ofac-sdgt",))


def _scan(url: str, n: int) -> None:
    lines = [
        json.dumps({"id": f"p{i}", "text": "t", "created_at": (T0 + timedelta(days=i)).isoformat(), "author": {"id": "fa", "operator": "office", "followers": 5}})
        for i in range(n)
    ]
    lines.append(json.dumps({"id": "e0", "text": "t", "created_at": T0.isoformat(), "author": {"id": "en", "operator": "office"}}))
    items = list(read_posts(lines))
    assessed = {i.post.id: (Assessment(i.post.id, Category.GLORIFICATION, None, 0.95, (HAMAS,)), None) for i in items}  # type: ignore[union-attr]
    assessed["e0"] = (Assessment("e0", Category.NONE, None, 0.9), None)
    Scanner(load("meta"), url).scan(items, assessed=assessed)  # type: ignore[arg-type]


def test_show_derives_state_strikes_and_history(db_url: str) -> None:
    _scan(db_url, 5)
    result = run_cli("accounts", "show", "fa", "--db", db_url, "--json", "--now", "2024-02-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    (meta,) = out["profiles"]
    assert meta["action"] == "disable" and meta["strikes"] == 5 and meta["doi_strikes"] == 5
    assert meta["strike_log"][0]["expires"] == "2024-12-31T00:00:00Z"
    assert out["linked_accounts"] == [{"id": "en", "via": "operator office"}]
    assert out["attributes"]["followers"] == 5
    # The linked account is disabled with it.
    en = json.loads(run_cli("accounts", "show", "en", "--db", db_url, "--json", "--now", "2024-02-01T00:00:00Z").stdout)
    assert en["profiles"][0]["action"] == "disable"
    # A year and more later the strikes have expired, but the disable stays.
    later = json.loads(run_cli("accounts", "show", "fa", "--db", db_url, "--json", "--now", "2025-06-01T00:00:00Z").stdout)
    assert later["profiles"][0]["strikes"] == 0 and later["profiles"][0]["action"] == "disable"
    text = run_cli("accounts", "show", "fa", "--db", db_url)
    assert text.exit_code == 0 and "disable" in text.stdout


def test_show_unknown_account(sqlite_url: str) -> None:
    result = run_cli("accounts", "show", "nobody", "--db", sqlite_url)
    assert result.exit_code == 1 and "no account 'nobody'" in result.stderr


def test_link_then_show(sqlite_url: str) -> None:
    _scan(sqlite_url, 1)
    assert "linked fa and x1" in run_cli("accounts", "link", "fa", "x1", "--db", sqlite_url, "--note", "same office").stdout
    assert "linked already" in run_cli("accounts", "link", "x1", "fa", "--db", sqlite_url).stdout
    out = json.loads(run_cli("accounts", "show", "fa", "--db", sqlite_url, "--json").stdout)
    assert {"id": "x1", "via": "link"} in out["linked_accounts"]
    assert run_cli("accounts", "link", "fa", "fa", "--db", sqlite_url).exit_code == 1
    empty = run_cli("accounts", "link", "", "fa", "--db", sqlite_url)
    assert empty.exit_code == 1 and "account id A is empty" in empty.stderr
    assert run_cli("accounts", "show", "fa", "--now", "0001-01-01T00:00:00+14:00", "--db", sqlite_url).exit_code == 1


def test_scan_refuses_an_output_that_is_a_directory_or_the_input(tmp_path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    posts = tmp_path / "posts[1].jsonl"
    posts.write_text(json.dumps({"id": "p", "text": "hi", "author": {"id": "a"}}) + "\n", encoding="utf-8")
    to_dir = run_cli("scan", str(posts), "--profile", "meta", "--model", "keyword", "--out", str(tmp_path), "--db", sqlite_url)
    assert to_dir.exit_code == 1 and "a directory" in to_dir.stderr
    same = run_cli("scan", str(posts), "--profile", "meta", "--model", "keyword", "--out", str(posts), "--db", sqlite_url)
    assert same.exit_code == 1 and "the posts file itself" in same.stderr
    assert json.loads(posts.read_text(encoding="utf-8"))["id"] == "p"  # the input is untouched
    missing = run_cli("scan", str(tmp_path / "nope[/].jsonl"), "--profile", "meta", "--db", sqlite_url)
    assert missing.exit_code == 1 and "nope[/].jsonl: no such file" in missing.stderr  # brackets are not markup


def test_bench_ledger_reports_both_databases_side_by_side() -> None:
    result = run_cli("bench", "ledger", "--posts", "30", "--authors", "5", "--batch", "8", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["transaction_sizes"] == [1, 8]
    runs = {(r["database"], r["transaction_size"]): r for r in report["runs"]}
    assert set(runs) == {("sqlite", 1), ("sqlite", 8), ("postgresql", 1), ("postgresql", 8)}
    for size in (1, 8):
        assert runs["sqlite", size]["decisions"] == 30 and runs["sqlite", size]["per_second"] > 0
    assert report["ratio_batched_to_one_a_transaction"]["sqlite"] is not None
    if runs["postgresql", 1]["skipped"]:
        assert report["ratio_postgresql_to_sqlite"] == {"1": None, "8": None}
    else:
        assert all(runs["postgresql", size]["decisions"] == 30 for size in (1, 8))
        assert None not in report["ratio_postgresql_to_sqlite"].values()


def test_bench_ledger_text_output() -> None:
    result = run_cli("bench", "ledger", "--posts", "20", "--authors", "4", "--batch", "5")
    assert result.exit_code == 0, result.output
    assert "1 a transaction" in result.stdout and "5 a transaction" in result.stdout
    assert "ratio batched/one a transaction, sqlite" in result.stdout
