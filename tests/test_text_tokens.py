"""Tokens with their kind: hashtags split into words, @mentions and URLs apart, emoji as signals."""

from __future__ import annotations

from proscribe.text.tokens import TokenKind, emoji_signals, split_words, tokens


def test_hashtags_split_on_underscores_and_camel_case() -> None:
    assert split_words("#AlAqsaFlood") == ("Al", "Aqsa", "Flood")
    assert split_words("#طوفان_الأقصى") == ("طوفان", "الأقصى")
    assert split_words("izzedine_alqassam99") == ("izzedine", "alqassam", "99")
    assert split_words("IRGCOfficial") == ("IRGC", "Official")


def test_token_kinds_and_offsets() -> None:
    text = "#AlAqsaFlood @hamas_info 🔻 see https://t.co/x on 7/10"
    toks = tokens(text)
    kinds = [t.kind for t in toks]
    assert kinds == [TokenKind.HASHTAG, TokenKind.MENTION, TokenKind.EMOJI, TokenKind.WORD, TokenKind.URL, TokenKind.WORD, TokenKind.NUMBER]
    for t in toks:
        assert text[t.start : t.end] == t.text
    assert toks[1].words == ("hamas", "info")


def test_emoji_signals_are_listed_with_their_meaning() -> None:
    found = emoji_signals("glory 🔻🪂 and 😀")
    assert [e for e, _ in found] == ["🔻", "🪂"]
    assert all(meaning for _, meaning in found)
