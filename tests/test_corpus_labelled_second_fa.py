"""Checks the second, independently written labelled sets (fa-2.jsonl and multi-2.jsonl): format, labels, mix, duplicates."""

from __future__ import annotations

import re
from collections import Counter
from functools import partial

import pytest

import corpus_checks as cc

FA = cc.LABELLED / "fa-2.jsonl"
MULTI = cc.LABELLED / "multi-2.jsonl"
MINE = (FA, MULTI)
# Ids of these sets are <lang>-5xxx.
FIRST_ID, LAST_ID = 5000, 5999
MULTI_LANGS = {"tr", "ur", "fr", "de", "es", "ru", "he"}

# The script each language is written in (letters of that script must dominate the text,
# except for Persian "Finglish", which the Persian file keeps to a small share).
SCRIPT = {
    "fa": re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "ur": re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
    "he": re.compile(r"[\u0590-\u05FF]"),
}
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")

_normalise = partial(cc.fold_persian, casefold=True)


@pytest.fixture(scope="module")
def fa() -> list[dict]:
    return cc.read_jsonl(FA)


@pytest.fixture(scope="module")
def multi() -> list[dict]:
    return cc.read_jsonl(MULTI)


@pytest.fixture(scope="module")
def others() -> list[dict]:
    """Every other labelled file: ids must not clash and texts must not repeat them."""
    return cc.read_others(MINE)


def _near_pairs(left: list[dict], right: list[dict] | None, threshold: float = 0.7) -> list[tuple[str, str, float]]:
    """Pairs whose word-bigram Jaccard similarity reaches the threshold (right=None: within left)."""
    return cc.near_pairs(left, right, lambda t: cc.word_bigrams(_normalise(t)), threshold)


def test_every_line_is_well_formed_and_uses_registry_ids(fa: list[dict], multi: list[dict]) -> None:
    registry = cc.starter_ids()
    cc.assert_no_problems(fa, langs={"fa"}, first_id=FIRST_ID, last_id=LAST_ID, registry=registry)
    cc.assert_no_problems(multi, langs=MULTI_LANGS, first_id=FIRST_ID, last_id=LAST_ID, registry=registry)


def test_ids_are_unique_and_do_not_clash_with_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    assert cc.repeated_ids(fa + multi) == []
    assert cc.clashing_ids(fa + multi, others) == []


def test_sizes(fa: list[dict], multi: list[dict]) -> None:
    assert len(fa) >= 500
    assert len(multi) >= 280
    per_lang = Counter(r["lang"] for r in multi)
    assert set(per_lang) == MULTI_LANGS, per_lang
    assert min(per_lang.values()) >= 38, per_lang


def _assert_mix(rows: list[dict], label: str, per_kind: float) -> None:
    m = cc.mix(rows)
    assert m.violations / m.total >= 0.30, (label, m.categories)
    assert m.hard_negatives / m.total >= 0.50, (label, m.contexts)
    assert m.categories["glorification"] == m.largest_violation_count, (label, m.categories)
    for category in cc.VIOLATIONS:
        assert m.categories[category] / m.total >= per_kind, (label, category, m.categories)
    for context in cc.CONTEXTS:
        assert m.contexts[context] >= 1, (label, context, m.contexts)


def test_persian_mix_meets_the_targets(fa: list[dict]) -> None:
    _assert_mix(fa, "fa", 0.04)
    contexts = cc.mix(fa).contexts
    for context in cc.CONTEXTS:
        assert contexts[context] / len(fa) >= 0.03, (context, contexts)


@pytest.mark.parametrize("lang", sorted(MULTI_LANGS))
def test_each_language_meets_the_targets(multi: list[dict], lang: str) -> None:
    _assert_mix([r for r in multi if r["lang"] == lang], lang, 0.04)


def test_officials_appear_on_both_sides(fa: list[dict], multi: list[dict]) -> None:
    """Official authors must not predict the label: as many allowed posts as violating ones, roughly."""
    for label, rows in (("fa", fa), ("all", fa + multi)):
        official = [r for r in rows if r.get("author_role") in cc.OFFICIAL_ROLES]
        violating = sum(r["category"] in cc.VIOLATIONS for r in official)
        allowed = len(official) - violating
        assert violating >= 20 and allowed >= 20, (label, violating, allowed)
        assert 0.67 <= violating / allowed <= 1.5, (label, violating, allowed)


def test_implicit_and_unnamed_violations_are_present(fa: list[dict], multi: list[dict]) -> None:
    unnamed = [r for r in fa + multi if r["category"] in cc.VIOLATIONS and not r["entities"]]
    assert len(unnamed) >= 30


def test_text_is_in_the_language_script(fa: list[dict], multi: list[dict]) -> None:
    def share(text: str, lang: str) -> float:
        native = len(SCRIPT[lang].findall(text))
        return native / max(1, native + len(LATIN.findall(text)))

    finglish = [r["id"] for r in fa if share(r["text"], "fa") < 0.5]
    assert 0.02 <= len(finglish) / len(fa) <= 0.10, len(finglish)
    wrong = [r["id"] for r in multi if r["lang"] in SCRIPT and share(r["text"], r["lang"]) < 0.5]
    assert wrong == []


def test_persian_writing_variants_are_present(fa: list[dict]) -> None:
    texts = [r["text"] for r in fa]
    assert sum("\u200c" in t for t in texts) >= 50, "zero-width non-joiner forms"
    assert sum(bool(re.search("[\u06f0-\u06f9]", t)) for t in texts) >= 20, "Persian digits"
    assert sum(("\u064a" in t or "\u0643" in t) for t in texts) >= 5, "Arabic ي/ك variants"
    assert sum(bool(re.search(r"#\w", t)) for t in texts) >= 20, "hashtags"


def test_no_exact_duplicates_within_or_against_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    assert cc.repeated_texts(fa + multi, _normalise) == []
    theirs = {_normalise(r["text"]): r["id"] for r in others}
    assert [r["id"] for r in fa + multi if _normalise(r["text"]) in theirs] == []


def test_no_near_duplicates_within_or_against_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    """Word-bigram Jaccard similarity of 0.7 or more counts as a near-duplicate pair."""
    mine = fa + multi
    assert _near_pairs(mine, None) == []
    assert _near_pairs(mine, others) == []
