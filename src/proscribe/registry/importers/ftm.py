"""FollowTheMoney entities (OpenSanctions JSON lines) -> registry entities.

Person -> person; Organization, Company, LegalEntity, PublicBody -> organisation,
ids `ftm-<id>`. Names come from name/alias/previousName (weakAlias -> weak).
`topics` are kept, and so are the offices a person holds (`position`, and
Occupancy -> Position links), so account screening can tell a PEP. A dataset
whose name says it is a PEP list gives its persons the topic `role.pep` when
they carry no topics of their own. Sanction entities become designations
(us_ofac_* -> us-ofac-<program>); without one an entity is designated by its
dataset (`ftm-<dataset>`), out of the default DOI scope.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from proscribe.model import Designation, Entity, EntityKind, NameKind
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers.base import ImportResult, NameList, Skipped, countries, parse_date, read_text

_PERSON = "Person"
_ORGS = ("Organization", "Company", "LegalEntity", "PublicBody")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sanction_list(datasets: list[str], program: str | None) -> str:
    prog = _slug(program or "")
    for ds in datasets:
        if ds.startswith("us_ofac") and prog:
            return f"us-ofac-{prog}"
        if ds.startswith("un_sc") and prog:
            return {"al-qaida": "un-isil-aq", "taliban": "un-taliban"}.get(prog, f"un-{prog}")
        if ds.startswith("eu_") and prog in ("terr", "eu-terr"):
            return "eu-terr"
    return "ftm-" + _slug(datasets[0] if datasets else "unknown")


def load(path: Path) -> ImportResult:
    from followthemoney import model

    path = Path(path)
    text = read_text(path)
    problems: list[Problem] = []
    raw: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"not JSON ({exc.msg}, column {exc.colno})", line=number, hint="one FollowTheMoney entity (a JSON object) per line"))
            if len(problems) >= 10:
                break
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("schema"), str):
            problems.append(Problem("not a FollowTheMoney entity: needs string fields `id` and `schema`", line=number))
            continue
        if not isinstance(obj.get("properties", {}), dict):
            problems.append(Problem("`properties` is not an object", line=number, where="properties"))
            continue
        raw.append((number, obj))
    if problems:
        raise ListFormatError(path, problems)
    if not raw:
        raise ListFormatError(path, Problem("no entities", hint="is the file complete?"))

    skipped = Skipped()
    proxies = []
    datasets_seen: set[str] = set()
    for number, obj in raw:
        schema = model.get(obj["schema"])
        if schema is None:
            skipped.add(f"unknown FollowTheMoney schema {obj['schema']!r}", obj["id"])
            continue
        try:
            proxy = model.get_proxy({"id": obj["id"], "schema": obj["schema"], "properties": obj.get("properties", {})}, cleaned=False)
        except Exception as exc:  # the library's own validation of a malformed entity
            raise ListFormatError(path, Problem(f"invalid entity: {exc}", line=number, where=obj["id"])) from None
        datasets = [d for d in obj.get("datasets", []) if isinstance(d, str)]
        datasets_seen.update(datasets)
        proxies.append((number, proxy, datasets))

    by_id = {p.id: p for _, p, _ in proxies}
    positions_of: dict[str, list[str]] = defaultdict(list)
    sanctions_of: dict[str, list[Designation]] = defaultdict(list)
    for _, proxy, datasets in proxies:
        if proxy.schema.is_a("Occupancy"):
            posts = [by_id[p].first("name") for p in proxy.get("post") if p in by_id]
            for holder in proxy.get("holder"):
                positions_of[holder].extend(p for p in posts if p)
        elif proxy.schema.is_a("Sanction"):
            for target in proxy.get("entity"):
                for program in proxy.get("program") or [None]:
                    sanctions_of[target].append(
                        Designation(
                            list=_sanction_list(datasets, program),
                            program=program,
                            listed=parse_date(proxy.first("startDate")),
                            delisted=parse_date(proxy.first("endDate")),
                            source_id=proxy.first("unscId") or proxy.first("authorityId") or proxy.id,
                            source_url=proxy.first("sourceUrl"),
                        )
                    )

    entities: list[Entity] = []
    for _, proxy, datasets in proxies:
        schema = proxy.schema
        if schema.name == _PERSON or schema.is_a(_PERSON):
            kind = EntityKind.PERSON
        elif any(schema.is_a(s) for s in _ORGS):
            kind = EntityKind.ORGANIZATION
        else:
            if not (schema.is_a("Occupancy") or schema.is_a("Sanction") or schema.is_a("Position")):
                skipped.add(f"schema {schema.name} is neither a person nor an organisation", proxy.id)
            continue
        names = NameList()
        for value in proxy.get("name"):
            names.add(value, NameKind.PRIMARY if not names.as_tuple() else NameKind.ALIAS)
        for value in proxy.get("alias") + proxy.get("previousName"):
            names.add(value)
        for value in proxy.get("weakAlias"):
            names.add(value, weak=True)
        if not names.as_tuple():
            skipped.add("no name", proxy.id)
            continue
        topics = list(dict.fromkeys(proxy.get("topics")))
        if not topics and kind is EntityKind.PERSON and any("pep" in d for d in datasets):
            topics = ["role.pep"]
        positions = list(dict.fromkeys(proxy.get("position", quiet=True) + positions_of.get(proxy.id, [])))
        designations = sanctions_of.get(proxy.id) or [
            Designation(list="ftm-" + _slug(d), program=d, source_id=proxy.id) for d in datasets
        ]
        country_values = proxy.get("country") + proxy.get("nationality", quiet=True) + proxy.get("jurisdiction")
        entities.append(
            Entity(
                id=f"ftm-{proxy.id}",
                kind=kind,
                name=names.as_tuple()[0].text,
                names=names.as_tuple(),
                designations=tuple(dict.fromkeys(designations)),
                countries=countries(country_values),
                sources=tuple(f"FollowTheMoney dataset {d}, entity {proxy.id}" for d in datasets) or (f"FollowTheMoney entity {proxy.id}",),
                notes="; ".join(proxy.get("notes") + proxy.get("description", quiet=True))[:2000] or None,
                topics=tuple(topics),
                positions=tuple(positions),
            )
        )
    layer = "ftm:" + "+".join(sorted(datasets_seen)) if datasets_seen else f"ftm:{path.stem}"
    return ImportResult(layer=layer, format="ftm", entities=entities, files=[str(path)], skipped=skipped)
