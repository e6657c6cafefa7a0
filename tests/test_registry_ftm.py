"""FollowTheMoney importer: schemas, PEP positions and topics, sanctions as designations."""

from pathlib import Path

import pytest

from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import ftm

FIX = Path(__file__).parent / "fixtures" / "registry"


def test_persons_keep_positions_and_pep_topic() -> None:
    result = ftm.load(FIX / "ftm_sample.ftm.json")
    by_id = {e.id: e for e in result.entities}
    mbs = by_id["ftm-Q57313"]
    assert {"Crown Prince of Saudi Arabia", "Minister of Defense of Saudi Arabia"} <= set(mbs.positions)
    assert mbs.topics == ("role.pep",)
    assert "محمد بن سلمان" in {n.text for n in mbs.names}
    hamas = by_id["ftm-NK-hamas"]
    assert [d.list for d in hamas.designations] == ["us-ofac-sdgt"]
    assert hamas.topics == ("sanction", "crime.terror")
    assert {n.text: n.weak for n in hamas.names}["Hamas Movement"] is True
    assert result.skipped.counts["schema Family is neither a person nor an organisation"] == 1


def test_bad_json_line(tmp_path) -> None:
    bad = tmp_path / "x.ftm.json"
    bad.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n{"id": "b", \n')
    with pytest.raises(ListFormatError) as exc:
        ftm.load(bad)
    assert "x.ftm.json:2" in str(exc.value)
