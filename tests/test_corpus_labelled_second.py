"""Checks the second, independently written labelled sets (en-2, ar-2) against the format, the mix rules and the first sets."""

from __future__ import annotations

from collections import Counter

import pytest

import corpus_checks as cc

# The second sets: file stem, language, id range start, minimum size.
SECOND = {"en-2": ("en", 5001, 500), "ar-2": ("ar", 5001, 500)}

# Near-duplicates: same first 40 normalised characters (a few tolerated, short
# posts open alike), or word sets that overlap almost entirely.
NEAR_DUPLICATE_ALLOWANCE = 3
JACCARD_LIMIT = 0.6
MIN_WORDS_FOR_JACCARD = 6


@pytest.fixture(scope="module", params=sorted(SECOND))
def second(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, cc.read_jsonl(cc.LABELLED / f"{request.param}.jsonl")


@pytest.fixture(scope="module")
def starter_ids() -> set[str]:
    return cc.starter_ids()


def _others(stem: str) -> list[dict]:
    """Every other labelled file of the same language (the first set and any later ones)."""
    lang = SECOND[stem][0]
    paths = [p for p in sorted(cc.LABELLED.glob(f"{lang}*.jsonl")) if p.stem != stem]
    return [row for path in paths for row in cc.read_jsonl(path)]


def _close_pairs(rows: list[dict], against: list[dict] | None) -> list[tuple[str, str, float]]:
    """Pairs whose word sets (of texts with enough words) overlap at or above the Jaccard limit."""
    return cc.near_pairs(
        rows, against, lambda t: cc.word_set(cc.fold_arabic(t)), JACCARD_LIMIT, min_size=MIN_WORDS_FOR_JACCARD
    )


def test_every_line_has_valid_fields(second: tuple[str, list[dict]], starter_ids: set[str]) -> None:
    stem, rows = second
    lang, first_id, _ = SECOND[stem]
    cc.assert_no_problems(rows, langs={lang}, first_id=first_id, registry=starter_ids)


def test_ids_are_unique_and_do_not_clash(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    repeated = cc.repeated_ids(rows)
    assert not repeated, f"{stem}.jsonl: repeated ids {repeated[:10]}"
    clashing = cc.clashing_ids(rows, _others(stem))
    assert not clashing, f"{stem}.jsonl: ids also used in another file: {clashing[:10]}"


def test_minimum_size(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    minimum = SECOND[stem][2]
    assert len(rows) >= minimum, f"{stem}.jsonl: {len(rows)} examples, need {minimum}"


def test_no_duplicates_within_the_file(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    exact = cc.repeated_texts(rows, cc.fold_arabic)
    assert not exact, f"{stem}.jsonl: duplicate texts {exact[:5]}"
    near = cc.openings_alike(cc.fold_arabic(r["text"]) for r in rows)
    assert sum(n - 1 for n in near.values()) <= NEAR_DUPLICATE_ALLOWANCE, (
        f"{stem}.jsonl: texts opening alike: {sorted(near)[:10]}"
    )
    close = _close_pairs(rows, None)
    assert not close, f"{stem}.jsonl: near-duplicate pairs {close[:5]}"


def test_no_duplicates_of_the_other_files(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    others = _others(stem)
    seen = {cc.fold_arabic(r["text"]): r[cc.WHERE] for r in others}
    exact = [(r[cc.WHERE], seen[cc.fold_arabic(r["text"])]) for r in rows if cc.fold_arabic(r["text"]) in seen]
    assert not exact, f"{stem}.jsonl: texts already in another file: {exact[:5]}"
    heads = {cc.fold_arabic(r["text"])[:40]: r[cc.WHERE] for r in others}
    alike = [(r[cc.WHERE], heads[h]) for r in rows if (h := cc.fold_arabic(r["text"])[:40]) in heads]
    assert len(alike) <= NEAR_DUPLICATE_ALLOWANCE, f"{stem}.jsonl: texts opening like another file's: {alike[:10]}"
    close = _close_pairs(rows, others)
    assert not close, f"{stem}.jsonl: near-duplicates of another file: {close[:5]}"


def test_mix_follows_the_guide(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    m = cc.mix(rows)
    assert m.violations / m.total >= 0.30, f"{stem}.jsonl: violations {m.violations}/{m.total} below 30%"
    assert m.hard_negatives / m.total >= 0.50, f"{stem}.jsonl: hard negatives {m.hard_negatives}/{m.total} below 50%"
    for category in cc.VIOLATIONS:
        # Every violating category carries real weight, not a token example.
        assert m.categories[category] >= 0.04 * m.total, f"{stem}.jsonl: only {m.categories[category]} {category}"
    largest = max(cc.VIOLATIONS, key=lambda c: m.categories[c])
    assert largest == "glorification", f"{stem}.jsonl: largest violating category is {largest}"
    for context in cc.CONTEXTS:
        assert m.contexts[context] > 0, f"{stem}.jsonl: no none/{context} examples"


def test_officials_appear_on_both_sides(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    official = [r for r in rows if r.get("author_role") in cc.OFFICIAL_ROLES]
    violating = sum(1 for r in official if r["category"] != "none")
    allowed = len(official) - violating
    assert len(official) >= 0.1 * len(rows), f"{stem}.jsonl: only {len(official)} posts by state accounts"
    # Roughly balanced: neither side more than twice the other.
    assert violating <= 2 * allowed and allowed <= 2 * violating, (
        f"{stem}.jsonl: state accounts {violating} violating vs {allowed} allowed"
    )


def test_entities_vary_beyond_one_group(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    entities = Counter(e for r in rows for e in r["entities"])
    assert len(entities) >= 15, f"{stem}.jsonl: only {len(entities)} distinct entities"
    top, count = entities.most_common(1)[0]
    mentioning = sum(1 for r in rows if r["entities"])
    assert count / mentioning < 0.35, f"{stem}.jsonl: {top} in {count} of {mentioning} examples with entities"


def test_implicit_examples_name_no_entity_in_a_fair_share(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    # Implicit praise and threats often name nobody; the set must teach that.
    unnamed = sum(1 for r in rows if r["category"] != "none" and not r["entities"])
    violations = sum(1 for r in rows if r["category"] != "none")
    assert unnamed >= 0.1 * violations, f"{stem}.jsonl: only {unnamed} of {violations} violations name no entity"
