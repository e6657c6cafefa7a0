"""Normalisation for matching: one canonical form of a text plus a map back to its original offsets.

The original text is never changed; `normalize(text)` returns a `NormalizedText`
whose `.text` is what the matcher searches and whose `.span(start, end)` turns
offsets in it back into offsets of the original.

Rules (documented in docs/detection.md):

- Unicode NFKC (only when the text is not already NFKC: checking is cheap,
  composing is not), then lower case.
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

Every rule maps one character to one character except the removals (and the
rare NFKC or case expansions), so offsets are kept exactly: removals are
tracked by position and mapped back with a binary search; texts needing
NFKC or an expanding case fold take a slower per-character path.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# One-to-one replacements applied to every non-ASCII text (after lower()).
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
    ("\u0640", ""),  # tatweel: removed (listed here so the regex below also catches it)
)
_DIGITS: tuple[tuple[str, str], ...] = tuple(
    (chr(0x06F0 + i), str(i)) for i in range(10)
) + tuple((chr(0x0660 + i), str(i)) for i in range(10))

# One-to-one replacements every text gets (ASCII included).
_PUNCT_SPACE = ("-", "_", "\n", "\t", "\r")
_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb\u02bf\u02be`\u00b4\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00a0"

# Characters removed outright (positions tracked for the offset map).
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
_LATIN_EXT_RE = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_NON_ASCII_MAPPED_RE = re.compile(
    "[" + "".join(a for a, _ in _ARABIC_FOLD + _DIGITS) + _DASHES + "]"
)


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


_LATIN_FOLD = _latin_fold_table()

# The same rules as one table, for the per-character path.
_CHAR_TABLE: dict[int, str | None] = {ord(a): (b if b else None) for a, b in _ARABIC_FOLD + _DIGITS}
_CHAR_TABLE.update({ord(c): " " for c in _PUNCT_SPACE})
_CHAR_TABLE.update({ord(c): " " for c in _DASHES})
_CHAR_TABLE.update(_LATIN_FOLD)


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


def _fold_non_ascii(s: str) -> str:
    if _NON_ASCII_MAPPED_RE.search(s):
        for a, b in _ARABIC_FOLD + _DIGITS:
            if b and a in s:
                s = s.replace(a, b)
        for d in _DASHES:
            if d in s:
                s = s.replace(d, " ")
    if _LATIN_EXT_RE.search(s):
        s = s.translate(_LATIN_FOLD)
    return s


def normalize(text: str) -> NormalizedText:
    """The matching form of `text` (see the module docstring for the rules)."""
    if text.isascii():
        low = text.lower()
        for c in _PUNCT_SPACE:
            if c in low:
                low = low.replace(c, " ")
        if "'" in low or "`" in low:
            removed = tuple(m.start() - k for k, m in enumerate(_ASCII_DELETE_RE.finditer(low)))
            low = _ASCII_DELETE_RE.sub("", low)
            return NormalizedText(text, low, removed)
        return NormalizedText(text, low)
    if not unicodedata.is_normalized("NFKC", text):
        return _normalize_slow(text)
    low = text.lower()
    if len(low) != len(text):
        return _normalize_slow(text)
    for c in _PUNCT_SPACE:
        if c in low:
            low = low.replace(c, " ")
    low = _fold_non_ascii(low)
    if _DELETE_RE.search(low):
        removed = tuple(m.start() - k for k, m in enumerate(_DELETE_RE.finditer(low)))
        return NormalizedText(text, _DELETE_RE.sub("", low), removed)
    return NormalizedText(text, low)


_CHAR_CACHE: dict[str, str] = {}


def _map_char(ch: str) -> str:
    """What one original character becomes (possibly several characters, possibly none); memoised."""
    out = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        if _DELETE_RE.match(c):
            continue
        mapped = _CHAR_TABLE.get(ord(c), c)
        if mapped:
            out.append(mapped)
    result = "".join(out)
    if len(_CHAR_CACHE) < 100_000:
        _CHAR_CACHE[ch] = result
    return result


def _normalize_slow(text: str) -> NormalizedText:
    """Character by character, for texts whose NFKC form or case fold changes length."""
    out: list[str] = []
    offsets: list[int] = []
    cache = _CHAR_CACHE
    for i, ch in enumerate(text):
        mapped = cache.get(ch)
        if mapped is None:
            mapped = _map_char(ch)
        if len(mapped) == 1:
            out.append(mapped)
            offsets.append(i)
        else:
            for m in mapped:
                out.append(m)
                offsets.append(i)
    offsets.append(len(text))
    return NormalizedText(text, "".join(out), offsets=tuple(offsets))


def normalize_name(name: str) -> str:
    """The matching form of a registry name: as a text, with runs of spaces collapsed."""
    n = normalize(name).text
    return " ".join(n.replace("#", " ").replace("@", " ").split())
