"""Registry tables (versions, layers, content-addressed entity records) and the queries over them.

A registry version is a set of layers (the starter registry, each curated file,
each imported source); a layer version is a set of (entity id, record hash); a
record is one entity's canonical JSON, stored once however many versions hold it.
So every version stays readable (diffs, history of delisted entities) at the cost
of one membership row per entity per changed layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from proscribe.store.db import metadata

Id = Integer

records = Table(
    "registry_entity_record",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("entity_id", String(400), nullable=False),
    Column("data", Text, nullable=False),
)

layer_versions = Table(
    "registry_layer_version",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("layer", String(200), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

layer_members = Table(
    "registry_layer_member",
    metadata,
    Column("layer_version_id", Id, ForeignKey("registry_layer_version.id", name="fk_registry_member_layer_version"), primary_key=True),
    Column("entity_id", String(400), primary_key=True),
    Column("entity_hash", String(64), ForeignKey("registry_entity_record.hash", name="fk_registry_member_record"), nullable=False),
)

versions = Table(
    "registry_version",
    metadata,
    # numbered by the writer (parent + 1): two concurrent imports collide on the key instead of forking history
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(200), nullable=False),
    Column("origin", Text, nullable=True),
    Column("summary", Text, nullable=False),
    Column("parent_id", Id, nullable=True),
)

version_layers = Table(
    "registry_version_layer",
    metadata,
    Column("version_id", Id, ForeignKey("registry_version.id", name="fk_registry_version_layer_version"), primary_key=True),
    Column("layer", String(200), primary_key=True),
    Column("layer_version_id", Id, ForeignKey("registry_layer_version.id", name="fk_registry_version_layer_layer"), nullable=False),
    Column("position", Integer, nullable=False),
)


@dataclass(frozen=True)
class VersionRow:
    id: int
    hash: str
    created_at: datetime
    source: str
    origin: str | None
    summary: dict[str, Any]
    parent_id: int | None

    @property
    def label(self) -> str:
        """The short form decisions cite: the first 12 hex digits of the content hash."""
        return self.hash[:12]


@dataclass(frozen=True)
class LayerRef:
    layer: str
    layer_version_id: int
    hash: str
    position: int


@dataclass
class NewLayer:
    """A layer's new content: (entity id, record hash, record JSON) for every entity."""

    layer: str
    hash: str
    members: list[tuple[str, str, str]] = field(default_factory=list)


def _row(r: Any) -> VersionRow:
    created = r.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return VersionRow(
        id=r.id,
        hash=r.hash,
        created_at=created,
        source=r.source,
        origin=r.origin,
        summary=json.loads(r.summary or "{}"),
        parent_id=r.parent_id,
    )


def latest(conn: Connection) -> VersionRow | None:
    r = conn.execute(select(versions).order_by(versions.c.id.desc()).limit(1)).first()
    return _row(r) if r else None


def latest_id(conn: Connection) -> tuple[int, str] | None:
    r = conn.execute(select(versions.c.id, versions.c.hash).order_by(versions.c.id.desc()).limit(1)).first()
    return (r.id, r.hash) if r else None


def all_versions(conn: Connection) -> list[VersionRow]:
    return [_row(r) for r in conn.execute(select(versions).order_by(versions.c.id))]


def by_id(conn: Connection, version_id: int) -> VersionRow | None:
    r = conn.execute(select(versions).where(versions.c.id == version_id)).first()
    return _row(r) if r else None


def by_hash_prefix(conn: Connection, prefix: str) -> list[VersionRow]:
    rows = conn.execute(select(versions).where(versions.c.hash.like(f"{prefix}%")).order_by(versions.c.id))
    return [_row(r) for r in rows]


def layers_of(conn: Connection, version_id: int) -> list[LayerRef]:
    q = (
        select(version_layers.c.layer, version_layers.c.layer_version_id, version_layers.c.position, layer_versions.c.hash)
        .join(layer_versions, layer_versions.c.id == version_layers.c.layer_version_id)
        .where(version_layers.c.version_id == version_id)
        .order_by(version_layers.c.position)
    )
    return [LayerRef(r.layer, r.layer_version_id, r.hash, r.position) for r in conn.execute(q)]


def layer_records(conn: Connection, layer_version_id: int) -> list[str]:
    """The JSON records of one layer version, in entity id order."""
    q = (
        select(records.c.data)
        .join(layer_members, layer_members.c.entity_hash == records.c.hash)
        .where(layer_members.c.layer_version_id == layer_version_id)
        .order_by(layer_members.c.entity_id)
    )
    return [r[0] for r in conn.execute(q)]


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _store_records(conn: Connection, members: list[tuple[str, str, str]]) -> None:
    wanted: dict[str, tuple[str, str]] = {h: (eid, data) for eid, h, data in members}
    hashes = list(wanted)
    existing: set[str] = set()
    for chunk in _chunks(hashes):
        existing.update(r[0] for r in conn.execute(select(records.c.hash).where(records.c.hash.in_(chunk))))
    rows = [{"hash": h, "entity_id": wanted[h][0], "data": wanted[h][1]} for h in hashes if h not in existing]
    for chunk in _chunks(rows, 2000):
        conn.execute(insert(records), list(chunk))


def save_version(
    conn: Connection,
    *,
    version_hash: str,
    parent_id: int | None,
    kept: list[LayerRef],
    new: list[NewLayer],
    source: str,
    origin: str | None,
    summary: dict[str, Any],
    now: datetime | None = None,
) -> VersionRow:
    """Writes one registry version on the caller's transaction: unchanged layers are referenced, new ones stored."""
    now = now or datetime.now(UTC)
    version_id = (parent_id or 0) + 1
    positions = {ref.layer: ref.position for ref in kept}
    next_position = max(positions.values(), default=-1) + 1
    layer_rows: list[dict[str, Any]] = [
        {"version_id": version_id, "layer": ref.layer, "layer_version_id": ref.layer_version_id, "position": ref.position} for ref in kept
    ]
    prepared: list[tuple[NewLayer, int]] = []
    for layer in new:
        _store_records(conn, layer.members)
        lv_id = conn.execute(
            insert(layer_versions).values(layer=layer.layer, hash=layer.hash, size=len(layer.members), created_at=now).returning(layer_versions.c.id)
        ).scalar_one()
        member_rows = [{"layer_version_id": lv_id, "entity_id": eid, "entity_hash": h} for eid, h, _ in layer.members]
        for chunk in _chunks(member_rows, 2000):
            conn.execute(insert(layer_members), list(chunk))
        prepared.append((layer, lv_id))
    conn.execute(
        insert(versions).values(
            id=version_id,
            hash=version_hash,
            created_at=now,
            source=source,
            origin=origin,
            summary=json.dumps(summary, ensure_ascii=False, default=str),
            parent_id=parent_id,
        )
    )
    for layer, lv_id in prepared:
        position = positions.get(layer.layer)
        if position is None:
            position = next_position
            next_position += 1
        layer_rows.append({"version_id": version_id, "layer": layer.layer, "layer_version_id": lv_id, "position": position})
    if layer_rows:
        conn.execute(insert(version_layers), layer_rows)
    row = by_id(conn, version_id)
    assert row is not None
    return row


def count_versions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(versions)).scalar_one())
