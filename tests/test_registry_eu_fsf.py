"""EU Financial Sanctions Files XML importer."""

from pathlib import Path

import pytest

from proscribe.model import EntityKind
from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import eu_fsf

FIX = Path(__file__).parent / "fixtures" / "registry"


def test_programmes_and_subject_types() -> None:
    result = eu_fsf.load(FIX / "fsf_sample.xml")
    by_id = {e.id: e for e in result.entities}
    assert set(by_id) == {"eu-207", "eu-212", "eu-13"}
    assert by_id["eu-207"].designations[0].list == "eu-terr"
    assert by_id["eu-207"].designations[0].source_id == "EU.3523.13"
    assert by_id["eu-13"].kind is EntityKind.PERSON and by_id["eu-13"].designations[0].list == "eu-irq"
    assert by_id["eu-13"].positions == ("Former President of Iraq",)
    assert {n.text: n.weak for n in by_id["eu-212"].names}["Jihad Council"] is True
    assert any(n.lang == "ar" and n.script == "Arab" for n in by_id["eu-207"].names)
    assert result.skipped.counts["subjectType 'vessel' is neither a person nor an organisation"] == 1


def test_missing_name_names_element(tmp_path) -> None:
    bad = tmp_path / "fsf.xml"
    bad.write_text((FIX / "fsf_sample.xml").read_text().replace('wholeName="SEA FALCON"', 'wholeName=""'))
    with pytest.raises(ListFormatError) as exc:
        eu_fsf.load(bad)
    assert "logicalId='99001'" in str(exc.value) and "fsf.xml:" in str(exc.value)
