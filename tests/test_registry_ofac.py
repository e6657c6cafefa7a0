"""OFAC legacy CSV importer: the real files' quirks, companions, and bad files."""

from pathlib import Path

import pytest

from proscribe.model import EntityKind
from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import ofac

FIX = Path(__file__).parent / "fixtures" / "registry" / "ofac"


@pytest.fixture(scope="module")
def result():
    return ofac.load(FIX / "sdn.csv")


def test_programs_split_into_lists_and_companions_read(result) -> None:
    by_id = {e.id: e for e in result.entities}
    hamas = by_id["ofac-4695"]
    assert hamas.kind is EntityKind.ORGANIZATION
    assert [d.list for d in hamas.designations] == ["us-ofac-fto", "us-ofac-sdgt"]
    assert {d.source_id for d in hamas.designations} == {"4695"}
    assert "ISLAMIC RESISTANCE MOVEMENT" in {n.text for n in hamas.names}  # from alt.csv beside sdn.csv
    assert by_id["ofac-4697"].countries == ("LB",)  # from add.csv


def test_remark_aliases_with_inner_apostrophes_and_weak_short_names(result) -> None:
    names = {n.text: n for n in next(e for e in result.entities if e.id == "ofac-4697").names}
    assert "FOREIGN RELATIONS DEPARTMENT" in names
    assert "ABU-'UMAR" in names
    assert names["LH"].weak and not names["HIZBALLAH"].weak


def test_person_names_in_written_order_and_other_programs(result) -> None:
    k = next(e for e in result.entities if e.id == "ofac-26945")
    assert k.kind is EntityKind.PERSON
    assert "Ali Husseini KHAMENEI" in {n.text for n in k.names}
    assert [d.list for d in k.designations] == ["us-ofac-iran-eo13876"]
    assert k.countries == ("IR",)


def test_vessels_skipped_and_unknown_companion_rows_reported(result) -> None:
    assert "ofac-15036" not in {e.id for e in result.entities}
    reasons = {s["reason"]: s["count"] for s in result.skipped.as_list()}
    assert reasons["vessel (not a person or organisation)"] == 1
    assert reasons["alt.csv row whose ent_num is not in sdn.csv (or was skipped)"] == 1
    assert reasons["add.csv row whose ent_num is not in sdn.csv (or was skipped)"] == 1
    assert any("alt.csv names 1 ent_num" in n for n in result.notes)


def test_broken_quote_names_file_and_line(tmp_path) -> None:
    bad = tmp_path / "sdn.csv"
    good = (FIX / "sdn.csv").read_bytes().split(b"\r\n")
    good[1] = b'4697,"HIZBALLAH,-0- ,"FTO] [SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
    bad.write_bytes(b"\r\n".join(good))
    with pytest.raises(ListFormatError) as exc:
        ofac.load(bad)
    assert "sdn.csv:2" in str(exc.value)


def test_wrong_format_is_refused(tmp_path) -> None:
    wrong = tmp_path / "sdn.csv"
    wrong.write_text("celex,recordId,name\n1,2,3\n")
    with pytest.raises(ListFormatError) as exc:
        ofac.load(wrong)
    assert "sdn.csv:1" in str(exc.value) and "columns" in str(exc.value)


def test_empty_file(tmp_path) -> None:
    empty = tmp_path / "sdn.csv"
    empty.write_bytes(b"\x1a")
    with pytest.raises(ListFormatError, match="empty"):
        ofac.load(empty)
