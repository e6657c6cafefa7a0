"""EU terrorist list (Regulation 2580/2001 annex, OpenSanctions' CSV extraction) -> registry entities.

One row per listed person or group: `schema` (Person/Organization), `name`,
`alias`/`weakAlias`/`previousName` joined with "; ", `programKey` (EU-TERR ->
list eu-terr). Ids are `eu-<slug of the name>` (stable across amendments, which
renumber the annex); a curated entity refers to one as xref `eu:<slug>`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from proscribe.model import Designation, Entity, EntityKind, NameKind
from proscribe.registry import names as nm
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers.base import ImportResult, NameList, Skipped, countries, parenthetical, parse_date, read_text

LAYER = "eu-terr"
REQUIRED = ("schema", "name")
_KINDS = {
    "person": EntityKind.PERSON,
    "organization": EntityKind.ORGANIZATION,
    "legalentity": EntityKind.ORGANIZATION,
    "company": EntityKind.ORGANIZATION,
}
_QUOTED = re.compile(r"[‘“]([^‘“”]{2,80}?)[’”](?!\w)")


def list_id(program_key: str | None) -> str:
    key = (program_key or "EU-TERR").strip().lower()
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-") or "eu-terr"


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def load(path: Path) -> ImportResult:
    path = Path(path)
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ListFormatError(
            path,
            Problem(f"missing column(s) {', '.join(missing)}", line=1, where="header", hint="is this the EU terrorist list CSV (celex,recordId,programKey,...,schema,name,alias,...)?"),
        )
    skipped = Skipped()
    entities: list[Entity] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    start = 2
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if None in row:  # more fields than the header has
                problems.append(Problem(f"{len(header) + len(row[None])} fields where the header has {len(header)}", line=line, hint="a broken quote or an unquoted comma"))
                continue
            if any(v is None for v in row.values()):
                problems.append(Problem("fewer fields than the header has", line=line, hint="the file is truncated or a quote is broken"))
                continue
            name = (row.get("name") or "").strip()
            kind = _KINDS.get((row.get("schema") or "").strip().lower())
            if not name:
                problems.append(Problem("the name is empty", line=line, where="name"))
                continue
            if kind is None:
                skipped.add(f"schema {row.get('schema')!r} is neither a person nor an organisation", name)
                continue
            entity = _entity(row, name, kind)
            if entity.id in seen:
                problems.append(Problem(f"{name!r} appears twice (first on line {seen[entity.id]})", line=line, where="name"))
                continue
            seen[entity.id] = line
            entities.append(entity)
    except csv.Error as exc:
        problems.append(Problem(f"malformed CSV ({exc})", line=reader.line_num, hint="a broken quote: the file is corrupt or truncated"))
    if problems:
        raise ListFormatError(path, problems)
    if not entities:
        raise ListFormatError(path, Problem("no listed person or organisation", hint="is the file complete?"))
    return ImportResult(layer=LAYER, format="eu", entities=entities, files=[str(path)], skipped=skipped)


def _entity(row: dict[str, str], name: str, kind: EntityKind) -> Entity:
    names = NameList()
    names.add(name, NameKind.PRIMARY)
    for variant in parenthetical(name):
        names.add(variant)
    if kind is EntityKind.PERSON:
        # the annex writes persons "SURNAME Given names"
        m = re.fullmatch(r"((?:[A-Z][A-Z’'-]+\s?)+)\s+(.+)", name)
        if m and not m.group(2).isupper():
            names.add(f"{m.group(2)} {m.group(1).strip()}")
    for alias in _split(row.get("alias")) + _split(row.get("previousName")):
        names.add(alias)
    for alias in _split(row.get("weakAlias")):
        names.add(alias, weak=True)
    note = (row.get("notes") or "").strip() or None
    # "including ‘Hamas-Izz al-Din al-Qassem’": the named part is listed with the group
    for m in _QUOTED.finditer(note or ""):
        names.add(m.group(1))
    record = (row.get("recordId") or "").strip()
    annex = (row.get("annex") or "").strip()
    designation = Designation(
        list=list_id(row.get("programKey")),
        program=(row.get("programKey") or "EU-TERR").strip(),
        listed=parse_date(row.get("startDate")),
        source_id=f"{annex} {record}".strip() or None,
        note=note,
    )
    return Entity(
        id=f"eu-{nm.slug(name)}",
        kind=kind,
        name=name,
        names=names.as_tuple(),
        designations=(designation,),
        countries=countries([row.get("country"), row.get("nationality"), row.get("jurisdiction")]),
        sources=(f"EU terrorist list, Regulation (EC) 2580/2001 annex {annex}, entry {record}".strip(),),
        notes=note,
    )
