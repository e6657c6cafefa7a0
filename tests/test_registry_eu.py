"""EU terrorist list CSV importer."""

from pathlib import Path

import pytest

from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import eu

FIX = Path(__file__).parent / "fixtures" / "registry"


def test_rows_become_eu_terr_entities() -> None:
    result = eu.load(FIX / "eu_terr.csv")
    by_id = {e.id: e for e in result.entities}
    assert set(by_id) >= {"eu-hamas", "eu-hizballah-military-wing", "eu-islamic-revolutionary-guard-corps-irgc"}
    assert all(d.list == "eu-terr" for e in result.entities for d in e.designations)
    assert "Hamas-Izz al-Din al-Qassem" in {n.text for n in by_id["eu-hamas"].names}
    irgc = {n.text for n in by_id["eu-islamic-revolutionary-guard-corps-irgc"].names}
    assert {"IRGC", "Islamic Revolutionary Guard Corps"} <= irgc
    wing = {n.text: n for n in by_id["eu-hizballah-military-wing"].names}
    assert wing["Jihad Council"].weak and "Hizbullah Military Wing" in wing
    assert "Assadollah ASSADI" in {n.text for n in by_id["eu-assadi-assadollah"].names}
    assert by_id["eu-assadi-assadollah"].countries == ("IR",)


def test_broken_quote_names_line(tmp_path) -> None:
    bad = tmp_path / "eu.csv"
    lines = (FIX / "eu_terr.csv").read_text().splitlines()
    lines[3] = lines[3].replace("Hamas,", '"Hamas,', 1)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ListFormatError) as exc:
        eu.load(bad)
    assert "eu.csv:" in str(exc.value)


def test_wrong_header(tmp_path) -> None:
    bad = tmp_path / "eu.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ListFormatError, match="missing column"):
        eu.load(bad)
