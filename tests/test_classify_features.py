"""Features: detector evidence, lexicon signals, shape, hashed n-grams, and the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proscribe.classify.features import (
    MENTION_FEATURES,
    LEXICAL_LOGIT_LIMIT,
    CachedEmbedder,
    FeatureSpec,
    e5_embedder,
    embedding_cache,
    featurize,
    mention_vector,
    ngram_sparse,
    ngram_vector,
    shape_vector,
)
from proscribe.classify.signals import GROUPS, signals_of
from proscribe.model import EntityKind, Mention


def _m(kind: EntityKind = EntityKind.ORGANIZATION, via: str = "name", weak: bool = False) -> Mention:
    return Mention("e1", "E", kind, "E", "E", 0, 1, via=via, weak=weak)


def test_mention_vector_names_what_the_detector_found() -> None:
    v = dict(zip(MENTION_FEATURES, mention_vector([_m(EntityKind.EVENT, via="epithet")])))
    assert v["mention_any"] == 1 and v["mention_event"] == 1 and v["mention_via_epithet"] == 1
    assert v["mention_organization"] == 0 and v["mention_via_name"] == 0
    assert not mention_vector([]).any()


def test_shape_vector_sees_quotes_questions_and_voice() -> None:
    quoted = shape_vector('The minister said: "we kiss the hands of those who planned it"')
    plain = shape_vector("we kiss the hands of those who planned it")
    assert quoted[2] == 1 and plain[2] == 0
    assert shape_vector("why?")[3] == 1
    assert shape_vector("we will find you")[7] > 0 and shape_vector("we will find you")[8] > 0


def test_ngrams_are_stable_normalised_and_fold_spelling() -> None:
    a = ngram_vector("Martyrs", 1024)
    assert np.isclose(np.linalg.norm(a), 1.0)
    assert np.allclose(a, ngram_vector("MARTYRS", 1024))
    idx, val = ngram_sparse("abc", 1024)
    assert len(idx) == len(val) > 0
    assert ngram_vector("x", 0).size == 0


def test_featurize_orders_columns_as_the_spec_names_them() -> None:
    spec = FeatureSpec(embedding=True, ngram_buckets=16)
    texts = ["heroes of the blessed operation", "lunch"]
    fake = lambda ts: np.ones((len(ts), 384), dtype=np.float32)  # noqa: E731
    x = featurize(texts, [[_m()], []], [signals_of(t) for t in texts], spec, fake)
    assert x.shape == (2, spec.dim)
    names = spec.names
    assert x[0, names.index("mention_any")] == 1 and x[1, names.index("mention_any")] == 0
    assert x[0, names.index("signal_blessed_operation")] > 0
    assert len(GROUPS) == sum(1 for n in names if n.startswith("signal_"))


def test_cached_embedder_embeds_each_text_once_and_persists(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def inner(ts: list[str]) -> np.ndarray:
        calls.append(list(ts))
        return np.array([[len(t)] * 384 for t in ts], dtype=np.float32)

    path = tmp_path / "cache.npz"
    cached = CachedEmbedder(inner, path)
    out = cached(["aa", "b", "aa"])
    assert out[:, 0].tolist() == [2, 1, 2] and sorted(calls[0]) == ["aa", "b"]
    cached.save()
    again = CachedEmbedder(inner, path)
    assert again(["b"])[0, 0] == 1 and len(calls) == 1


def test_cached_embedder_gives_the_same_vector_before_and_after_the_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    table = {t: rng.normal(size=384).astype(np.float32) for t in ("one", "two")}
    path = tmp_path / "cache.npz"
    fresh = CachedEmbedder(lambda ts: np.stack([table[t] for t in ts]), path)
    first = fresh(["one", "two"])
    fresh.save()
    later = CachedEmbedder(lambda ts: pytest.fail("embedded again"), path)(["one", "two"])
    assert first.dtype == later.dtype == np.float32 and np.array_equal(first, later)


def test_feature_spec_records_the_encoders_precision() -> None:
    spec = FeatureSpec(embedding_depth=8, embedding_precision="int8")
    assert FeatureSpec.from_json(spec.to_json()) == spec
    old = spec.to_json()
    del old["embedding_precision"]  # a model written before 8-bit weights existed ran float32
    assert FeatureSpec.from_json(old).embedding_precision == "float32"
    with pytest.raises(ValueError, match="embedding_precision must be one of float32, int8, got 'fp16'"):
        FeatureSpec.from_json({**spec.to_json(), "embedding_precision": "fp16"})
    assert embedding_cache(8, "int8").name == "embeddings-e5-L8-int8-o4.npz" and embedding_cache(8).name == "embeddings-e5-L8.npz"
    with pytest.raises(ValueError, match="precision must be one of"):
        e5_embedder(8, "int4")


def test_the_lexical_score_is_the_last_column_as_bounded_log_odds() -> None:
    spec = FeatureSpec(embedding=False, lexical_score=True)
    assert spec.names[-1] == "lexical_score" and FeatureSpec.from_json(spec.to_json()) == spec
    old = spec.to_json()
    del old["lexical_score"]  # a model written before the feature existed does not read it
    assert FeatureSpec.from_json(old).lexical_score is False
    texts = ["one", "two", "three"]
    sigs = [signals_of(t) for t in texts]
    x = featurize(texts, [[], [], []], sigs, spec, None, lexical=[0.5, 0.9, 0.0])
    assert x.shape == (3, spec.dim)
    assert x[0, -1] == 0 and np.isclose(x[1, -1], np.log(9)) and x[2, -1] == -LEXICAL_LOGIT_LIMIT
    with pytest.raises(ValueError, match="lexical gate's score"):
        featurize(texts, [[], [], []], sigs, spec, None)
    with pytest.raises(ValueError, match="one probability per text"):
        featurize(texts, [[], [], []], sigs, spec, None, lexical=[0.5])
    # A spec without the feature ignores the scores.
    assert featurize(texts, [[], [], []], sigs, FeatureSpec(embedding=False), None, lexical=[0.5] * 3).shape[1] == spec.dim - 1
