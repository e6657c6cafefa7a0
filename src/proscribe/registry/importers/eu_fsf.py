"""EU Financial Sanctions Files (FSF) XML (`export` of `sanctionEntity`) -> registry entities.

Every EU regime is in the file; the regulation's `programme` gives the list id
(TERR -> eu-terr, any other -> eu-<programme lowercased>). Ids are
`eu-<logicalId>` (the EU's own stable id); a curated entity refers to one as
xref `eu:<logicalId>`. `subjectType` person -> person, enterprise -> organisation;
other subject types are skipped and counted. Aliases with strong="false" are weak.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from proscribe.model import Designation, Entity, EntityKind, NameKind
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers import xmlsafe
from proscribe.registry.importers.base import ImportResult, NameList, Skipped, countries, parenthetical, parse_date
from proscribe.registry.importers.xmlsafe import children, local

LAYER = "eu-fsf"
_KINDS = {"person": EntityKind.PERSON, "enterprise": EntityKind.ORGANIZATION, "entity": EntityKind.ORGANIZATION}


def list_id(programme: str | None) -> str:
    key = (programme or "").strip().lower()
    if key in ("terr", "eu-terr", ""):
        return "eu-terr"
    return "eu-" + re.sub(r"[^a-z0-9]+", "-", key).strip("-")


def load(path: Path) -> ImportResult:
    path = Path(path)
    doc = xmlsafe.parse(path)
    root = doc.root
    if local(root.tag) != "export":
        raise ListFormatError(
            path,
            Problem(f"root element is <{local(root.tag)}>, not <export>", line=doc.line(root), hint="is this the EU Financial Sanctions Files XML (xmlFullSanctionsList)?"),
        )
    skipped = Skipped()
    entities: list[Entity] = []
    problems: list[Problem] = []
    seen: dict[str, int | None] = {}
    for element in children(root, "sanctionEntity"):
        logical_id = (element.get("logicalId") or "").strip()
        where = f"<sanctionEntity logicalId={logical_id!r}>" if logical_id else "<sanctionEntity>"
        if not logical_id:
            problems.append(Problem("logicalId is missing", line=doc.line(element), where=where))
            continue
        subject = children(element, "subjectType")
        code = (subject[0].get("code") or "").strip().lower() if subject else ""
        kind = _KINDS.get(code)
        entity = _entity(element, logical_id, kind or EntityKind.ORGANIZATION)
        if entity is None:
            problems.append(Problem("no nameAlias with a name", line=doc.line(element), where=where))
            continue
        if kind is None:
            skipped.add(f"subjectType {code or '(none)'!r} is neither a person nor an organisation", f"{logical_id} {entity.name}")
            continue
        if entity.id in seen:
            problems.append(Problem(f"logicalId {logical_id} appears twice (first on line {seen[entity.id]})", line=doc.line(element), where=where))
            continue
        seen[entity.id] = doc.line(element)
        entities.append(entity)
    if problems:
        raise ListFormatError(path, problems)
    if not entities:
        raise ListFormatError(path, Problem("no sanctionEntity elements", line=doc.line(root), hint="is the file complete?"))
    return ImportResult(
        layer=LAYER, format="eu-fsf", entities=entities, files=[str(path)], skipped=skipped, published=parse_date(root.get("generationDate"))
    )


def _whole_name(alias: ET.Element) -> str:
    whole = (alias.get("wholeName") or "").strip()
    if whole:
        return whole
    parts = (alias.get(k) or "" for k in ("firstName", "middleName", "lastName"))
    return " ".join(p.strip() for p in parts if p and p.strip())


def _entity(element: ET.Element, logical_id: str, kind: EntityKind) -> Entity | None:
    names = NameList()
    primary: str | None = None
    for alias in children(element, "nameAlias"):
        text = _whole_name(alias)
        if not text:
            continue
        lang = (alias.get("nameLanguage") or "").strip().lower() or None
        weak = (alias.get("strong") or "true").strip().lower() == "false"
        if primary is None:
            primary = text
            names.add(text, NameKind.PRIMARY, lang=lang)
            for variant in parenthetical(text):
                names.add(variant)
        else:
            names.add(text, lang=lang, weak=True if weak else None)
    if primary is None:
        return None
    regulations = children(element, "regulation")
    programmes = list(dict.fromkeys((r.get("programme") or "").strip() for r in regulations)) or [""]
    listed_dates = [d for d in (parse_date(r.get("publicationDate")) for r in regulations) if d]
    listed = parse_date(element.get("designationDate")) or (min(listed_dates) if listed_dates else None)
    urls = [(u.text or "").strip() for r in regulations for u in children(r, "publicationUrl") if (u.text or "").strip()]
    reference = (element.get("euReferenceNumber") or "").strip() or logical_id
    designations = tuple(
        Designation(list=list_id(p), program=p or None, listed=listed, source_id=reference, source_url=urls[0] if urls else None)
        for p in programmes
    )
    country_values = [
        node.get("countryIso2Code") or node.get("countryDescription")
        for tag in ("citizenship", "address")
        for node in children(element, tag)
    ]
    remarks = [(r.text or "").strip() for r in children(element, "remark") if (r.text or "").strip()]
    positions = tuple(
        dict.fromkeys(
            (a.get("function") or "").strip() for a in children(element, "nameAlias") if (a.get("function") or "").strip()
        )
    )
    return Entity(
        id=f"eu-{logical_id}",
        kind=kind,
        name=primary,
        names=names.as_tuple(),
        designations=designations,
        countries=countries(c for c in country_values if c and c != "00"),
        sources=(f"EU Financial Sanctions Files, {reference} (logicalId {logical_id})",),
        notes="; ".join(remarks) or None,
        positions=positions,
    )
