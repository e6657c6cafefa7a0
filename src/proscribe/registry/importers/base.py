"""What every importer shares: its result, skipped-record accounting, names, countries, safe reading."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from proscribe.model import Entity, Name, NameKind
from proscribe.registry import names as nm
from proscribe.registry.errors import ListFormatError, Problem


@dataclass
class Skipped:
    """Records an importer left out on purpose, grouped by reason, with a few examples."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, example: str) -> None:
        self.counts[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < 5:
            shown.append(example)

    def as_list(self) -> list[dict[str, Any]]:
        return [
            {"reason": reason, "count": count, "examples": self.examples.get(reason, [])}
            for reason, count in self.counts.most_common()
        ]


@dataclass
class ImportResult:
    """The entities read from one source's files, ready to become that source's layer of the registry.

    `layer` names the source: an import of the same layer replaces the previous one.
    """

    layer: str
    format: str
    entities: list[Entity]
    files: list[str]
    skipped: Skipped = field(default_factory=Skipped)
    notes: list[str] = field(default_factory=list)  # other remarks for the person importing
    published: date | None = None  # the publisher's date of the file, when it says
    curated: bool = False  # proscribe's own YAML: merged by id/xrefs, never delisted by absence

    def summary(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "format": self.format,
            "files": self.files,
            "entities": len(self.entities),
            "published": self.published.isoformat() if self.published else None,
            "skipped": self.skipped.as_list(),
            "notes": self.notes,
        }


def read_text(path: Path) -> str:
    """A list file as text: UTF-8 (with or without BOM), else Windows-1252; DOS end-of-file byte dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip(b"\x00\x1a \r\n\t"):
        raise ListFormatError(path, "the file is empty", hint="was the download cut short?")
    data = data.rstrip(b"\x1a")  # OFAC's legacy files end with a DOS end-of-file byte
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ListFormatError(path, Problem("binary data (a NUL byte) in a text file", line=line, hint="the file is corrupt or not a list file"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 code for a country name or code ("Lebanon", "Iranian", "LB"), else None."""
    text = text.strip().strip(".")
    if not text or text in ("-0-", "00"):
        return None
    code = _common_countries().get(nm.fold(text))
    if code:
        return code
    from rigour.territories import lookup_territory

    try:
        territory = lookup_territory(text)
    except Exception:  # an odd string the lookup rejects: unknown country
        return None
    if territory is None:
        return None
    code = territory.code.upper()
    return code if re.fullmatch(r"[A-Z]{2}", code) else None


@lru_cache(maxsize=1)
def _common_countries() -> dict[str, str]:
    """Country names and codes straight from rigour's table (its full fuzzy lookup takes seconds to build)."""
    from rigour.territories import get_territories

    table: dict[str, str] = {}
    for t in get_territories():
        code = t.code.upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            continue
        for value in (t.code, t.name, t.full_name, *(getattr(t, "names", None) or ())):
            if value:
                table.setdefault(nm.fold(value), code)
    return table


def countries(values: Iterable[str | None]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if not value:
            continue
        for part in re.split(r"\s*(?:;|/|\band\b)\s*", value):
            code = country_code(part)
            if code and code not in out:
                out.append(code)
    return tuple(out)


class NameList:
    """Collects an entity's names in order, once each (by folded spelling), marking weak ones."""

    def __init__(self) -> None:
        self._names: list[Name] = []
        self._seen: dict[str, int] = {}

    def add(
        self,
        text: str | None,
        kind: NameKind = NameKind.ALIAS,
        *,
        lang: str | None = None,
        weak: bool | None = None,
        script: str | None = None,
    ) -> None:
        if not text:
            return
        text = re.sub(r"\s+", " ", text).strip()
        if not text or text == "-0-":
            return
        folded = nm.fold(text)
        if not folded:
            return
        is_weak = nm.auto_weak(text) if weak is None else (weak or nm.auto_weak(text))
        detected = nm.script_of(text)
        if script is None and detected not in (None, "Latn"):
            script = detected
        name = Name(text=text, kind=kind, lang=lang, script=script, weak=is_weak)
        if folded in self._seen:
            # the same name twice: keep the strongest reading (a primary, not weak)
            i = self._seen[folded]
            old = self._names[i]
            if (kind is NameKind.PRIMARY and old.kind is not NameKind.PRIMARY) or (old.weak and not is_weak):
                self._names[i] = Name(
                    text=old.text,
                    kind=NameKind.PRIMARY if NameKind.PRIMARY in (kind, old.kind) else old.kind,
                    lang=old.lang or lang,
                    script=old.script or script,
                    weak=old.weak and is_weak,
                )
            return
        self._seen[folded] = len(self._names)
        self._names.append(name)

    def as_tuple(self) -> tuple[Name, ...]:
        return tuple(self._names)


def parenthetical(name: str) -> list[str]:
    """'Islamic Revolutionary Guard Corps (IRGC)' -> ['Islamic Revolutionary Guard Corps', 'IRGC']."""
    m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*", name)
    return [m.group(1), m.group(2)] if m else []


def parse_date(text: str | None) -> date | None:
    """ISO dates and the day.month.year dates of EU texts; None when absent or partial."""
    if not text:
        return None
    text = text.strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    return None
