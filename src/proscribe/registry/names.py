"""A light name normaliser for registry search and weak-name marking (any script)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rigour.text.translit import ascii_text

# Arabic and Persian letter variants that spell the same word (ي/ی/ى, ك/ک, ة/ه, أإآٱ/ا, ...).
_ARABIC_FOLD = str.maketrans(
    {
        "ی": "ي",
        "ى": "ي",
        "ئ": "ي",
        "ۍ": "ي",
        "ې": "ي",
        "ک": "ك",
        "ڪ": "ك",
        "ة": "ه",
        "ۀ": "ه",
        "ہ": "ه",
        "ھ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200c": " ",  # zero-width non-joiner separates Persian word parts
        "\u200d": None,
        "\u200b": None,
        "\ufeff": None,
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Latin article prefixes of Arabic names written joined or hyphenated ("al-Qaida", "el-Din").
_LATIN_ARTICLE = re.compile(r"\b(?:al|el|ul|ad|ar|as|ash|at|az|an)[-‐‑’'`ʼ](?=\w)", re.IGNORECASE)
_APOSTROPHES = re.compile(r"[’'`ʼʻ‘´ʿʾ]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NON_WORD_ASCII = re.compile(r"[^a-z0-9]+")
_APOSTROPHES_ASCII = re.compile(r"['`]")
_SPACES = re.compile(r"\s+")

# Common words that are names of designated groups but mean something else alone;
# they need corroborating context before they count as a mention.
COMMON_WORDS = frozenset(
    {
        "base",
        "the base",
        "party",
        "group",
        "army",
        "front",
        "movement",
        "organization",
        "organisation",
        "council",
        "brigade",
        "brigades",
        "state",
        "the state",
        "isis",
        "hezb",
        "hizb",
        "jihad",
        "resistance",
        "the resistance",
        "ansar",
        "jund",
        "jamaat",
        "the foundation",
        "حزب",
        "חמס",  # Hebrew "violence", written like Hamas
        "دولة",
        "مقاومة",
    }
)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case, diacritics, Arabic letter variants, digits and punctuation folded; words kept apart.

    Stays in the text's own script: "Ḥizb-Allāh" -> "hizb allah", "حزبُ الله" -> "حزب الله".
    """
    if text.isascii():  # most list names: skip the Unicode work
        return " ".join(_NON_WORD_ASCII.sub(" ", _APOSTROPHES_ASCII.sub("", text.lower())).split())
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD).translate(_DIGITS)
    text = _APOSTROPHES.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def _drop_articles(folded: str) -> str:
    """Drops the Arabic article from each word: "al qaida" -> "qaida", "القاعده" -> "قاعده"."""
    words = []
    for word in folded.split(" "):
        if word in ("al", "el", "ul") or word == "ال":
            continue
        if word.startswith("ال") and len(word) > 3 and word != "الله":
            word = word[2:]
        words.append(word)
    return " ".join(w for w in words if w)


@lru_cache(maxsize=200_000)
def key(text: str) -> str:
    """The search key of a name, in its own script: folded, articles dropped."""
    text = _LATIN_ARTICLE.sub("", unicodedata.normalize("NFKC", text))
    return _drop_articles(fold(text))


@lru_cache(maxsize=200_000)
def latin(text: str) -> str:
    """The search key transliterated to ASCII Latin ("حزب الله" -> "hzb llh")."""
    k = key(text)
    if k.isascii():
        return k
    return fold(ascii_text(k))


@lru_cache(maxsize=400_000)
def skeleton_word(word: str) -> str:
    """A word's consonant skeleton, so spelling variants meet (hizballah/hezbollah -> hzbl)."""
    word = word.replace("q", "k").replace("c", "k").replace("ph", "f")
    out: list[str] = []
    for ch in word:
        if ch in "aeiouy" or (out and out[-1] == ch):
            continue
        out.append(ch)
    if len(out) >= 2 and out[-1] == "h" and out[-2] not in "sckgzdt":  # -ah/-a, ta marbuta; not sh/kh/th
        out.pop()
    return "".join(out)


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """The consonant skeleton of a whole name, word breaks ignored ("Hizb Allah" = "Hizballah")."""
    joined = "".join(skeleton_word(w) for w in latin(text).split(" "))
    return "".join(ch for i, ch in enumerate(joined) if i == 0 or joined[i - 1] != ch)


_NOT_LETTER = re.compile(r"[\W\d_]+")


def letters(text: str) -> int:
    return len(_NOT_LETTER.sub("", text))


def auto_weak(text: str) -> bool:
    """Too short (<= 3 letters) or too common a word to count as a mention alone."""
    return letters(text) <= 3 or fold(text) in COMMON_WORDS


_SCRIPT_PREFIXES = (
    ("LATIN", "Latn"),
    ("ARABIC", "Arab"),
    ("HEBREW", "Hebr"),
    ("CYRILLIC", "Cyrl"),
    ("GREEK", "Grek"),
    ("CJK", "Hani"),
    ("HANGUL", "Hang"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("DEVANAGARI", "Deva"),
    ("BENGALI", "Beng"),
    ("GURMUKHI", "Guru"),
    ("TAMIL", "Taml"),
    ("THAI", "Thai"),
    ("ETHIOPIC", "Ethi"),
    ("GEORGIAN", "Geor"),
    ("ARMENIAN", "Armn"),
    ("SYRIAC", "Syrc"),
)


def script_of(text: str) -> str | None:
    """The ISO 15924 code of the first letter's script, or None when unknown."""
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for prefix, code in _SCRIPT_PREFIXES:
                if name.startswith(prefix):
                    return code
            return None
    return None


def person_variants(name: str) -> list[str]:
    """'KHAMENEI, Ali Husseini' -> ['Ali Husseini KHAMENEI']: the order names are written in text."""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first:
            return [f"{first} {last}"]
    return []


def slug(text: str) -> str:
    """A lowercase ASCII slug [a-z0-9-] for ids ("Hizballah Military Wing" -> "hizballah-military-wing")."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_text(fold(text)).lower()).strip("-")
