"""Baseline: the label whose description is nearest to the post in the multilingual embedding space (no training)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from proscribe.classify.base import check_batch, mention_evidence
from proscribe.classify.features import Embedder, e5_embedder, encoder
from proscribe.classify.head import split_label
from proscribe.model import Assessment, Mention, Post

# One description per label, written as a post of that kind would read (e5 matches "query" to "passage").
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "glorification": ("praise and celebration of a terrorist attack, its perpetrators or a terrorist group, calling them heroes or martyrs",),
    "support": ("a call to join, fund, donate to or spread the propaganda of a terrorist group",),
    "representation": ("an official statement posted by a terrorist group or one of its members speaking for it",),
    "threat": ("a threat to kill or hurt a specific person or group of people",),
    "none/news": ("a news report about an attack or a militant group, citing officials and sources",),
    "none/condemnation": ("condemnation of terrorism and mourning for the victims of an attack",),
    "none/discussion": ("a neutral analysis or historical discussion of a militant group or conflict",),
    "none/satire": ("a joke or satire mocking an extremist group",),
    "none/human_rights": ("human rights, humanitarian aid for civilians, fair trials and detention conditions",),
    "none/unrelated": ("an everyday post about daily life, sports, food, work or entertainment",),
}
TEMPERATURE = 0.02  # cosine similarities of e5 sit in a narrow band; this spreads them into probabilities


class ZeroShotClassifier:
    name = "zeroshot"
    version = "1"

    def __init__(self, embed: Embedder | None = None, query: Embedder | None = None) -> None:
        self._embed = embed
        self._query = query
        self._labels: list[str] = []
        self._centroids: np.ndarray | None = None

    def _setup(self) -> None:
        if self._centroids is not None:
            return
        if self._embed is None or self._query is None:
            self._embed = self._embed or e5_embedder()
            self._query = self._query or (lambda ts: encoder().query(ts))
        self._labels = list(DESCRIPTIONS)
        rows = []
        for label in self._labels:
            vecs = np.asarray(self._query(list(DESCRIPTIONS[label])), dtype=np.float32)
            c = vecs.mean(axis=0)
            rows.append(c / np.linalg.norm(c))
        self._centroids = np.stack(rows)

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None = None) -> list[Assessment]:
        per_post = check_batch(posts, mentions)
        if not posts:
            return []
        self._setup()
        assert self._embed is not None and self._centroids is not None
        vecs = np.asarray(self._embed([p.text for p in posts]), dtype=np.float32)
        sims = vecs @ self._centroids.T
        z = (sims - sims.max(axis=1, keepdims=True)) / TEMPERATURE
        probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        out = []
        for post, ms, p, s in zip(posts, per_post, probs, sims):
            best = int(np.argmax(p))
            category, context = split_label(self._labels[best])
            p_violation = float(sum(p[i] for i, lab in enumerate(self._labels) if not lab.startswith("none/")))
            out.append(
                Assessment(
                    post_id=post.id, category=category, context=context, score=round(p_violation, 4), mentions=tuple(ms),
                    evidence=tuple(mention_evidence(ms)) + (f"nearest description: {self._labels[best]} (cosine {s[best]:.3f})",),
                    lang=post.lang, model=f"{self.name} {self.version}",
                    scores={lab: round(float(p[i]), 4) for i, lab in enumerate(self._labels)},
                )
            )
        return out
