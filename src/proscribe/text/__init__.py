"""Text: language identification, normalisation for matching, tokens (hashtags, mentions, URLs, emoji)."""

from proscribe.text.normalize import NormalizedText, normalize, normalize_name
from proscribe.text.tokens import Token, TokenKind, emoji_signals, split_words, tokens

__all__ = [
    "NormalizedText",
    "Token",
    "TokenKind",
    "emoji_signals",
    "normalize",
    "normalize_name",
    "split_words",
    "tokens",
]
