"""YAML files whose every key keeps its line, so validation errors can point at it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]


class FileError(ValueError):
    """A file that cannot be used; `problems` are (line, key, message) triples."""

    def __init__(self, source: str, problems: list[tuple[int | None, str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for line, key, message in self.problems:
            where = f"{self.source}:{line}" if line else self.source
            lines.append(f"{where}: {key + ': ' if key else ''}{message}")
        return "\n".join(lines)


@dataclass(frozen=True)
class MarkedYaml:
    """A parsed YAML document and the line (1-based) of every key and item in it."""

    data: Any
    lines: dict[Loc, int]
    source: str

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """The line of the deepest part of `loc` that exists in the file."""
        parts = tuple(loc)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            # A key points at its own line, not where its block value starts.
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, loc + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[loc + (index,)] = item.start_mark.line + 1
            _walk(item, loc + (index,), lines)


def parse(text: str, source: str) -> MarkedYaml:
    """Parse YAML safely (no tags that build objects) and record where each key sits."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise FileError(source, [(line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise FileError(source, [(None, "", f"not valid YAML: {exc}")]) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _walk(node, (), lines)
    return MarkedYaml(data, lines, source)


def read(path: Path) -> MarkedYaml:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileError(str(path), [(None, "", "no such file")]) from None
    except UnicodeDecodeError as exc:
        raise FileError(str(path), [(None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise FileError(str(path), [(None, "", f"cannot read: {exc.strerror}")]) from None
    return parse(text, str(path))


def _hint(error: dict[str, Any], model: type[BaseModel], loc: Loc) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden" and loc:
        known = _known_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        if close:
            return f"unknown key; did you mean '{close[0]}'?"
        return "unknown key; known keys here: " + ", ".join(sorted(known)) if known else "unknown key"
    if kind == "missing":
        return "required key is missing: add it"
    if kind == "enum":
        expected = (error.get("ctx") or {}).get("expected")
        return f"not an allowed value; use one of {expected}" if expected else error["msg"]
    return str(error.get("msg", "invalid"))


def _known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a model accepts at `loc` (best effort, for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    fields = getattr(current, "model_fields", None)
    if not fields:
        return []
    return [f.alias or name for name, f in fields.items()]


def _model_in(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validate(doc: MarkedYaml, model: type[BaseModel], context: dict[str, Any] | None = None) -> Any:
    """Validate a parsed file against a pydantic model; errors name the line and key."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            key = ".".join(str(p) for p in loc) or "(top level)"
            problems.append((doc.line_of(loc), key, _hint(error, model, loc)))
        raise FileError(doc.source, problems) from None
