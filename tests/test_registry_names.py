"""The registry's light name normaliser: folding, skeletons, weak names."""

import pytest

from proscribe.registry import names as nm


@pytest.mark.parametrize(
    "a,b",
    [("Ḥizb-Allāh", "hizb allah"), ("حزبُ الله", "حزب الله"), ("Al-Qa'ida", "al qaida"), ("كتائب", "كتائب"), ("کتائب", "كتائب"), ("حمـاس", "حماس")],
)
def test_fold(a: str, b: str) -> None:
    assert nm.fold(a) == nm.fold(b)


@pytest.mark.parametrize("variant", ["Hezbollah", "Hizbullah", "HIZB ALLAH", "حزب الله", "Hizb-Allah"])
def test_spelling_variants_share_a_skeleton(variant: str) -> None:
    assert nm.skeleton(variant) == nm.skeleton("Hizballah")


def test_arabic_article_dropped_but_not_from_allah() -> None:
    assert nm.key("al-Qaida") == "qaida"
    assert nm.key("القاعدة") == "قاعده"
    assert nm.key("حزب الله") == "حزب الله"


@pytest.mark.parametrize("text,weak", [("IS", True), ("PKK", True), ("The Base", True), ("Isis", True), ("חמס", True), ("HAMAS", False), ("حماس", False)])
def test_auto_weak(text: str, weak: bool) -> None:
    assert nm.auto_weak(text) is weak


def test_script_and_person_order() -> None:
    assert nm.script_of("حماس") == "Arab" and nm.script_of("חמאס") == "Hebr" and nm.script_of("Hamas") == "Latn"
    assert nm.person_variants("KHAMENEI, Ali") == ["Ali KHAMENEI"]
    assert nm.slug("Hizballah Military Wing") == "hizballah-military-wing"
