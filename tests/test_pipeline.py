"""The pipeline: reading posts, deciding in created_at order with the ledger, idempotency, concurrency."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from proscribe.model import Assessment, Category, Context, EntityKind, Mention
from proscribe.pipeline import BadPost, InputPost, Rejected, Scanner, ToDecide, read_posts
from proscribe.policy import load
from proscribe.store import db
from proscribe.store import ledger as store

HAMAS = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5, lists=("us-ofac-sdgt",))
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def line(post_id: str, author: str, at: datetime | None, **author_fields) -> str:  # type: ignore[no-untyped-def]
    obj = {"id": post_id, "text": f"post {post_id}", "author": {"id": author, **author_fields}, "x-extra": [1]}
    if at is not None:
        obj["created_at"] = at.isoformat().replace("+00:00", "Z")
    return json.dumps(obj)


def parse(lines: list[str]) -> tuple[list[InputPost], list[Rejected]]:
    good, bad = [], []
    for entry in read_posts(lines):
        (bad if isinstance(entry, Rejected) else good).append(entry)
    return good, bad  # type: ignore[return-value]


def verdicts(items: list[InputPost], category: Category = Category.GLORIFICATION) -> dict:  # type: ignore[type-arg]
    return {i.post.id: (Assessment(i.post.id, category, None, 0.95, (HAMAS,), model="given@1"), None) for i in items}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "a post must be a JSON object, not a list"),
        ('{"text": "", "author": {"id": "a"}}', "required field id is missing"),
        ('{"id": 5, "text": "", "author": {"id": "a"}}', "id must be a string, not a number"),
        ('{"id": "p", "author": {"id": "a"}}', "required field text is missing"),
        ('{"id": "p", "text": null, "author": {"id": "a"}}', "text must be a string, not null"),
        ('{"id": "p", "text": ""}', "required field author is missing"),
        ('{"id": "p", "text": "", "author": {}}', "required field author.id is missing"),
        ('{"id": "p", "text": "", "author": {"id": ["a"]}}', "author.id must be a string, not a list"),
        ('{"id": "p", "text": "", "author": {"id": "a", "followers": "many"}}', "author.followers must be a whole number"),
        ('{"id": "p", "text": "", "author": {"id": "a", "followers": true}}', "author.followers must be a whole number"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "created_at": "yesterday"}', "created_at is not an ISO 8601 timestamp"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "created_at": 1700000000}', "created_at must be an ISO 8601 string"),
        ('{"id": "p", "text": "", "author": {"id": "a", "role": 3}}', "author.role must be a string"),
        ("[" * 100000, "not JSON"),
        ('{"id": "p", "text": "hi \\ud800", "author": {"id": "a"}}', "text is not valid Unicode text: a lone surrogate"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "meta": {"\\udfff": 1}}', "is not valid Unicode text"),
        ('{"id": "p", "text": "", "author": {"id": "a", "followers": 1e300}}', "author.followers is too large"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "created_at": "2999-01-01T00:00:00Z"}', "created_at is in the future"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "x": ' + "[" * 40 + "]" * 40 + "}", "nested too deeply"),
        ('{"id": "p", "text": "x\\u0000y", "author": {"id": "a"}}', "text must not contain a NUL character"),
        ('{"id": "p", "text": "", "author": {"id": "a", "x": Infinity}, "score": NaN}', "is not a number JSON allows"),
        ('{"id": "p", "text": "", "author": {"id": "a"}, "created_at": "0001-01-01T00:00:00+14:00"}', "within years 1-9999"),
    ],
)
def test_bad_lines_are_rejected_with_a_reason(text: str, reason: str) -> None:
    good, bad = parse(['{"id": "ok", "text": "", "author": {"id": "a"}}', text])
    assert len(good) == 1
    assert bad[0].line == 2 and reason in bad[0].reason


def test_good_lines_keep_unknown_fields_and_parse_times() -> None:
    good, bad = parse(["\ufeff" + line("p1", "a1", T0, followers=10, role="ruler", team="x"), "", "  "])
    assert not bad
    post = good[0].post
    assert post.created_at == T0 and post.extra == {"x-extra": [1]}
    assert post.author.role == "ruler" and post.author.extra == {"team": "x"}
    assert good[0].original["x-extra"] == [1]
    naive, _ = parse(['{"id": "p", "text": "", "author": {"id": "a"}, "created_at": "2024-01-01T00:00:00"}'])
    assert naive[0].post.created_at == T0


def test_bytes_that_are_not_utf8_are_rejected() -> None:
    _, bad = parse([b'{"id": "p", "text": "\xff", "author": {"id": "a"}}'])  # type: ignore[list-item]
    assert "not UTF-8" in bad[0].reason


def test_strikes_accumulate_in_created_at_order_output_in_input_order(db_url: str) -> None:
    # Input order is not time order: the decisions must be made oldest first.
    items, _ = parse([line(f"p{n}", "a1", T0 + timedelta(days=n)) for n in (4, 2, 0, 3, 1)])
    result = Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items))
    decisions = [json.loads(x) for x in result.lines]
    assert [d["post_id"] for d in decisions] == ["p4", "p2", "p0", "p3", "p1"]
    assert [d["account"]["strikes"] for d in decisions] == [5, 3, 1, 4, 2]
    assert decisions[0]["account"]["action"] == "disable"
    assert result.decided == 5


def test_ties_are_decided_in_input_order(db_url: str) -> None:
    items, _ = parse([line(f"p{n}", "a1", T0) for n in range(3)])
    decisions = [json.loads(x) for x in Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items)).lines]
    assert [d["account"]["strikes"] for d in decisions] == [1, 2, 3]


def test_scanning_again_decides_nothing_twice(db_url: str) -> None:
    items, _ = parse([line(f"p{n}", f"a{n % 2}", T0 + timedelta(hours=n)) for n in range(6)])
    first = Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items))
    # The second run would decide differently if it decided at all (other verdicts): it must re-emit.
    second = Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items, Category.NONE))
    assert second.lines == first.lines and second.decided == 0 and second.reused == 6
    with db.session(db_url) as s:
        assert store.count_decisions(s, "meta") == 6
        assert sum(1 for e in store.all_events(s) if e.kind == "strike") == 6


def test_the_same_post_under_another_profile_is_another_decision(db_url: str) -> None:
    items, _ = parse([line("p1", "a1", T0)])
    Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items))
    out = Scanner(load("x"), db_url).scan(items, assessed=verdicts(items))
    assert out.decided == 1 and json.loads(out.lines[0])["profile"] == "x"


def test_now_overrides_the_replay_clock(db_url: str) -> None:
    items, _ = parse([line("old", "a1", T0)])
    out = Scanner(load("meta"), db_url, now=T0 + timedelta(days=200)).scan(items, assessed=verdicts(items))
    d = json.loads(out.lines[0])
    assert d["action"] == "remove" and d["account"]["strikes"] == 0
    assert any("older than 90 days" in r for r in d["reasons"])


def test_operator_links_accounts_that_post_later(db_url: str) -> None:
    # The English account's first post comes after the Persian account is disabled: it is linked anyway.
    lines = [line(f"fa{n}", "fa", T0 + timedelta(days=n), operator="office") for n in range(5)]
    lines.append(line("en0", "en", T0 + timedelta(days=9), operator="office"))
    items, _ = parse(lines)
    assessed = verdicts(items)
    assessed["en0"] = (Assessment("en0", Category.NONE, Context.NEWS, 0.9), None)
    decisions = [json.loads(x) for x in Scanner(load("meta"), db_url).scan(items, assessed=assessed).lines]
    assert decisions[4]["linked_accounts"] == [{"id": "en", "action": "disable"}]
    assert decisions[5]["account"]["action"] == "disable" and decisions[5]["action"] == "allow"


def test_posts_and_accounts_are_kept(db_url: str) -> None:
    items, _ = parse([line("p1", "a1", T0, followers=10), line("p2", "a1", T0 + timedelta(days=1), followers=20)])
    Scanner(load("meta"), db_url).scan(items, assessed=verdicts(items))
    with db.session(db_url) as s:
        assert store.post(s, "p1")["x-extra"] == [1]  # type: ignore[index]
        assert store.account(s, "a1")["attributes"]["followers"] == 20  # type: ignore[index]


def _scan_in_process(url: str, lines: list[str], queue: "multiprocessing.Queue[list[str]]") -> None:
    items, _ = parse(lines)
    queue.put(Scanner(load("meta"), url).scan(items, assessed=verdicts(items)).lines)


def test_two_processes_scanning_at_once_decide_each_post_once(db_url: str) -> None:
    lines = [line(f"p{n}", f"a{n % 3}", T0 + timedelta(minutes=n)) for n in range(40)]
    db.engine(db_url)  # migrate first, as a real deployment does
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_scan_in_process, args=(db_url, lines, queue)) for _ in range(2)]
    for w in workers:
        w.start()
    outputs = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert outputs[0] == outputs[1]
    with db.session(db_url) as s:
        assert store.count_decisions(s, "meta") == 40
        events = store.all_events(s)
    assert sum(1 for e in events if e.kind == "decision") == 40
    # Strikes were counted once per post: each author's strike numbers are 1..n with no gaps.
    for author in ("a0", "a1", "a2"):
        numbers = [e.payload["number"] for e in events if e.kind == "strike" and e.account_id == author]
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def _ledger(url: str) -> list[tuple]:  # type: ignore[type-arg]
    with db.session(url) as s:
        return [(str(e.kind), e.account_id, e.post_id, e.at, e.payload, e.actor) for e in store.all_events(s)]


def test_a_batch_in_one_transaction_decides_as_one_decision_a_transaction_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Operators, a hand-made link, ties in time and a post sent twice: the batch must see its own decisions as it goes.
    lines = []
    for n in range(24):
        author = f"a{n % 4}"  # a0 gets six strikes: disabled at the fifth, with its operator's other account
        fields = {"operator": "office"} if author in ("a0", "a1") else {}
        lines.append(line(f"p{n}", author, T0 + timedelta(hours=n // 2), **fields))
    lines.append(lines[3])
    items, _ = parse(lines)
    assessed = verdicts(items)
    for i in items[1::4]:
        assessed[i.post.id] = (Assessment(i.post.id, Category.NONE, Context.NEWS, 0.9, (HAMAS,), model="given@1"), None)
    outputs = {}
    for size in (1, 64):
        url = f"sqlite:///{tmp_path / f'size-{size}.db'}"
        with db.session(url) as s:
            store.ingest(s, [(i.post, i.original) for i in items[:1]], T0)
            store.ingest(s, [(parse([line("x", "a4", T0)])[0][0].post, {})], T0)
            store.link(s, "a2", "a4")
        result = Scanner(load("meta"), url, transaction_size=size).scan(items, assessed=assessed)
        outputs[size] = (result.lines, result.decided, result.reused, _ledger(url))
    assert outputs[1] == outputs[64]
    lines_out, decided, reused, events = outputs[64]
    assert decided == 24 and reused == 1 and lines_out[3] == lines_out[24]
    assert any(e[0] == "linked_account_action" for e in events)


def test_a_post_decided_by_another_process_since_the_scan_looked_is_re_emitted(db_url: str) -> None:
    items, _ = parse([line(f"p{n}", "a1", T0 + timedelta(hours=n)) for n in range(3)])
    scanner = Scanner(load("meta"), db_url)
    scanner.ingest(items)
    entries = [ToDecide(i.post, *verdicts(items)[i.post.id], T0 + timedelta(hours=n)) for n, i in enumerate(items)]
    first = scanner.decide_many(entries[1:2], checked=True)
    # The caller says it looked (it did, before the first write): the unique constraint catches it, the retry re-emits.
    again = scanner.decide_many(entries, checked=True)
    assert [d.new for d in again] == [True, False, True] and again[1].line == first[0].line
    with db.session(db_url) as s:
        assert store.count_decisions(s, "meta") == 3


def test_a_decision_waits_for_a_linked_accounts_decision_in_progress(db_url: str) -> None:
    """Two writers deciding posts of two linked accounts at once: the second sees what the first did to it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's first write locks the whole database: its writers never overlap")
    import threading

    from proscribe.pipeline import decide_batch

    lines = [line(f"fa{n}", "fa", T0 + timedelta(days=n), operator="office") for n in range(5)]
    lines.append(line("en0", "en", T0 + timedelta(days=9), operator="office"))
    items, _ = parse(lines)
    assessed = verdicts(items)
    assessed["en0"] = (Assessment("en0", Category.NONE, Context.NEWS, 0.9), None)
    scanner = Scanner(load("meta"), db_url)
    scanner.ingest(items)
    entries = {i.post.id: ToDecide(i.post, *assessed[i.post.id], i.post.created_at) for i in items}
    scanner.decide_many([entries[f"fa{n}"] for n in range(4)])  # four strikes: the fifth disables fa and en
    answer: list[str] = []

    def second_writer() -> None:
        (decided,) = scanner.decide_many([entries["en0"]])
        answer.append(decided.line)

    with scanner.engine.begin() as conn:
        (fifth,) = decide_batch(conn, scanner.profile, [entries["fa4"]], tiers=scanner.tiers(), registry_version=scanner.registry_version)
        assert json.loads(fifth.line)["linked_accounts"] == [{"id": "en", "action": "disable"}]
        other = threading.Thread(target=second_writer)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # it waits for the linked account's lock, held until this commit
    other.join(timeout=30)
    (en0,) = [json.loads(x) for x in answer]
    assert en0["account"]["action"] == "disable"  # it saw the linked disable committed before it


def test_a_decision_refuses_a_post_whose_id_names_another_stored_post_in_its_own_transaction(db_url: str) -> None:
    # Another process kept another post under the same id after this one was read: the decision's own check refuses it.
    items, _ = parse([line("p1", "a1", T0), line("p2", "a1", T0 + timedelta(hours=1))])
    scanner = Scanner(load("meta"), db_url)
    other, _ = parse([line("p1", "someone-else", T0)])
    Scanner(load("x"), db_url).scan(other, assessed=verdicts(other))
    entries = [ToDecide(i.post, *verdicts(items)[i.post.id], i.post.created_at) for i in items]  # type: ignore[arg-type]
    refused, decided = scanner.decide_many(entries)
    assert refused.refused == "another author.id" and not refused.new and refused.line == ""
    assert decided.new and json.loads(decided.line)["account"]["strikes"] == 1  # the refused post earned no strike
    with db.session(db_url) as s:
        assert store.stored_decision(s, "p1", "meta") is None
        assert [e.post_id for e in store.events_for(s, ["a1"], "meta") if e.kind == "strike"] == ["p2"]
    with pytest.raises(BadPost, match="id 'p1' names a post already stored with another author.id"):
        scanner.decide_one(items[0].post, *verdicts(items)["p1"])


def test_a_scan_reports_the_lines_it_refused_and_decides_the_rest(db_url: str) -> None:
    first, _ = parse([line("p1", "a1", T0)])
    Scanner(load("meta"), db_url).scan(first, assessed=verdicts(first))
    items, _ = parse([line("p0", "a2", T0), line("p1", "a2", T0), line("p1", "a1", T0), line("p3", "a2", T0)])
    result = Scanner(load("x"), db_url).scan(items, assessed=verdicts(items))
    assert [r.line for r in result.rejected] == [2] and "another author.id" in result.rejected[0].reason
    assert [json.loads(x)["post_id"] for x in result.lines] == ["p0", "p1", "p3"]
    assert (result.decided, result.reused) == (3, 0)
    assert [json.loads(x)["account"]["strikes"] for x in result.lines] == [1, 1, 2]
