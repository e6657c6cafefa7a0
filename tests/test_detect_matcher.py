"""Mention matching: one pass over every name, boundaries in every script, weak names, and the labelled sets."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from proscribe.detect.matcher import Matcher
from proscribe.model import Designation, Entity, EntityKind, Name, NameKind
from proscribe.registry import starter
from proscribe.registry.scope import Scope

FIXTURES = Path(__file__).parent / "fixtures" / "mentions"


@lru_cache(maxsize=1)
def starter_matcher() -> Matcher:
    scope = Scope()
    return Matcher.from_entities([scope.apply(e) for e in starter.load()])


def ids(text: str) -> set[str]:
    return {m.entity_id for m in starter_matcher().find(text) if m.via != "perpetrator"}


def test_from_constructed_entities_and_original_offsets() -> None:
    group = Entity(
        "example-front",
        EntityKind.ORGANIZATION,
        "Example Front",
        names=(Name("Example Front"), Name("جبهة المثال", lang="ar"), Name("EF", weak=True)),
        designations=(Designation("us-ofac-fto"),),
        in_scope=True,
    )
    m = Matcher.from_entities([group])
    text = "They joined the Example-Front. وجبهة المثال"
    found = m.find(text)
    assert [(x.entity_id, text[x.start : x.end]) for x in found] == [("example-front", "Example-Front"), ("example-front", "جبهة المثال")]
    assert found[0].lists == ("us-ofac-fto",) and found[0].in_scope
    assert m.find("EF is a nice acronym") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وحماس", {"hamas"}),
        ("بحزب الله", {"hizballah"}),
        ("للقاعدة", {"al-qaida"}),
        ("كداعش", {"isis"}),
        ("حماس‌ها و داعشی‌ها", {"hamas", "isis"}),
        ("سپاه‌پاسداران", {"irgc"}),
        ("Hizballah, Hezbollah, Hizbullah, Hizb Allah", {"hizballah"}),
        ("Daesh, Da'esh, Da’ish", {"isis"}),
        ("al-Qa'ida, al-Qaeda, al Qaida", {"al-qaida"}),
        ("#طوفان_الأقصى", {"event-2023-10-07"}),
        ("#AlAqsaFlood", {"event-2023-10-07"}),
        ("#alaqsaflood", {"event-2023-10-07"}),
        ("#StandWithHamas", {"hamas"}),
        ("Hamas's leaders", {"hamas"}),
        ("Hamas'ın lideri", {"hamas"}),
        ("L'État islamique", {"isis"}),
        ("Der Islamische Staat hat sich bekannt", {"isis"}),
        ("Kämpfer des Islamischen Staates", {"isis"}),
        ("The PKK announced its dissolution", {"pkk"}),
        ("هجوم حماس المفاجئ على إسرائيل", {"hamas"}),
        ("حماس الفلسطينية تعلن", {"hamas"}),
        ("القاعدة الإرهابية", {"al-qaida"}),
    ],
)
def test_clitics_suffixes_spellings_and_hashtags(text: str, expected: set[str]) -> None:
    assert ids(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "הארץ מלאה חמס",  # Hebrew: violence
        "Isis is my favourite Egyptian goddess",
        "It IS what it is",
        "THIS IS THE ATTACK OF THE CLONES",
        "meet me at the base",
        "Ayumi Hamasaki #ayumihamasaki",
        "شاهنامه بزرگترین حماسه ایرانی است",
        "استقبل الجمهور اللاعبين بحماس كبير",
        "استقبل الجمهور اللاعبين بكل حماس",
        "حماس الجماهير كان كبيرا",
        "القاعدة الذهبية في الاستثمار هي التنويع",
        "في القاعدة العسكرية",
        "It IS said that the PKK-style tables are easy",
        "حزب کارگزاران سازندگی بیانیه داد",
        "I was born on 7 October",
        "rated 7/10",
        "see https://example.org/hamas-report",
    ],
)
def test_homonyms_and_weak_names_yield_nothing(text: str) -> None:
    assert ids(text) == set()


def test_weak_names_say_what_corroborated_them() -> None:
    found = [m for m in starter_matcher().find("IS fighters claimed the attack") if m.entity_id == "isis"]
    assert found and found[0].weak and "fighters" in (found[0].corroboration or "")
    found = [m for m in starter_matcher().find("Sinwar planned the attack for years") if m.entity_id == "yahya-sinwar"]
    assert found and found[0].weak and found[0].corroboration


def test_uncorroborated_weak_names_on_request() -> None:
    found = starter_matcher().find("Isis is a goddess", include_weak=True)
    assert found and all(m.weak and m.corroboration is None for m in found)


def test_mentions_in_handles_and_the_field() -> None:
    found = starter_matcher().find("@hamas_watch posted")
    assert found[0].via == "handle"
    assert starter_matcher().find("Hezbollah Media", field="display_name")[0].field == "display_name"


def test_find_many() -> None:
    texts = ["Hamas", "nothing here", "داعش"]
    assert [[m.entity_id for m in ms] for ms in starter_matcher().find_many(texts)] == [["hamas"], [], ["isis"]]


def test_find_many_is_find_on_each_text() -> None:
    # One automaton pass over the batch must hand every text exactly its own mentions and offsets.
    texts = [
        "",
        "Hezbollah's drones",
        "ﻻ إله… and Hamas fighters",  # expands under NFKC
        "قال إن حَمـــاس انتصرت",  # removed marks
        "IS fighters claimed the attack",
        "#StandWithHamas",
        "born on 7 October",
        "Don't say Da'esh or al-Qa'ida",
        "nothing at all",
        "ХАМАСа и ИГИЛом",
    ]
    m = starter_matcher()
    assert m.find_many(texts) == [m.find(t) for t in texts]
    assert m.find_many(["Hamas\0ISIS", "Hezbollah"]) == [m.find("Hamas\0ISIS"), m.find("Hezbollah")]
    assert m.find_many([]) == []


def _scores(path: Path) -> dict[str, tuple[float, float]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        got, exp = ids(row["text"]), set(row["entities"])
        c = counts[row["lang"]]
        c[0] += len(got & exp)
        c[1] += len(got - exp)
        c[2] += len(exp - got)
    out = {}
    for lang, (tp, fp, fn) in counts.items():
        out[lang] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
    return out


def test_labelled_dev_set_precision_and_recall_per_language() -> None:
    rows = [json.loads(line) for line in (FIXTURES / "mentions.jsonl").read_text(encoding="utf-8").splitlines()]
    per_lang = defaultdict(int)
    for row in rows:
        per_lang[row["lang"]] += 1
    assert len(rows) >= 350 and min(per_lang["en"], per_lang["fa"], per_lang["ar"]) >= 100
    scores = _scores(FIXTURES / "mentions.jsonl")
    for lang in ("en", "fa", "ar"):
        precision, recall = scores[lang]
        assert precision >= 0.97, (lang, precision)
        assert recall >= 0.97, (lang, recall)


def test_held_out_set_is_scored() -> None:
    # Written before tuning; its numbers are reported in docs/detection.md, not asserted tightly here.
    scores = _scores(FIXTURES / "heldout.jsonl")
    assert {"en", "fa", "ar"} <= set(scores)
    assert all(0.0 <= p <= 1.0 and 0.0 <= r <= 1.0 for p, r in scores.values())
