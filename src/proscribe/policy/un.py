"""UN member states, read from the package's data file, for the officials' exemptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = "un_members.yaml"


class UnDataMissing(RuntimeError):
    """The UN member list is not installed with the package."""


@dataclass(frozen=True)
class MemberState:
    alpha2: str
    alpha3: str | None
    name: str
    admitted: date | None


def _path() -> Path:
    return Path(str(resources.files("proscribe.policy") / "data" / DATA_FILE))


def _entries(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        for key in ("members", "member_states", "states"):
            if isinstance(data.get(key), list):
                return data[key]
    if isinstance(data, list):
        return data
    raise UnDataMissing(f"{_path()}: expected a list of member states under 'members'")


@lru_cache(maxsize=1)
def members() -> dict[str, MemberState]:
    """Current and past UN member states by ISO 3166-1 alpha-2 code (upper case)."""
    path = _path()
    if not path.is_file():
        raise UnDataMissing(f"the UN member list {path} is missing; reinstall proscribe")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, MemberState] = {}
    for entry in _entries(data):
        alpha2 = str(entry.get("alpha2") or "").upper()
        if not alpha2:
            continue
        admitted = entry.get("admitted")
        if isinstance(admitted, str):
            admitted = date.fromisoformat(admitted)
        found[alpha2] = MemberState(alpha2, entry.get("alpha3"), str(entry.get("name", alpha2)), admitted)
    return found


def is_member(country: str | None, on: date) -> MemberState | None:
    """The member state for an alpha-2 (or alpha-3) code if it was a UN member on `on`."""
    if not country:
        return None
    code = country.strip().upper()
    states = members()
    state = states.get(code)
    if state is None and len(code) == 3:
        state = next((s for s in states.values() if (s.alpha3 or "").upper() == code), None)
    if state is None:
        return None
    if state.admitted is not None and state.admitted > on:
        return None
    return state
