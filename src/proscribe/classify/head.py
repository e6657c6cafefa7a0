"""The trained head: a calibrated softmax over ten labels, stored as plain arrays (npz) and JSON.

The head is a network with one hidden layer of rectified units (or, for a
model trained with `--hidden 0`, a linear softmax) over the standardised
features. Labels are the four violating categories plus `none/<context>` for the six
contexts. The probability of a violation is the sum of the four violating
labels, mapped through a Platt curve fitted on out-of-fold predictions, so
that a score of 0.8 means about 80% of such posts are violations. Inference
needs numpy only; loading never unpickles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proscribe.classify.features import FeatureSpec
from proscribe.model import Category, Context

VIOLATIONS: tuple[str, ...] = ("glorification", "support", "representation", "threat")
CONTEXTS: tuple[str, ...] = tuple(str(c) for c in Context)
LABELS: tuple[str, ...] = VIOLATIONS + tuple(f"none/{c}" for c in CONTEXTS)

WEIGHTS_FILE = "head.npz"
META_FILE = "model.json"
FORMAT = 1


def label_of(category: Category | str, context: Context | str | None) -> str:
    """The head's label for a (category, context) pair: "glorification", "none/news", ..."""
    category = str(category)
    if category != "none":
        return category
    return f"none/{context or 'unrelated'}"


def split_label(label: str) -> tuple[Category, Context | None]:
    if label.startswith("none/"):
        return Category.NONE, Context(label.split("/", 1)[1])
    return Category(label), None


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class Calibration:
    """Platt scaling of the violation probability: p' = sigmoid(a * logit(p) + b)."""

    a: float = 1.0
    b: float = 0.0

    def apply(self, p: np.ndarray) -> np.ndarray:
        return sigmoid(self.a * _logit(p) + self.b)

    @classmethod
    def fit(cls, p: np.ndarray, y: np.ndarray, iterations: int = 200) -> Calibration:
        """Maximum-likelihood (a, b) by Newton's method on (raw probability, 0/1 truth)."""
        x = _logit(np.asarray(p, dtype=np.float64))
        y = np.asarray(y, dtype=np.float64)
        a, b = 1.0, 0.0
        for _ in range(iterations):
            q = sigmoid(a * x + b)
            w = q * (1 - q) + 1e-9
            ga, gb = np.sum((q - y) * x), np.sum(q - y)
            haa, hab, hbb = np.sum(w * x * x) + 1e-6, np.sum(w * x), np.sum(w) + 1e-6
            det = haa * hbb - hab * hab
            if det <= 0:
                break
            da = (hbb * ga - hab * gb) / det
            db = (haa * gb - hab * ga) / det
            a, b = a - da, b - db
            if abs(da) < 1e-9 and abs(db) < 1e-9:
                break
        return cls(float(a), float(b))


@dataclass
class Head:
    """Standardise, then softmax(W relu(W1 x + b1) + b) (or softmax(W x + b) with no hidden layer); violation
    probability calibrated."""

    weights: np.ndarray  # (labels, hidden units), or (labels, features) with no hidden layer
    bias: np.ndarray  # (labels,)
    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,)
    spec: FeatureSpec
    labels: tuple[str, ...] = LABELS
    calibration: Calibration = field(default_factory=Calibration)
    threshold: float = 0.5  # calibrated violation probability at which a post is called a violation
    gate_score: float = 0.02  # violation probability given to posts the gate keeps from the model
    meta: dict[str, Any] = field(default_factory=dict)
    hidden_weights: np.ndarray | None = None  # (hidden units, features)
    hidden_bias: np.ndarray | None = None  # (hidden units,)

    @property
    def hidden(self) -> int:
        """Hidden units (0: a linear head)."""
        return 0 if self.hidden_weights is None else int(self.hidden_weights.shape[0])

    def _f64(self, name: str) -> np.ndarray:
        """A weight array in float64, converted once (the stored arrays are float32)."""
        cache = self.__dict__.setdefault("_as_f64", {})
        array = getattr(self, name)
        hit = cache.get(name)
        if hit is None or hit[0] is not array:  # converted again if the array was replaced
            hit = cache[name] = (array, np.asarray(array, dtype=np.float64))
        return hit[1]

    def _pre(self, z: np.ndarray) -> np.ndarray:
        assert self.hidden_weights is not None and self.hidden_bias is not None
        return z @ self._f64("hidden_weights").T + self.hidden_bias

    def raw_proba(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        z = (x - self.mean) / self.scale
        if self.hidden:
            z = np.maximum(self._pre(z), 0.0)
        return _softmax(z @ self._f64("weights").T + self.bias)

    def violation_index(self) -> np.ndarray:
        return np.array([i for i, label in enumerate(self.labels) if not label.startswith("none/")])

    def proba(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(calibrated violation probability (n,), per-label probabilities (n, labels) consistent with it)."""
        raw = self.raw_proba(np.asarray(x, dtype=np.float64))
        vi = self.violation_index()
        ni = np.array([i for i in range(len(self.labels)) if i not in set(vi.tolist())])
        v_mass, n_mass = raw[:, vi].sum(axis=1), raw[:, ni].sum(axis=1)
        p = self.calibration.apply(v_mass / (v_mass + n_mass))
        out = np.empty_like(raw)
        # Each side keeps its own label shares, rescaled to the calibrated total.
        out[:, vi] = raw[:, vi] / np.maximum(v_mass, 1e-300)[:, None] * p[:, None]
        out[:, ni] = raw[:, ni] / np.maximum(n_mass, 1e-300)[:, None] * (1 - p)[:, None]
        return p, out

    def contributions(self, x: np.ndarray, label: int) -> np.ndarray:
        """Per-feature push of one row towards `label` against the average label (for the evidence): the
        standardised value times the weight, or with a hidden layer times the gradient at this row."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        w = (self.weights[label] - self.weights.mean(axis=0)).astype(np.float64)
        if self.hidden:
            active = self._pre(z[None, :])[0] > 0
            w = (w * active) @ self._f64("hidden_weights")
        return z * w

    # --- storage -------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights, "bias": self.bias, "mean": self.mean, "scale": self.scale}
        if self.hidden_weights is not None and self.hidden_bias is not None:
            arrays.update(hidden_weights=self.hidden_weights, hidden_bias=self.hidden_bias)
        np.savez_compressed(directory / WEIGHTS_FILE, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
        meta = {
            "format": FORMAT,
            "labels": list(self.labels),
            "features": self.spec.to_json(),
            "calibration": {"method": "platt", "a": self.calibration.a, "b": self.calibration.b},
            "threshold": self.threshold,
            "gate_score": self.gate_score,
            "hidden": self.hidden,
            **self.meta,
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Head:
        meta_path, weights_path = directory / META_FILE, directory / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise FileNotFoundError(f"{directory}: not a model directory (needs {META_FILE} and {WEIGHTS_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{meta_path}: unsupported model format {meta.get('format')!r} (expected {FORMAT})")
        spec = FeatureSpec.from_json(meta["features"])
        with np.load(weights_path, allow_pickle=False) as data:
            weights, bias = data["weights"].astype(np.float32), data["bias"].astype(np.float32)
            mean, scale = data["mean"].astype(np.float32), data["scale"].astype(np.float32)
            hidden_w = data["hidden_weights"].astype(np.float32) if "hidden_weights" in data.files else None
            hidden_b = data["hidden_bias"].astype(np.float32) if "hidden_bias" in data.files else None
        labels = tuple(meta["labels"])
        units = int(meta.get("hidden", 0) or 0)
        if units:
            if hidden_w is None or hidden_b is None or hidden_w.shape != (units, spec.dim) or hidden_b.shape != (units,):
                raise ValueError(f"{weights_path}: the hidden layer does not fit {units} units x {spec.dim} features")
        else:
            hidden_w = hidden_b = None
        inputs = units or spec.dim
        if weights.shape != (len(labels), inputs) or mean.shape != (spec.dim,):
            raise ValueError(f"{weights_path}: weights {weights.shape} do not fit {len(labels)} labels x {inputs} inputs")
        cal = meta.get("calibration", {})
        extra = {k: v for k, v in meta.items() if k not in {"format", "labels", "features", "calibration", "threshold", "gate_score", "hidden"}}
        return cls(
            weights=weights, bias=bias, mean=mean, scale=scale, spec=spec, labels=labels,
            calibration=Calibration(float(cal.get("a", 1.0)), float(cal.get("b", 0.0))),
            threshold=float(meta.get("threshold", 0.5)), gate_score=float(meta.get("gate_score", 0.02)), meta=extra,
            hidden_weights=hidden_w, hidden_bias=hidden_b,
        )
