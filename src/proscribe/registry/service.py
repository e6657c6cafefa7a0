"""The registry as the other parts see it: the current snapshot, search, imports, versions and diffs.

Storage is `proscribe.store.registry` (imported lazily: the store is the one
place that talks to the database). Each import is one transaction and one new
version; the first use of a database records the starter registry as version 1.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from proscribe.model import Entity
from proscribe.registry import codec, merge
from proscribe.registry.errors import RegistryError
from proscribe.registry.importers.base import ImportResult
from proscribe.registry.scope import Scope
from proscribe.store.db import MAX_ROW_ID

STARTER_ENV = "PROSCRIBE_STARTER"  # a folder of curated YAML to use instead of the shipped starter registry


class EntityIndex(dict):  # type: ignore[type-arg]
    """Entity by id (imported ids merged into a curated entity resolve to it too); callable like `.get`."""

    def __call__(self, entity_id: str) -> Entity | None:
        return self.get(entity_id)


@dataclass(frozen=True)
class RegistrySnapshot:
    """One version of the registry with the scope applied: what detection and decisions read."""

    version: str
    entities: tuple[Entity, ...]
    version_id: int | None = None
    created_at: datetime | None = None
    scope: tuple[str, ...] = ()
    merged: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    by_id: EntityIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = EntityIndex((e.id, e) for e in self.entities)
        for imported, target in self.merged.items():
            index.setdefault(imported, index[target])
        object.__setattr__(self, "by_id", index)

    def in_scope(self) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.in_scope)


# --- the starter registry -----------------------------------------------------------


def starter_folder() -> Path:
    from proscribe.registry import starter

    custom = os.environ.get(STARTER_ENV)
    return Path(custom) if custom else starter.FOLDER


def starter_result() -> ImportResult:
    from proscribe.registry import starter

    folder = starter_folder()
    return ImportResult(
        layer=starter.LAYER,
        format="yaml",
        entities=starter.load(folder),
        files=[str(p) for p in starter.files(folder)],
        curated=True,
    )


def starter_snapshot(scope: Scope | None = None) -> RegistrySnapshot:
    """The shipped starter registry alone, with no database."""
    scope = scope or Scope.from_env()
    result = starter_result()
    layer = _layer_content(result.layer, result.entities)
    return _snapshot([(result.layer, result.entities)], _version_hash({result.layer: layer.hash}), None, None, scope)


# --- hashing and composing ----------------------------------------------------------


@dataclass
class _Layer:
    layer: str
    hash: str
    members: list[tuple[str, str, str]]  # entity id, record hash, record JSON


def _layer_content(layer: str, entities: Iterable[Entity]) -> _Layer:
    members = []
    for e in sorted(entities, key=lambda e: e.id):
        text = codec.dumps(e)
        members.append((e.id, codec.content_hash(text), text))
    digest = hashlib.sha256()
    for eid, h, _ in members:
        digest.update(f"{eid}\t{h}\n".encode())
    return _Layer(layer, digest.hexdigest(), members)


def _version_hash(layer_hashes: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for layer in sorted(layer_hashes):
        digest.update(f"{layer}\t{layer_hashes[layer]}\n".encode())
    return digest.hexdigest()


def _snapshot(
    layers: list[tuple[str, list[Entity]]], version_hash: str, version_id: int | None, created_at: datetime | None, scope: Scope
) -> RegistrySnapshot:
    entities, merged = merge.compose(layers)
    label = version_hash[:12] if scope.is_default else f"{version_hash[:12]}+scope-{scope.key}"
    return RegistrySnapshot(
        version=label,
        entities=tuple(scope.apply(e) for e in entities),
        version_id=version_id,
        created_at=created_at,
        scope=tuple(scope.lists),
        merged=merged,
    )


_LAYER_CACHE: OrderedDict[str, list[Entity]] = OrderedDict()
_SNAPSHOT_CACHE: OrderedDict[tuple[str, str], RegistrySnapshot] = OrderedDict()


def _layer_entities(conn: Any, ref: Any) -> list[Entity]:
    from proscribe.store import registry as store

    cached = _LAYER_CACHE.get(ref.hash)
    if cached is not None:
        _LAYER_CACHE.move_to_end(ref.hash)
        return cached
    entities = [codec.from_dict(json.loads(text)) for text in store.layer_records(conn, ref.layer_version_id)]
    _LAYER_CACHE[ref.hash] = entities
    while len(_LAYER_CACHE) > 24:
        _LAYER_CACHE.popitem(last=False)
    return entities


def _load_version(conn: Any, row: Any, scope: Scope) -> RegistrySnapshot:
    from proscribe.store import registry as store

    key = (row.hash, ",".join(sorted(scope.lists)))
    cached = _SNAPSHOT_CACHE.get(key)
    if cached is not None and cached.version_id == row.id:
        _SNAPSHOT_CACHE.move_to_end(key)
        return cached
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of small records at once: collection passes would double the time
    try:
        layers = [(ref.layer, _layer_entities(conn, ref)) for ref in store.layers_of(conn, row.id)]
        snap = _snapshot(layers, row.hash, row.id, row.created_at, scope)
    finally:
        if enabled:
            gc.enable()
    _SNAPSHOT_CACHE[key] = snap
    while len(_SNAPSHOT_CACHE) > 4:
        _SNAPSHOT_CACHE.popitem(last=False)
    return snap


# --- reading ------------------------------------------------------------------------


def _engine(db_url: str | None) -> Any:
    from proscribe.store import db

    return db.engine(db_url)


def ensure_initialised(db_url: str | None = None) -> None:
    """Records the starter registry as version 1 of an empty database."""
    from sqlalchemy.exc import IntegrityError

    from proscribe.store import registry as store

    eng = _engine(db_url)
    with eng.connect() as conn:
        if store.latest_id(conn) is not None:
            return
    result = starter_result()
    try:
        with eng.begin() as conn:
            if store.latest_id(conn) is not None:
                return
            _write(conn, [result], source="starter", origin=f"starter registry ({len(result.files)} files)", parent=None)
    except IntegrityError:
        return  # another process recorded it first


def current(db_url: str | None = None, scope: Scope | None = None) -> RegistrySnapshot:
    """The newest registry version in the database (the starter registry on first use), scope applied.

    Cheap to call repeatedly: one small query, then the cached snapshot of that version.
    """
    from proscribe.store import registry as store

    scope = scope or Scope.from_env()
    eng = _engine(db_url)
    with eng.connect() as conn:
        head = store.latest_id(conn)
        if head is not None:
            cached = _SNAPSHOT_CACHE.get((head[1], ",".join(sorted(scope.lists))))
            if cached is not None and cached.version_id == head[0]:
                return cached
    if head is None:
        ensure_initialised(db_url)
    with eng.connect() as conn:
        row = store.latest(conn)
        assert row is not None
        return _load_version(conn, row, scope)


def resolve(conn: Any, ref: str) -> Any:
    """A version by number, hash prefix, `latest` or `previous`."""
    from proscribe.store import registry as store

    ref = ref.strip()
    head = store.latest(conn)
    if head is None:
        raise RegistryError("the registry has no versions yet")
    if ref in ("latest", "current", "head"):
        return head
    if ref == "previous":
        row = store.by_id(conn, head.parent_id) if head.parent_id else None
        if row is None:
            raise RegistryError("there is no previous version: the registry has one version")
        return row
    if ref.isdigit() and int(ref) <= MAX_ROW_ID:
        row = store.by_id(conn, int(ref))
        if row is not None:
            return row
    if len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref.lower()):
        rows = store.by_hash_prefix(conn, ref.lower())
        hashes = {r.hash for r in rows}
        if len(hashes) == 1:
            return rows[-1]
        if len(hashes) > 1:
            raise RegistryError(f"version {ref!r} is ambiguous: {', '.join(r.hash[:12] for r in rows)}")
    raise RegistryError(f"no registry version {ref!r} (give a number, a hash prefix of 4+ characters, latest or previous; see `proscribe lists versions`)")


def snapshot(db_url: str | None, ref: str, scope: Scope | None = None) -> RegistrySnapshot:
    scope = scope or Scope.from_env()
    ensure_initialised(db_url)
    with _engine(db_url).connect() as conn:
        return _load_version(conn, resolve(conn, ref), scope)


def versions(db_url: str | None = None) -> list[Any]:
    from proscribe.store import registry as store

    ensure_initialised(db_url)
    with _engine(db_url).connect() as conn:
        return store.all_versions(conn)


def search(snapshot: RegistrySnapshot, query: str, limit: int = 10) -> list[tuple[Entity, float]]:
    """Entities whose names match `query` (any script, spelling variants), best first, with a score in 0..1."""
    from proscribe.registry.search import NameIndex

    index = _INDEXES.get(id(snapshot))
    if index is None or index.entities is not snapshot.entities:
        index = NameIndex(snapshot.entities)
        _INDEXES[id(snapshot)] = index
        while len(_INDEXES) > 4:
            _INDEXES.pop(next(iter(_INDEXES)))
    return index.search(query, limit)


_INDEXES: dict[int, Any] = {}


# --- diff ---------------------------------------------------------------------------


def _active_lists(e: Entity) -> set[str]:
    return {d.list for d in e.designations if d.active}


def _changes(a: Entity, b: Entity) -> list[str]:
    out: list[str] = []
    an, bn = {n.text for n in a.names}, {n.text for n in b.names}
    if an != bn:
        added, removed = sorted(bn - an), sorted(an - bn)
        text = "names"
        if added:
            text += f" +{len(added)} ({', '.join(added[:3])}{', ...' if len(added) > 3 else ''})"
        if removed:
            text += f" -{len(removed)} ({', '.join(removed[:3])}{', ...' if len(removed) > 3 else ''})"
        out.append(text)
    ad, bd = _active_lists(a), _active_lists(b)
    if bd - ad:
        out.append("listed on " + ", ".join(sorted(bd - ad)))
    if ad - bd:
        out.append("delisted from " + ", ".join(sorted(ad - bd)))
    if a.in_scope != b.in_scope:
        out.append("now in scope" if b.in_scope else "now out of scope")
    for attr in ("name", "kind", "countries", "relations", "tiers", "xrefs", "date", "topics", "positions"):
        if getattr(a, attr) != getattr(b, attr):
            out.append(f"{attr} changed")
    if not out:
        out.append("details changed (designation dates, sources or notes)")
    return out


def diff_snapshots(a: RegistrySnapshot, b: RegistrySnapshot) -> dict[str, Any]:
    """Entities added, removed, delisted (lost an active listing) and otherwise changed from `a` to `b`."""
    ea = {e.id: e for e in a.entities}
    eb = {e.id: e for e in b.entities}

    def brief(e: Entity) -> dict[str, Any]:
        return {"id": e.id, "name": e.name, "kind": str(e.kind), "in_scope": e.in_scope, "lists": sorted(_active_lists(e))}

    added = [brief(eb[i]) for i in sorted(eb.keys() - ea.keys())]
    removed = [brief(ea[i]) for i in sorted(ea.keys() - eb.keys())]
    delisted, changed = [], []
    for i in sorted(ea.keys() & eb.keys()):
        x, y = ea[i], eb[i]
        if x == y or codec.dumps(x) == codec.dumps(y) and x.in_scope == y.in_scope:
            continue
        lost = sorted(_active_lists(x) - _active_lists(y))
        item = {**brief(y), "changes": _changes(x, y)}
        if lost:
            delisted.append({**item, "delisted_from": lost, "was_in_scope": x.in_scope})
        else:
            changed.append(item)
    return {"added": added, "changed": changed, "delisted": delisted, "removed": removed}


def diff(db_url: str | None, a: str, b: str, scope: Scope | None = None) -> dict[str, Any]:
    scope = scope or Scope.from_env()
    ensure_initialised(db_url)
    with _engine(db_url).connect() as conn:
        ra, rb = resolve(conn, a), resolve(conn, b)
        sa, sb = _load_version(conn, ra, scope), _load_version(conn, rb, scope)
    out = diff_snapshots(sa, sb)
    return {"from": _version_json(ra), "to": _version_json(rb), **out}


def _version_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "version": row.hash[:12], "hash": row.hash, "created_at": row.created_at.isoformat(), "source": row.source}


# --- importing ----------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: the version it made (or that nothing changed), per-source counts, the diff."""

    version: Any | None  # the new VersionRow, or None when the content was unchanged
    previous: Any | None
    results: list[ImportResult]
    diff: dict[str, Any]

    @property
    def changed(self) -> bool:
        return self.version is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": _version_json(self.version) if self.version else None,
            "previous": _version_json(self.previous) if self.previous else None,
            "changed": self.changed,
            "sources": [r.summary() for r in self.results],
            "counts": {k: len(v) for k, v in self.diff.items()},
            "diff": self.diff,
        }


def _carry_delisted(previous: list[Entity], result: ImportResult, today: date) -> list[Entity]:
    """Entities of the source's previous import that its new file no longer lists: kept, their listings ended."""
    if result.curated:
        return []
    present = {e.id for e in result.entities}
    when = result.published or today
    carried = []
    for e in previous:
        if e.id in present:
            continue
        designations = tuple(d if d.delisted else dataclasses.replace(d, delisted=when) for d in e.designations)
        carried.append(dataclasses.replace(e, designations=designations))
    return carried


def _write(conn: Any, results: list[ImportResult], *, source: str, origin: str | None, parent: Any) -> tuple[Any | None, dict[str, Any]]:
    from proscribe.store import registry as store

    scope = Scope.from_env()
    refs = store.layers_of(conn, parent.id) if parent else []
    by_layer = {ref.layer: ref for ref in refs}
    layer_hashes = {ref.layer: ref.hash for ref in refs}
    new_layers: list[store.NewLayer] = []
    replaced: set[str] = set()
    today = datetime.now(UTC).date()
    seen: set[str] = set()
    for result in results:
        if result.layer in seen:
            raise RegistryError(f"two files of one import fill the same source {result.layer!r}: import them one at a time")
        seen.add(result.layer)
        previous = _layer_entities(conn, by_layer[result.layer]) if result.layer in by_layer else []
        entities = list(result.entities) + _carry_delisted(previous, result, today)
        content = _layer_content(result.layer, entities)
        if layer_hashes.get(result.layer) == content.hash:
            continue
        layer_hashes[result.layer] = content.hash
        replaced.add(result.layer)
        new_layers.append(store.NewLayer(content.layer, content.hash, content.members))
    version_hash = _version_hash(layer_hashes)
    old_snapshot = _load_version(conn, parent, scope) if parent else None
    if parent is not None and version_hash == parent.hash:
        return None, {"added": [], "changed": [], "delisted": [], "removed": []}
    kept = [ref for ref in refs if ref.layer not in replaced]
    # the new version's composed content, for the summary of what changed
    layers_now: list[tuple[str, list[Entity]]] = []
    fresh = {layer.layer: layer for layer in new_layers}
    for layer_name in [r.layer for r in refs] + [n.layer for n in new_layers if n.layer not in by_layer]:
        if layer_name in fresh:
            layers_now.append((layer_name, [codec.from_dict(json.loads(m[2])) for m in fresh[layer_name].members]))
        else:
            layers_now.append((layer_name, _layer_entities(conn, by_layer[layer_name])))
    new_snapshot = _snapshot(layers_now, version_hash, None, None, scope)
    changes = diff_snapshots(old_snapshot, new_snapshot) if old_snapshot else diff_snapshots(_snapshot([], "", None, None, scope), new_snapshot)
    summary = {
        "sources": [r.summary() for r in results],
        "counts": {k: len(v) for k, v in changes.items()},
        "entities": len(new_snapshot.entities),
    }
    row = store.save_version(
        conn,
        version_hash=version_hash,
        parent_id=parent.id if parent else None,
        kept=kept,
        new=new_layers,
        source=source,
        origin=origin,
        summary=summary,
    )
    return row, changes


def import_results(db_url: str | None, results: list[ImportResult], *, source: str, origin: str | None = None) -> ImportReport:
    """Stores the results as ONE new version, in one transaction: on any error nothing changes."""
    from sqlalchemy.exc import IntegrityError

    from proscribe.store import registry as store

    ensure_initialised(db_url)
    eng = _engine(db_url)
    try:
        with eng.begin() as conn:
            parent = store.latest(conn)
            row, changes = _write(conn, results, source=source, origin=origin, parent=parent)
    except IntegrityError as exc:
        raise RegistryError(f"another import changed the registry at the same time; nothing was stored, run it again ({exc.orig})") from None
    return ImportReport(version=row, previous=parent, results=results, diff=changes)


def import_file(
    db_url: str | None,
    path: Path,
    format: str | None = None,
    *,
    alt: Path | None = None,
    add: Path | None = None,
) -> ImportReport:
    """Reads one list file completely, then stores it as a new version (its source's entries replaced)."""
    from proscribe.registry import importers

    known: set[str] = set()
    fmt = format or importers.guess_format(Path(path))
    if fmt == "yaml":
        known = {e.id for e in current(db_url).entities}
    result = importers.load(Path(path), fmt, alt=alt, add=add, known_ids=known)
    return import_results(db_url, [result], source=f"import {result.format}", origin=", ".join(result.files))
