"""Composing the registry from its layers: curated entities absorb the imported records they name in `xrefs`.

An imported entity whose id matches a curated entity's xref (`ofac:4695` <->
`ofac-4695`, `un:QDe.115` <-> `un-QDe.115`, `eu:hamas` <-> `eu-hamas`) is merged into
the curated one: names, designations, countries, sources, topics and positions are
unioned; the curated id, kind, name, relations, tiers and notes win. A designation
of the same list (and the same source id, when both say) is one designation: the
curated fields win, the imported ones fill gaps, and a delisting on either side
stands.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from proscribe.model import Designation, Entity
from proscribe.registry import names as nm


def is_curated(layer: str) -> bool:
    return layer == "starter" or layer.startswith("curated:")


def xref_id(xref: str) -> str:
    """'ofac:4695' -> 'ofac-4695': the id the importer of that source gives the same record."""
    prefix, _, rest = xref.partition(":")
    return f"{prefix}-{rest}" if rest else xref


def _merge_designations(base: tuple[Designation, ...], extra: Iterable[Designation]) -> tuple[Designation, ...]:
    out = list(base)
    for d in extra:
        for i, c in enumerate(out):
            if c.list == d.list and (c.source_id is None or d.source_id is None or c.source_id == d.source_id):
                out[i] = Designation(
                    list=c.list,
                    program=c.program or d.program,
                    listed=c.listed or d.listed,
                    delisted=c.delisted or d.delisted,
                    source_id=c.source_id or d.source_id,
                    source_url=c.source_url or d.source_url,
                    note=c.note or d.note,
                )
                break
        else:
            out.append(d)
    return tuple(out)


def _union(a: tuple[str, ...], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def merge_into(curated: Entity, imported: Entity) -> Entity:
    seen = {nm.fold(n.text) for n in curated.names}
    extra_names = []
    for n in imported.names:
        folded = nm.fold(n.text)
        if folded and folded not in seen:
            seen.add(folded)
            # the imported record's main name is one more alias of the curated entity
            extra_names.append(dataclasses.replace(n, kind=n.kind.__class__("alias")) if n.kind.value == "primary" else n)
    return dataclasses.replace(
        curated,
        names=curated.names + tuple(extra_names),
        designations=_merge_designations(curated.designations, imported.designations),
        countries=_union(curated.countries, imported.countries),
        sources=_union(curated.sources, imported.sources),
        topics=_union(curated.topics, imported.topics),
        positions=_union(curated.positions, imported.positions),
    )


def compose(layers: list[tuple[str, list[Entity]]]) -> tuple[list[Entity], dict[str, str]]:
    """The registry's entities from its layers (in order), and which imported ids were merged where."""
    curated: dict[str, Entity] = {}
    for layer, entities in layers:
        if is_curated(layer):
            for e in entities:
                curated[e.id] = e  # a later curated layer replaces an entity of the same id
    targets: dict[str, str] = {}
    for e in curated.values():
        for x in e.xrefs:
            targets.setdefault(xref_id(x), e.id)
    merged: dict[str, str] = {}
    result: dict[str, Entity] = dict(curated)
    for layer, entities in layers:
        if is_curated(layer):
            continue
        for e in entities:
            target = targets.get(e.id) or (e.id if e.id in curated else None)
            if target is not None:
                result[target] = merge_into(result[target], e)
                merged[e.id] = target
            else:
                result[e.id] = e
    return list(result.values()), merged
