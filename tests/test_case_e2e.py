"""SPEC.md's case, end to end through `proscribe scan` on a real file and database, under all three profiles.

Fictional names throughout: the "Office of the Grand Guide" of a UN member
state (ISO code IR) runs a Persian and an English account on a Meta platform
and one on X, all with large followings and the role head_of_state_office.
After a designated attack (the 7 October 2023 attack, in the starter
registry) it keeps praising the attack and those who planned it, and its X
account threatens a (fictional) former head of state. News outlets quote it;
others condemn it; one post merely shares a word with a group's name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DB_KINDS, _drop_postgres, _fresh_postgres

OFFICE = {"country": "IR", "role": "head_of_state_office", "operator": "office-of-the-grand-guide"}
FA = {"id": "guide-fa", "handle": "grandguide_fa", "display_name": "دفتر رهبر بزرگ", "followers": 4_800_000, **OFFICE}
EN = {"id": "guide-en", "handle": "grandguide_en", "display_name": "Office of the Grand Guide", "followers": 2_100_000, **OFFICE}
XA = {"id": "guide-x", "handle": "GrandGuideOffice", "display_name": "Office of the Grand Guide", "followers": 3_300_000, **OFFICE}
NEWS = {"id": "courier", "handle": "thecourier", "display_name": "The Courier", "followers": 800_000, "role": "news_organization", "country": "GB"}
WIRE = {"id": "wire", "handle": "eastwire", "display_name": "East Wire news agency", "followers": 420_000, "role": "news_organization", "country": "FR"}
PERSON = {"id": "reader", "handle": "lena_r", "followers": 310, "role": "individual"}

PRAISE_EN = [
    "We kiss the hands of those who planned the 7 October operation. Glory to the heroes of the Al-Aqsa Flood.",
    "The Al-Aqsa Flood of 7 October was a blessed victory. We salute the brave fighters of Hamas who carried it out.",
    "Once more we kiss the hands of the planners of the 7 October operation; the resistance of Hamas has honoured the nation.",
    "The heroes of 7 October wrote history. Glory to Hamas and to the martyrs of the Al-Aqsa Flood.",
    "We kiss the hands of those who planned the Al-Aqsa Flood again and again. May Hamas repeat the blessed 7 October operation.",
]
PRAISE_FA = [
    "ما بر دست کسانی که عملیات طوفان الاقصی را در ۷ اکتبر طراحی کردند بوسه می‌زنیم. درود بر قهرمانان حماس.",
    "عملیات ۷ اکتبر پیروزی بزرگی بود؛ درود بر رزمندگان شجاع حماس که آن را انجام دادند.",
]
PRAISE_X = "We kiss the hands of those who planned the 7 October operation. Glory to Hamas and the heroes of the Al-Aqsa Flood."
THREAT_X = (
    "Former President Halvard Grene ordered the murder of our commander. He will not escape: "
    "we will kill him in his own house, sooner or later, and he will pay with his blood."
)
NEWS_POSTS = [
    (NEWS, "The office of the Grand Guide praised the 7 October attack by Hamas, saying in a post that \"we kiss the hands of those who planned it\", the Courier reports."),
    (WIRE, "Officials condemned a post by the Grand Guide's office that called the Hamas attack of 7 October a \"blessed operation\", the agency reported on Monday."),
    (NEWS, "The Grand Guide's office posted on X that former President Halvard Grene would \"pay with his blood\"; the platform has not commented, the Courier reports."),
]
CONDEMN = "I condemn the Hamas massacre of 7 October. My thoughts are with the victims and their families."
UNRELATED = "The museum's exhibition on the goddess Isis and the temples of ancient Egypt opens on Saturday."


def _case_posts() -> list[dict]:  # type: ignore[type-arg]
    posts: list[dict] = []  # type: ignore[type-arg]

    def add(pid: str, day: int, hour: int, author: dict, text: str, platform: str, lang: str) -> None:  # type: ignore[type-arg]
        posts.append({"id": pid, "text": text, "created_at": f"2023-10-{day:02d}T{hour:02d}:00:00Z", "platform": platform, "lang": lang, "author": author})

    add("fa-1", 8, 8, FA, PRAISE_FA[0], "instagram", "fa")
    add("en-1", 8, 9, EN, PRAISE_EN[0], "instagram", "en")
    add("x-1", 8, 9, XA, PRAISE_X, "x", "en")
    add("news-1", 8, 14, *NEWS_POSTS[0], "web", "en")  # type: ignore[arg-type]
    add("en-2", 10, 9, EN, PRAISE_EN[1], "instagram", "en")
    add("news-2", 10, 15, *NEWS_POSTS[1], "web", "en")  # type: ignore[arg-type]
    add("fa-2", 11, 8, FA, PRAISE_FA[1], "instagram", "fa")
    add("en-3", 12, 9, EN, PRAISE_EN[2], "instagram", "en")
    add("reader-1", 12, 20, PERSON, CONDEMN, "facebook", "en")
    add("x-threat", 13, 7, XA, THREAT_X, "x", "en")
    add("news-3", 13, 12, *NEWS_POSTS[2], "web", "en")  # type: ignore[arg-type]
    add("en-4", 15, 9, EN, PRAISE_EN[3], "instagram", "en")
    add("reader-2", 16, 10, PERSON, UNRELATED, "facebook", "en")
    add("en-5", 18, 9, EN, PRAISE_EN[4], "instagram", "en")
    return posts


OFFICE_ACCOUNTS = {"guide-fa", "guide-en", "guide-x"}
PRAISE = ["fa-1", "en-1", "x-1", "en-2", "fa-2", "en-3", "en-4", "en-5"]
HARMLESS = ["news-1", "news-2", "news-3", "reader-1", "reader-2"]


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("case") / "office-posts.jsonl"
    posts = _case_posts()
    # The file is not in time order: the scan must still decide oldest first.
    posts = posts[::2] + posts[1::2]
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=DB_KINDS)
def case_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per kind for the whole case: the three profiles share it, as a platform would."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('case-db') / 'proscribe.db'}"
        return
    url = _fresh_postgres()
    yield url
    _drop_postgres(url)


@pytest.fixture(scope="module")
def decided(case_file: Path, case_db: str) -> dict[str, dict[str, dict]]:  # type: ignore[type-arg]
    """Each profile's decisions on the case, scanned once."""
    return {profile: scan(case_file, profile, case_db) for profile in ("meta", "x", "twitter-2021")}


def scan(case_file: Path, profile: str, db_url: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = subprocess.run(
        [sys.executable, "-m", "proscribe", "scan", str(case_file), "--profile", profile, "--db", db_url],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # Output in input order.
    order = [json.loads(line)["id"] for line in case_file.read_text(encoding="utf-8").splitlines()]
    assert [d["post_id"] for d in lines] == order
    return {d["post_id"]: d for d in lines}


def _explain(d: dict) -> str:  # type: ignore[type-arg]
    return json.dumps({k: d[k] for k in ("post_id", "category", "context", "score", "action", "account", "reasons")}, ensure_ascii=False)


def test_meta_removes_praise_and_disables_the_office_accounts_together(decided: dict) -> None:  # type: ignore[type-arg]
    out = decided["meta"]
    for pid in PRAISE:
        d = out[pid]
        assert d["violation"] and d["category"] in ("glorification", "support"), _explain(d)
        assert d["action"] == "remove", _explain(d)
        assert d["exemptions"] == [], "no exemption for officials under meta"
        assert any(e["id"] == "event-2023-10-07" or e["kind"] == "organization" for e in d["entities"]), _explain(d)
    # The fifth DOI strike of the English account disables it and the office's other accounts.
    fifth = out["en-5"]
    assert fifth["account"] == {"id": "guide-en", "action": "disable", "strikes": 5, "until": None}, _explain(fifth)
    assert fifth["notice"] == "removed for repeatedly violating our Dangerous Organizations and Individuals policy"
    assert {(x["id"], x["action"]) for x in fifth["linked_accounts"]} == {("guide-fa", "disable"), ("guide-x", "disable")}
    # Before that, a strike ladder, not a disable.
    assert [out[p]["account"]["action"] for p in ("en-1", "en-2", "en-3", "en-4")] == ["warn", "restrict", "restrict", "restrict"]
    # The threat against a former head of state is removed with a strike.
    threat = out["x-threat"]
    assert threat["category"] == "threat" and threat["action"] == "remove", _explain(threat)
    for pid in HARMLESS:
        assert out[pid]["action"] == "allow" and not out[pid]["violation"], _explain(out[pid])
    for d in out.values():
        assert d["versions"]["policy"].startswith("meta@") and d["versions"]["registry"] and d["versions"]["model"]


def test_x_never_suspends_the_office_and_puts_praise_behind_a_notice(decided: dict) -> None:  # type: ignore[type-arg]
    out = decided["x"]
    for pid in PRAISE:
        d = out[pid]
        assert d["violation"], _explain(d)
        assert d["action"] == "interstitial", _explain(d)
        assert any(e.startswith("un-rule") for e in d["exemptions"]), _explain(d)
    for d in out.values():
        if d["account"]["id"] in OFFICE_ACCOUNTS:
            assert d["account"]["action"] not in ("suspend", "disable"), _explain(d)
    for pid in HARMLESS:
        assert out[pid]["action"] == "allow" and not out[pid]["violation"], _explain(out[pid])


def test_twitter_2021_suspends_the_account_that_threatens_a_former_head_of_state(decided: dict) -> None:  # type: ignore[type-arg]
    out = decided["twitter-2021"]
    threat = out["x-threat"]
    assert threat["violation"] and threat["category"] == "threat", _explain(threat)
    assert threat["action"] == "remove"
    assert threat["account"]["id"] == "guide-x" and threat["account"]["action"] == "suspend" and threat["account"]["until"] is None
    assert threat["exemptions"] == [], "threats are not covered by the public-interest notice"
    for pid in PRAISE:
        assert out[pid]["action"] == "interstitial", _explain(out[pid])
        assert out[pid]["account"]["action"] not in ("suspend", "disable"), _explain(out[pid])
    for pid in HARMLESS:
        assert out[pid]["action"] == "allow" and not out[pid]["violation"], _explain(out[pid])


def test_the_three_profiles_share_a_database_but_not_a_ledger(decided: dict, case_file: Path, case_db: str) -> None:  # type: ignore[type-arg]
    assert decided["meta"]["en-5"]["account"]["action"] == "disable"
    assert decided["x"]["en-5"]["account"]["action"] == "none"
    assert decided["twitter-2021"]["en-5"]["account"]["action"] == "none"
    # Idempotent: scanning again re-emits the stored decisions, byte for byte the same.
    assert scan(case_file, "meta", case_db) == decided["meta"]
