"""Profiles are data: the shipped files load, and a bad file is refused with its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from proscribe.model import AccountAction, ContentAction
from proscribe.policy.profile import SHIPPED, Violation, from_text, load, shipped_path
from proscribe.policy.yamlfile import FileError

FIXTURES = Path(__file__).parent / "fixtures" / "policy"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_load(name: str) -> None:
    profile = load(name)
    assert profile.name == name
    assert profile.version.startswith(f"{name}@")
    assert set(profile.categories) >= {Violation.GLORIFICATION, Violation.SUPPORT, Violation.REPRESENTATION, Violation.THREAT}


def test_meta_ladder_and_doi_threshold_are_the_published_numbers() -> None:
    meta = load("meta")
    steps = {n: meta.strikes.step(n) for n in range(1, 12)}
    assert steps[1].action is AccountAction.WARN
    assert all(steps[n].action is AccountAction.RESTRICT and steps[n].days is None for n in range(2, 7))
    assert [steps[n].days for n in (7, 8, 9, 10, 11)] == [1, 3, 7, 30, 30]
    assert meta.strikes.expire_after_days == 365 and meta.strikes.max_content_age_days == 90
    assert meta.doi.threshold == 5 and meta.doi.account_action is AccountAction.DISABLE
    assert meta.notices["repeated"] == "removed for repeatedly violating our Dangerous Organizations and Individuals policy"
    assert meta.exemptions == ()


def test_x_un_rule_thresholds() -> None:
    (rule,) = load("x").exemptions
    assert rule.min_followers == 100_000 and rule.un_member and rule.never_suspend
    assert set(rule.roles) == {
        "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
        "government_official", "legislator", "candidate", "political_party",
    }
    assert rule.content_action is ContentAction.INTERSTITIAL
    (tw,) = load("twitter-2021").exemptions
    assert Violation.THREAT not in tw.categories and not tw.never_suspend


def test_a_user_profile_file_loads_by_path() -> None:
    profile = load(FIXTURES / "custom.yaml")
    assert profile.name == "small-forum"
    assert profile.notice("repeated", strikes=3) == "Account closed after 3 violations."


def test_hash_ignores_comments_but_not_meaning() -> None:
    text = (FIXTURES / "custom.yaml").read_text()
    a = from_text(text)
    b = from_text("# a new comment\n" + text)
    c = from_text(text.replace("threshold: 3", "threshold: 4"))
    assert a.version == b.version != c.version


def _errors(text: str) -> str:
    with pytest.raises(FileError) as info:
        from_text(text, "mine.yaml")
    return str(info.value)


BASE = (FIXTURES / "custom.yaml").read_text()


def test_unknown_key_names_line_and_suggests() -> None:
    text = BASE.replace("thresholds: {act: 0.7, review: 0.5}", "thresholds:\n  act: 0.7\n  reveiw: 0.5")
    message = _errors(text)
    line = text.splitlines().index("  reveiw: 0.5") + 1
    assert f"mine.yaml:{line}: thresholds.reveiw: unknown key; did you mean 'review'?" in message
    assert "thresholds.review: required key is missing" in message


def test_bad_enum_value_lists_the_allowed_ones() -> None:
    text = BASE.replace("glorification: {content_action: remove}", "glorification: {content_action: delete}")
    message = _errors(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "delete" in l)
    assert f"mine.yaml:{line}: categories.glorification.content_action: not an allowed value" in message
    assert "'remove'" in message


def test_semantic_errors_point_at_their_key() -> None:
    message = _errors(BASE.replace("{act: 0.7, review: 0.5}", "{act: 0.4, review: 0.5}"))
    assert "thresholds: Value error, review (0.5) must not be above act (0.4)" in message
    message = _errors(BASE.replace("remove: \"Removed", "remvoe: \"Removed"))
    assert "notices: Value error, unknown notice 'remvoe'" in message
    message = _errors(BASE.replace("({strikes} strikes)", "({secret.__class__} strikes)"))
    assert "only ['profile', 'strikes', 'title', 'until'] can be filled in" in message


def test_unknown_role_and_category_are_refused() -> None:
    text = shipped_path("x").read_text()
    message = _errors(text.replace("candidate, political_party]", "candidate, king]"))
    assert "unknown role(s) ['king']" in message
    message = _errors(BASE.replace("  support: {content_action: remove}", "  propaganda: {content_action: remove}"))
    assert "categories.propaganda" in message


def test_not_yaml_and_not_a_mapping() -> None:
    assert "mine.yaml:2: not valid YAML" in _errors("name: x\n  bad: [\n")
    assert "a profile must be a mapping" in _errors("- just\n- a list\n")


def test_missing_file_and_unknown_name() -> None:
    with pytest.raises(FileError, match="no such file"):
        load("/nonexistent/profile.yaml")
    with pytest.raises(FileError, match="shipped profiles: meta, x, twitter-2021"):
        load("facebook")


def test_yaml_tags_that_build_objects_are_refused() -> None:
    assert "not valid YAML" in _errors("name: !!python/object/apply:os.system ['true']\n")


def test_a_high_reach_threshold_must_be_a_whole_number_of_followers() -> None:
    text = BASE.replace("{act: 0.7, review: 0.5}", "{act: 0.7, review: 0.5, high_reach_followers: -5}")
    assert "thresholds.high_reach_followers" in _errors(text)
    named = from_text(BASE.replace("{act: 0.7, review: 0.5}", "{act: 0.7, review: 0.5, high_reach_followers: 25000}"), "mine.yaml")
    assert named.thresholds.high_reach_followers == 25_000 and load("meta").thresholds.high_reach_followers is None


def test_durations_beyond_a_hundred_years_are_refused() -> None:
    message = _errors(BASE.replace("expire_after_days: 180", "expire_after_days: 99999999999"))
    assert "strikes.expire_after_days" in message and "36500" in message
    message = _errors(BASE.replace("window_days: 180", "window_days: 99999999999"))
    assert "doi.window_days" in message
