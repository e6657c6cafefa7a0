"""Finding registry entities by any of their names, in any script and common spelling variant.

Each name is indexed three ways: its folded key in its own script, its Latin
transliteration, and its consonant skeleton (so Hizballah, Hezbollah, Hizbullah
and حزب الله meet). A query scores against candidates by the closest of these,
then by word overlap with edit-distance tolerance.
"""

from __future__ import annotations

from collections import defaultdict
import gc
from typing import NamedTuple

from rigour.text.distance import levenshtein

from proscribe.model import Entity
from proscribe.registry import names as nm


class _Entry(NamedTuple):
    entity: int  # index into the entities tuple
    key: str
    latin: str
    skeleton: str
    words: tuple[str, ...]
    weak: bool


def _similar(a: str, b: str) -> float:
    """1 - edit distance / length, for words; 0 when they are too far apart to be one spelling."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    if longest < 4 or abs(len(a) - len(b)) > 2:
        return 0.0
    distance = levenshtein(a, b, max_edits=2)
    if distance > 2 or distance > longest // 3:
        return 0.0
    return 1.0 - distance / longest


class NameIndex:
    """An index over every name of a snapshot's entities."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        enabled = gc.isenabled()
        gc.disable()  # many small objects at once: collection passes would triple the time
        try:
            self._build(entities)
        finally:
            if enabled:
                gc.enable()

    def _build(self, entities: tuple[Entity, ...]) -> None:
        self.entities = entities
        self.entries: list[_Entry] = []
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_latin: dict[str, list[int]] = defaultdict(list)
        self.by_skeleton: dict[str, list[int]] = defaultdict(list)
        self.by_word: dict[str, list[int]] = defaultdict(list)
        self.by_word_skeleton: dict[str, list[int]] = defaultdict(list)
        for i, entity in enumerate(entities):
            texts = [(n.text, n.weak) for n in entity.names]
            if not any(t == entity.name for t, _ in texts):
                texts.insert(0, (entity.name, False))
            for text, weak in texts:
                key = nm.key(text)
                if not key:
                    continue
                latin = nm.latin(text)
                entry = _Entry(i, key, latin, nm.skeleton(text), tuple(latin.split()), weak)
                n = len(self.entries)
                self.entries.append(entry)
                self.by_key[key].append(n)
                self.by_latin[latin].append(n)
                if entry.skeleton:
                    self.by_skeleton[entry.skeleton].append(n)
                for word in set(entry.words):
                    self.by_word[word].append(n)
        for word, postings in self.by_word.items():
            sk = nm.skeleton_word(word)
            if len(sk) >= 2:
                self.by_word_skeleton[sk].extend(postings)
        self.vocabulary = list(self.by_word)

    def _score(self, q_key: str, q_latin: str, q_skel: str, q_words: list[str], entry: _Entry) -> float:
        if entry.key == q_key:
            return 1.0
        if entry.latin == q_latin:
            return 0.97
        if q_skel and entry.skeleton == q_skel and len(q_skel) >= 3:
            return 0.9
        # word by word: every query word should find a close word of the name
        if not q_words or not entry.words:
            return 0.0
        matched = 0.0
        used: set[int] = set()
        for qw in q_words:
            best, best_j = 0.0, -1
            qs = nm.skeleton_word(qw)
            for j, w in enumerate(entry.words):
                if j in used:
                    continue
                s = _similar(qw, w)
                if s < 0.8 and len(qs) >= 3 and nm.skeleton_word(w) == qs:
                    s = 0.85
                if s > best:
                    best, best_j = s, j
            if best_j >= 0 and best >= 0.75:
                matched += best
                used.add(best_j)
        if matched == 0:
            return 0.0
        coverage_query = matched / len(q_words)
        coverage_name = len(used) / len(entry.words)
        whole = _similar(q_latin.replace(" ", ""), entry.latin.replace(" ", "")) if len(q_words) > 1 else 0.0
        score = 0.85 * coverage_query * (0.6 + 0.4 * coverage_name)
        return max(score, 0.88 * whole)

    def search(self, query: str, limit: int = 10) -> list[tuple[Entity, float]]:
        q_key = nm.key(query)
        if not q_key:
            return []
        q_latin = nm.latin(query)
        q_skel = nm.skeleton(query)
        q_words = q_latin.split()
        candidates: set[int] = set()
        candidates.update(self.by_key.get(q_key, ()))
        candidates.update(self.by_latin.get(q_latin, ()))
        candidates.update(self.by_skeleton.get(q_skel, ()))
        for word in q_words:
            candidates.update(self.by_word.get(word, ()))
            sk = nm.skeleton_word(word)
            if len(sk) >= 3:
                candidates.update(self.by_word_skeleton.get(sk, ()))
            if len(word) >= 4:  # misspellings: words of the vocabulary within two edits
                for other in self.vocabulary:
                    if other[0] == word[0] and abs(len(other) - len(word)) <= 2 and _similar(word, other) >= 0.75:
                        candidates.update(self.by_word[other])
        best: dict[int, float] = {}
        for n in candidates:
            entry = self.entries[n]
            score = self._score(q_key, q_latin, q_skel, q_words, entry)
            if entry.weak:
                score *= 0.95  # a weak name is a weaker match than a strong one spelled the same
            if score > best.get(entry.entity, 0.0):
                best[entry.entity] = score
        ranked = sorted(
            ((i, s) for i, s in best.items() if s >= 0.5),
            key=lambda item: (-round(item[1], 4), not self.entities[item[0]].in_scope, self.entities[item[0]].id),
        )
        return [(self.entities[i], round(s, 4)) for i, s in ranked[:limit]]
