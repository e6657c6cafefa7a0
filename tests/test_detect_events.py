"""Event date expressions come from the registry's date, in many languages; bare dates need context."""

from __future__ import annotations

from datetime import date

from functools import lru_cache

from proscribe.detect.events import date_expressions, date_patterns
from proscribe.detect.matcher import Matcher
from proscribe.registry import starter
from proscribe.registry.scope import Scope


@lru_cache(maxsize=1)
def starter_matcher() -> Matcher:
    return Matcher.from_entities([Scope().apply(e) for e in starter.load()])


def test_expressions_generated_from_the_date_alone() -> None:
    exprs = set(date_expressions(date(2023, 10, 7)))
    for e in ("7 October", "October 7th", "Oct. 7", "7th of October", "7 octobre", "7. Oktober", "7 de octubre", "7 Ekim",
              "7 октября", "7 באוקטובר", "7 أكتوبر", "السابع من أكتوبر", "7 تشرين الأول", "7 اکتبر", "هفتم اکتبر", "7/10", "10/7"):
        assert e.lower() in {x.lower() for x in exprs}, e
    assert "9/11" in date_expressions(date(2001, 9, 11))
    assert "11 سپتامبر" in date_expressions(date(2001, 9, 11))
    assert all(p == p.lower() for p in date_patterns(date(2001, 9, 11)))


def test_dates_count_with_context_and_say_so() -> None:
    found = [m for m in starter_matcher().find("۷ اکتبر حمله حماس") if m.via == "date"]
    assert found and found[0].entity_id == "event-2023-10-07" and found[0].corroboration
    found = [m for m in starter_matcher().find("On 7 October 2023 they came") if m.via == "date"]
    assert found and found[0].corroboration == "year 2023"


def test_bare_dates_only_on_request() -> None:
    assert [m for m in starter_matcher().find("my birthday is 7 October") if m.via == "date"] == []
    weak = [m for m in starter_matcher().find("my birthday is 7 October", include_weak=True) if m.via == "date"]
    assert weak and weak[0].weak and weak[0].corroboration is None


def test_epithet_names_the_event_and_its_perpetrators() -> None:
    found = starter_matcher().find("heroes of the Flood, we salute you")
    assert {m.entity_id for m in found if m.via == "epithet"} == {"event-2023-10-07"}
    assert "hamas" in {m.entity_id for m in found if m.via == "perpetrator"}


def test_praise_right_beside_a_date_makes_it_the_event() -> None:
    for text in ("درود بر قهرمانان ۷ اکتبر", "المجد لأبطال 7 أكتوبر", "Glory to the heroes of 7 October", "7 October heroes 🇵🇸",
                 "October 7 was a blessed day", "der gesegnete 7. Oktober"):
        found = [m for m in starter_matcher().find(text) if m.via == "date"]
        assert found and found[0].entity_id == "event-2023-10-07" and "praise beside it" in (found[0].corroboration or ""), text
    far = "Our heroes in the football team won the cup again last night, and the final is set for 7 October"
    assert [m for m in starter_matcher().find(far) if m.via == "date"] == []  # praise too far from the date
    # The Arabic and Turkish words for "blessed" greet a Friday or a feast day: no event by them.
    for text in ("جمعة مباركة 7 أكتوبر", "7 Ekim mübarek cuma"):
        assert [m for m in starter_matcher().find(text) if m.via == "date"] == [], text
