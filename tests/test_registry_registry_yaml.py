"""The curated YAML format's strict validator: file, line, key and hint; nothing half-loaded."""

from pathlib import Path

import pytest

from proscribe.model import NameKind
from proscribe.registry.errors import ListFormatError
from proscribe.registry.importers import registry_yaml

FIX = Path(__file__).parent / "fixtures" / "registry" / "starter"

GOOD = """\
format: proscribe-registry/1
entities:
  - id: hamas
    kind: organization
    name: Hamas
    names:
      - {text: Hamas, lang: en}
      - {text: IS}
      - {text: Hamas Movement, weak: true}
      - {text: HM, weak: false}
    designations:
      - {list: us-ofac-fto, listed: 1997-10-08, source_id: 4695}
    sources: ["OFAC SDN list"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reg.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file(tmp_path) -> None:
    result = registry_yaml.load(_write(tmp_path, GOOD))
    (hamas,) = result.entities
    names = {n.text: n for n in hamas.names}
    assert names["Hamas"].kind is NameKind.PRIMARY
    assert names["IS"].weak and names["Hamas Movement"].weak and not names["HM"].weak  # explicit flags override
    assert hamas.designations[0].source_id == "4695" and hamas.designations[0].listed.isoformat() == "1997-10-08"
    assert result.layer == "curated:reg" and result.curated


@pytest.mark.parametrize(
    "change,line,needle",
    [
        (("kind: organization", "kind: organisation"), 4, "did you mean 'organization'"),
        (("    name: Hamas\n", "    name: Hamas\n    nmae: x\n"), 6, "unknown key 'nmae'"),
        (("listed: 1997-10-08", "listed: 1997-13-08"), 12, "is not a date"),
        (("id: hamas", "id: Hamas!"), 3, "entities[0].id"),
        (("      - {text: IS}\n", "      - {lang: en}\n"), 8, "`text` is required"),
        (('    sources: ["OFAC SDN list"]\n', ""), 3, "`sources` is required"),
        (("format: proscribe-registry/1", "format: other/2"), 1, "unknown format"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path, change, line, needle) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ListFormatError) as exc:
        registry_yaml.load(path)
    message = str(exc.value)
    assert f"reg.yaml:{line}" in message, message
    assert needle in message, message


def test_relation_target_must_exist(tmp_path) -> None:
    text = GOOD.replace("    sources:", "    relations:\n      - {kind: perpetrator_of, target: event-x}\n    sources:")
    with pytest.raises(ListFormatError, match="relation target 'event-x'"):
        registry_yaml.load(_write(tmp_path, text))
    assert registry_yaml.load(_write(tmp_path, text), known_ids={"event-x"}).entities


def test_duplicate_ids_and_broken_yaml(tmp_path) -> None:
    entity = GOOD.split("entities:\n", 1)[1]
    with pytest.raises(ListFormatError, match="already used on line 3"):
        registry_yaml.load(_write(tmp_path, GOOD + entity))
    with pytest.raises(ListFormatError, match="not valid YAML"):
        registry_yaml.load(_write(tmp_path, GOOD + "  - {id: [\n"))
