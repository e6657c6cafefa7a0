"""Which designations count for the DOI policy (the scope), and marking entities in or out of it."""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from proscribe.model import Entity
from proscribe.registry.errors import RegistryError

ENV_VAR = "PROSCRIBE_SCOPE"
DEFAULT_LISTS = ("us-ofac-sdgt", "us-ofac-fto", "un-isil-aq", "un-taliban", "eu-terr", "uk-proscribed", "platform")


@dataclass(frozen=True)
class Scope:
    """List ids (shell-style patterns allowed: "un-*") whose active designations put an entity in scope."""

    lists: tuple[str, ...] = DEFAULT_LISTS

    @property
    def is_default(self) -> bool:
        return set(self.lists) == set(DEFAULT_LISTS)

    @property
    def key(self) -> str:
        """A short fingerprint, part of the registry version when the scope is not the default."""
        return hashlib.sha256(",".join(sorted(self.lists)).encode()).hexdigest()[:8]

    def covers(self, list_id: str) -> bool:
        if list_id in self.lists:
            return True
        return any(fnmatch.fnmatchcase(list_id, p) for p in self.lists if any(c in p for c in "*?["))

    def in_scope(self, entity: Entity) -> bool:
        return any(d.active and self.covers(d.list) for d in entity.designations)

    def apply(self, entity: Entity) -> Entity:
        flag = self.in_scope(entity)
        return entity if entity.in_scope == flag else dataclasses.replace(entity, in_scope=flag)

    @classmethod
    def from_env(cls) -> "Scope":
        """$PROSCRIBE_SCOPE: comma-separated list ids, or the path of a YAML file `lists: [...]`; else the default."""
        value = os.environ.get(ENV_VAR, "").strip()
        if not value:
            return cls()
        if value.endswith((".yaml", ".yml")) or os.path.sep in value:
            return cls.from_file(Path(value))
        return cls(tuple(sorted({v.strip() for v in value.split(",") if v.strip()})))

    @classmethod
    def from_file(cls, path: Path) -> "Scope":
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RegistryError(f"{path}: cannot read the scope file: {exc}") from None
        lists = data.get("lists") if isinstance(data, dict) else None
        if not isinstance(lists, list) or not all(isinstance(x, str) and x for x in lists):
            raise RegistryError(f"{path}: the scope file needs `lists:` with a list of list ids (e.g. [us-ofac-sdgt, eu-terr, platform])")
        return cls(tuple(sorted(set(lists))))
