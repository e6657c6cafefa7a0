"""Labelled classification examples (JSON lines): reading with line-numbered errors, and the held-out split.

The held-out split is a pure function of the example id: an example is held out
when the first 8 hex digits of sha256(id), as an integer, modulo 100 are below
the held-out percentage (20 by default). Training never sees it; evaluation
of the shipped model reports it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from proscribe.classify.head import label_of
from proscribe.model import Category, Context

HELD_OUT_PERCENT = 20
LANGS = ("en", "fa", "ar", "fr", "de", "es", "tr", "ur")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    lang: str | None
    category: Category
    context: Context | None
    entities: tuple[str, ...] = ()
    author_role: str | None = None
    source: str = ""  # file:line

    @property
    def label(self) -> str:
        return label_of(self.category, self.context)

    @property
    def violation(self) -> bool:
        return self.category is not Category.NONE


@dataclass(frozen=True)
class LineError:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def held_out(example_id: str, percent: int = HELD_OUT_PERCENT) -> bool:
    """True when the example belongs to the held-out split (deterministic by id)."""
    digest = hashlib.sha256(example_id.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < percent


def parse_example(obj: object, source: str = "") -> Example:
    """One example from a decoded JSON value; ValueError naming the field when it is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "text", "category"):
        if key not in obj:
            raise ValueError(f"missing field {key!r}")
    if not isinstance(obj["id"], str) or not obj["id"]:
        raise ValueError("field 'id' must be a non-empty string")
    if not isinstance(obj["text"], str):
        raise ValueError("field 'text' must be a string")
    try:
        category = Category(obj["category"])
    except ValueError:
        raise ValueError(f"field 'category': {obj['category']!r} is not one of {', '.join(c.value for c in Category)}") from None
    raw_context = obj.get("context")
    context: Context | None = None
    if category is Category.NONE:
        if raw_context is None:
            raise ValueError("field 'context' is required when category is none")
        try:
            context = Context(raw_context)
        except ValueError:
            raise ValueError(f"field 'context': {raw_context!r} is not one of {', '.join(c.value for c in Context)}") from None
    elif raw_context is not None:
        raise ValueError(f"field 'context' must be null for category {category.value}")
    lang = obj.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise ValueError("field 'lang' must be a string")
    entities = obj.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise ValueError("field 'entities' must be a list of strings")
    role = obj.get("author_role")
    return Example(
        id=obj["id"], text=obj["text"], lang=lang, category=category, context=context,
        entities=tuple(entities), author_role=role if isinstance(role, str) else None, source=source,
    )


def read_examples(paths: Iterable[Path]) -> tuple[list[Example], list[LineError]]:
    """All good examples of the files, and an error per bad line (never stops at the first)."""
    examples: list[Example] = []
    errors: list[LineError] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, line in _lines(path):
            if not line.strip():
                continue
            try:
                example = parse_example(json.loads(line), f"{path}:{number}")
            except json.JSONDecodeError as err:
                errors.append(LineError(str(path), number, f"not JSON: {err.msg} (column {err.colno})"))
                continue
            except ValueError as err:
                errors.append(LineError(str(path), number, str(err)))
                continue
            if example.id in seen:
                errors.append(LineError(str(path), number, f"duplicate id {example.id!r} (first at {seen[example.id]})"))
                continue
            seen[example.id] = example.source
            examples.append(example)
    return examples, errors


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="strict") as fh:
        yield from enumerate(fh, 1)


def split(examples: Iterable[Example], percent: int = HELD_OUT_PERCENT) -> tuple[list[Example], list[Example]]:
    """(training, held-out)."""
    train, held = [], []
    for ex in examples:
        (held if held_out(ex.id, percent) else train).append(ex)
    return train, held


PAD_SUFFIX = "+pad"  # the id of a padded copy is its example's with this suffix


def origin_id(example_id: str) -> str:
    """The id of the labelled post a (padded) copy was made from; an example's own id for the example itself."""
    return example_id.removesuffix(PAD_SUFFIX)


def padded(examples: Iterable[Example], fillers: Iterable[Example], share: float = 1.0, seed: int = 0,
           most: int = 3, longest: int = 280) -> list[Example]:
    """Copies of examples with everyday posts of the same language around them, labels kept.

    A post that praises a group still does when two lines of small talk come
    before or after it; a mean-pooled sentence embedding drifts towards the
    small talk, so a model trained only on the posts as written learns that
    long posts are harmless. One copy for a `share` of the examples no longer
    than `longest` characters (chosen by a seeded draw, so the copies are the
    same on every run), with 1 to `most` fillers of the same language
    (category none, context unrelated, not the example itself), before or
    after it. The copy's id is the example's with "+pad".
    """
    import random

    rng = random.Random(seed)
    by_lang: dict[str, list[Example]] = {}
    for f in fillers:
        if f.category is Category.NONE and f.context is Context.UNRELATED and f.lang and len(f.text) <= 200:
            by_lang.setdefault(f.lang, []).append(f)
    out = []
    for ex in examples:
        pool = by_lang.get(ex.lang or "", [])
        if len(ex.text) > longest or len(pool) < 10 or rng.random() >= share:
            continue
        chosen = [f.text for f in rng.sample(pool, rng.randint(1, most)) if f.id != ex.id]
        text = " ".join([*chosen, ex.text] if rng.random() < 0.5 else [ex.text, *chosen])
        out.append(Example(f"{ex.id}{PAD_SUFFIX}", text, ex.lang, ex.category, ex.context, ex.entities, ex.author_role, f"{ex.source} (padded)"))
    return out
