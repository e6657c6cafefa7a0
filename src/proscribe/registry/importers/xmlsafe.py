"""Safe XML reading for list files: no DTD, no entities, no external resources; errors name the line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from proscribe.registry.errors import ListFormatError, Problem


class Document:
    """A parsed XML file that remembers the line each element started on."""

    def __init__(self, root: ET.Element, lines: dict[int, int], path: Path) -> None:
        self.root = root
        self._lines = lines
        self.path = path

    def line(self, element: ET.Element) -> int | None:
        return self._lines.get(id(element))


class _LineBuilder(ET.TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):  # type: ignore[no-untyped-def, override]
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def _line_of(data: bytes, needle: bytes) -> int | None:
    i = data.find(needle)
    return data[:i].count(b"\n") + 1 if i >= 0 else None


def parse(path: Path) -> Document:
    """Parses `path`; a DTD, an entity or an external reference is refused, never resolved."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ListFormatError(path, "the file is empty", hint="was the download cut short?")
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        line = _line_of(data, b"<!DOCTYPE") or _line_of(data, b"<!ENTITY")
        raise ListFormatError(
            path,
            Problem(
                f"refused: the XML declares a DTD or entities ({type(exc).__name__})",
                line=line,
                hint="list files never need them; entity expansion and external references are never resolved",
            ),
        ) from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ListFormatError(
            path,
            Problem(f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}", line=line, where=f"column {column}" if column is not None else None,
                    hint="the file is truncated or corrupt"),
        ) from None
    return Document(root, builder.lines, path)


def local(tag: str) -> str:
    """The tag without its namespace ('{http://eu.europa.ec/fpi/fsd/export}nameAlias' -> 'nameAlias')."""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if local(c.tag) == name]


def child_text(element: ET.Element, name: str) -> str | None:
    for c in element:
        if local(c.tag) == name:
            text = (c.text or "").strip()
            return text or None
    return None
