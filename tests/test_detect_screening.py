"""Account screening: designated entities in handles, names and bios; officials by name and by role phrase."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from proscribe.detect.matcher import Matcher
from proscribe.detect.screening import OfficialIndex, countries_in, role_of_position, screen
from proscribe.model import Account
from proscribe.registry import starter
from proscribe.registry.scope import Scope


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher.from_entities([Scope().apply(e) for e in starter.load()])


def test_handle_and_display_name_name_a_designated_entity() -> None:
    s = screen(Account("a1", handle="hamas_official", display_name="Hamas Movement"), matcher(), OfficialIndex.seed())
    assert {m.entity_id for m in s.entity_mentions} == {"hamas"}
    assert {m.field for m in s.entity_mentions} == {"handle", "display_name"}
    assert s.score >= 0.9 and not s.official


def test_handles_split_and_spelt_their_own_way() -> None:
    s = screen(Account("a2", handle="izzedine_alqassam"), matcher())
    assert [m.entity_id for m in s.entity_mentions] == ["qassam-brigades"]
    assert "consonants" in (s.entity_mentions[0].corroboration or "")
    assert screen(Account("a3", handle="john_smith99"), matcher()).entity_mentions == ()


def test_a_bio_mention_weighs_less() -> None:
    s = screen(Account("a4", handle="peace_now", bio="anti-Hamas, pro peace"), matcher())
    assert s.entity_mentions and s.score == 0.5


@pytest.mark.parametrize(
    ("account", "role", "country"),
    [
        (Account("o1", handle="khamenei_ir", display_name="Khamenei.ir", bio="Official account of the Office of the Supreme Leader of Iran"), "head_of_state_office", "IR"),
        (Account("o2", handle="fa_khamenei", display_name="KHAMENEI.IR", bio="دفتر حفظ و نشر آثار حضرت آیت‌الله العظمی سید علی خامنه‌ای"), "head_of_state_office", "IR"),
        (Account("o3", handle="MFA_Iran", display_name="Iran Foreign Ministry", bio="Ministry of Foreign Affairs of the Islamic Republic of Iran"), "ministry", "IR"),
        (Account("o4", handle="ksamofa", display_name="وزارة الخارجية السعودية"), "ministry", "SA"),
        (Account("o5", handle="netanyahu", display_name="Benjamin Netanyahu"), "head_of_government", "IL"),
        (Account("o6", handle="pezeshkian", display_name="مسعود پزشکیان", bio="رئیس‌جمهور جمهوری اسلامی ایران"), "head_of_state", "IR"),
    ],
)
def test_officials_inferred_across_scripts(account: Account, role: str, country: str) -> None:
    s = screen(account, matcher(), OfficialIndex.seed())
    assert s.official and s.official_inferred
    assert (s.official_role, s.official_country) == (role, country)
    assert s.official_evidence


@pytest.mark.parametrize(
    "account",
    [
        Account("p1", handle="SillyWalksMin", display_name="Ministry of Silly Walks", bio="Parody account. Not affiliated with any government.", country="GB"),
        Account("p2", handle="janedoe", display_name="Jane Doe", bio="Journalist covering the Ministry of Defence", country="GB"),
        Account("p3", handle="khamenei_fans", display_name="Khamenei.ir fan page", bio="Office of the Supreme Leader, unofficial"),
        Account("p4", handle="tanz_vezarat", display_name="وزارت طنز", bio="حساب طنز"),
        Account("p5", handle="mofa_sakher", display_name="وزارة الخارجية (حساب ساخر)"),
        Account("p6", handle="memelord", display_name="Minister of Memes", bio="posting the dankest takes since 2019", country="GB"),
        Account("p7", handle="chef_ali", display_name="وزير المطبخ", bio="وصفات سهلة كل يوم"),
    ],
)
def test_parody_fan_and_press_accounts_are_not_inferred_officials(account: Account) -> None:
    s = screen(account, matcher(), OfficialIndex.seed())
    assert not s.official and s.official_role is None
    assert s.official_evidence and "no official role inferred" in s.official_evidence


def test_a_role_given_by_the_platform_is_kept_not_inferred() -> None:
    s = screen(Account("o7", handle="x", role="minister", country="FR"), matcher(), OfficialIndex.seed())
    assert s.official and not s.official_inferred and s.official_role == "minister" and s.official_country == "FR"
    s = screen(Account("o8", handle="jane", display_name="Jane", bio="I love cats", role="individual"), matcher(), OfficialIndex.seed())
    assert not s.official


def test_world_leaders_csv_format(tmp_path: Path) -> None:
    path = tmp_path / "leaders.csv"
    path.write_text("person,position,country,wikidata_id,gender\nAli Khamenei,Supreme Leader,Iran,Q57336,male\nEdi Rama,Prime Minister,Albania,Q316901,male\n")
    index = OfficialIndex.from_world_leaders_csv(path)
    assert [(o.name, o.role, o.country) for o in index.officials] == [("Ali Khamenei", "head_of_state", "IR"), ("Edi Rama", "head_of_government", "AL")]
    assert index.find("a post by Edi Rama")[0][0].name == "Edi Rama"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,title\nX,Y\n")
    with pytest.raises(ValueError, match="line 1"):
        OfficialIndex.from_world_leaders_csv(bad)


def test_ftm_pep_lines(tmp_path: Path) -> None:
    path = tmp_path / "peps.ftm.json"
    path.write_text(
        '{"id": "Q1", "schema": "Person", "properties": {"name": ["Faisal bin Farhan"], "position": ["Minister of Foreign Affairs"], "country": ["sa"]}}\n'
        '{"id": "Q2", "schema": "Position", "properties": {"name": ["Saudi ambassador"]}}\n'
    )
    index = OfficialIndex.from_ftm(path)
    assert [(o.name, o.role, o.country) for o in index.officials] == [("Faisal bin Farhan", "minister", "SA")]
    path.write_text("not json\n")
    with pytest.raises(ValueError, match="line 1"):
        OfficialIndex.from_ftm(path)


@pytest.mark.realdata
def test_real_world_leaders_file(shared_data: Path) -> None:
    index = OfficialIndex.from_world_leaders_csv(shared_data / "reference" / "world_leaders_2026-02.csv")
    assert len(index) > 150
    assert any(o.name == "Ali Khamenei" and o.country == "IR" for o, _ in index.find("Ali Khamenei"))


def test_positions_and_countries() -> None:
    assert role_of_position("Prime Minister") == "head_of_government"
    assert role_of_position("Supreme Leader") == "head_of_state"
    assert countries_in("جمهوری اسلامی ایران") == ["IR"]
