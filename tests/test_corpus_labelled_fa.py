"""Checks of the Persian labelled classification data (corpus/labelled/fa.jsonl)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

import corpus_checks as cc

FILE = cc.LABELLED / "fa.jsonl"

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return cc.read_jsonl(FILE)


def _is_latin(text: str) -> bool:
    return len(LATIN_LETTER.findall(text)) > len(ARABIC_LETTER.findall(text))


def test_every_line_is_a_well_formed_example(records: list[dict]) -> None:
    cc.assert_no_problems(records, langs={"fa"})


def test_ids_are_unique(records: list[dict]) -> None:
    assert cc.repeated_ids(records) == []


def test_enough_examples(records: list[dict]) -> None:
    assert len(records) >= 1000


def test_mix_meets_the_targets(records: list[dict]) -> None:
    m = cc.mix(records)
    assert m.violations / m.total >= 0.30, m.categories
    assert m.hard_negatives / m.total >= 0.50, m.contexts
    # glorification is the largest violation; every violation kind is well represented
    assert m.categories["glorification"] == m.largest_violation_count
    for category in cc.VIOLATIONS:
        assert m.categories[category] / m.total >= 0.04, (category, m.categories[category])
    for context in cc.CONTEXTS:
        assert m.contexts[context] / m.total >= 0.03, (context, m.contexts[context])


def test_many_entities_and_events_are_covered(records: list[dict]) -> None:
    entities = Counter(e for r in records for e in r["entities"])
    expected = {"hamas", "qassam-brigades", "hizballah", "pij", "ansarallah", "irgc",
                "irgc-qods-force", "isis", "isis-k", "al-qaida", "event-2023-10-07"}
    assert expected <= entities.keys(), expected - entities.keys()
    events = [e for e in entities if e.startswith("event-")]
    assert len(events) >= 5, events
    # implicit praise and threats often name nobody
    unnamed_violations = [r for r in records if r["category"] in cc.VIOLATIONS and not r["entities"]]
    assert len(unnamed_violations) >= 20


def test_no_exact_duplicates(records: list[dict]) -> None:
    assert cc.repeated_texts(records, cc.fold_persian) == []


def test_few_near_duplicates(records: list[dict]) -> None:
    """Word-bigram Jaccard similarity of 0.7 or more counts as a near-duplicate pair."""
    near = cc.near_pairs(records, None, lambda t: cc.word_bigrams(cc.fold_persian(t)), 0.7)
    assert len(near) <= len(records) // 100, near[:20]


def test_text_is_mostly_persian_script(records: list[dict]) -> None:
    latin = [r["id"] for r in records if _is_latin(r["text"])]
    # Finglish (Persian in Latin letters) is present but a small share
    assert 0.02 <= len(latin) / len(records) <= 0.10, len(latin)
    persian_letters = sum(len(ARABIC_LETTER.findall(r["text"])) for r in records)
    all_letters = persian_letters + sum(len(LATIN_LETTER.findall(r["text"])) for r in records)
    assert persian_letters / all_letters >= 0.85


def test_persian_writing_variants_are_present(records: list[dict]) -> None:
    texts = [r["text"] for r in records]
    assert sum("\u200c" in t for t in texts) >= 100, "zero-width non-joiner forms"
    assert sum(bool(re.search("[\u06f0-\u06f9]", t)) for t in texts) >= 20, "Persian digits"
    assert sum(("\u064a" in t or "\u0643" in t) for t in texts) >= 10, "Arabic ي/ك variants"
    assert sum(bool(re.search(r"#\w", t)) for t in texts) >= 30, "hashtags"
