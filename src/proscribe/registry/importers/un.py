"""UN Security Council consolidated list (XML, CONSOLIDATED_LIST) -> registry entities.

Individuals become persons and entities organisations, with id `un-<REFERENCE_NUMBER>`.
The regime in UN_LIST_TYPE gives the list id: Al-Qaida -> un-isil-aq, Taliban ->
un-taliban, any other -> un-<slug>. Aliases of QUALITY "Low" are weak names; the
name in original script is kept with its script.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from proscribe.model import Designation, Entity, EntityKind, NameKind
from proscribe.registry import names as nm
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers import xmlsafe
from proscribe.registry.importers.base import ImportResult, NameList, Skipped, countries, parse_date
from proscribe.registry.importers.xmlsafe import child_text, children, local

LAYER = "un"
_LIST_IDS = {"al-qaida": "un-isil-aq", "isil (da'esh) & al-qaida": "un-isil-aq", "taliban": "un-taliban"}


def list_id(list_type: str) -> str:
    key = list_type.strip().lower()
    return _LIST_IDS.get(key) or "un-" + re.sub(r"[^a-z0-9]+", "-", key).strip("-")


def load(path: Path) -> ImportResult:
    path = Path(path)
    doc = xmlsafe.parse(path)
    root = doc.root
    if local(root.tag) != "CONSOLIDATED_LIST":
        raise ListFormatError(
            path,
            Problem(f"root element is <{local(root.tag)}>, not <CONSOLIDATED_LIST>", line=doc.line(root), hint="is this the UN Security Council consolidated list XML?"),
        )
    skipped = Skipped()
    entities: list[Entity] = []
    seen: dict[str, int | None] = {}
    problems: list[Problem] = []
    for group, item, kind in (("INDIVIDUALS", "INDIVIDUAL", EntityKind.PERSON), ("ENTITIES", "ENTITY", EntityKind.ORGANIZATION)):
        for container in children(root, group):
            for element in children(container, item):
                try:
                    entity = _entity(element, item, kind)
                except _Bad as bad:
                    problems.append(Problem(str(bad), line=doc.line(element), where=f"<{item}> {child_text(element, 'DATAID') or ''}".strip()))
                    continue
                if entity.id in seen:
                    problems.append(Problem(f"REFERENCE_NUMBER {entity.id[3:]} appears twice (first on line {seen[entity.id]})", line=doc.line(element), where=f"<{item}>"))
                    continue
                seen[entity.id] = doc.line(element)
                entities.append(entity)
    if problems:
        raise ListFormatError(path, problems)
    if not entities:
        raise ListFormatError(path, Problem("no INDIVIDUAL or ENTITY elements", line=doc.line(root), hint="is the file complete?"))
    generated = parse_date(root.get("dateGenerated"))
    return ImportResult(layer=LAYER, format="un", entities=entities, files=[str(path)], skipped=skipped, published=generated)


class _Bad(ValueError):
    pass


def _entity(element: ET.Element, item: str, kind: EntityKind) -> Entity:
    ref = child_text(element, "REFERENCE_NUMBER")
    if not ref:
        raise _Bad("REFERENCE_NUMBER is missing")
    parts = [child_text(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = " ".join(p for p in parts if p)
    if not name:
        raise _Bad(f"{ref}: FIRST_NAME is missing")
    list_type = child_text(element, "UN_LIST_TYPE")
    if not list_type:
        raise _Bad(f"{ref}: UN_LIST_TYPE is missing")
    names = NameList()
    names.add(name, NameKind.PRIMARY)
    original = child_text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        script = nm.script_of(original)
        names.add(original, script=script)  # Arabic, Persian or Pashto: the language is not given
    for alias in children(element, f"{item}_ALIAS"):
        text = child_text(alias, "ALIAS_NAME")
        quality = (child_text(alias, "QUALITY") or "").lower()
        names.add(text, weak=True if quality == "low" else None)
    country_names: list[str | None] = []
    for tag in ("NATIONALITY",):
        for node in children(element, tag):
            country_names.extend((v.text or "").strip() for v in node)
    for address in children(element, f"{item}_ADDRESS"):
        country_names.append(child_text(address, "COUNTRY"))
    comments = child_text(element, "COMMENTS1")
    designation = Designation(
        list=list_id(list_type),
        program=list_type,
        listed=parse_date(child_text(element, "LISTED_ON")),
        source_id=ref,
        source_url="https://scsanctions.un.org/resources/xml/en/consolidated.xml",
    )
    positions = tuple(
        (v.text or "").strip() for node in children(element, "DESIGNATION") for v in node if (v.text or "").strip()
    )
    return Entity(
        id=f"un-{ref}",
        kind=kind,
        name=name,
        names=names.as_tuple(),
        designations=(designation,),
        countries=countries(country_names),
        sources=(f"UN Security Council consolidated list, {ref}",),
        notes=comments,
        positions=positions,
    )
