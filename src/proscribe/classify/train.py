"""Training the head from labelled examples (scikit-learn at training time only; the result is plain arrays).

Steps: detector mentions and lexicon signals for every example; sentence
embeddings; a multinomial logistic regression on standardised features, its
regularisation chosen by 5-fold cross-validation on the training split only;
Platt calibration of the violation probability on the out-of-fold
predictions; the gate's score from the examples the gate keeps back.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from proscribe.classify.features import Embedder, FeatureSpec, featurize, token_vectors
from proscribe.classify.gate import BUCKETS, LexicalGate, gate_matrix
from proscribe.classify.head import LABELS, VIOLATIONS, Calibration, Head
from proscribe.classify.labelled import HELD_OUT_PERCENT, Example, origin_id
from proscribe.classify.signals import Gate, Signals, signals_of
from proscribe.model import Category, Mention

Detector = Callable[[Sequence[str]], list[list[Mention]]]

C_GRID: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3)  # inverse L2 strengths tried for a linear head
ALPHA_GRID: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)  # L2 strengths tried for a head with a hidden layer
# Hidden units of the head: on the training split a layer of 128 rectified units cross-validated at log-loss
# 0.304 (violation F1 0.916) against 0.368 (0.902) for the linear head; 256 units did no better (0.305).
HIDDEN = 128
MLP_EPOCHS = 200
# Networks a head averages (merged into one layer of ENSEMBLE * HIDDEN units): three cross-validated at
# log-loss 0.292 and violation F1 0.916 on the training split, against 0.304 and 0.910 for one; on a
# training split of 14,922 examples (with the groups' own news voice), seven at 0.398 and 0.891 against 0.405
# and 0.890.
ENSEMBLE = 7
FOLDS = 5
# Calibrated violation probabilities tried as the head's threshold (chosen by out-of-fold F1 on the training split:
# choose_threshold).
THRESHOLD_GRID: tuple[float, ...] = tuple(round(0.3 + 0.025 * k, 3) for k in range(17))
SEED = 20240208
GATE_RECALL = 0.985  # share of training violations (out of fold) the whole gate must let through
# (0.99 let 6.4% of everyday tweets through out of fold against 5.1%, for 0.001 of held-out F1)
GATE_C = 10.0
# How much the gate's token vectors weigh against its n-grams (a scale on the standardised vectors). On the
# training split at 99% of violations let through, 0.05 opened the gate for 4.2% of everyday tweets out of
# fold, against 6.3% without token vectors and 5.9% at 0.2 (with layer-normed, position-aware vectors;
# plain mean word vectors, which cost nothing at run time, opened it for 6.2% against 7.3% on later data).
TOKEN_WEIGHT = 0.05
# The gate's context part: its regularisation is chosen from these by cross-validated log-loss. No class
# weights: most posts the gate keeps back are unrelated, and the part should say so unless the words say otherwise.
CONTEXT_C_GRID = (1.0, 3.0, 10.0)


@lru_cache(maxsize=1)
def default_detector() -> Detector | None:
    """The detection part over the starter registry, when both are installed; None otherwise."""
    try:
        from proscribe.detect.matcher import Matcher
        from proscribe.registry.scope import Scope
        from proscribe.registry.starter import load
    except ImportError:
        return None
    scope = Scope.from_env()  # which lists count: marks each entity in or out of scope, as the registry does
    entities = [scope.apply(e) for e in load()]
    if not entities:
        return None
    matcher = Matcher.from_entities(entities)

    def detect(texts: Sequence[str]) -> list[list[Mention]]:
        return matcher.find_many(texts)

    return detect


@dataclass
class TrainingReport:
    examples: int
    by_label: dict[str, int]
    by_lang: dict[str, int]
    c: float  # the regularisation chosen: C of a linear head, alpha of one with a hidden layer
    cv: dict[str, dict[str, float]] = field(default_factory=dict)  # C or alpha -> {log_loss, f1}
    hidden: int = 0  # hidden units in all
    gate: dict[str, Any] = field(default_factory=dict)
    gate_closed: int = 0
    gate_closed_violations: int = 0
    threshold: float = 0.5  # the head's violation threshold, and the out-of-fold F1 at each one tried
    threshold_f1: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


Fitted = tuple[np.ndarray | None, np.ndarray | None, np.ndarray, np.ndarray]  # hidden weights and bias (or None), weights, bias


def _fit_head(x: np.ndarray, y: np.ndarray, reg: float, sample_weight: np.ndarray, hidden: int, seed: int = 0) -> Fitted:
    """A linear head (hidden=0, reg is C) or one with a hidden layer of rectified units (reg is alpha)."""
    if not hidden:
        return (None, None, *_fit(x, y, reg, sample_weight))
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=reg, max_iter=MLP_EPOCHS, random_state=SEED + seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs is the plan
        model.fit(x, y, sample_weight=sample_weight)
    return (model.coefs_[0].T, model.intercepts_[0], *_all_labels(model.classes_, model.coefs_[1].T, model.intercepts_[1]))


def _all_labels(classes: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An output layer over every label from sklearn's over the classes it saw (rows of `coef`, one row when two)."""
    # Classes absent from this data get a large negative bias, so the head still has all labels.
    w = np.zeros((len(LABELS), coef.shape[1]), dtype=np.float64)
    b = np.full(len(LABELS), -30.0)
    for row, cls in enumerate(classes):
        if len(classes) == 2:  # binary case: sklearn keeps one row (one logistic output unit)
            sign = 1.0 if row == 1 else -1.0
            w[int(cls)], b[int(cls)] = sign * coef[0] / 2, sign * intercept[0] / 2
        else:
            w[int(cls)], b[int(cls)] = coef[row], intercept[row]
    return w, b


def _merge(fits: Sequence[Fitted]) -> Fitted:
    """Networks side by side as one with their hidden units together, whose logits are the members' mean."""
    if len(fits) == 1:
        return fits[0]
    if any(w1 is None or b1 is None for w1, b1, _, _ in fits):
        raise ValueError("only heads with a hidden layer are merged")
    k = len(fits)
    return (
        np.vstack([f[0] for f in fits]),  # type: ignore[misc]
        np.concatenate([f[1] for f in fits]),  # type: ignore[misc]
        np.hstack([f[2] for f in fits]) / k,
        np.mean([f[3] for f in fits], axis=0),
    )


def _predict(fitted: Fitted, x: np.ndarray) -> np.ndarray:
    w1, b1, w, b = fitted
    if w1 is not None and b1 is not None:
        x = np.maximum(x @ w1.T + b1, 0.0)
    return _softmax(x @ w.T + b)


def _fit(x: np.ndarray, y: np.ndarray, c: float, sample_weight: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000, tol=1e-5)
    model.fit(x, y, sample_weight=sample_weight)
    return _all_labels(model.classes_, model.coef_, model.intercept_)


def _balanced_weights(y: np.ndarray) -> np.ndarray:
    """Each label weighed by 1/sqrt(its frequency): rare labels (threat, satire) are not drowned, nor over-boosted."""
    counts = Counter(y.tolist())
    w = np.array([1.0 / np.sqrt(counts[v]) for v in y.tolist()])
    return w * (len(y) / w.sum())


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _folds(y: np.ndarray, k: int, groups: Sequence[str] | None = None) -> list[np.ndarray]:
    """Test indices of `k` folds stratified by `y`; with `groups`, the rows of a group share a fold."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    counts = Counter(y.tolist())
    k = max(2, min(k, min(counts.values()))) if len(counts) > 1 else 2
    if groups is not None:
        sgkf = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=SEED)
        return [test for _, test in sgkf.split(np.zeros(len(y)), y, groups=list(groups))]
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    return [test for _, test in skf.split(np.zeros(len(y)), y)]


def _f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    tp = float(np.sum(y_true & y_pred))
    fp = float(np.sum(~y_true & y_pred))
    fn = float(np.sum(y_true & ~y_pred))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def train(
    examples: Sequence[Example],
    embed: Embedder | None,
    detector: Detector | None = None,
    spec: FeatureSpec | None = None,
    c_grid: Sequence[float] | None = None,
    gate: Gate | None = None,
    meta: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    ordinary: Sequence[str] = (),
    hidden: int = HIDDEN,
    ensemble: int = ENSEMBLE,
) -> tuple[Head, LexicalGate, TrainingReport]:
    """A calibrated head trained on `examples` (all of them: split before calling).

    `hidden` units in the head's hidden layer (0: a linear head); the regularisation is chosen from
    `c_grid` (default ALPHA_GRID, or C_GRID for a linear head) by cross-validated log-loss. With a hidden
    layer, `ensemble` networks from different starts are trained and merged into one (ENSEMBLE)."""
    grid = tuple(c_grid) if c_grid is not None else (ALPHA_GRID if hidden else C_GRID)
    name = "alpha" if hidden else "C"
    if len(examples) < 10:
        raise ValueError(f"need at least 10 labelled examples to train, got {len(examples)}")
    spec = spec or FeatureSpec()
    gate = gate or Gate()
    say = progress or (lambda _m: None)
    texts = [e.text for e in examples]
    say(f"detecting mentions in {len(texts)} examples")
    mentions = detector(texts) if detector else [[] for _ in texts]
    sigs: list[Signals] = [signals_of(t, ms) for t, ms in zip(texts, mentions)]
    y = np.array([LABELS.index(e.label) for e in examples])
    viol = np.isin(y, [LABELS.index(v) for v in VIOLATIONS])
    rule_open = np.array([gate.opens(s) for s in sigs])
    tokens = token_vectors(list(texts) + list(ordinary)) if spec.embedding else None  # no encoder for a head without one
    contexts = [e.context.value if e.category is Category.NONE and e.context is not None else None for e in examples]
    say("training the gate")
    # A padded copy of a post shares its fold: the gate's out-of-fold reading of a post never saw the post.
    groups = [origin_id(e.id) for e in examples]
    lexical_gate, gate_stats, gate_oof = train_gate(texts, viol, sigs, rule_open, ordinary, tokens=tokens, contexts=contexts, groups=groups)
    say("embedding" if spec.embedding else "computing features")
    # The head learns from the gate's out-of-fold reading of each example: what the gate says of a post it never saw.
    x = featurize(texts, mentions, sigs, spec, embed, lexical=gate_oof).astype(np.float64)

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    xs = (x - mean) / scale
    sw = _balanced_weights(y)

    folds = _folds(y, FOLDS, groups)  # a padded copy shares its post's fold here too
    cv: dict[str, dict[str, float]] = {}
    oof_by_c: dict[float, np.ndarray] = {}
    members = ensemble if hidden else 1  # a linear head has one best fit; networks differ by their start

    def cross_validate(c: float, seeds: int) -> tuple[dict[str, float], np.ndarray]:
        oof = np.zeros((len(y), len(LABELS)))
        for test in folds:
            train_mask = np.ones(len(y), dtype=bool)
            train_mask[test] = False
            fitted = _merge([_fit_head(xs[train_mask], y[train_mask], c, sw[train_mask], hidden, seed=k) for k in range(seeds)])
            oof[test] = _predict(fitted, xs[test])
        p_v = oof[:, [LABELS.index(v) for v in VIOLATIONS]].sum(axis=1)
        ll = float(-np.mean(np.log(np.clip(oof[np.arange(len(y)), y], 1e-9, 1))))
        return ({"log_loss": round(ll, 4), "violation_f1": round(_f1(viol, p_v >= 0.5), 4),
                 "label_accuracy": round(float(np.mean(oof.argmax(axis=1) == y)), 4)}, p_v)

    for c in grid:  # the regularisation is chosen with one network a fold (the ensemble costs `members` times as much)
        say(f"cross-validating {name}={c}")
        cv[str(c)], oof_by_c[c] = cross_validate(c, 1)
    best_c = min(grid, key=lambda c: cv[str(c)]["log_loss"])
    oof_best = oof_by_c[best_c]
    if members > 1:  # calibrated on what the shipped ensemble predicts out of fold
        say(f"cross-validating {members} networks together at {name}={best_c}")
        cv[f"{best_c} x{members}"], oof_best = cross_validate(best_c, members)
    calibration = Calibration.fit(oof_best, viol.astype(float))
    threshold, threshold_f1 = choose_threshold(calibration.apply(oof_best), viol)

    say(f"fitting {name}={best_c} on all {len(y)} examples" + (f" ({members} networks)" if members > 1 else ""))
    w1, b1, w, b = _merge([_fit_head(xs, y, best_c, sw, hidden, seed=k) for k in range(members)])

    closed = ~rule_open & (lexical_gate.score(texts, sigs, None if tokens is None else tokens[: len(texts)]) < lexical_gate.threshold)
    closed_v = int(np.sum(closed & viol))
    # What the gate keeps back is almost never a violation; smoothed towards a 2% prior.
    gate_score = (closed_v + 1) / (int(closed.sum()) + len(ordinary) + 50)
    report = TrainingReport(
        examples=len(examples),
        by_label=dict(sorted(Counter(e.label for e in examples).items())),
        by_lang=dict(sorted(Counter(e.lang or "?" for e in examples).items())),
        c=best_c, cv=cv, hidden=hidden * members, gate=gate_stats, gate_closed=int(closed.sum()), gate_closed_violations=closed_v,
        threshold=threshold, threshold_f1=threshold_f1,
    )
    head = Head(
        weights=w.astype(np.float32), bias=b.astype(np.float32), mean=mean.astype(np.float32),
        scale=scale.astype(np.float32), spec=spec, calibration=calibration, threshold=threshold,
        gate_score=round(float(gate_score), 4), meta={},
        hidden_weights=None if w1 is None else w1.astype(np.float32), hidden_bias=None if b1 is None else b1.astype(np.float32),
    )
    layers = b"" if head.hidden_weights is None or head.hidden_bias is None else head.hidden_weights.tobytes() + head.hidden_bias.tobytes()
    gate_bytes = lexical_gate.weights.tobytes() + (b"" if lexical_gate.token_weights is None else lexical_gate.token_weights.tobytes())
    for part in (lexical_gate.context_weights, lexical_gate.context_bias, lexical_gate.context_token_weights):
        gate_bytes += b"" if part is None else part.tobytes()
    # The thresholds and the calibration decide as much as the weights do.
    gate_bytes += json.dumps([lexical_gate.threshold, head.calibration.a, head.calibration.b, head.gate_score, head.threshold]).encode()
    digest = hashlib.sha256(layers + head.weights.tobytes() + head.bias.tobytes() + gate_bytes).hexdigest()[:10]
    head.meta = {
        "name": "default",
        "version": digest,
        "trained": date.today().isoformat(),
        "trained_on": report.to_json(),
        "detector": detector is not None,
        "held_out_percent": HELD_OUT_PERCENT,
        **(meta or {}),
    }
    return head, lexical_gate, report


def choose_threshold(p: np.ndarray, violation: np.ndarray) -> tuple[float, dict[str, float]]:
    """The calibrated violation probability from which a post is called a violation, and the F1 at each
    threshold of THRESHOLD_GRID on the out-of-fold probabilities `p`.

    The threshold is the one nearest 0.5 whose F1 is within one standard error (sqrt(F1 (1 - F1) / violations))
    of the best: near its top the curve is flat, and the best of thresholds a few thousandths apart changes
    from one training to the next on the same data (0.425 and 0.475 in two trainings of one model)."""
    truth = np.asarray(violation, dtype=bool)
    f1 = {t: _f1(truth, p >= t) for t in THRESHOLD_GRID}
    top = max(f1.values())
    se = float(np.sqrt(top * (1 - top) / max(1, int(truth.sum()))))
    best = min((t for t in THRESHOLD_GRID if f1[t] >= top - se), key=lambda t: (abs(t - 0.5), t))
    return float(best), {str(t): round(v, 4) for t, v in f1.items()}


def train_gate(
    texts: Sequence[str],
    violation: np.ndarray,
    sigs: Sequence[Signals],
    rule_open: np.ndarray,
    ordinary: Sequence[str] = (),
    recall: float = GATE_RECALL,
    tokens: np.ndarray | None = None,
    contexts: Sequence[str | None] | None = None,
    groups: Sequence[str] | None = None,
) -> tuple[LexicalGate, dict[str, Any], np.ndarray]:
    """The lexical gate model, its figures, and its out-of-fold violation probability of each of `texts`. The
    threshold is the highest at which, out of fold, `recall` of violations pass.

    `contexts`: each text's context when it is a non-violation with one (else None); the gate's context
    part learns them (with two contexts at least; otherwise the gate has no context part).

    `tokens`: the token vectors of `texts` then `ordinary` (features.token_vectors), or None for a gate
    over n-grams and signals alone. `groups`: a group name for each of `texts` (copies of one post share one);
    the rows of a group share a fold."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    extra_sigs = [signals_of(t) for t in ordinary]
    x = gate_matrix(list(texts) + list(ordinary), list(sigs) + extra_sigs, BUCKETS)
    width = x.shape[1]
    token_mean = token_scale = None
    if tokens is not None:
        token_mean = tokens.mean(axis=0)
        # Standardised, then shrunk: the one regularisation strength then weighs this dense block
        # against the sparse n-grams about as TOKEN_WEIGHT says.
        token_scale = np.maximum(tokens.std(axis=0), 1e-6) / TOKEN_WEIGHT
        x = hstack([x, csr_matrix((tokens - token_mean) / token_scale)]).tocsr()
    y = np.concatenate([violation.astype(int), np.zeros(len(ordinary), dtype=int)])
    labelled = np.arange(len(texts))
    oof = np.zeros(len(y))
    all_groups = None if groups is None else [*groups, *(f"\0ordinary {i}" for i in range(len(ordinary)))]
    for test in _folds(y, FOLDS, all_groups):
        mask = np.ones(len(y), dtype=bool)
        mask[test] = False
        model = LogisticRegression(C=GATE_C, max_iter=3000, class_weight="balanced")
        model.fit(x[mask], y[mask])
        oof[test] = model.predict_proba(x[test])[:, 1]
    model = LogisticRegression(C=GATE_C, max_iter=3000, class_weight="balanced")
    model.fit(x, y)
    # Violations the lexicon rule already lets through need nothing from the model.
    v = violation.astype(bool)
    need = int(np.ceil(recall * v.sum())) - int(np.sum(v & rule_open))
    missed = np.sort(oof[labelled][v & ~rule_open])[::-1]
    if need <= 0 or len(missed) == 0:
        threshold = 0.99
    else:
        threshold = float(missed[min(need, len(missed)) - 1])
    threshold = max(min(threshold, 0.99), 0.01)
    opened = rule_open | (oof[labelled] >= threshold)
    stats = {
        "threshold": round(threshold, 4),
        "labelled_violation_pass_rate": round(float(np.mean(opened[v])) if v.any() else 1.0, 4),
        "labelled_none_pass_rate": round(float(np.mean(opened[~v])) if (~v).any() else 0.0, 4),
        "ordinary_examples": len(ordinary),
        "ordinary_pass_rate_out_of_fold": round(float(np.mean(oof[len(texts):] >= threshold)), 4) if len(ordinary) else None,
    }
    coef = model.coef_[0]
    gate = LexicalGate(
        weights=coef[:width].astype(np.float32), bias=float(model.intercept_[0]), threshold=threshold,
        token_weights=None if tokens is None else coef[width:].astype(np.float32), token_mean=token_mean, token_scale=token_scale,
    )
    rows = [i for i, c in enumerate(contexts or ()) if c]
    names = sorted({contexts[i] for i in rows}) if contexts else []
    if len(names) >= 2:
        assert contexts is not None
        labels = np.array([names.index(contexts[i]) for i in rows])  # type: ignore[arg-type]
        xc = x[rows]
        folds = _folds(labels, FOLDS)
        best: tuple[float, float, float] | None = None  # log-loss, C, accuracy
        for c in CONTEXT_C_GRID:
            oof_c = np.zeros((len(rows), len(names)))
            for test in folds:
                mask = np.ones(len(rows), dtype=bool)
                mask[test] = False
                fitted = LogisticRegression(C=c, max_iter=3000).fit(xc[mask], labels[mask])
                oof_c[np.ix_(test, fitted.classes_)] = fitted.predict_proba(xc[test])
            ll = float(-np.mean(np.log(np.clip(oof_c[np.arange(len(rows)), labels], 1e-9, 1))))
            acc = float(np.mean(oof_c.argmax(axis=1) == labels))
            if best is None or ll < best[0]:
                best = (ll, c, acc)
        assert best is not None
        fitted = LogisticRegression(C=best[1], max_iter=3000).fit(xc, labels)
        gate.contexts = tuple(names)
        gate.context_weights = fitted.coef_[:, :width].astype(np.float32)
        gate.context_bias = fitted.intercept_.astype(np.float32)
        gate.context_token_weights = None if tokens is None else fitted.coef_[:, width:].astype(np.float32)
        stats.update(context_examples=len(rows), context_c=best[1], context_log_loss_out_of_fold=round(best[0], 4),
                     context_accuracy_out_of_fold=round(best[2], 4))
    return gate, stats, oof[labelled]


def training_fingerprint(examples: Sequence[Example]) -> str:
    """A stable hash of the training examples (ids, labels, texts)."""
    h = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.id):
        h.update(json.dumps([e.id, e.label, e.text], ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:16]
