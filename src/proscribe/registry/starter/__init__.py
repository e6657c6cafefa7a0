"""The curated starter registry shipped in the package (starter/*.yaml), parsed once per process."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from proscribe.model import Entity
from proscribe.registry.errors import ListFormatError, Problem

FOLDER = Path(__file__).parent
LAYER = "starter"


def files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or FOLDER).glob("*.yaml"))


def fingerprint(folder: Path | None = None) -> str:
    """A hash of the starter files' bytes: it changes exactly when they do."""
    digest = hashlib.sha256()
    for path in files(folder):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load(folder: Path | None = None) -> list[Entity]:
    """Every entity of the starter registry, validated strictly (relations across files included).

    Cached by the files' content, so repeated calls cost a hash of a few files.
    """
    return list(_load(str(folder or FOLDER), fingerprint(folder)))


@lru_cache(maxsize=8)
def _load(folder: str, _fingerprint: str) -> tuple[Entity, ...]:
    from proscribe.registry.importers import registry_yaml

    parsed = []
    seen: dict[str, tuple[Path, int]] = {}
    for path in files(Path(folder)):
        _source, items = registry_yaml.parse(path)
        for entity, line, _nodes in items:
            if entity.id in seen:
                first, first_line = seen[entity.id]
                raise ListFormatError(
                    path,
                    Problem(f"id {entity.id!r} is already used in {first.name} line {first_line}", line=line, where="id", hint="ids are unique across the starter files"),
                )
            seen[entity.id] = (path, line)
        parsed.append((path, items))
    registry_yaml.check_relations(parsed)
    return tuple(e for _, items in parsed for e, _, _ in items)
