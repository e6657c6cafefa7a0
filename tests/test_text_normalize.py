"""Normalisation for matching: the rules, and offsets that always point into the original text."""

from __future__ import annotations

from proscribe.text.normalize import fold, normalize, normalize_name, same_offsets


def _span_of(original: str, needle: str) -> str:
    nt = normalize(original)
    i = nt.text.index(needle)
    a, b = nt.span(i, i + len(needle))
    return original[a:b]


def test_arabic_and_persian_letter_variants_fold_together() -> None:
    assert normalize_name("حزب‌الله") == normalize_name("حزب الله")
    assert normalize_name("القاعدة") == normalize_name("القاعده")
    assert normalize_name("إسماعيل") == normalize_name("اسماعیل")
    assert normalize_name("كتائب") == normalize_name("کتائب")
    assert normalize_name("مؤسسه") == normalize_name("موسسه")


def test_harakat_and_tatweel_are_removed_and_offsets_kept() -> None:
    text = "قال إن حَمـــاس انتصرت"
    assert "حماس" in normalize(text).text
    assert _span_of(text, "حماس") == "حَمـــاس"


def test_zero_width_non_joiner_is_a_word_joint() -> None:
    nt = normalize("حماس‌ها")
    assert nt.text == "حماس ها"
    assert _span_of("حماس‌ها", "حماس") == "حماس"


def test_digits_case_latin_diacritics_apostrophes_hyphens() -> None:
    assert normalize("۷ اکتبر").text.startswith("7 ")
    assert normalize("٩/١١").text == "9/11"
    assert normalize_name("Ḥizballāh") == "hizballah"
    assert normalize_name("Da’esh") == normalize_name("Da'esh") == "daesh"
    assert normalize_name("al-Qa'ida") == "al qaida"
    assert normalize_name("#طوفان_الأقصى") == "طوفان الاقصي"


def test_offsets_after_removed_apostrophes() -> None:
    text = "Don't say Da'esh or al-Qa'ida"
    assert _span_of(text, "daesh") == "Da'esh"
    assert _span_of(text, "al qaida") == "al-Qa'ida"


def test_texts_that_change_length_under_nfkc_map_back() -> None:
    text = "ﻻ إله… and Hamas"  # a lam-alef ligature and an ellipsis expand under NFKC
    nt = normalize(text)
    assert nt.offsets is not None
    assert _span_of(text, "hamas") == "Hamas"
    assert _span_of("İstanbul Hamas'ın", "hamas") == "Hamas"


def test_empty_text() -> None:
    assert normalize("").text == ""


def test_fold_is_the_normal_form_without_the_map() -> None:
    texts = [
        "Hizballāh and Da’esh",
        "حَمـــاس‌ها و ۷ اکتبر",
        "ﻻ إله… and Hamas",
        "İstanbul Hamas'ın",
        "ΟΔΟΣ σοφίας",  # final sigma folds to sigma, whatever the context
        "a\u00a0b—c",  # NBSP and an em dash: one character each, not NFKC
        "Da´esh",  # acute accent used as an apostrophe: removed like one
    ]
    for text in texts:
        assert fold(text) == normalize(text).text
    assert fold("ΟΔΟΣ") == fold("οδος") == "οδοσ"
    assert fold("Da´esh") == "daesh"


def test_same_offsets() -> None:
    assert same_offsets("Hamas leaders", fold("Hamas leaders"))
    assert same_offsets("حماس‌ها", fold("حماس‌ها"))  # ZWNJ is one space
    assert not same_offsets("Da'esh", fold("Da'esh"))
    assert not same_offsets("ﻻ إله… and", fold("ﻻ إله… and"))
