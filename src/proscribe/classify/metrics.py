"""Evaluation metrics: precision/recall/F1 of violation (overall, per language, per category), confusion matrix, calibration (ECE, reliability table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from proscribe.model import Category

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else None

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def to_json(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(v, 4)  # noqa: E731
        return {"precision": r(self.precision), "recall": r(self.recall), "f1": r(self.f1),
                "false_positive_rate": r(self.false_positive_rate),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "support": self.support}


def prf(truth: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    tp = sum(1 for t, p in zip(truth, predicted) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted) if not t and p)
    fn = sum(1 for t, p in zip(truth, predicted) if t and not p)
    return PRF(tp, fp, fn, len(truth) - tp - fp - fn)


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_score: float | None
    observed: float | None  # fraction of true violations in the bin


@dataclass(frozen=True)
class Calibration:
    ece: float
    brier: float
    bins: tuple[ReliabilityBin, ...]

    def to_json(self) -> dict[str, Any]:
        return {"ece": round(self.ece, 4), "brier": round(self.brier, 4), "bins": [
            {"range": [b.low, b.high], "count": b.count,
             "mean_score": None if b.mean_score is None else round(b.mean_score, 4),
             "observed": None if b.observed is None else round(b.observed, 4)} for b in self.bins]}


def calibration(scores: Sequence[float], truth: Sequence[bool], bins: int = 10) -> Calibration:
    """Expected calibration error over equal-width bins (weighted by count), Brier score and the table."""
    if len(scores) != len(truth):
        raise ValueError("scores and truth differ in length")
    n = len(scores)
    table = []
    ece = 0.0
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        idx = [i for i, s in enumerate(scores) if (low <= s < high) or (k == bins - 1 and s == 1.0)]
        if idx:
            mean = sum(scores[i] for i in idx) / len(idx)
            obs = sum(1 for i in idx if truth[i]) / len(idx)
            ece += len(idx) / n * abs(mean - obs)
            table.append(ReliabilityBin(round(low, 2), round(high, 2), len(idx), mean, obs))
        else:
            table.append(ReliabilityBin(round(low, 2), round(high, 2), 0, None, None))
    brier = sum((s - (1.0 if t else 0.0)) ** 2 for s, t in zip(scores, truth)) / n if n else 0.0
    return Calibration(ece, brier, tuple(table))


@dataclass(frozen=True)
class Item:
    """One evaluated example: its truth and what a classifier said."""

    category: str
    predicted: str
    score: float
    lang: str | None = None
    context: str | None = None
    predicted_context: str | None = None

    @property
    def violation(self) -> bool:
        return self.category != "none"

    @property
    def predicted_violation(self) -> bool:
        return self.predicted != "none"


@dataclass
class Evaluation:
    n: int
    violation: PRF
    by_lang: dict[str, PRF] = field(default_factory=dict)
    by_category: dict[str, PRF] = field(default_factory=dict)  # one-vs-rest on the exact category
    by_category_violation: dict[str, float | None] = field(default_factory=dict)  # recall of "any violation" per true category
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # truth -> predicted -> count
    context_accuracy: float | None = None  # among true none with a context, predicted none and same context
    calibration: Calibration | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "violation": self.violation.to_json(),
            "by_lang": {k: v.to_json() for k, v in sorted(self.by_lang.items())},
            "by_category": {k: v.to_json() for k, v in self.by_category.items()},
            "violation_recall_by_true_category": {k: None if v is None else round(v, 4) for k, v in self.by_category_violation.items()},
            "confusion": self.confusion,
            "context_accuracy": None if self.context_accuracy is None else round(self.context_accuracy, 4),
            "calibration": self.calibration.to_json() if self.calibration else None,
        }


def evaluate(items: Sequence[Item], bins: int = 10) -> Evaluation:
    truth = [i.violation for i in items]
    pred = [i.predicted_violation for i in items]
    ev = Evaluation(n=len(items), violation=prf(truth, pred))
    for lang in sorted({i.lang or "?" for i in items}):
        sub = [i for i in items if (i.lang or "?") == lang]
        ev.by_lang[lang] = prf([i.violation for i in sub], [i.predicted_violation for i in sub])
    for cat in CATEGORIES:
        ev.by_category[cat] = prf([i.category == cat for i in items], [i.predicted == cat for i in items])
        sub = [i for i in items if i.category == cat]
        if cat != "none":
            ev.by_category_violation[cat] = (sum(1 for i in sub if i.predicted_violation) / len(sub)) if sub else None
    ev.confusion = {t: {p: sum(1 for i in items if i.category == t and i.predicted == p) for p in CATEGORIES} for t in CATEGORIES}
    with_context = [i for i in items if i.category == "none" and i.context]
    if with_context:
        ev.context_accuracy = sum(1 for i in with_context if i.predicted == "none" and i.predicted_context == i.context) / len(with_context)
    if items:
        ev.calibration = calibration([i.score for i in items], truth, bins)
    return ev
