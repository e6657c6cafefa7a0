"""The gate's second look: a tiny linear model over hashed character n-grams and lexicon signals.

The lexicon rule (`signals.Gate`) opens for mentions and strong words; threats
and praise are written in more ways than any word list holds ("the former
president will not see next year. I will make sure of it"). This model costs
about 0.1 ms a post, sees every post the rule keeps back, and opens the gate
when its violation probability reaches `threshold`, which training sets so
that nearly every violation in the training data would pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from proscribe.classify.features import ngram_sparse, shape_vector, signal_vector
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

    def score(self, texts: Sequence[str], signals: Sequence[Signals]) -> np.ndarray:
        """Violation probability per text (numpy only)."""
        out = np.zeros(len(texts))
        for i, (text, sig) in enumerate(zip(texts, signals)):
            idx, val = ngram_sparse(text, self.buckets)
            z = float(self.weights[idx] @ val) + float(self.weights[self.buckets :] @ dense_gate_features(text, sig)) + self.bias
            out[i] = 1.0 / (1.0 + np.exp(-z))
        return out

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / GATE_FILE, weights=self.weights.astype(np.float16))
        meta = {"bias": self.bias, "threshold": self.threshold, "buckets": self.buckets}
        (directory / GATE_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalGate | None:
        """The gate model of a model directory, or None when it has none (the lexicon rule alone then)."""
        if not (directory / GATE_FILE).is_file() or not (directory / GATE_META).is_file():
            return None
        meta = json.loads((directory / GATE_META).read_text(encoding="utf-8"))
        with np.load(directory / GATE_FILE, allow_pickle=False) as data:
            weights = data["weights"].astype(np.float32)
        return cls(weights=weights, bias=float(meta["bias"]), threshold=float(meta["threshold"]), buckets=int(meta["buckets"]))
