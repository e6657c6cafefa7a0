"""Running a classifier over labelled examples and rendering the evaluation (text tables, Markdown)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from proscribe.classify.base import Classifier
from proscribe.classify.labelled import Example
from proscribe.classify.metrics import CATEGORIES, PRF, Evaluation, Item, evaluate
from proscribe.classify.train import Detector
from proscribe.model import Account, Assessment, Post

BATCH = 256


def posts_of(examples: Sequence[Example]) -> list[Post]:
    return [Post(id=e.id, text=e.text, author=Account(id=f"author-{e.id}", role=e.author_role), lang=e.lang) for e in examples]


def assess_texts(
    classifier: Classifier,
    posts: Sequence[Post],
    detector: Detector | None,
    advance: Callable[[int], None] | None = None,
) -> list[Assessment]:
    """Assessments of the posts in batches, with the detector's mentions when a detector is given."""
    out: list[Assessment] = []
    for start in range(0, len(posts), BATCH):
        batch = list(posts[start : start + BATCH])
        mentions = detector([p.text for p in batch]) if detector else [[] for _ in batch]
        out.extend(classifier.assess(batch, mentions))
        if advance:
            advance(len(batch))
    return out


def items_of(examples: Sequence[Example], assessments: Sequence[Assessment]) -> list[Item]:
    return [
        Item(
            category=e.category.value, predicted=a.category.value, score=float(a.score), lang=e.lang,
            context=e.context.value if e.context else None,
            predicted_context=a.context.value if a.context else None,
        )
        for e, a in zip(examples, assessments)
    ]


def run(classifier: Classifier, examples: Sequence[Example], detector: Detector | None,
        advance: Callable[[int], None] | None = None) -> tuple[list[Assessment], Evaluation]:
    assessments = assess_texts(classifier, posts_of(examples), detector, advance)
    return assessments, evaluate(items_of(examples, assessments))


def _f(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def _row(name: str, m: PRF) -> str:
    return f"| {name} | {m.support} | {_f(m.precision)} | {_f(m.recall)} | {_f(m.f1)} | {_f(m.false_positive_rate)} |"


def markdown(ev: Evaluation, title: str | None = None) -> str:
    """The evaluation as Markdown tables: violation overall and per language, per category, confusion, calibration."""
    lines = [f"### {title}", ""] if title else []
    lines += ["| slice | violations | precision | recall | F1 | false-positive rate |", "|---|---|---|---|---|---|"]
    lines.append(_row(f"all ({ev.n} posts)", ev.violation))
    for lang, m in sorted(ev.by_lang.items()):
        lines.append(_row(f"lang {lang} ({m.tp + m.fp + m.fn + m.tn})", m))
    lines += ["", "Per category (exact category, one against the rest; last column: share of the category's posts called any violation):", "",
              "| category | support | precision | recall | F1 | any-violation recall |", "|---|---|---|---|---|---|"]
    for cat in CATEGORIES:
        m = ev.by_category[cat]
        lines.append(f"| {cat} | {m.support} | {_f(m.precision)} | {_f(m.recall)} | {_f(m.f1)} | {_f(ev.by_category_violation.get(cat))} |")
    lines += ["", "Confusion matrix (rows: truth, columns: predicted):", "", "| truth \\ predicted | " + " | ".join(CATEGORIES) + " |",
              "|---" * (len(CATEGORIES) + 1) + "|"]
    for t in CATEGORIES:
        lines.append(f"| {t} | " + " | ".join(str(ev.confusion[t][p]) for p in CATEGORIES) + " |")
    if ev.context_accuracy is not None:
        lines += ["", f"Context accuracy on true `none` posts (category none and the same context): {ev.context_accuracy:.3f}"]
    if ev.calibration:
        cal = ev.calibration
        lines += ["", f"Calibration of the violation score: ECE {cal.ece:.3f}, Brier {cal.brier:.3f}", "",
                  "| score bin | posts | mean score | observed violation rate |", "|---|---|---|---|"]
        for b in cal.bins:
            if b.count:
                lines.append(f"| {b.low:.1f}–{b.high:.1f} | {b.count} | {_f(b.mean_score)} | {_f(b.observed)} |")
    return "\n".join(lines) + "\n"


def text_summary(ev: Evaluation) -> str:
    """A compact plain-text summary for the terminal."""
    v = ev.violation
    out = [f"posts {ev.n}  violations {v.support}  precision {_f(v.precision)}  recall {_f(v.recall)}  F1 {_f(v.f1)}"]
    for lang, m in sorted(ev.by_lang.items()):
        out.append(f"  {lang:>4}: n={m.tp + m.fp + m.fn + m.tn:<5} P={_f(m.precision)} R={_f(m.recall)} F1={_f(m.f1)}")
    out.append("per category (P / R / F1):")
    for cat in CATEGORIES:
        m = ev.by_category[cat]
        out.append(f"  {cat:>14}: n={m.support:<5} {_f(m.precision)} / {_f(m.recall)} / {_f(m.f1)}")
    out.append("confusion (rows truth, columns predicted: " + ", ".join(CATEGORIES) + "):")
    for t in CATEGORIES:
        out.append(f"  {t:>14}: " + " ".join(f"{ev.confusion[t][p]:>5}" for p in CATEGORIES))
    if ev.calibration:
        out.append(f"calibration: ECE {ev.calibration.ece:.3f}  Brier {ev.calibration.brier:.3f}")
        for b in ev.calibration.bins:
            if b.count:
                out.append(f"  {b.low:.1f}-{b.high:.1f}: n={b.count:<5} mean score {_f(b.mean_score)}  observed {_f(b.observed)}")
    return "\n".join(out) + "\n"
