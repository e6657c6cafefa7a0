"""Checks the Arabic labelled classification data: format, labels, mix and variety."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

import corpus_checks as cc

LANG = "ar"
DATA = cc.LABELLED / f"{LANG}.jsonl"
# Referred to by some posts but not designated entries of the starter registry.
NOT_IN_STARTER = {"event-1983-beirut-barracks"}
MIN_EXAMPLES = 1000

ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return cc.read_jsonl(DATA)


def _where(record: dict[str, Any]) -> str:
    return f"{record[cc.WHERE]} ({record.get('id')})"


def test_every_line_has_the_required_fields_and_nothing_unknown(records: list[dict[str, Any]]) -> None:
    cc.assert_no_problems(records, cc.field_problems)


def test_ids_are_well_formed_and_unique(records: list[dict[str, Any]]) -> None:
    cc.assert_no_problems(records, cc.id_problems, langs={LANG})
    repeated = cc.repeated_ids(records)
    assert not repeated, f"repeated ids: {repeated}"


def test_lang_is_arabic(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert record["lang"] == LANG, f"{_where(record)}: lang {record['lang']!r}"


def test_labels_use_the_closed_sets(records: list[dict[str, Any]]) -> None:
    cc.assert_no_problems(records, cc.label_problems)


def test_entities_are_lists_of_slugs(records: list[dict[str, Any]]) -> None:
    cc.assert_no_problems(records, cc.entity_problems)


def test_entities_are_starter_registry_ids(records: list[dict[str, Any]]) -> None:
    known = cc.starter_ids()
    if not known:
        pytest.skip(f"no starter registry entries under {cc.STARTER}")
    for record in records:
        unknown = set(record["entities"]) - known - NOT_IN_STARTER
        assert not unknown, f"{_where(record)}: not starter registry ids: {sorted(unknown)}"


def test_there_are_enough_examples(records: list[dict[str, Any]]) -> None:
    assert len(records) >= MIN_EXAMPLES


def test_the_mix_meets_the_targets(records: list[dict[str, Any]]) -> None:
    m = cc.mix(records)
    assert m.violations / m.total >= 0.30, f"violations are {m.violations}/{m.total}"
    assert m.hard_negatives / m.total >= 0.50, f"hard negatives are {m.hard_negatives}/{m.total}"
    # Every violating kind is well represented, glorification the largest of them.
    for category in cc.VIOLATIONS:
        assert m.categories[category] >= 0.04 * m.total, f"only {m.categories[category]} {category}"
    assert m.categories["glorification"] == m.largest_violation_count
    for context in cc.CONTEXTS:
        assert m.contexts[context] >= 0.02 * m.total, f"only {m.contexts[context]} none/{context}"


def test_many_entities_are_covered(records: list[dict[str, Any]]) -> None:
    seen = Counter(e for r in records for e in r["entities"])
    for entity in ("hamas", "qassam-brigades", "pij", "hizballah", "ansarallah", "isis", "al-qaida",
                   "aqap", "al-shabaab", "hts", "kataib-hizballah", "event-2023-10-07",
                   "event-2001-09-11", "event-2015-11-13-paris", "event-2019-03-15-christchurch"):
        assert seen[entity] >= 3, f"{entity} appears in only {seen[entity]} examples"
    # The classifier must not learn "names a group" = violation: the big names appear in negatives too.
    for entity in ("hamas", "isis", "hizballah", "al-qaida", "event-2023-10-07"):
        negatives = sum(1 for r in records if entity in r["entities"] and r["category"] == "none")
        assert negatives >= 10, f"{entity} appears in only {negatives} negative examples"


def test_no_exact_duplicates(records: list[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for record in records:
        key = cc.fold_arabic_words(record["text"])
        assert key not in seen, f"{_where(record)} repeats {seen[key]}"
        seen[key] = record["id"]


def test_few_near_duplicates(records: list[dict[str, Any]]) -> None:
    # Posts sharing half or more of their character 5-grams are one template with a slot changed.
    close = cc.near_pairs(records, None, lambda t: cc.char_grams(cc.fold_arabic_words(t), 5), 0.5)
    assert len(close) <= 0.01 * len(records), f"near-duplicate pairs: {close[:20]}"


def test_text_is_mostly_arabic_script(records: list[dict[str, Any]]) -> None:
    latin = [
        r for r in records
        if len(LATIN_LETTER.findall(r["text"])) > len(ARABIC_LETTER.findall(r["text"]))
    ]
    # A few Arabizi (Latin-script Arabic) posts belong; the rest are in Arabic script.
    assert 0 < len(latin) <= 0.05 * len(records), f"{len(latin)} posts are mostly Latin script"
    # Arabizi must not become a shortcut for "violation": it appears on both sides.
    violating = sum(1 for r in latin if r["category"] in cc.VIOLATIONS)
    assert 0 < violating < len(latin), f"{violating} of {len(latin)} Arabizi posts are violations"
    for record in latin:
        assert not ARABIC_LETTER.search(record["text"]), f"{_where(record)}: Arabic letters inside an Arabizi post"


def test_hard_negatives_cover_the_traps(records: list[dict[str, Any]]) -> None:
    def count(pattern: str, **want: str) -> int:
        rx = re.compile(pattern)
        return sum(1 for r in records if rx.search(r["text"]) and all(r[k] == v for k, v in want.items()))

    # Words that are group names elsewhere, used in their everyday sense.
    assert count(r"حماس", context="unrelated") >= 5, "حماس as enthusiasm"
    assert count(r"القاعدة|قاعدة", context="unrelated") >= 5, "القاعدة as rule/base"
    assert count(r"طوفان", context="unrelated") >= 3, "طوفان as flood"
    assert count(r"أنصار|انصار", context="unrelated") >= 3, "أنصار as fans"
    # News that quotes praise with attribution stays news.
    assert count(r"قال|أضاف|اضاف|حسب|وفق|نقل|ذكر|أعلن|اعلن", context="news") >= 100
    # Mourning civilian "martyrs" is not glorification.
    assert count(r"شهيد|شهداء|الشهداء", category="none") >= 10
