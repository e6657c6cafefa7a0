"""Tokens of a post with their kind: words, numbers, hashtags (split into words), @mentions, URLs, emoji."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TokenKind(StrEnum):
    WORD = "word"
    NUMBER = "number"
    HASHTAG = "hashtag"
    MENTION = "mention"  # @handle
    URL = "url"
    EMOJI = "emoji"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # as written
    start: int  # offsets in the original text
    end: int
    words: tuple[str, ...] = ()  # hashtags and handles: the words inside


# Emoji: the pictographic blocks, dingbats, regional-indicator flags, keycaps.
_EMOJI = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags' regional indicators, symbols
    "\u2600-\u27bf"  # misc symbols and dingbats (☝ ⚔ ✊ ...)
    "\u2b00-\u2bff"  # arrows and stars
    "\ufe0f\u200d"  # variation selector and joiner inside emoji sequences
)
EMOJI_RE = re.compile(f"[{_EMOJI}]+")
# Case spelled out rather than re.IGNORECASE, which makes every position of a post slower to try.
URL_RE = re.compile(r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)[^\s<>\"']+")
MENTION_RE = re.compile(r"(?<![\w@])@\w{1,50}")
HASHTAG_RE = re.compile(r"(?<![\w#&])#\w+")
_TOKEN_RE = re.compile(
    rf"(?P<url>{URL_RE.pattern})|(?P<mention>{MENTION_RE.pattern})|(?P<hashtag>{HASHTAG_RE.pattern})"
    rf"|(?P<emoji>[{_EMOJI}]+)|(?P<number>\d+(?:[.,:/]\d+)*)|(?P<word>\w+(?:['’]\w+)*)",
    re.IGNORECASE,
)
# Word parts of a hashtag or handle: `_`, `.`, digits and camel case separate them.
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")

# Emoji that carry a signal in this domain (corroborating context for weak names; evidence for the classifier).
EMOJI_SIGNALS: dict[str, str] = {
    "\U0001f53b": "red inverted triangle: the target marker of Hamas's armed wing's videos",
    "\U0001fa82": "parachute: the paragliders of the 7 October 2023 attack",
    "\u261d": "raised index finger: the tawhid gesture used in ISIS propaganda",
    "\U0001f3f4": "black flag",
    "\u2694": "crossed swords",
    "\U0001f5e1": "dagger",
    "\U0001f52a": "knife",
    "\U0001f4a3": "bomb",
    "\U0001f52b": "pistol",
    "\U0001f680": "rocket",
    "\U0001f4a5": "explosion",
    "\U0001f9e8": "dynamite",
}


def split_words(tag: str) -> tuple[str, ...]:
    """`#AlAqsaFlood` -> (Al, Aqsa, Flood); `izzedine_alqassam99` -> (izzedine, alqassam, 99)."""
    tag = tag.lstrip("#@")
    words: list[str] = []
    for part in re.split(r"[_.\-]+", tag):
        words.extend(_CAMEL_RE.findall(part))
    return tuple(w for w in words if w)


def tokens(text: str) -> list[Token]:
    """Every token of `text`, in order, with its kind."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = TokenKind(m.lastgroup)
        words = split_words(m.group()) if kind in (TokenKind.HASHTAG, TokenKind.MENTION) else ()
        out.append(Token(kind, m.group(), m.start(), m.end(), words))
    return out


def emoji_signals(text: str) -> list[tuple[str, str]]:
    """The signal emoji in `text`, each with what it stands for, in order of appearance."""
    found: list[tuple[str, str]] = []
    for m in EMOJI_RE.finditer(text):
        for ch in m.group():
            if ch in EMOJI_SIGNALS:
                found.append((ch, EMOJI_SIGNALS[ch]))
    return found


def url_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in URL_RE.finditer(text)] if ("http" in text or "www." in text or "HTTP" in text) else []


def mention_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in MENTION_RE.finditer(text)] if "@" in text else []


def hashtag_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in HASHTAG_RE.finditer(text)] if "#" in text else []
