"""The starter registry loader: every shipped file validates; the parse is cached."""

from pathlib import Path

import pytest

from proscribe.registry import starter
from proscribe.registry.errors import ListFormatError

FIX = Path(__file__).parent / "fixtures" / "registry" / "starter"


def test_fixture_starter_loads_across_files() -> None:
    entities = starter.load(FIX)
    ids = {e.id for e in entities}
    assert {"hamas", "hezbollah", "event-2023-10-07"} <= ids  # relations across the two files resolve


def test_shipped_starter_is_valid() -> None:
    if not starter.files():
        pytest.skip("no starter files shipped yet")
    entities = starter.load()
    assert len({e.id for e in entities}) == len(entities)
    assert starter.load() == entities  # cached by content


def test_duplicate_id_across_files(tmp_path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((FIX / "organizations.yaml").read_text().replace("target: event-2023-10-07", "target: hamas"))
    with pytest.raises(ListFormatError, match="already used in a.yaml"):
        starter.load(tmp_path)
