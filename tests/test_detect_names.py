"""Pair matching of names: explained scores from a declarative feature table."""

from __future__ import annotations

import pytest

from proscribe.detect.names import FEATURES, THRESHOLD, match_names


@pytest.mark.parametrize(
    ("a", "b", "schema"),
    [
        ("Olaf Scholze", "Olaf Scholz", "Person"),
        ("Margarita Simonyán", "Margarita Simonyan", "Person"),
        ("Alisher-Usmanov", "Alisher Usmanov", "Person"),
        ("JSC TACTICAL MISSILES CORPORATION", "TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY", "Company"),
        ("PLA", "People's Liberation Army", "Organization"),
        ("Brigade Forty-Four", "Brigade 44", "Organization"),
    ],
)
def test_matches(a: str, b: str, schema: str) -> None:
    score, why = match_names(a, b, schema)
    assert score >= THRESHOLD, why


@pytest.mark.parametrize(
    ("a", "b", "schema"),
    [
        ("Octavian Scholz", "Olaf Scholz", "Person"),
        ("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI", "Person"),
        ("Viktor Orbach", "Viktor Orbán", "Person"),
        ("Bowne Global Solutions II", "Bowne Global Solutions", "Company"),
        ("عارف علی زرداری", "آصف علی زرداری", "Person"),
    ],
)
def test_non_matches(a: str, b: str, schema: str) -> None:
    score, why = match_names(a, b, schema)
    assert score < THRESHOLD, why


def test_every_score_is_explained_by_named_features() -> None:
    score, why = match_names("Sergey Sergey Shoigu", "Sergey Shoigu", "Person")
    assert why and any(f.name in why for f in FEATURES)
    assert 0.0 <= score <= 1.0
    assert match_names("Hamas", "Hamas", "Organization")[0] == 1.0


def test_cold_and_warm_scores_agree() -> None:
    from proscribe.detect.names import clear_caches, token_similarity

    warm = match_names("Mohammed bin Salman", "Muhammad bin Salman Al Saud", "Person")
    clear_caches()
    assert match_names("Mohammed bin Salman", "Muhammad bin Salman Al Saud", "Person") == warm
    assert token_similarity("international", "intl", False) == (0.75, "contraction")
    assert token_similarity("mohammed", "muhammad", True)[0] >= 0.6


# Names with the shapes the alignment treats apart: the same words, a word twice, one word left on
# each side, several left, initials, initials written together, numbers, legal forms, other scripts.
_SHAPES = [
    "Mohammed bin Mohammed",
    "Muhammad bin Salman Al Saud",
    "Mohammed bin Salman",
    "Salman bin Mohammed",
    "Olaf Scholz",
    "O. Scholz",
    "Scholz Olaf",
    "Jean-Claude Juncker",
    "JC Juncker",
    "Hezbollah",
    "Hizballah",
    "Hizb Allah",
    "Islamic State of Iraq and the Levant",
    "ISIL",
    "Brigade Forty-Four",
    "Brigade 44",
    "ACME Holdings Ltd",
    "Acme Holding Limited Germany",
    "International Trading Co",
    "Intl Trading Company",
    "Sergey Sergey Shoigu",
    "Ali Ali Ali",
    "Владимир Путин",
    "Vladimir Putin",
    "حزب الله",
    "عارف علی زرداری",
    "آصف علی زرداری",
    "",
]


def _reference_alignment(a: tuple[str, ...], b: tuple[str, ...], person: bool) -> tuple[list[tuple[str, str, float, str]], list[str], list[str]]:
    """Best-first alignment written plainly: every word pair scored, sorted, taken greedily; then initials written together."""
    from proscribe.detect.names import token_similarity

    candidates = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            sim, how = token_similarity(x, y, person)
            if sim >= 0.6:
                shortest = 1 if how == "initial" else min(len(x), len(y))
                candidates.append((sim, shortest, i, j, how))
    candidates.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for sim, _, i, j, how in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((a[i], b[j], sim, how))
    rest_a = [x for i, x in enumerate(a) if i not in used_a]
    rest_b = [y for j, y in enumerate(b) if j not in used_b]
    if rest_a and rest_b:
        for side, other in ((rest_a, rest_b), (rest_b, rest_a)):
            for tok in list(side):
                if 2 <= len(tok) <= 3 and len(other) >= len(tok) and "".join(t[0] for t in other[: len(tok)]) == tok:
                    side.remove(tok)
                    pairs.extend((tok, t, 0.6, "initials") for t in other[: len(tok)])
                    del other[: len(tok)]
    return pairs, rest_a, rest_b


@pytest.mark.parametrize("schema", ["Person", "Company"])
def test_alignment_shortcuts_give_the_plain_alignment(schema: str) -> None:
    """Equal words first, one word left on each side, the same words: the same pairs, in the same order, as scoring every pair."""
    from proscribe.detect.names import _w, align, prepare

    for n1 in _SHAPES:
        for n2 in _SHAPES:
            a, b = prepare(n1, schema), prepare(n2, schema)
            c = align(a, b, schema)
            pairs = [p[:4] for p in c.pairs]
            assert (pairs, c.unmatched_a, c.unmatched_b) == _reference_alignment(a.tokens, b.tokens, schema == "Person"), (n1, n2)
            for x, y, sim, how, weight, text in c.pairs:
                assert weight == _w(x) + _w(y) and text == f"{x}≈{y} {how} {sim:.2f}"


@pytest.mark.parametrize("schema", ["Person", "Organization"])
def test_features_skipped_by_their_facts_would_give_nothing(schema: str) -> None:
    """`Feature.when` and `Feature.ceiling` are shortcuts: a feature whose facts do not hold gives 0, and none gives more than its ceiling."""
    from proscribe.detect.names import align, prepare

    skipped = 0
    for n1 in _SHAPES:
        for n2 in _SHAPES:
            c = align(prepare(n1, schema), prepare(n2, schema), schema)
            for f in FEATURES:
                value, _ = f.func(c)
                assert value <= f.ceiling, (f.name, n1, n2)
                if c.facts & f.when != f.when:
                    skipped += 1
                    assert value == 0.0, (f.name, n1, n2)
    assert skipped > 0
