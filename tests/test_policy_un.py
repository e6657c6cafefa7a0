"""UN membership for the officials' exemptions: members on a date, observers are not members."""

from datetime import date

from proscribe.policy import un


def test_193_member_states() -> None:
    assert len(un.members()) == 193


def test_membership_on_a_date() -> None:
    assert un.is_member("IR", date(2024, 1, 1)) is not None
    assert un.is_member("irn", date(2024, 1, 1)) is not None  # alpha-3, any case
    assert un.is_member("SS", date(2011, 1, 1)) is None  # South Sudan joined on 2011-07-14
    assert un.is_member("SS", date(2012, 1, 1)) is not None


def test_observers_and_others_are_not_members() -> None:
    for code in ("PS", "VA", "TW", "XK", "", None):
        assert un.is_member(code, date(2024, 1, 1)) is None
