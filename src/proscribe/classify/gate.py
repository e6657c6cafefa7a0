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

A post the gate keeps back is not a violation, but it may still be news,
condemnation, discussion, satire or human-rights talk rather than an
unrelated post. The gate's context part, a multinomial linear model over the
same features trained on the labelled non-violations, names that context
(`context`), so those posts are not all called unrelated for want of the
encoder.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from proscribe.classify.features import encoder, ngram_sparse, shape_vector, signal_vector, token_text
from proscribe.classify.head import sigmoid
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
    # The context part (none of these: every post kept back is "unrelated"): one row of weights per context,
    # over the same n-gram buckets, dense features and standardised token vectors.
    contexts: tuple[str, ...] = ()
    context_weights: np.ndarray | None = None  # (contexts, buckets + dense features)
    context_bias: np.ndarray | None = None  # (contexts,)
    context_token_weights: np.ndarray | None = None  # (contexts, 384)
    # Per token id, its word vector's part of the score and of each context's logit (rows of `_table`, worked
    # out the first time the token is seen and kept; the ids are published only once their row is written).
    _rows: dict[int, int] = field(default_factory=dict, repr=False)
    _table: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    _grow: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # Derived once from the weights (a gate's weights are not changed after it is made or loaded).
    @cached_property
    def _token_u(self) -> tuple[np.ndarray, np.ndarray]:
        """(384, 1 + contexts): what turns a raw word vector into its part of the score and of each context's
        logit (standardised as in training), and the offset the standardisation adds to each."""
        assert self.token_weights is not None and self.token_mean is not None and self.token_scale is not None
        cols = [self.token_weights]
        if self.has_contexts and self.context_token_weights is not None:
            cols += list(self.context_token_weights)
        u = (np.stack(cols, axis=1) / self.token_scale[:, None]).astype(np.float64)
        return u, self.token_mean @ u

    @cached_property
    def _context_w(self) -> np.ndarray:
        """The context part's weights as (features, contexts): a post's n-grams pick rows."""
        assert self.context_weights is not None
        return np.ascontiguousarray(self.context_weights.T, dtype=np.float64)

    def _token_means(self, ids: list[int]) -> np.ndarray:
        """The mean over a text's tokens of their parts (`_token_u`), less the standardisation's offset."""
        u, offset = self._token_u
        rows = self._rows
        if any(t not in rows for t in ids):
            with self._grow:
                new = [t for t in dict.fromkeys(ids) if t not in rows]
                if new:
                    count = len(rows)
                    table = self._table
                    if count + len(new) > len(table):
                        table = np.zeros((max(1024, 2 * (count + len(new))), u.shape[1]))
                        if count:
                            table[:count] = self._table[:count]
                    table[count : count + len(new)] = encoder().word_vectors(np.asarray(new)) @ u
                    self._table = table
                    rows.update(zip(new, range(count, count + len(new))))
        return self._table[[rows[t] for t in ids]].mean(axis=0) - offset

    def _context_of(self, idx: np.ndarray, val: np.ndarray, dense: np.ndarray, tokens: np.ndarray | None) -> dict[str, float]:
        """The context probabilities from a text's n-grams, dense features and `_token_means` (or None)."""
        assert self.context_bias is not None
        w = self._context_w
        z = val @ w[idx] + dense @ w[self.buckets :] + self.context_bias
        if tokens is not None and self.context_token_weights is not None:
            z = z + tokens[1:]
        e = np.exp(z - z.max())
        return {c: float(v) for c, v in zip(self.contexts, e / e.sum())}

    @property
    def has_contexts(self) -> bool:
        return bool(self.contexts) and self.context_weights is not None and self.context_bias is not None

    def _view(self, text: str, sig: Signals, tokens: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """What the gate reads of a text: its n-gram buckets and values, its dense features, and (when the gate
        reads token vectors and `tokens`) its `_token_means`."""
        idx, val = ngram_sparse(text, self.buckets)
        means = self._token_means(encoder().token_ids(token_text(text))) if tokens and self.token_weights is not None else None
        return idx, val, dense_gate_features(text, sig), means

    def _probability(self, idx: np.ndarray, val: np.ndarray, dense: np.ndarray, means: np.ndarray | None, extra: float = 0.0) -> float:
        z = float(self.weights[idx] @ val) + float(self.weights[self.buckets :] @ dense) + self.bias
        if means is not None:
            z += float(means[0])
        return float(sigmoid(np.float64(z + extra)))

    def read(self, texts: Sequence[str], signals: Sequence[Signals]) -> tuple[np.ndarray, list[dict[str, float]]]:
        """Each text's violation probability and, for each text the gate keeps back (below `threshold`), the
        probability of each context (empty for the others, and when the gate has no context part). One pass
        over each text: what it reads serves both."""
        scores = np.zeros(len(texts))
        contexts: list[dict[str, float]] = []
        for i, (text, sig) in enumerate(zip(texts, signals)):
            view = self._view(text, sig)
            scores[i] = self._probability(*view)
            contexts.append(self._context_of(*view) if self.has_contexts and scores[i] < self.threshold else {})
        return scores, contexts

    def context(self, texts: Sequence[str], signals: Sequence[Signals]) -> list[dict[str, float]]:
        """Each text's probability of each context, whatever its score; empty dicts when the gate has no context part."""
        if not self.has_contexts:
            return [{} for _ in texts]
        return [self._context_of(*self._view(text, sig)) for text, sig in zip(texts, signals)]

    def score(self, texts: Sequence[str], signals: Sequence[Signals], tokens: np.ndarray | None = None) -> np.ndarray:
        """Violation probability per text. `tokens`: the texts' `features.token_vectors`, when already at hand."""
        if tokens is None or self.token_weights is None:
            return np.array([self._probability(*self._view(text, sig)) for text, sig in zip(texts, signals)], dtype=np.float64)
        extra = ((tokens - self.token_mean) / self.token_scale) @ self.token_weights
        return np.array([self._probability(*self._view(text, sig, tokens=False), extra=float(e))
                         for text, sig, e in zip(texts, signals, extra)], dtype=np.float64)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights.astype(np.float16)}
        if self.token_weights is not None and self.token_mean is not None and self.token_scale is not None:
            arrays.update(token_weights=self.token_weights.astype(np.float32), token_mean=self.token_mean.astype(np.float32),
                          token_scale=self.token_scale.astype(np.float32))
        if self.contexts and self.context_weights is not None and self.context_bias is not None:
            arrays.update(context_weights=self.context_weights.astype(np.float16), context_bias=self.context_bias.astype(np.float32))
            if self.context_token_weights is not None:
                arrays.update(context_token_weights=self.context_token_weights.astype(np.float32))
        np.savez_compressed(directory / GATE_FILE, **arrays)
        meta = {"bias": self.bias, "threshold": self.threshold, "buckets": self.buckets, "token_vectors": self.token_weights is not None,
                "contexts": list(self.contexts) if self.context_weights is not None else []}
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
            contexts = tuple(str(c) for c in meta.get("contexts") or ())
            parts: dict[str, np.ndarray] = {}
            if contexts:
                need = {"context_weights", "context_bias"} | ({"context_token_weights"} if tokens else set())
                missing = need - set(data.files)
                if missing:
                    raise ValueError(f"{directory / GATE_FILE}: the gate names contexts but {', '.join(sorted(missing))} is missing")
                parts = {k: data[k].astype(np.float32) for k in need}
                if parts["context_weights"].shape != (len(contexts), len(weights)) or parts["context_bias"].shape != (len(contexts),):
                    raise ValueError(f"{directory / GATE_FILE}: the context weights do not fit {len(contexts)} contexts")
        return cls(weights=weights, bias=float(meta["bias"]), threshold=float(meta["threshold"]), buckets=int(meta["buckets"]),
                   contexts=contexts, **tokens, **parts)
