"""Errors of the registry: bad list files and registry operations that cannot proceed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RegistryError(Exception):
    """A registry operation failed; the message says what and where, the registry is unchanged."""


@dataclass
class Problem:
    """One thing wrong in an input file, with where it is and how to fix it."""

    message: str
    line: int | None = None
    where: str | None = None  # a key, column, element or record ("entities[3].kind", "INDIVIDUAL CDi.002")
    hint: str | None = None

    def render(self, path: str | Path | None) -> str:
        place = str(path) if path is not None else "<input>"
        if self.line is not None:
            place += f":{self.line}"
        text = f"{place}: "
        if self.where:
            text += f"{self.where}: "
        text += self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class ListFormatError(RegistryError):
    """A list file is truncated, corrupt, unsafe or not in the expected format."""

    def __init__(self, path: str | Path | None, problems: list[Problem] | Problem | str, **kw: object) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, **kw)]  # type: ignore[arg-type]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.path = str(path) if path is not None else None
        self.problems = problems
        shown = [p.render(self.path) for p in problems[:20]]
        if len(problems) > 20:
            shown.append(f"... and {len(problems) - 20} more problems")
        super().__init__("\n".join(shown))

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None
