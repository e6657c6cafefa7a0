"""The signal lexicon and the gate: which posts are worth the model."""

from __future__ import annotations

import pytest

from proscribe.classify.signals import Gate, Lexicon, fold, signals_of
from proscribe.model import EntityKind, Mention


def _mention() -> Mention:
    return Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5)


def test_fold_joins_letter_variants_accents_and_digits() -> None:
    assert fold("كتائب") == fold("کتائب")
    assert fold("شهيد") == fold("شهید")
    assert fold("MÁRTIR") == "martir"
    assert fold("Şehit") == "sehit"
    assert fold("٧ أكتوبر") == "7 اکتوبر"
    assert fold("می\u200cبوسیم") == "می بوسیم"


@pytest.mark.parametrize(
    "text",
    [
        "we kiss the hands of those who planned it",
        "the heroes who crossed the fence on that blessed morning",
        "our martyr hero who struck the enemy",
        "a blessed operation",
        "I will kill the former president when he lands",
        "ما دست کسانی را که آن را طراحی کردند می‌بوسیم",
        "والشهداء الأبطال",
        "Şehitlerimizi rahmetle anıyoruz, kahramanlar",
        "join the caravan, brothers",
    ],
)
def test_implicit_praise_threats_and_recruiting_open_the_gate_without_a_name(text: str) -> None:
    assert Gate().opens(signals_of(text))


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "Lovely walk by the river this morning",
        "Our team won the derby 🔥",
        "Don't forget the meeting at noon",
    ],
)
def test_everyday_posts_do_not_open_the_gate(text: str) -> None:
    assert not Gate().opens(signals_of(text))


def test_any_mention_opens_the_gate() -> None:
    assert Gate().opens(signals_of("a quiet post", [_mention()]))


def test_two_weak_signals_open_the_gate_one_does_not() -> None:
    one = signals_of("such heroes")
    two = signals_of("such heroes 🔥")
    assert one.groups() == {"praise": 1} and not Gate().opens(one)
    assert Gate().opens(two)


def test_latin_terms_respect_word_boundaries_and_stems() -> None:
    lex = Lexicon({"praise": {"en": ("hero", "martyr*")}}, {})
    assert [h.term for h in lex.find("a superhero film")] == []
    assert [h.term for h in lex.find("the hero returns")] == ["hero"]
    assert [h.term for h in lex.find("martyrdom")] == ["martyr"]


def test_arabic_terms_take_clitics_and_suffixes() -> None:
    lex = Lexicon({"martyrdom": {"ar": ("شهيد",)}}, {})
    assert lex.find("والشهيد")  # و + ال before the word
    assert lex.find("شهيدنا")  # a suffix after it
    assert not lex.find("مستشهيد")  # not a clitic: another word


def test_signals_count_distinct_terms_per_group() -> None:
    sig = signals_of("heroes heroes heroes and legends")
    assert sig.groups()["praise"] == 2
    assert sig.terms() == ["heroes", "legends"]


@pytest.mark.parametrize(
    "text",
    [
        "#ولاية_الأنبار تفجير عبوة على دورية للجيش الصفوي ما أدى لهلاك عناصرها",
        "بفضل الله استهداف تجمع للحشد الرافضي جنوب سامراء",
        "تجييف عنصرين من صحوات الردة في محور الصابري",
        "Wilayat Sinai: the apostate army lost a vehicle, all on board killed",
        "سربازان خلافت یک خودروی ارتش را منفجر کردند",
    ],
)
def test_a_groups_labels_for_its_enemies_open_the_gate(text: str) -> None:
    sig = signals_of(text)
    assert sig.groups().get("enemy_label"), sig.terms()
    assert Gate().opens(sig)


@pytest.mark.parametrize("text", [
    "الصحوة الإسلامية في الثمانينات",  # an awakening, not the Sahwa councils
    "الردهة فاضية",  # a hall, not apostasy
    "هلاك 12 داعشيا بضربة للتحالف",  # the group's enemies say it of its dead: no death word is a label
    "12 ISIS fighters perished in a coalition strike",
])
def test_everyday_words_and_words_for_the_dead_are_not_enemy_labels(text: str) -> None:
    assert not signals_of(text).groups().get("enemy_label")
