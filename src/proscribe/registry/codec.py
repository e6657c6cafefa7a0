"""Entities to and from plain JSON-able dicts, and their content hash (what a version is made of)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from proscribe.model import Designation, Entity, EntityKind, Name, NameKind, Relation, RelationKind


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def name_to_dict(n: Name) -> dict[str, Any]:
    out: dict[str, Any] = {"text": n.text}
    if n.kind is not NameKind.ALIAS:
        out["kind"] = str(n.kind)
    if n.lang:
        out["lang"] = n.lang
    if n.script:
        out["script"] = n.script
    if n.weak:
        out["weak"] = True
    return out


def designation_to_dict(d: Designation) -> dict[str, Any]:
    out: dict[str, Any] = {"list": d.list}
    for key in ("program", "source_id", "source_url", "note"):
        value = getattr(d, key)
        if value is not None:
            out[key] = value
    if d.listed is not None:
        out["listed"] = _d(d.listed)
    if d.delisted is not None:
        out["delisted"] = _d(d.delisted)
    return out


def to_dict(e: Entity) -> dict[str, Any]:
    """The entity as a compact dict; `in_scope` is left out (it is computed from the scope setting)."""
    out: dict[str, Any] = {"id": e.id, "kind": str(e.kind), "name": e.name}
    if e.names:
        out["names"] = [name_to_dict(n) for n in e.names]
    if e.designations:
        out["designations"] = [designation_to_dict(d) for d in e.designations]
    if e.relations:
        out["relations"] = [{"kind": str(r.kind), "target": r.target} for r in e.relations]
    if e.tiers:
        out["tiers"] = dict(sorted(e.tiers.items()))
    for key in ("countries", "sources", "xrefs", "topics", "positions"):
        value = getattr(e, key)
        if value:
            out[key] = list(value)
    if e.date is not None:
        out["date"] = _d(e.date)
    if e.notes:
        out["notes"] = e.notes
    return out


_NAME_KINDS = {k.value: k for k in NameKind}
_ALIAS = NameKind.ALIAS


def from_dict(d: dict[str, Any], *, in_scope: bool = False) -> Entity:
    return Entity(
        id=d["id"],
        kind=EntityKind(d["kind"]),
        name=d["name"],
        names=tuple(
            Name(n["text"], _NAME_KINDS[n["kind"]] if "kind" in n else _ALIAS, n.get("lang"), n.get("script"), n.get("weak", False))
            for n in d.get("names", ())
        ),
        designations=tuple(
            Designation(
                list=x["list"],
                program=x.get("program"),
                listed=_date(x.get("listed")),
                delisted=_date(x.get("delisted")),
                source_id=x.get("source_id"),
                source_url=x.get("source_url"),
                note=x.get("note"),
            )
            for x in d.get("designations", ())
        ),
        relations=tuple(Relation(RelationKind(r["kind"]), r["target"]) for r in d.get("relations", ())),
        tiers=dict(d.get("tiers", {})),
        countries=tuple(d.get("countries", ())),
        date=_date(d.get("date")),
        in_scope=in_scope,
        sources=tuple(d.get("sources", ())),
        xrefs=tuple(d.get("xrefs", ())),
        notes=d.get("notes"),
        topics=tuple(d.get("topics", ())),
        positions=tuple(d.get("positions", ())),
    )


def dumps(e: Entity) -> str:
    """Canonical JSON: the same entity always gives the same text (and hash)."""
    return json.dumps(to_dict(e), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
