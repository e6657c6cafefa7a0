"""The shipped classifier: gate, then sentence embedding + detector evidence + lexicon signals into a calibrated linear head."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from proscribe.classify.base import check_batch, mention_evidence
from proscribe.classify.features import Embedder, e5_embedder, featurize
from proscribe.classify.gate import LexicalGate
from proscribe.classify.head import Head, split_label
from proscribe.classify.signals import GROUPS, Gate, Lexicon, Signals, default_lexicon, signals_of
from proscribe.model import Assessment, Category, Context, Mention, Post

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = MODELS_DIR / "default"


@lru_cache(maxsize=1)
def _langid():  # type: ignore[no-untyped-def]
    try:
        from proscribe.text.langid import detect
    except ImportError:  # the text part is optional for classification
        return None
    return detect


def post_lang(post: Post) -> str | None:
    """The post's language as given, else detected (None when no detector is available)."""
    if post.lang:
        return post.lang
    detect = _langid()
    if detect is None or not post.text.strip():
        return None
    try:
        lang, _ = detect(post.text)
    except Exception:  # a language guess must never fail an assessment
        return None
    return None if lang == "und" else lang


class DefaultClassifier:
    """Gate -> features -> head. Posts the gate keeps back are `none` at the head's low gate score, in the context the gate reads."""

    name = "default"
    concurrent = True  # `assess` may run in several threads at once (the encoder's sessions are thread-safe)

    def __init__(
        self,
        head: Head,
        lexical_gate: LexicalGate | None = None,
        embed: Embedder | None = None,
        gate: Gate | None = None,
        lexicon: Lexicon | None = None,
        use_gate: bool = True,
    ) -> None:
        if head.spec.lexical_score and lexical_gate is None:
            raise ValueError("this model's head reads the lexical gate's score, but the model has no gate (gate.npz, gate.json)")
        self.head = head
        self.lexical_gate = lexical_gate
        self._embed = embed
        self.gate = gate or Gate()
        self.lexicon = lexicon or default_lexicon()
        self.use_gate = use_gate
        self.version = str(head.meta.get("version", "unversioned"))
        self.gated_out = 0  # posts kept from the model so far (for benchmarks and reports)
        self.modelled = 0
        self._counting = threading.Lock()

    @property
    def embed(self) -> Embedder | None:
        if self._embed is None and self.head.spec.embedding:
            self._embed = e5_embedder(self.head.spec.embedding_depth, self.head.spec.embedding_precision)
        return self._embed

    @classmethod
    def from_path(cls, path: Path | str | None = None, **options: object) -> DefaultClassifier:
        directory = Path(path) if path else DEFAULT_MODEL
        return cls(Head.load(directory), LexicalGate.load(directory), **options)  # type: ignore[arg-type]

    def opens(self, posts: Sequence[Post], sigs: Sequence[Signals]) -> list[bool]:
        """Whether each post goes to the model: the lexicon rule, then the lexical gate model for the rest."""
        return self._screen(posts, sigs)[0]

    def _screen(self, posts: Sequence[Post], sigs: Sequence[Signals]) -> tuple[list[bool], list[dict[str, float]], dict[int, float]]:
        """`opens`; for each post kept back the probability of each context by the gate's words (empty when
        the gate has no context part, and for a post with no text); and the gate model's score of each post it read."""
        contexts: list[dict[str, float]] = [{} for _ in posts]
        read_scores: dict[int, float] = {}
        if not self.use_gate:
            return [True] * len(posts), contexts, read_scores
        opened = [self.gate.opens(s) for s in sigs]
        if self.lexical_gate is not None:
            # A post with no text has nothing for the gate model to read (its token vector would be the prefix's alone).
            rest = [i for i, o in enumerate(opened) if not o and posts[i].text.strip()]
            scores, read = self.lexical_gate.read([posts[i].text for i in rest], [sigs[i] for i in rest])
            for i, score, c in zip(rest, scores, read):
                opened[i] = bool(score >= self.lexical_gate.threshold)
                contexts[i] = c
                read_scores[i] = float(score)
        return opened, contexts, read_scores

    def signals(self, post: Post, mentions: Sequence[Mention]) -> Signals:
        return signals_of(post.text, mentions, self.lexicon)

    def prescreen(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None = None) -> list[Assessment | None]:
        """The gate alone: the assessment of each post it keeps back, None for each post that goes to the
        model (`assess` gives the same for all). Cheap (no encoder), and safe beside a running `assess`."""
        per_post = check_batch(posts, mentions)
        sigs = [self.signals(p, ms) for p, ms in zip(posts, per_post)]
        opened, contexts, _ = self._screen(posts, sigs)
        return [None if o else self._gated(p, ms, sig, c) for p, ms, sig, o, c in zip(posts, per_post, sigs, opened, contexts)]

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None = None) -> list[Assessment]:
        per_post = check_batch(posts, mentions)
        sigs = [self.signals(p, ms) for p, ms in zip(posts, per_post)]
        opened, contexts, read_scores = self._screen(posts, sigs)
        chosen = [i for i, o in enumerate(opened) if o]
        out: list[Assessment | None] = [None] * len(posts)
        if chosen:
            texts = [posts[i].text for i in chosen]
            lexical = None
            if self.head.spec.lexical_score:
                assert self.lexical_gate is not None  # checked when the classifier was made
                unread = [i for i in chosen if i not in read_scores]  # posts the lexicon rule opened
                read_scores.update(zip(unread, self.lexical_gate.score([posts[i].text for i in unread], [sigs[i] for i in unread])))
                lexical = [read_scores[i] for i in chosen]
            x = featurize(texts, [per_post[i] for i in chosen], [sigs[i] for i in chosen], self.head.spec, self.embed, lexical=lexical)
            p_violation, per_label = self.head.proba(x)
            for row, i in enumerate(chosen):
                out[i] = self._assessment(posts[i], per_post[i], sigs[i], x[row], float(p_violation[row]), per_label[row])
        for i, a in enumerate(out):
            if a is None:
                out[i] = self._gated(posts[i], per_post[i], sigs[i], contexts[i])
        with self._counting:
            self.modelled += len(chosen)
            self.gated_out += len(posts) - len(chosen)
        return [a for a in out if a is not None]

    # --- building assessments ------------------------------------------------

    def _model_name(self) -> str:
        return f"{self.name} {self.version}"

    def _assessment(self, post: Post, mentions: Sequence[Mention], sig: Signals, x: np.ndarray,
                    p: float, per_label: np.ndarray) -> Assessment:
        labels = self.head.labels
        vi = [i for i, lab in enumerate(labels) if not lab.startswith("none/")]
        ni = [i for i, lab in enumerate(labels) if lab.startswith("none/")]
        best = max(vi, key=lambda i: per_label[i]) if p >= self.head.threshold else max(ni, key=lambda i: per_label[i])
        category, context = split_label(labels[best])
        scores = {lab: round(float(per_label[i]), 4) for i, lab in enumerate(labels)}
        scores["none"] = round(float(sum(per_label[i] for i in ni)), 4)
        evidence = mention_evidence(mentions) + self._signal_evidence(sig, x, best)
        evidence.append(f"model {labels[best]} (violation probability {p:.2f})")
        return Assessment(
            post_id=post.id, category=category, context=context, score=round(p, 4), mentions=tuple(mentions),
            evidence=tuple(evidence), lang=post_lang(post), model=self._model_name(), scores=scores,
        )

    def _signal_evidence(self, sig: Signals, x: np.ndarray, label: int) -> list[str]:
        """The lexicon groups whose words pushed the head towards its answer, strongest first, with the words."""
        names = self.head.spec.names
        contrib = self.head.contributions(x, label)
        offset = names.index(f"signal_{GROUPS[0]}")
        groups = sig.groups()
        pushed = [(float(contrib[offset + k]), g) for k, g in enumerate(GROUPS) if groups.get(g)]
        lines = []
        for value, group in sorted(pushed, reverse=True):
            if value <= 0:
                continue
            words = [h.term for h in sig.hits if h.group == group]
            lines.append(f"signal {group}: {', '.join(dict.fromkeys(words))}")
        return lines

    def _gated(self, post: Post, mentions: Sequence[Mention], sig: Signals, contexts: dict[str, float]) -> Assessment:
        g = self.head.gate_score
        scores = {lab: 0.0 for lab in self.head.labels}
        context = Context.UNRELATED
        if contexts:
            for name, p in contexts.items():
                scores[f"none/{name}"] = round((1.0 - g) * p, 4)
            context = Context(max(contexts, key=lambda c: contexts[c]))
        else:
            scores["none/unrelated"] = round(1.0 - g, 4)
        scores["none"] = round(1.0 - g, 4)
        words = sig.terms()
        evidence = ["gate: no entity mention, no strong signal, low lexical score" + (f" (weak: {', '.join(words)})" if words else "")]
        if contexts:
            evidence.append(f"context {context}: {contexts[str(context)]:.2f} by the gate's words")
        return Assessment(
            post_id=post.id, category=Category.NONE, context=context, score=g, mentions=tuple(mentions),
            evidence=tuple(evidence), lang=post.lang, model=self._model_name(), scores=scores,
        )

