"""UN consolidated list importer: regimes to list ids, alias quality, original script, unsafe XML."""

from pathlib import Path

import pytest

from proscribe.model import EntityKind
from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import un

FIX = Path(__file__).parent / "fixtures" / "registry"


def test_individuals_and_entities() -> None:
    result = un.load(FIX / "un_sample.xml")
    by_id = {e.id: e for e in result.entities}
    assert set(by_id) == {"un-IQi.001", "un-TAi.001", "un-QDe.115"}
    isil = by_id["un-QDe.115"]
    assert isil.kind is EntityKind.ORGANIZATION
    assert isil.designations[0].list == "un-isil-aq" and isil.designations[0].source_id == "QDe.115"
    names = {n.text: n for n in isil.names}
    assert names["The State"].weak and not names["Da'esh"].weak and "Al-Qaida in Iraq" in names
    assert by_id["un-TAi.001"].designations[0].list == "un-taliban"
    saddam = by_id["un-IQi.001"]
    assert saddam.designations[0].list == "un-iraq"
    assert any(n.script == "Arab" for n in saddam.names)
    assert saddam.countries == ("IQ",)
    assert result.published.isoformat() == "2025-11-20"


def test_billion_laughs_refused(tmp_path) -> None:
    bomb = tmp_path / "un.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">\n'
        ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">\n]>\n<CONSOLIDATED_LIST>&lol3;</CONSOLIDATED_LIST>\n'
    )
    with pytest.raises(ListFormatError) as exc:
        un.load(bomb)
    assert "un.xml:2" in str(exc.value) and "refused" in str(exc.value)


def test_external_entity_refused(tmp_path) -> None:
    xxe = tmp_path / "un.xml"
    xxe.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<CONSOLIDATED_LIST>&e;</CONSOLIDATED_LIST>\n')
    with pytest.raises(ListFormatError, match="refused"):
        un.load(xxe)


def test_truncated_names_line(tmp_path) -> None:
    cut = tmp_path / "un.xml"
    cut.write_bytes((FIX / "un_sample.xml").read_bytes()[:900])
    with pytest.raises(ListFormatError) as exc:
        un.load(cut)
    assert "malformed XML" in str(exc.value) and "un.xml:" in str(exc.value)


def test_missing_reference_names_element(tmp_path) -> None:
    bad = tmp_path / "un.xml"
    bad.write_text((FIX / "un_sample.xml").read_text().replace("<REFERENCE_NUMBER>TAi.001</REFERENCE_NUMBER>", ""))
    with pytest.raises(ListFormatError) as exc:
        un.load(bad)
    assert "REFERENCE_NUMBER is missing" in str(exc.value) and "<INDIVIDUAL> 6908100" in str(exc.value)


def test_other_xml_is_wrong_format() -> None:
    with pytest.raises(ListFormatError, match="not <CONSOLIDATED_LIST>"):
        un.load(FIX / "fsf_sample.xml")
