"""proscribe's own curated registry YAML (format proscribe-registry/1), with a strict validator.

Every problem names the file, the line and the key, with a hint; a file with any
problem loads nothing. The node tree is walked directly (yaml.compose) so each
value keeps its position in the file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from proscribe.model import Designation, Entity, EntityKind, Name, NameKind, Relation, RelationKind
from proscribe.registry import names as nm
from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers.base import ImportResult

FORMAT = "proscribe-registry/1"
_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_LIST_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_SCRIPT = re.compile(r"^[A-Z][a-z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_XREF = re.compile(r"^[a-z][a-z0-9_-]*:\S+$")

TOP_KEYS = ("format", "source", "entities")
ENTITY_KEYS = ("id", "kind", "name", "date", "countries", "names", "designations", "relations", "tiers", "xrefs", "sources", "notes", "topics", "positions")
NAME_KEYS = ("text", "kind", "lang", "script", "weak")
DESIGNATION_KEYS = ("list", "program", "listed", "delisted", "source_id", "source_url", "note")
RELATION_KEYS = ("kind", "target")

try:  # the C parser is several times faster and keeps the same node marks
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


@dataclass
class _Ctx:
    path: Path
    problems: list[Problem]

    def bad(self, node: Node | None, where: str, message: str, hint: str | None = None) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(message, line=line, where=where, hint=hint))


def _suggest(key: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    if close:
        return f"did you mean {close[0]!r}? allowed: {', '.join(allowed)}"
    return f"allowed: {', '.join(allowed)}"


def _mapping(ctx: _Ctx, node: Node, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[Node, Node]] | None:
    if not isinstance(node, MappingNode):
        ctx.bad(node, where, f"expected a mapping (key: value), found {_kind(node)}")
        return None
    out: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            ctx.bad(key_node, where, "a key must be a plain word")
            continue
        key = str(key_node.value)
        if key in out:
            ctx.bad(key_node, f"{where}.{key}", f"key {key!r} appears twice", "YAML would silently keep only one: remove one")
            continue
        if key not in allowed:
            ctx.bad(key_node, f"{where}.{key}", f"unknown key {key!r}", _suggest(key, allowed))
            continue
        out[key] = (key_node, value_node)
    return out


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing (null)"
    return f"{node.value!r}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _str(ctx: _Ctx, node: Node, where: str, *, pattern: re.Pattern[str] | None = None, hint: str | None = None, coerce: bool = False) -> str | None:
    if not isinstance(node, ScalarNode) or _is_null(node):
        ctx.bad(node, where, f"expected text, found {_kind(node)}", hint)
        return None
    if node.tag != "tag:yaml.org,2002:str" and not coerce:
        ctx.bad(node, where, f"expected text, found {node.value!r} (read as {node.tag.rsplit(':', 1)[-1]})", hint or "quote it")
        return None
    value = str(node.value).strip()
    if not value:
        ctx.bad(node, where, "must not be empty", hint)
        return None
    if pattern is not None and not pattern.match(value):
        ctx.bad(node, where, f"{value!r} is not valid", hint)
        return None
    return value


def _date(ctx: _Ctx, node: Node, where: str) -> date | None:
    if _is_null(node):
        return None
    if not isinstance(node, ScalarNode):
        ctx.bad(node, where, f"expected a date, found {_kind(node)}", "write it as YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(str(node.value).strip())
    except ValueError:
        ctx.bad(node, where, f"{node.value!r} is not a date", "write it as YYYY-MM-DD")
        return None


def _bool(ctx: _Ctx, node: Node, where: str) -> bool | None:
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return str(node.value).lower() in ("true", "yes", "on")
    ctx.bad(node, where, f"expected true or false, found {_kind(node)}")
    return None


def _seq(ctx: _Ctx, node: Node, where: str) -> list[Node]:
    if _is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        ctx.bad(node, where, f"expected a list, found {_kind(node)}", "write [a, b] or one '- item' per line")
        return []
    return list(node.value)


def _enum(ctx: _Ctx, node: Node, where: str, enum: Any) -> Any:
    value = _str(ctx, node, where)
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        ctx.bad(node, where, f"{value!r} is not one of {', '.join(e.value for e in enum)}", _suggest(value, [e.value for e in enum]))
        return None


def _strings(ctx: _Ctx, node: Node, where: str, **kw: Any) -> tuple[str, ...]:
    out = []
    for i, item in enumerate(_seq(ctx, node, where)):
        value = _str(ctx, item, f"{where}[{i}]", **kw)
        if value is not None:
            out.append(value)
    return tuple(out)


def _name(ctx: _Ctx, node: Node, where: str, primary_text: str | None = None) -> Name | None:
    fields = _mapping(ctx, node, where, NAME_KEYS)
    if fields is None:
        return None
    if "text" not in fields:
        ctx.bad(node, where, "`text` is required", "each name is {text: ..., lang: ..., kind: ...}")
        return None
    text = _str(ctx, fields["text"][1], f"{where}.text", coerce=True)
    # the entity's display name listed without a kind is its primary name
    default_kind = NameKind.PRIMARY if text is not None and text == primary_text else None
    kind = _enum(ctx, fields["kind"][1], f"{where}.kind", NameKind) if "kind" in fields else (default_kind or NameKind.ALIAS)
    lang = _str(ctx, fields["lang"][1], f"{where}.lang", pattern=_LANG, hint="ISO 639-1, lowercase: en, ar, fa, he") if "lang" in fields else None
    script = _str(ctx, fields["script"][1], f"{where}.script", pattern=_SCRIPT, hint="ISO 15924: Latn, Arab, Hebr, Cyrl") if "script" in fields else None
    if "weak" in fields:
        weak = _bool(ctx, fields["weak"][1], f"{where}.weak")
    else:
        weak = nm.auto_weak(text) if text else False
    if text is None or kind is None:
        return None
    return Name(text=text, kind=kind, lang=lang, script=script, weak=bool(weak))


def _designation(ctx: _Ctx, node: Node, where: str) -> Designation | None:
    fields = _mapping(ctx, node, where, DESIGNATION_KEYS)
    if fields is None:
        return None
    if "list" not in fields:
        ctx.bad(node, where, "`list` is required", "e.g. {list: us-ofac-sdgt, program: SDGT, listed: 2001-10-31}")
        return None
    lst = _str(ctx, fields["list"][1], f"{where}.list", pattern=_LIST_ID, hint="a list id: us-ofac-sdgt, un-isil-aq, eu-terr, uk-proscribed, platform ...")
    opt = {k: _str(ctx, fields[k][1], f"{where}.{k}", coerce=True) for k in ("program", "source_id", "source_url", "note") if k in fields}
    listed = _date(ctx, fields["listed"][1], f"{where}.listed") if "listed" in fields else None
    delisted = _date(ctx, fields["delisted"][1], f"{where}.delisted") if "delisted" in fields else None
    if listed and delisted and delisted < listed:
        ctx.bad(fields["delisted"][1], f"{where}.delisted", f"delisted {delisted} is before listed {listed}")
    if lst is None:
        return None
    return Designation(list=lst, listed=listed, delisted=delisted, **opt)


def _entity(ctx: _Ctx, node: Node, where: str) -> tuple[Entity, dict[str, Node]] | None:
    fields = _mapping(ctx, node, where, ENTITY_KEYS)
    if fields is None:
        return None
    before = len(ctx.problems)
    for required in ("id", "kind", "name", "sources"):
        if required not in fields:
            hint = "cite the list and date, or a URL, for every fact" if required == "sources" else None
            ctx.bad(node, where, f"`{required}` is required", hint)
    get: Callable[[str], Node | None] = lambda k: fields[k][1] if k in fields else None  # noqa: E731
    eid = _str(ctx, get("id"), f"{where}.id", pattern=_ID, hint="a lowercase slug of a-z, 0-9 and -") if "id" in fields else None
    if eid:
        where = f"{where} ({eid})"
    kind = _enum(ctx, get("kind"), f"{where}.kind", EntityKind) if "kind" in fields else None
    name = _str(ctx, get("name"), f"{where}.name", coerce=True) if "name" in fields else None
    names: list[Name] = []
    for i, item in enumerate(_seq(ctx, get("names"), f"{where}.names") if "names" in fields else []):
        n = _name(ctx, item, f"{where}.names[{i}]", primary_text=name)
        if n is not None:
            names.append(n)
    designations = []
    for i, item in enumerate(_seq(ctx, get("designations"), f"{where}.designations") if "designations" in fields else []):
        d = _designation(ctx, item, f"{where}.designations[{i}]")
        if d is not None:
            designations.append(d)
    relations = []
    relation_nodes: dict[str, Node] = {}
    for i, item in enumerate(_seq(ctx, get("relations"), f"{where}.relations") if "relations" in fields else []):
        rf = _mapping(ctx, item, f"{where}.relations[{i}]", RELATION_KEYS)
        if rf is None:
            continue
        if "kind" not in rf or "target" not in rf:
            ctx.bad(item, f"{where}.relations[{i}]", "`kind` and `target` are required", "e.g. {kind: military_wing_of, target: hamas}")
            continue
        rk = _enum(ctx, rf["kind"][1], f"{where}.relations[{i}].kind", RelationKind)
        target = _str(ctx, rf["target"][1], f"{where}.relations[{i}].target", pattern=_ID, hint="the id of another registry entity")
        if rk is not None and target is not None:
            relations.append(Relation(rk, target))
            relation_nodes[f"{where}.relations[{i}].target"] = rf["target"][1]
    tiers: dict[str, int] = {}
    if "tiers" in fields:
        tf = get("tiers")
        if isinstance(tf, MappingNode):
            for key_node, value_node in tf.value:
                profile = str(key_node.value)
                if not (isinstance(value_node, ScalarNode) and value_node.tag == "tag:yaml.org,2002:int" and 1 <= int(value_node.value) <= 9):
                    ctx.bad(value_node, f"{where}.tiers.{profile}", f"tier must be a whole number 1-9, found {_kind(value_node)}", "1 is the most severe")
                    continue
                tiers[profile] = int(value_node.value)
        else:
            ctx.bad(tf, f"{where}.tiers", f"expected a mapping of profile: tier, found {_kind(tf)}", "e.g. {meta: 1, x: 1, twitter-2021: 1}")
    countries = _strings(ctx, get("countries"), f"{where}.countries", pattern=_COUNTRY, hint="ISO 3166-1 alpha-2, uppercase: PS, LB, IR") if "countries" in fields else ()
    xrefs = _strings(ctx, get("xrefs"), f"{where}.xrefs", pattern=_XREF, coerce=True, hint="ofac:<ent_num>, un:<REFERENCE_NUMBER>, eu:<id>") if "xrefs" in fields else ()
    sources = _strings(ctx, get("sources"), f"{where}.sources", coerce=True) if "sources" in fields else ()
    if "sources" in fields and not sources and len(ctx.problems) == before:
        ctx.bad(get("sources"), f"{where}.sources", "at least one source is required", "cite the list and date, or a URL")
    topics = _strings(ctx, get("topics"), f"{where}.topics") if "topics" in fields else ()
    positions = _strings(ctx, get("positions"), f"{where}.positions", coerce=True) if "positions" in fields else ()
    when = _date(ctx, get("date"), f"{where}.date") if "date" in fields else None
    notes = _str(ctx, get("notes"), f"{where}.notes", coerce=True) if "notes" in fields else None
    if len(ctx.problems) > before or eid is None or kind is None or name is None:
        return None
    if not any(n.text == name for n in names):
        names.insert(0, Name(text=name, kind=NameKind.PRIMARY, weak=nm.auto_weak(name)))
    entity = Entity(
        id=eid,
        kind=kind,
        name=name,
        names=tuple(names),
        designations=tuple(designations),
        relations=tuple(relations),
        tiers=tiers,
        countries=countries,
        date=when,
        sources=sources,
        xrefs=xrefs,
        notes=notes,
        topics=topics,
        positions=positions,
    )
    return entity, relation_nodes


def parse(path: Path, text: str | None = None) -> tuple[str | None, list[tuple[Entity, int, dict[str, Node]]]]:
    """One file's entities with their lines (relation targets are checked by the caller)."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ListFormatError(path, f"cannot read the file as UTF-8 text: {exc}") from None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ListFormatError(
            path, Problem(f"not valid YAML: {exc.problem or exc}", line=mark.line + 1 if mark else None, hint="check indentation and quotes (quote text that starts with # or contains ': ')")
        ) from None
    except yaml.YAMLError as exc:
        raise ListFormatError(path, Problem(f"not valid YAML: {exc}")) from None
    ctx = _Ctx(path, [])
    if root is None:
        raise ListFormatError(path, Problem("the file is empty", hint=f"start with 'format: {FORMAT}' and 'entities:'"))
    top = _mapping(ctx, root, "(top)", TOP_KEYS)
    if top is None:
        raise ListFormatError(path, ctx.problems)
    if "format" not in top:
        ctx.bad(root, "format", "`format` is required", f"add 'format: {FORMAT}' at the top")
    else:
        fmt = _str(ctx, top["format"][1], "format")
        if fmt is not None and fmt != FORMAT:
            ctx.bad(top["format"][1], "format", f"unknown format {fmt!r}", f"this version reads {FORMAT}")
    source = _str(ctx, top["source"][1], "source", coerce=True) if "source" in top else None
    entities: list[tuple[Entity, int, dict[str, Node]]] = []
    if "entities" not in top:
        ctx.bad(root, "entities", "`entities` is required", "a list of entities, each starting with '- id: ...'")
    else:
        seen: dict[str, int] = {}
        for i, node in enumerate(_seq(ctx, top["entities"][1], "entities")):
            got = _entity(ctx, node, f"entities[{i}]")
            if got is None:
                continue
            entity, rel_nodes = got
            line = node.start_mark.line + 1
            if entity.id in seen:
                ctx.bad(node, f"entities[{i}].id", f"id {entity.id!r} is already used on line {seen[entity.id]}", "ids are unique across the registry")
                continue
            seen[entity.id] = line
            entities.append((entity, line, rel_nodes))
    if ctx.problems:
        raise ListFormatError(path, ctx.problems)
    return source, entities


def check_relations(parsed: list[tuple[Path, list[tuple[Entity, int, dict[str, Node]]]]], known: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Every relation target must be an entity of these files or of the registry (`known`)."""
    ids = set(known) | {e.id for _, items in parsed for e, _, _ in items}
    by_file: dict[Path, list[Problem]] = {}
    for path, items in parsed:
        for entity, _line, rel_nodes in items:
            for where, node in rel_nodes.items():
                target = str(node.value)
                if target not in ids:
                    close = difflib.get_close_matches(target, sorted(ids), n=1)
                    by_file.setdefault(path, []).append(
                        Problem(
                            f"relation target {target!r} is not an entity of the registry",
                            line=node.start_mark.line + 1,
                            where=where,
                            hint=f"did you mean {close[0]!r}?" if close else "add the entity, or fix the id",
                        )
                    )
    for path, problems in by_file.items():
        raise ListFormatError(path, problems)


def load(path: Path, known_ids: Iterable[str] = ()) -> ImportResult:
    """A curated YAML file as an import (layer `curated:<source or file name>`)."""
    path = Path(path)
    source, items = parse(path)
    check_relations([(path, items)], set(known_ids))
    layer = "curated:" + (nm.slug(source) if source else nm.slug(path.stem) or "file")
    return ImportResult(layer=layer, format="yaml", entities=[e for e, _, _ in items], files=[str(path)], curated=True)
