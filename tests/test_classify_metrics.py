"""Evaluation metrics on small cases computed by hand."""

from __future__ import annotations

import pytest

from proscribe.classify.metrics import Item, calibration, evaluate, prf


def test_prf_by_hand() -> None:
    # truth:     T T T F F F
    # predicted: T T F T F F   -> tp 2, fn 1, fp 1, tn 2
    m = prf([True, True, True, False, False, False], [True, True, False, True, False, False])
    assert (m.tp, m.fn, m.fp, m.tn) == (2, 1, 1, 2)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 / 3)
    assert m.false_positive_rate == pytest.approx(1 / 3)


def test_prf_without_positives_is_undefined_not_zero() -> None:
    m = prf([False, False], [False, False])
    assert m.precision is None and m.recall is None and m.f1 is None
    assert m.false_positive_rate == 0.0


def test_ece_by_hand() -> None:
    # Bin 0.1-0.2: scores 0.1, 0.1 (mean 0.1), 1 of 2 true -> |0.1-0.5| = 0.4, weight 2/4
    # Bin 0.9-1.0: scores 0.9, 0.9 (mean 0.9), 2 of 2 true -> |0.9-1.0| = 0.1, weight 2/4
    cal = calibration([0.1, 0.1, 0.9, 0.9], [True, False, True, True])
    assert cal.ece == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    assert cal.brier == pytest.approx((0.81 + 0.01 + 0.01 + 0.01) / 4)
    counts = {(b.low, b.high): b.count for b in cal.bins}
    assert counts[(0.1, 0.2)] == 2 and counts[(0.9, 1.0)] == 2
    assert sum(counts.values()) == 4


def test_a_score_of_exactly_one_falls_in_the_last_bin() -> None:
    cal = calibration([1.0], [True])
    assert cal.bins[-1].count == 1 and cal.ece == 0.0


def test_evaluate_by_language_category_and_confusion() -> None:
    items = [
        Item("glorification", "glorification", 0.9, "en"),
        Item("glorification", "none", 0.2, "en", None, "news"),
        Item("threat", "support", 0.7, "fa"),
        Item("none", "none", 0.1, "fa", "news", "news"),
        Item("none", "glorification", 0.6, "ar", "news"),
        Item("none", "none", 0.1, "ar", "condemnation", "discussion"),
    ]
    ev = evaluate(items)
    v = ev.violation
    assert (v.tp, v.fp, v.fn, v.tn) == (2, 1, 1, 2)
    assert ev.by_lang["en"].recall == pytest.approx(0.5)
    assert ev.by_lang["fa"].f1 == pytest.approx(1.0)
    assert ev.by_lang["ar"].precision == 0.0
    assert ev.confusion["threat"]["support"] == 1
    assert ev.confusion["glorification"]["none"] == 1
    assert ev.by_category["glorification"].precision == pytest.approx(0.5)
    assert ev.by_category["threat"].recall == 0.0
    assert ev.by_category_violation["threat"] == 1.0  # called a violation, if not the right one
    assert ev.context_accuracy == pytest.approx(1 / 3)  # news right; news called glorification; condemnation called discussion
    assert ev.to_json()["violation"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
