"""Checks the labelled classification data for en, fr, de, es, tr and ur against its format and mix rules."""

from __future__ import annotations

from collections import Counter

import pytest

import corpus_checks as cc

# Minimum examples per file: English is the main training language.
MINIMUM = {"en": 1000, "fr": 60, "de": 60, "es": 60, "tr": 60, "ur": 60}
LANGS = sorted(MINIMUM)

# Texts sharing their first 40 characters (case-insensitive) are near-duplicates;
# a few are tolerated because short posts can open alike.
NEAR_DUPLICATE_ALLOWANCE = 3


@pytest.fixture(scope="module", params=LANGS)
def corpus(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, cc.read_jsonl(cc.LABELLED / f"{request.param}.jsonl")


def test_every_line_has_valid_fields(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    cc.assert_no_problems(rows, langs={lang})


def test_ids_are_unique(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    repeated = cc.repeated_ids(rows)
    assert not repeated, f"{lang}.jsonl: repeated ids {repeated[:10]}"


def test_minimum_size(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    assert len(rows) >= MINIMUM[lang], f"{lang}.jsonl: {len(rows)} examples, need {MINIMUM[lang]}"


def test_no_duplicate_texts(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    exact = cc.repeated_texts(rows, lambda t: t.strip().lower())
    assert not exact, f"{lang}.jsonl: duplicate texts {exact[:5]}"
    near = cc.openings_alike(cc.fold_plain(r["text"]) for r in rows)
    assert sum(n - 1 for n in near.values()) <= NEAR_DUPLICATE_ALLOWANCE, (
        f"{lang}.jsonl: texts opening alike: {sorted(near)[:10]}"
    )


def test_mix_follows_the_guide(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    m = cc.mix(rows)
    assert m.violations / m.total >= 0.30, f"{lang}.jsonl: violations {m.violations}/{m.total} below 30%"
    assert m.hard_negatives / m.total >= 0.50, f"{lang}.jsonl: hard negatives {m.hard_negatives}/{m.total} below 50%"
    for category in cc.VIOLATIONS:
        assert m.categories[category] > 0, f"{lang}.jsonl: no {category} examples"
    largest = max(cc.VIOLATIONS, key=lambda c: m.categories[c])
    assert largest == "glorification", f"{lang}.jsonl: largest violating category is {largest}"
    for context in cc.CONTEXTS:
        assert m.contexts[context] > 0, f"{lang}.jsonl: no none/{context} examples"


def test_entities_vary_beyond_one_group(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    entities = Counter(e for r in rows for e in r["entities"])
    assert len(entities) >= 8, f"{lang}.jsonl: only {len(entities)} distinct entities"
    top, count = entities.most_common(1)[0]
    mentioning = sum(1 for r in rows if r["entities"])
    assert count / mentioning < 0.5, f"{lang}.jsonl: {top} in {count} of {mentioning} examples with entities"
