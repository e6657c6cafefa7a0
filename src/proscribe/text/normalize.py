"""Normalisation for matching: one canonical form of a text plus a map back to its original offsets.

The original text is never changed; `normalize(text)` returns a `NormalizedText`
whose `.text` is what the matcher searches and whose `.span(start, end)` turns
offsets in it back into offsets of the original. `fold(text)` is the matching
form alone (what the matcher runs its automaton over before it knows whether
any offset will be needed).

Rules (documented in docs/detection.md), applied to each character:

- Unicode NFKC, then lower case.
- Arabic-script letter variants folded: ي ى ی ئ ے -> ي; ك ک -> ك; ة ۀ ہ ۃ ھ -> ه;
  أ إ آ ٱ -> ا; ؤ -> و.
- Harakat, Quranic marks, superscript alef, tatweel, Hebrew points, Latin
  combining marks, zero-width joiner, bidi controls, soft hyphen: removed.
- Zero-width non-joiner and zero-width space -> a space, so `حماس‌ها` holds `حماس`.
- Persian and Arabic-Indic digits -> ASCII digits.
- Latin letters with diacritics folded to their base letter (Hizballāh -> hizballah,
  ı -> i, ø -> o, ł -> l, đ -> d).
- Apostrophe variants (' ’ ‘ ʼ ʻ ʿ ʾ ` ´) removed, so Da'esh, Da’esh and Daesh agree;
  hyphen and dash variants and `_` -> a space, so al-Qa'ida, al Qaida agree, and
  `#طوفان_الأقصى` splits into its words. Newlines and tabs -> a space.

How it is fast: every rule is a function of one character. A text already in
NFKC whose lower case keeps its length (nearly every post) is lower-cased, its
few mapped characters are found with one compiled regex and each replaced
with one `str.replace`, and removals are one `re.sub`; ASCII texts need only
`lower()` and a few replaces. Other texts go through one `str.translate` over a
table that learns each character the first time it is seen
(`_CharTable.__missing__`). The offset map is made only when asked for
(`normalize`; the matcher asks only when its automaton found something):
removed characters are found with one regex and mapped back with a binary
search; the rare characters that expand (NFKC `…` -> `...`, ligatures
`ﻻ` -> `لا`) send their text down a per-character path that records every offset.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# One-to-one replacements (after NFKC and lower case).
_ARABIC_FOLD: tuple[tuple[str, str], ...] = (
    ("\u06cc", "\u064a"),  # Persian yeh -> Arabic yeh
    ("\u0649", "\u064a"),  # alef maksura
    ("\u0626", "\u064a"),  # yeh with hamza
    ("\u06d2", "\u064a"),  # yeh barree (Urdu)
    ("\u06a9", "\u0643"),  # keheh -> kaf
    ("\u0629", "\u0647"),  # teh marbuta -> heh
    ("\u06c0", "\u0647"),  # heh with yeh above
    ("\u06c1", "\u0647"),  # heh goal (Urdu)
    ("\u06c3", "\u0647"),  # teh marbuta goal
    ("\u06be", "\u0647"),  # heh doachashmee
    ("\u0623", "\u0627"),  # alef with hamza above
    ("\u0625", "\u0627"),  # alef with hamza below
    ("\u0622", "\u0627"),  # alef with madda
    ("\u0671", "\u0627"),  # alef wasla
    ("\u0672", "\u0627"),
    ("\u0673", "\u0627"),
    ("\u0624", "\u0648"),  # waw with hamza
    ("\u200c", " "),  # zero-width non-joiner: a word joint, so a boundary
    ("\u200b", " "),  # zero-width space
)
_DIGITS: tuple[tuple[str, str], ...] = tuple(
    (chr(0x06F0 + i), str(i)) for i in range(10)
) + tuple((chr(0x0660 + i), str(i)) for i in range(10))
_PUNCT_SPACE = "-_\n\t\r"
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb\u02bf\u02be`\u00b4\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00a0"

# Characters removed outright (their positions make the offset map).
_DELETE_CLASS = (
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"  # harakat, Quranic marks
    "\u0640"  # tatweel
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"  # Hebrew points and cantillation
    "\u0300-\u036f"  # Latin combining marks
    "\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad"  # ZWJ, bidi controls, BOM, soft hyphen
    + re.escape(_APOSTROPHES)
)
_DELETE_RE = re.compile(f"[{_DELETE_CLASS}]")
_ASCII_DELETE_RE = re.compile(r"['`]")


def _latin_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base != ch:
            table[cp] = base.lower()
    for src, dst in {"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ħ": "h", "ŧ": "t", "ð": "d", "þ": "t"}.items():
        table[ord(src)] = dst
    return table


# What one character becomes after NFKC and lower case (the rules above), before removals.
_CHAR_TABLE: dict[int, str] = {ord(a): b for a, b in _ARABIC_FOLD + _DIGITS}
_CHAR_TABLE.update({ord(c): " " for c in _PUNCT_SPACE + _DASHES})
_CHAR_TABLE.update(_latin_fold_table())
_CHAR_TABLE[ord("\u03c2")] = "\u03c3"  # final sigma is sigma: lower() writes it by context, characters alone cannot


def _map_char(ch: str) -> str:
    """What one original character becomes (possibly several characters, possibly none)."""
    if _DELETE_RE.match(ch):
        return ""  # before NFKC: ´ is a space and an accent under NFKC, but an apostrophe here
    out = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        if not _DELETE_RE.match(c):
            out.append(_CHAR_TABLE.get(ord(c), c))
    return "".join(out)


class _CharTable(dict):  # type: ignore[type-arg]
    """code point -> its normalised form, for `str.translate`; learns each character on first sight.

    A character that becomes more than one character (… -> ..., ﻻ -> لا), or none while it is
    not in `_DELETE_RE`, is "irregular": a text holding one gets a per-character offset map.
    """

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()
        self.irregular_re: re.Pattern[str] = re.compile(r"(?!x)x")
        # Irregular characters and removed ones: where the per-character path must look.
        self.special_re: re.Pattern[str] = _DELETE_RE

    def learn(self, ch: str) -> str:
        mapped = _map_char(ch)
        if len(mapped) > 1 or (not mapped and not _DELETE_RE.match(ch)):
            self.irregular.add(ch)
            chars = "".join(sorted(re.escape(c) for c in self.irregular))
            self.irregular_re = re.compile(f"[{chars}]")
            self.special_re = re.compile(f"[{chars}{_DELETE_CLASS}]")
        if len(self) < 200_000:  # bounded: a flood of distinct characters must not grow it without end
            self[ord(ch)] = mapped
        return mapped

    def __missing__(self, cp: int) -> str:
        return self.learn(chr(cp))


_TABLE = _CharTable()
# Texts already in NFKC whose lower case keeps their length (nearly all): lower(), then these
# one-to-one replacements (found with one regex, each applied with one str.replace), then removals.
_SIMPLE: dict[str, str] = {chr(cp): m for cp, m in _CHAR_TABLE.items()}
_SIMPLE_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_SIMPLE)) + "]")
_ASCII_SPACE = "-_\n\t\r"


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text in its matching form, with the way back to the original's offsets."""

    original: str
    text: str
    # Fast path: for each removed character k (in order), its original position minus k.
    removed: tuple[int, ...] = ()
    # Slow path: original offset of every normalised character, plus one past the end.
    offsets: tuple[int, ...] | None = None

    def original_index(self, i: int) -> int:
        """The original offset of normalised character i."""
        if self.offsets is not None:
            return self.offsets[i]
        if not self.removed:
            return i
        return i + bisect_right(self.removed, i)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised [start, end)."""
        if self.offsets is None and not self.removed:
            return start, end
        if end <= start:
            o = self.original_index(start) if start < len(self.text) else len(self.original)
            return o, o
        return self.original_index(start), self.original_index(end - 1) + 1


def _simple(text: str) -> bool:
    """True when lower case and the one-to-one rules, character by character, give the whole normal form."""
    return unicodedata.is_normalized("NFKC", text) and len(text.lower()) == len(text)


def _fold_ascii(text: str) -> str:
    low = text.lower()
    for c in _ASCII_SPACE:
        if c in low:
            low = low.replace(c, " ")
    if "'" in low or "`" in low:
        low = _ASCII_DELETE_RE.sub("", low)
    return low


def _fold_simple(text: str, low: str | None = None) -> str:
    """`text` (a simple one, see `_simple`) folded; `low` is text.lower() when already made."""
    if low is None:
        low = text.lower()
    found = _SIMPLE_RE.findall(low)
    if found:
        for c in set(found):
            low = low.replace(c, _SIMPLE[c])
    if _DELETE_RE.search(low):
        low = _DELETE_RE.sub("", low)
    return low


def fold(text: str) -> str:
    """The matching form of `text` alone (`normalize(text).text`), without the offset map."""
    if text.isascii():
        return _fold_ascii(text)
    if unicodedata.is_normalized("NFKC", text):
        low = text.lower()
        if len(low) == len(text):  # `_simple`, with its lower() kept
            return _fold_simple(text, low)
    return text.translate(_TABLE)


def _removed(text: str, pattern: re.Pattern[str]) -> tuple[int, ...]:
    return tuple(m.start() - k for k, m in enumerate(pattern.finditer(text)))


def normalize(text: str, folded: str | None = None) -> NormalizedText:
    """The matching form of `text` with its offset map; `folded` is `fold(text)` when already computed."""
    if text.isascii():
        if folded is None:
            folded = _fold_ascii(text)
        if len(folded) == len(text):
            return NormalizedText(text, folded)
        return NormalizedText(text, folded, _removed(text, _ASCII_DELETE_RE))
    if _simple(text):
        if folded is None:
            folded = _fold_simple(text)
    else:
        if folded is None:
            folded = text.translate(_TABLE)  # (and so every character of the text is learnt)
        if _TABLE.irregular_re.search(text):
            return _normalize_slow(text, folded)
    if len(folded) == len(text):
        return NormalizedText(text, folded)
    return NormalizedText(text, folded, _removed(text, _DELETE_RE))


def same_offsets(text: str, folded: str) -> bool:
    """True when every offset of `folded` (= `fold(text)`) is the same offset in `text` (nothing removed or expanded)."""
    if len(folded) != len(text):
        return False
    return text.isascii() or _simple(text) or not _TABLE.irregular_re.search(text)


def _normalize_slow(text: str, folded: str) -> NormalizedText:
    """Character by character, for texts holding a character that expands (… ﻻ) or vanishes irregularly."""
    table = _TABLE
    offsets: list[int] = []
    done = 0
    # Between special characters every character maps to one: whole ranges at a time.
    for m in table.special_re.finditer(text):
        i = m.start()
        offsets.extend(range(done, i))
        n = len(table[ord(text[i])])
        if n:
            offsets.extend([i] * n)
        done = i + 1
    offsets.extend(range(done, len(text) + 1))
    return NormalizedText(text, folded, offsets=tuple(offsets))


def normalize_name(name: str) -> str:
    """The matching form of a registry name: as a text, with runs of spaces collapsed."""
    return " ".join(fold(name).replace("#", " ").replace("@", " ").split())
