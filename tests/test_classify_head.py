"""The head: probabilities, calibration maths, and the plain-array storage round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proscribe.classify.features import FeatureSpec
from proscribe.classify.gate import LexicalGate
from proscribe.classify.head import LABELS, Calibration, Head, label_of, sigmoid, split_label
from proscribe.model import Category, Context


def _head(dim: int) -> Head:
    rng = np.random.default_rng(1)
    spec = FeatureSpec(embedding=False)
    assert spec.dim == dim
    return Head(
        weights=rng.normal(size=(len(LABELS), dim)).astype(np.float32), bias=rng.normal(size=len(LABELS)).astype(np.float32),
        mean=np.zeros(dim, np.float32), scale=np.ones(dim, np.float32), spec=spec,
        calibration=Calibration(0.8, -0.3), threshold=0.5, gate_score=0.01, meta={"name": "default", "version": "t1"},
    )


def test_labels_round_trip() -> None:
    assert label_of(Category.GLORIFICATION, None) == "glorification"
    assert label_of("none", "news") == "none/news"
    assert split_label("none/satire") == (Category.NONE, Context.SATIRE)
    assert split_label("threat") == (Category.THREAT, None)


def test_probabilities_sum_to_one_and_match_the_calibrated_violation_score() -> None:
    head = _head(FeatureSpec(embedding=False).dim)
    x = np.random.default_rng(2).normal(size=(5, head.spec.dim)).astype(np.float32)
    p, per_label = head.proba(x)
    assert np.allclose(per_label.sum(axis=1), 1.0, atol=1e-5)
    vi = head.violation_index()
    assert np.allclose(per_label[:, vi].sum(axis=1), p, atol=1e-5)
    raw = head.raw_proba(x)[:, vi].sum(axis=1)
    assert np.allclose(p, sigmoid(0.8 * np.log(raw / (1 - raw)) - 0.3), atol=1e-5)


def test_save_and_load_give_the_same_predictions(tmp_path: Path) -> None:
    head = _head(FeatureSpec(embedding=False).dim)
    head.save(tmp_path)
    again = Head.load(tmp_path)
    x = np.random.default_rng(3).normal(size=(4, head.spec.dim)).astype(np.float32)
    assert np.allclose(head.proba(x)[1], again.proba(x)[1], atol=1e-5)
    assert again.meta["version"] == "t1" and again.gate_score == 0.01 and again.labels == LABELS
    # Plain arrays: numpy can read them with pickling forbidden.
    with np.load(tmp_path / "head.npz", allow_pickle=False) as data:
        assert set(data.files) == {"weights", "bias", "mean", "scale"}


def test_load_rejects_a_directory_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a model directory"):
        Head.load(tmp_path)


def test_load_rejects_weights_that_do_not_fit(tmp_path: Path) -> None:
    head = _head(FeatureSpec(embedding=False).dim)
    head.save(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    meta["features"]["embedding"] = True
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="do not fit"):
        Head.load(tmp_path)


def test_platt_fit_recovers_a_known_curve() -> None:
    rng = np.random.default_rng(4)
    raw = rng.uniform(0.01, 0.99, size=20000)
    true_p = sigmoid(2.0 * np.log(raw / (1 - raw)) + 0.5)
    y = rng.uniform(size=raw.size) < true_p
    cal = Calibration.fit(raw, y.astype(float))
    assert cal.a == pytest.approx(2.0, abs=0.1)
    assert cal.b == pytest.approx(0.5, abs=0.1)


def test_identity_calibration_changes_nothing() -> None:
    p = np.array([0.1, 0.5, 0.9])
    assert np.allclose(Calibration().apply(p), p)


def test_gate_model_round_trip(tmp_path: Path) -> None:
    gate = LexicalGate(weights=np.linspace(-1, 1, 64 + 40, dtype=np.float32), bias=-0.5, threshold=0.3, buckets=64)
    gate.save(tmp_path)
    again = LexicalGate.load(tmp_path)
    assert again is not None and again.threshold == 0.3 and again.buckets == 64
    assert LexicalGate.load(tmp_path / "nothing") is None


def _hidden_head(dim: int, units: int = 6) -> Head:
    rng = np.random.default_rng(5)
    head = _head(dim)
    head.hidden_weights = rng.normal(size=(units, dim)).astype(np.float32)
    head.hidden_bias = rng.normal(size=units).astype(np.float32)
    head.weights = rng.normal(size=(len(LABELS), units)).astype(np.float32)
    return head


def test_a_hidden_layer_is_relu_then_softmax_and_survives_storage(tmp_path: Path) -> None:
    head = _hidden_head(FeatureSpec(embedding=False).dim)
    assert head.hidden == 6
    x = np.random.default_rng(6).normal(size=(3, head.spec.dim)).astype(np.float32)
    h = np.maximum(x.astype(np.float64) @ head.hidden_weights.T + head.hidden_bias, 0)  # mean 0, scale 1
    z = h @ head.weights.T + head.bias
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    assert np.allclose(head.raw_proba(x), expected / expected.sum(axis=1, keepdims=True), atol=1e-6)
    head.save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text())["hidden"] == 6
    again = Head.load(tmp_path)
    assert again.hidden == 6
    assert np.allclose(head.proba(x)[1], again.proba(x)[1], atol=1e-5)
    # A hidden layer that does not fit the features is refused, not silently misread.
    meta = json.loads((tmp_path / "model.json").read_text())
    meta["hidden"] = 7
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="hidden layer does not fit"):
        Head.load(tmp_path)


def test_contributions_of_a_hidden_head_are_the_gradient_times_the_value() -> None:
    head = _hidden_head(FeatureSpec(embedding=False).dim)
    x = np.random.default_rng(7).normal(size=head.spec.dim)
    label = 2

    def push(v: np.ndarray) -> float:  # the label's logit against the average logit
        h = np.maximum(v @ head.hidden_weights.T.astype(np.float64) + head.hidden_bias, 0)
        z = h @ head.weights.T.astype(np.float64) + head.bias
        return float(z[label] - z.mean())

    eps = 1e-6
    grad = np.array([(push(x + eps * np.eye(len(x))[i]) - push(x - eps * np.eye(len(x))[i])) / (2 * eps) for i in range(len(x))])
    assert np.allclose(head.contributions(x, label), x * grad, atol=1e-4)


def test_a_gate_with_token_vectors_survives_storage_and_uses_them(tmp_path: Path) -> None:
    from proscribe.classify.gate import dense_gate_features
    from proscribe.classify.signals import signals_of

    rng = np.random.default_rng(8)
    texts = ["we will find you", "lovely weather today"]
    sigs = [signals_of(t) for t in texts]
    dense = len(dense_gate_features(texts[0], sigs[0]))
    plain = LexicalGate(weights=np.linspace(-1, 1, 64 + dense, dtype=np.float32), bias=-0.5, threshold=0.3, buckets=64)
    tokens = rng.normal(size=(2, 384)).astype(np.float32)
    gate = LexicalGate(
        weights=plain.weights, bias=-0.5, threshold=0.3, buckets=64, token_weights=rng.normal(size=384).astype(np.float32),
        token_mean=np.zeros(384, np.float32), token_scale=np.full(384, 2.0, np.float32),
    )
    z_plain = np.log(plain.score(texts, sigs) / (1 - plain.score(texts, sigs)))
    z = np.log(gate.score(texts, sigs, tokens) / (1 - gate.score(texts, sigs, tokens)))
    np.testing.assert_allclose(z - z_plain, (tokens / 2.0) @ gate.token_weights, atol=1e-3)
    # Without vectors at hand the gate works the same part out as a mean of per-token numbers.
    from proscribe.classify.features import token_vectors

    np.testing.assert_allclose(gate.score(texts, sigs), gate.score(texts, sigs, token_vectors(texts)), atol=1e-5)
    np.testing.assert_allclose(gate.score(texts, sigs), gate.score(texts, sigs), atol=0)  # the kept numbers change nothing
    gate.save(tmp_path)
    again = LexicalGate.load(tmp_path)
    assert again is not None and again.token_weights is not None
    np.testing.assert_allclose(again.score(texts, sigs, tokens), gate.score(texts, sigs, tokens), atol=1e-3)
    # A gate file that says it reads token vectors but lacks them is refused.
    with np.load(tmp_path / "gate.npz") as data:
        np.savez_compressed(tmp_path / "gate.npz", weights=data["weights"])
    with pytest.raises(ValueError, match="token_weights"):
        LexicalGate.load(tmp_path)


def test_merged_networks_predict_the_softmax_of_their_mean_logits() -> None:
    from proscribe.classify.train import _fit_head, _merge, _predict

    rng = np.random.default_rng(9)
    x = rng.normal(size=(120, 6))
    y = rng.integers(0, 4, size=120)
    fits = [_fit_head(x, y, 1.0, np.ones(120), 5, seed=k) for k in range(3)]
    merged = _merge(fits)
    assert merged[0].shape == (15, 6) and merged[2].shape == (len(LABELS), 15)
    logits = np.mean([np.log(_predict(f, x)) for f in fits], axis=0)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(_predict(merged, x), expected / expected.sum(axis=1, keepdims=True), atol=1e-9)
    assert not np.allclose(_predict(fits[0], x), _predict(fits[1], x))  # the members start apart


def _context_gate(tokens: bool) -> LexicalGate:
    from proscribe.classify.gate import dense_gate_features
    from proscribe.classify.signals import signals_of

    rng = np.random.default_rng(10)
    dense = len(dense_gate_features("x", signals_of("x")))
    width = 64 + dense
    return LexicalGate(
        weights=np.linspace(-1, 1, width, dtype=np.float32), bias=-0.5, threshold=0.3, buckets=64,
        token_weights=rng.normal(size=384).astype(np.float32) if tokens else None,
        token_mean=np.zeros(384, np.float32) if tokens else None, token_scale=np.full(384, 2.0, np.float32) if tokens else None,
        contexts=("news", "satire", "unrelated"), context_weights=rng.normal(size=(3, width)).astype(np.float32),
        context_bias=np.array([0.1, -0.2, 0.3], np.float32),
        context_token_weights=rng.normal(size=(3, 384)).astype(np.float32) if tokens else None,
    )


def test_the_gates_context_part_is_a_softmax_over_the_gates_features_and_survives_storage(tmp_path: Path) -> None:
    from proscribe.classify.features import ngram_sparse, token_vectors
    from proscribe.classify.gate import dense_gate_features
    from proscribe.classify.signals import signals_of

    texts = ["officials said the talks resumed", "lol that meme again"]
    sigs = [signals_of(t) for t in texts]
    gate = _context_gate(tokens=True)
    assert gate.context_weights is not None and gate.context_bias is not None and gate.context_token_weights is not None
    got = gate.context(texts, sigs)
    tokens = token_vectors(texts)
    for text, sig, vec, probs in zip(texts, sigs, tokens, got):
        idx, val = ngram_sparse(text, 64)
        z = gate.context_weights[:, idx] @ val + gate.context_weights[:, 64:] @ dense_gate_features(text, sig)
        z = z + gate.context_bias + gate.context_token_weights @ (vec / 2.0)
        want = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        assert list(probs) == ["news", "satire", "unrelated"]
        np.testing.assert_allclose(list(probs.values()), want, atol=1e-4)
    gate.save(tmp_path)
    assert json.loads((tmp_path / "gate.json").read_text())["contexts"] == ["news", "satire", "unrelated"]
    again = LexicalGate.load(tmp_path)
    assert again is not None and again.contexts == gate.contexts
    for a, b in zip(again.context(texts, sigs), got):
        np.testing.assert_allclose(list(a.values()), list(b.values()), atol=2e-3)  # weights are kept in float16
    # A gate without a context part gives no probabilities; a file that names contexts without weights is refused.
    assert LexicalGate(weights=gate.weights, bias=-0.5, threshold=0.3, buckets=64).context(texts, sigs) == [{}, {}]
    with np.load(tmp_path / "gate.npz") as data:
        np.savez_compressed(tmp_path / "gate.npz", **{k: data[k] for k in data.files if k != "context_bias"})
    with pytest.raises(ValueError, match="context_bias"):
        LexicalGate.load(tmp_path)
    # Context weights that do not fit the contexts named are refused too.
    gate.save(tmp_path)
    meta = json.loads((tmp_path / "gate.json").read_text())
    meta["contexts"] = ["news", "satire"]
    (tmp_path / "gate.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="do not fit 2 contexts"):
        LexicalGate.load(tmp_path)


def test_a_post_the_gate_keeps_back_gets_the_context_its_words_read() -> None:
    from proscribe.classify.default import DefaultClassifier
    from proscribe.model import Account, Post

    gate = _context_gate(tokens=False)
    gate.threshold = 0.99  # keeps back everything the lexicon rule does
    assert gate.context_bias is not None
    gate.context_bias[:] = [9.0, 0.0, 0.0]  # "news" whatever the words
    clf = DefaultClassifier(_head(FeatureSpec(embedding=False).dim), gate)
    posts = [Post(id="p1", text="lovely weather today", author=Account(id="a")), Post(id="p2", text="  ", author=Account(id="a"))]
    news, empty = clf.assess(posts, [[], []])
    assert news.category is Category.NONE and news.context is Context.NEWS and news.evidence[0].startswith("gate:")
    assert news.scores["none/news"] > 0.9 and news.scores["none"] == pytest.approx(1 - clf.head.gate_score, abs=1e-4)
    assert "context news" in news.evidence[-1]
    assert empty.context is Context.UNRELATED  # no words to read
    assert clf.prescreen(posts, [[], []]) == [news, empty]


def test_folds_with_groups_keep_a_post_and_its_copies_together() -> None:
    from proscribe.classify.labelled import origin_id
    from proscribe.classify.train import _folds

    ids = [f"en-{i:04d}" for i in range(60)] + [f"en-{i:04d}+pad" for i in range(0, 60, 3)]
    y = np.array([i % 3 for i in range(60)] + [i % 3 for i in range(0, 60, 3)])
    folds = _folds(y, 5, [origin_id(i) for i in ids])
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(ids)))
    fold_of = {int(i): k for k, test in enumerate(folds) for i in test}
    for n, i in enumerate(ids):
        if i.endswith("+pad"):
            assert fold_of[n] == fold_of[ids.index(origin_id(i))]
    assert origin_id("ar-0001") == "ar-0001" and origin_id("ar-0001+pad") == "ar-0001"


def test_threshold_is_the_nearest_one_half_within_a_standard_error_of_the_best_f1() -> None:
    from proscribe.classify.train import THRESHOLD_GRID, choose_threshold

    # Violations score 0.62 and above, non-violations 0.58 and below: every threshold in (0.58, 0.62] is perfect.
    p = np.array([0.9, 0.75, 0.62, 0.58, 0.4, 0.1, 0.55])
    truth = np.array([True, True, True, False, False, False, False])
    threshold, curve = choose_threshold(p, truth)
    assert threshold == 0.6 and curve["0.6"] == 1.0
    assert set(curve) == {str(t) for t in THRESHOLD_GRID} and curve["0.5"] == pytest.approx(2 * 3 / (2 * 3 + 2))
    # With no difference anywhere, the threshold stays at one half.
    flat, _ = choose_threshold(np.array([0.9, 0.1]), np.array([True, False]))
    assert flat == 0.5
    # 400 violations (k of them at 0.44, the rest at 0.9) and 400 others (40 at 0.9, the rest at 0.1): 0.425
    # calls all the violations and is the best (F1 0.952, standard error about 0.011). With k = 4, 0.5 is
    # 0.005 below it and stays; with k = 20 it is 0.025 below, and the threshold moves down to 0.425.
    def scores(k: int) -> tuple[np.ndarray, np.ndarray]:
        p = np.r_[np.full(400 - k, 0.9), np.full(k, 0.44), np.full(40, 0.9), np.full(360, 0.1)]
        return p, np.r_[np.ones(400, bool), np.zeros(400, bool)]

    stays, curve = choose_threshold(*scores(4))
    assert stays == 0.5 and curve["0.425"] > curve["0.5"]
    moves, curve = choose_threshold(*scores(20))
    assert moves == 0.425 and curve["0.425"] - curve["0.5"] > 0.02
