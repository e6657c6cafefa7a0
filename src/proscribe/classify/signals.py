"""Cheap signals of a post (lexicon hits, emoji, mentions) and the gate that decides whether it needs the model.

Most posts on a platform are about nothing dangerous; embedding them all
would cost ~15 ms each. The gate sends a post to the model when it mentions
a designated entity or event, or when the lexicon finds a strong signal
(martyrdom, "blessed operation", "kiss the hands", a first-person threat,
recruiting, a group's voice) or at least two weak ones (praise words,
celebration, violence, join/donate, approving or violent emoji). Implicit
praise that names nobody therefore still reaches the model.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from proscribe.classify.lexicon import CONTEXT, EMOJI, LEXICON, STRONG, WEAK
from proscribe.model import Mention

GROUPS: tuple[str, ...] = tuple(sorted(set(LEXICON) | set(EMOJI)))

# Letter variants folded to one form (Arabic/Persian/Urdu), and joiners.
_FOLD_MAP = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ـ": None,
        "\u200c": " ", "\u200d": None, "\u200e": None, "\u200f": None, "\ufeff": None,
        "’": "'", "‘": "'", "`": "'", "´": "'",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
_ARABIC_CLITICS = frozenset({"و", "ف", "ب", "ل", "ک", "ال", "وال", "بال", "فال", "کال", "لل", "ول", "وب", "س", "وس", "فس"})


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    """_FOLD_MAP plus the deletion of every combining mark (built once: about 0.2 s)."""
    table: dict[int, str | None] = {cp: None for cp in range(0x300, 0x110000) if unicodedata.combining(chr(cp))}
    table.update(_FOLD_MAP)
    return table


@lru_cache(maxsize=4096)  # a post is folded by the lexicon, the shape features and the n-gram hashing in turn
def fold(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, one form per letter variant: what the lexicon matches on."""
    if text.isascii():
        return text.translate(_FOLD_MAP).casefold()
    # Persian/Urdu letters are not decomposable: the map folds their variants after the marks are gone.
    return unicodedata.normalize("NFKD", text).translate(_fold_table()).casefold()


def _is_arabic_script(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True)
class Hit:
    group: str
    term: str  # the term as folded


@dataclass(frozen=True)
class Signals:
    """What the cheap pass found in one post."""

    hits: tuple[Hit, ...] = ()
    mentions: int = 0
    in_scope_mentions: int = 0

    def groups(self) -> dict[str, int]:
        """Number of distinct terms hit, per group."""
        counts: dict[str, set[str]] = {}
        for hit in self.hits:
            counts.setdefault(hit.group, set()).add(hit.term)
        return {g: len(t) for g, t in counts.items()}

    def terms(self, groups: frozenset[str] | None = None) -> list[str]:
        seen: list[str] = []
        for hit in self.hits:
            if (groups is None or hit.group in groups) and hit.term not in seen:
                seen.append(hit.term)
        return seen


class Lexicon:
    """Multi-pattern search of the signal lexicon over folded text (Aho-Corasick)."""

    def __init__(self, lexicon: dict[str, dict[str, tuple[str, ...]]] = LEXICON, emoji: dict[str, tuple[str, ...]] = EMOJI) -> None:
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, bool, bool]]] = {}
        for group, by_lang in lexicon.items():
            for terms in by_lang.values():
                for raw in terms:
                    prefix = raw.endswith("*")
                    term = fold(raw.rstrip("*")).strip() if raw.strip() else raw
                    if not term:
                        continue
                    entries.setdefault(term, []).append((group, prefix, False))
        for group, symbols in emoji.items():
            for symbol in symbols:
                entries.setdefault(fold(symbol), []).append((group, True, True))
        for term, groups in entries.items():
            self._automaton.add_word(term, (term, tuple(groups)))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """The lexicon's terms in `text`, once per group and term; within one group a term inside a longer hit
        does not count again ("celebrat" in "celebrate" is one hit, not also "celebr")."""
        folded = fold(text)
        found: list[tuple[int, int, str, str]] = []
        for end, (term, groups) in self._automaton.iter(folded):
            start = end - len(term) + 1
            for group, prefix, is_emoji in groups:
                if is_emoji or self._bounded(folded, start, end + 1, term, prefix):
                    found.append((start, end + 1, group, term))
        # Longest first at each start, so nested shorter terms meet their container before they are kept.
        found.sort(key=lambda h: (h[0], -h[1]))
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        reach: dict[str, int] = {}  # per group: the end of the span the kept hits cover so far
        for start, end, group, term in found:
            if end <= reach.get(group, -1):
                continue
            reach[group] = max(reach.get(group, -1), end)
            if (group, term) not in seen:
                seen.add((group, term))
                hits.append(Hit(group, term))
        return hits

    @staticmethod
    def _bounded(text: str, start: int, end: int, term: str, prefix: bool) -> bool:
        arabic = _is_arabic_script(term[0])
        # Left edge: a word boundary, or (Arabic script) only clitics before the term.
        if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(term[0]):
            if not arabic:
                return False
            ws = start
            while ws > 0 and _is_word_char(text[ws - 1]):
                ws -= 1
            if text[ws:start] not in _ARABIC_CLITICS:
                return False
        # Right edge: Arabic-script terms take suffixes; Latin ones only when written as stems.
        if end < len(text) and _is_word_char(text[end]) and _is_word_char(term[-1]):
            if arabic:
                return len(term) >= 3
            return prefix
        return True


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon()


@dataclass(frozen=True)
class Gate:
    """Which posts are worth the model. `min_weak`: distinct weak signals that open it without a strong one."""

    min_weak: int = 2
    strong: frozenset[str] = field(default=STRONG)
    weak: frozenset[str] = field(default=WEAK)

    def opens(self, signals: Signals) -> bool:
        if signals.mentions:
            return True
        groups = signals.groups()
        if any(groups.get(g) for g in self.strong):
            return True
        return sum(n for g, n in groups.items() if g in self.weak) >= self.min_weak


def signals_of(text: str, mentions: Sequence[Mention] = (), lexicon: Lexicon | None = None) -> Signals:
    """The cheap signals of one post's text and its detected mentions."""
    lex = lexicon or default_lexicon()
    return Signals(
        hits=tuple(lex.find(text)),
        mentions=len(mentions),
        in_scope_mentions=sum(1 for m in mentions if m.in_scope),
    )


__all__ = ["CONTEXT", "GROUPS", "Gate", "Hit", "Lexicon", "Signals", "default_lexicon", "fold", "signals_of"]
