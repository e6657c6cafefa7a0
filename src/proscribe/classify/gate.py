"""The gate's second look: a small linear model over hashed character n-grams, lexicon signals and token vectors.

The lexicon rule (`signals.Gate`) opens for mentions and strong words; threats
and praise are written in more ways than any word list holds ("the former
president will not see next year. I will make sure of it"). This model sees
every post the rule keeps back and opens the gate when its violation
probability reaches `threshold`, which training sets so that nearly every
violation in the training data would pass. Besides the n-grams it reads the
post's mean word embedding from e5's table (`features.token_vectors`):
multilingual word meaning without running the encoder. The model is linear
in that mean, so its part of the score is the mean of one number per token,
which the gate works out once per token id and keeps: tokenising is the
whole cost (about 0.3 ms a post for the gate in all).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from proscribe.classify.features import encoder, ngram_sparse, shape_vector, signal_vector, token_text
from proscribe.classify.signals import Signals

GATE_FILE = "gate.npz"
GATE_META = "gate.json"
BUCKETS = 1 << 15


def dense_gate_features(text: str, signals: Signals) -> np.ndarray:
    return np.concatenate([signal_vector(signals), shape_vector(text)])


def gate_matrix(texts: Sequence[str], signals: Sequence[Signals], buckets: int = BUCKETS):  # type: ignore[no-untyped-def]
    """The gate's features as a scipy CSR matrix (training only): n-gram buckets, then the dense signals."""
    from scipy.sparse import csr_matrix

    data: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    indptr = [0]
    width = buckets
    for text, sig in zip(texts, signals):
        idx, val = ngram_sparse(text, buckets)
        dense = dense_gate_features(text, sig)
        width = buckets + len(dense)
        nz = np.nonzero(dense)[0]
        indices.append(np.concatenate([idx, buckets + nz]))
        data.append(np.concatenate([val, dense[nz]]))
        indptr.append(indptr[-1] + len(idx) + len(nz))
    return csr_matrix(
        (np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else np.zeros(0, np.int64), indptr),
        shape=(len(indptr) - 1, width),
    )


@dataclass
class LexicalGate:
    weights: np.ndarray  # (buckets + dense features,)
    bias: float
    threshold: float
    buckets: int = BUCKETS
    # Token vectors, standardised: ((v - token_mean) / token_scale) @ token_weights. None: n-grams and signals only.
    token_weights: np.ndarray | None = None
    token_mean: np.ndarray | None = None
    token_scale: np.ndarray | None = None
    _per_token: dict[int, float] = field(default_factory=dict, repr=False)  # token id -> its word vector's part

    def _token_parts(self, texts: Sequence[str]) -> np.ndarray:
        """((mean word vector - token_mean) / token_scale) @ token_weights of each text, as a mean over its tokens."""
        assert self.token_weights is not None and self.token_mean is not None and self.token_scale is not None
        u = (self.token_weights / self.token_scale).astype(np.float64)
        enc = encoder()
        out = np.zeros(len(texts))
        known = self._per_token
        for i, text in enumerate(texts):
            ids = enc.token_ids(token_text(text))
            new = [t for t in dict.fromkeys(ids) if t not in known]
            if new:
                known.update(zip(new, (enc.word_vectors(np.asarray(new)) @ u).tolist()))
            out[i] = sum(known[t] for t in ids) / len(ids)
        return out - float(self.token_mean @ u)

    def score(self, texts: Sequence[str], signals: Sequence[Signals], tokens: np.ndarray | None = None) -> np.ndarray:
        """Violation probability per text. `tokens`: the texts' `features.token_vectors`, when already at hand."""
        out = np.zeros(len(texts))
        extra = np.zeros(len(texts))
        if self.token_weights is not None and len(texts):
            if tokens is None:
                extra = self._token_parts(texts)
            else:
                extra = ((tokens - self.token_mean) / self.token_scale) @ self.token_weights
        for i, (text, sig) in enumerate(zip(texts, signals)):
            idx, val = ngram_sparse(text, self.buckets)
            z = float(self.weights[idx] @ val) + float(self.weights[self.buckets :] @ dense_gate_features(text, sig)) + self.bias + float(extra[i])
            out[i] = 1.0 / (1.0 + np.exp(-z))
        return out

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights.astype(np.float16)}
        if self.token_weights is not None and self.token_mean is not None and self.token_scale is not None:
            arrays.update(token_weights=self.token_weights.astype(np.float32), token_mean=self.token_mean.astype(np.float32),
                          token_scale=self.token_scale.astype(np.float32))
        np.savez_compressed(directory / GATE_FILE, **arrays)
        meta = {"bias": self.bias, "threshold": self.threshold, "buckets": self.buckets, "token_vectors": self.token_weights is not None}
        (directory / GATE_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalGate | None:
        """The gate model of a model directory, or None when it has none (the lexicon rule alone then)."""
        if not (directory / GATE_FILE).is_file() or not (directory / GATE_META).is_file():
            return None
        meta = json.loads((directory / GATE_META).read_text(encoding="utf-8"))
        tokens: dict[str, np.ndarray] = {}
        with np.load(directory / GATE_FILE, allow_pickle=False) as data:
            weights = data["weights"].astype(np.float32)
            if meta.get("token_vectors"):
                missing = {"token_weights", "token_mean", "token_scale"} - set(data.files)
                if missing:
                    raise ValueError(f"{directory / GATE_FILE}: the gate reads token vectors but {', '.join(sorted(missing))} is missing")
                tokens = {k: data[k].astype(np.float32) for k in ("token_weights", "token_mean", "token_scale")}
        return cls(weights=weights, bias=float(meta["bias"]), threshold=float(meta["threshold"]), buckets=int(meta["buckets"]), **tokens)
