"""Importers of designation lists, one module per format, and the guess of a file's format."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from proscribe.registry.errors import ListFormatError, Problem
from proscribe.registry.importers.base import ImportResult

FORMATS = ("ofac", "un", "eu", "eu-fsf", "ftm", "yaml")


def guess_format(path: Path) -> str:
    """The format of a list file, from its name and its first bytes."""
    path = Path(path)
    if path.is_dir():
        if (path / "sdn.csv").exists():
            return "ofac"
        raise ListFormatError(path, "a folder: give a list file (a folder is read only when it holds OFAC's sdn.csv)")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ListFormatError(path, f"cannot read the file: {exc.strerror or exc}") from None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    name = path.name.lower()
    if text.startswith("<"):
        if "CONSOLIDATED_LIST" in text:
            return "un"
        if "<export" in text or "sanctionEntity" in text:
            return "eu-fsf"
        raise ListFormatError(path, Problem("XML, but neither a UN consolidated list nor an EU FSF export", line=1, hint="give --format if you are sure"))
    if name.endswith((".yaml", ".yml")) or text.startswith("format:") or "proscribe-registry/" in text:
        return "yaml"
    if text.startswith("{") or name.endswith((".json", ".jsonl", ".ndjson")):
        return "ftm"
    first = text.splitlines()[0] if text else ""
    if "schema" in first.split(",") and "name" in first.split(","):
        return "eu"
    if first.split(",", 1)[0].strip().isdigit():
        return "ofac"
    raise ListFormatError(
        path,
        Problem("cannot tell the format of this file", line=1, hint=f"give --format, one of {', '.join(FORMATS)}"),
    )


def load(path: Path, format: str | None = None, *, alt: Path | None = None, add: Path | None = None, known_ids: Iterable[str] = ()) -> ImportResult:
    """Reads one list file (and OFAC's companions) fully; nothing is stored here."""
    path = Path(path)
    if not path.exists():
        raise ListFormatError(path, "no such file")
    fmt = format or guess_format(path)
    if fmt == "ofac":
        from proscribe.registry.importers import ofac

        sdn = path / "sdn.csv" if path.is_dir() else path
        return ofac.load(sdn, alt=alt, add=add)
    if (alt or add) and fmt != "ofac":
        raise ListFormatError(path, "--alt and --add go with OFAC's sdn.csv only")
    if fmt == "un":
        from proscribe.registry.importers import un

        return un.load(path)
    if fmt == "eu":
        from proscribe.registry.importers import eu

        return eu.load(path)
    if fmt == "eu-fsf":
        from proscribe.registry.importers import eu_fsf

        return eu_fsf.load(path)
    if fmt == "ftm":
        from proscribe.registry.importers import ftm

        return ftm.load(path)
    if fmt == "yaml":
        from proscribe.registry.importers import registry_yaml

        return registry_yaml.load(path, known_ids)
    raise ListFormatError(path, f"unknown format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
