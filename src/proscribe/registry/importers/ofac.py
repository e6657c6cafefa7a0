"""OFAC SDN list, legacy CSV (sdn.csv with alt.csv and add.csv) -> registry entities.

The files have no header, `-0- ` stands for null, several programs share one
field (`FTO] [SDGT`), aliases also hide in the remarks (`a.k.a. '…'`), lines
end in CRLF and the file ends with a DOS end-of-file byte. Vessels and aircraft
are skipped (and counted): they are neither organisations nor persons a post can
glorify or support.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from proscribe.model import Designation, Entity, EntityKind, NameKind
from proscribe.registry import names as nm
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers.base import ImportResult, NameList, Skipped, countries, read_text

LAYER = "ofac"
SDN_COLUMNS = 12  # ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
ALT_COLUMNS = 5  # ent_num, alt_num, alt_type, alt_name, alt_remarks
ADD_COLUMNS = 6  # ent_num, add_num, address, city/state/zip, country, add_remarks

_AKA = re.compile(r"\b([afn])\.k\.a\.,?\s*'(.+?)'(?=\s*(?:;|\)|,\s|\.\s|\.?\s*$))")
_NATIONALITY = re.compile(r"\b(?:nationality|citizen)\s+([A-Z][A-Za-z .,'-]+?)\s*(?:;|\.$|$|\()", re.IGNORECASE)
_SKIP_TYPES = {"vessel": "vessel (not a person or organisation)", "aircraft": "aircraft (not a person or organisation)"}


def list_id(program: str) -> str:
    """us-ofac-<program lowercased>: SDGT -> us-ofac-sdgt, IRAN-EO13876 -> us-ofac-iran-eo13876."""
    return "us-ofac-" + re.sub(r"[^a-z0-9]+", "-", program.lower()).strip("-")


def programs(field: str) -> list[str]:
    """'FTO] [SDGT' (and '[FTO] [SDGT]') -> ['FTO', 'SDGT']."""
    return [p.strip(" []") for p in field.split("] [") if p.strip(" []")]


def _null(value: str) -> str | None:
    value = value.strip()
    return None if value in ("-0-", "") else value


def _rows(path: Path, columns: int, what: str) -> list[tuple[int, list[str]]]:
    """The rows of one legacy OFAC CSV with their line numbers; any malformed row is an error."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or row == [""]:
                continue
            if reader.line_num != line:
                problems.append(Problem("a quoted field runs over several lines", line=line, hint="a broken quote: the file is corrupt or truncated"))
                break
            if len(row) != columns:
                problems.append(
                    Problem(
                        f"{len(row)} columns where {what} has {columns}",
                        line=line,
                        hint=f"is this really OFAC's {what}? (legacy CSV, no header)",
                    )
                )
                if len(problems) >= 5:
                    break
                continue
            if not row[0].strip().isdigit():
                problems.append(Problem(f"ent_num {row[0].strip()!r} is not a number", line=line, where="column 1", hint=f"is this really OFAC's {what}?"))
                if len(problems) >= 5:
                    break
                continue
            rows.append((line, row))
    except csv.Error as exc:
        problems.append(Problem(f"malformed CSV ({exc})", line=reader.line_num or start, hint="a broken quote: the file is corrupt or truncated"))
    if problems:
        raise ListFormatError(path, problems)
    return rows


def load(sdn: Path, alt: Path | None = None, add: Path | None = None) -> ImportResult:
    """Reads sdn.csv (and alt.csv/add.csv when given; beside sdn.csv when not) into one result."""
    sdn = Path(sdn)
    if alt is None and (sdn.parent / "alt.csv").exists():
        alt = sdn.parent / "alt.csv"
    if add is None and (sdn.parent / "add.csv").exists():
        add = sdn.parent / "add.csv"

    skipped = Skipped()
    notes: list[str] = []
    records: dict[str, dict] = {}
    for line, row in _rows(sdn, SDN_COLUMNS, "sdn.csv"):
        ent_num = row[0].strip()
        sdn_type = (_null(row[2]) or "").lower()
        name = _null(row[1])
        if sdn_type in _SKIP_TYPES:
            skipped.add(_SKIP_TYPES[sdn_type], f"{ent_num} {name}")
            continue
        if name is None:
            raise ListFormatError(sdn, Problem("SDN_Name is empty", line=line, where=f"ent_num {ent_num}"))
        if ent_num in records:
            raise ListFormatError(sdn, Problem(f"ent_num {ent_num} appears twice (first on line {records[ent_num]['line']})", line=line))
        progs = programs(_null(row[3]) or "")
        if not progs:
            skipped.add("no program", f"{ent_num} {name}")
            continue
        records[ent_num] = {
            "line": line,
            "name": name,
            "person": sdn_type == "individual",
            "programs": progs,
            "title": _null(row[4]),
            "remarks": _null(row[11]),
            "aliases": [],
            "countries": [],
        }

    if alt is not None:
        unknown: set[str] = set()
        for _line, row in _rows(Path(alt), ALT_COLUMNS, "alt.csv"):
            ent_num = row[0].strip()
            record = records.get(ent_num)
            if record is None:
                if ent_num not in unknown:
                    unknown.add(ent_num)
                skipped.add("alt.csv row whose ent_num is not in sdn.csv (or was skipped)", f"{ent_num} {(_null(row[3]) or '')}")
                continue
            record["aliases"].append(((_null(row[2]) or "aka").lower(), _null(row[3])))
        if unknown:
            notes.append(f"alt.csv names {len(unknown)} ent_num values that sdn.csv does not list (the files are of different dates)")
    if add is not None:
        unknown_add = 0
        for _line, row in _rows(Path(add), ADD_COLUMNS, "add.csv"):
            record = records.get(row[0].strip())
            if record is None:
                unknown_add += 1
                skipped.add("add.csv row whose ent_num is not in sdn.csv (or was skipped)", row[0].strip())
                continue
            record["countries"].append(_null(row[4]))
        if unknown_add:
            notes.append(f"add.csv has {unknown_add} addresses of ent_num values that sdn.csv does not list")

    entities = [_entity(ent_num, r) for ent_num, r in records.items()]
    files = [str(p) for p in (sdn, alt, add) if p is not None]
    return ImportResult(layer=LAYER, format="ofac", entities=entities, files=files, skipped=skipped, notes=notes)


def _entity(ent_num: str, r: dict) -> Entity:
    person = r["person"]
    names = NameList()
    names.add(r["name"], NameKind.PRIMARY)
    if person:
        for variant in nm.person_variants(r["name"]):
            names.add(variant)
    remark_aliases = [(m.group(1) + "ka", m.group(2)) for m in _AKA.finditer(r["remarks"] or "")]
    by_type: dict[str, list[str]] = defaultdict(list)
    for alt_type, text in r["aliases"] + remark_aliases:
        if not text:
            continue
        names.add(text)
        if person:
            for variant in nm.person_variants(text):
                names.add(variant)
        by_type[alt_type].append(text)
    nationality = [m.group(1) for m in _NATIONALITY.finditer(r["remarks"] or "")] if person else []
    designations = tuple(
        Designation(list=list_id(p), program=p, source_id=ent_num) for p in dict.fromkeys(r["programs"])
    )
    return Entity(
        id=f"ofac-{ent_num}",
        kind=EntityKind.PERSON if person else EntityKind.ORGANIZATION,
        name=r["name"],
        names=names.as_tuple(),
        designations=designations,
        countries=countries(r["countries"] + nationality),
        sources=(f"OFAC SDN list (sdn.csv), ent_num {ent_num}",),
        notes="; ".join(x for x in (r["title"], r["remarks"]) if x) or None,
    )
