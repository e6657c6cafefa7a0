"""Shared checks for the labelled classification files under corpus/labelled (reader, row rules, text folding, near-duplicates, mix)."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "corpus" / "labelled"
STARTER = ROOT / "src" / "proscribe" / "registry" / "starter"

VIOLATIONS = frozenset({"glorification", "support", "representation", "threat"})
CATEGORIES = VIOLATIONS | {"none"}
CONTEXTS = frozenset({"news", "condemnation", "discussion", "satire", "human_rights", "unrelated"})
HARD_NEGATIVE_CONTEXTS = CONTEXTS - {"unrelated"}
ROLES = frozenset({
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
    "news_organization", "journalist", "individual",
})
# Roles of state accounts: they must appear on both sides of the line, so that
# a model cannot learn "an official wrote it" as a shortcut for either label.
OFFICIAL_ROLES = frozenset({
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
})
REQUIRED = frozenset({"id", "text", "lang", "category", "context", "entities"})
ALLOWED = REQUIRED | {"note", "author_role"}
# The key the reader adds to each row: "<file name>:<line number>", for messages.
WHERE = "_where"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID = re.compile(r"([a-z]{2})-(\d{4})")


# --- reading ---------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file as a dict, each tagged with its file name and line number."""
    assert path.is_file(), f"{path} is missing"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON ({exc})")
        assert isinstance(row, dict), f"{path.name}:{number}: not a JSON object"
        row[WHERE] = f"{path.name}:{number}"
        rows.append(row)
    return rows


def read_others(exclude: Collection[Path]) -> list[dict]:
    """The rows of every labelled file except the given ones (for id clashes and cross-file duplicates)."""
    excluded = {p.resolve() for p in exclude}
    return [row for path in sorted(LABELLED.glob("*.jsonl")) if path.resolve() not in excluded for row in read_jsonl(path)]


def starter_ids() -> set[str]:
    """The ids of the starter registry's entries, read straight from its YAML files."""
    ids: set[str] = set()
    for path in sorted(STARTER.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.update(entry["id"] for entry in data["entities"])
    return ids


# --- rows --------------------------------------------------------------------------------


def field_problems(row: dict) -> list[str]:
    """Missing or unknown fields, empty text or text with surrounding whitespace."""
    where = row.get(WHERE, "?")
    keys = set(row) - {WHERE}
    if REQUIRED - keys:
        return [f"{where}: missing {sorted(REQUIRED - keys)}"]
    problems = []
    if keys - ALLOWED:
        problems.append(f"{where}: unknown fields {sorted(keys - ALLOWED)}")
    text = row["text"]
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty text")
    elif text != text.strip():
        problems.append(f"{where}: text has surrounding whitespace")
    return problems


def id_problems(row: dict, *, langs: Collection[str], first_id: int = 0, last_id: int = 9999) -> list[str]:
    """A lang outside the allowed ones, or an id not <lang>-<4 digits> within the file's range."""
    where = row.get(WHERE, "?")
    problems = []
    if row["lang"] not in langs:
        problems.append(f"{where}: lang {row['lang']!r} not in {sorted(langs)}")
    match = ID.fullmatch(str(row["id"]))
    if not match or match.group(1) != row["lang"] or not first_id <= int(match.group(2)) <= last_id:
        problems.append(f"{where}: id {row['id']!r} must be <lang>-<4 digits> in {first_id:04d}..{last_id:04d}")
    return problems


def label_problems(row: dict) -> list[str]:
    """Category and context outside the closed sets (context null exactly for violations), bad role or note."""
    where = row.get(WHERE, "?")
    problems = []
    if row["category"] not in CATEGORIES:
        problems.append(f"{where}: unknown category {row['category']!r}")
    elif row["category"] == "none":
        if row["context"] not in CONTEXTS:
            problems.append(f"{where}: category none needs a context, got {row['context']!r}")
    elif row["context"] is not None:
        problems.append(f"{where}: violation {row['category']} must have context null")
    role = row.get("author_role")
    if role is not None and role not in ROLES:
        problems.append(f"{where}: unknown author_role {role!r}")
    if row.get("note") is not None and not isinstance(row["note"], str):
        problems.append(f"{where}: note must be a string")
    return problems


def entity_problems(row: dict, *, registry: Collection[str] | None = None) -> list[str]:
    """Entities not a list of distinct slugs, or (given a registry) not registry ids."""
    where = row.get(WHERE, "?")
    entities = row["entities"]
    if not isinstance(entities, list) or not all(isinstance(e, str) and SLUG.fullmatch(e) for e in entities):
        return [f"{where}: entities must be a list of slugs, got {entities!r}"]
    problems = []
    if len(set(entities)) != len(entities):
        problems.append(f"{where}: repeated entity")
    if registry is not None:
        unknown = [e for e in entities if e not in registry]
        if unknown:
            problems.append(f"{where}: entities not in the starter registry: {unknown}")
    return problems


def row_problems(
    row: dict,
    *,
    langs: Collection[str],
    first_id: int = 0,
    last_id: int = 9999,
    registry: Collection[str] | None = None,
) -> list[str]:
    """What is wrong with one labelled row: fields, id, lang, labels, entities, role, note."""
    problems = field_problems(row)
    if REQUIRED - set(row):
        return problems  # the other checks need every required field
    return (
        problems
        + id_problems(row, langs=langs, first_id=first_id, last_id=last_id)
        + label_problems(row)
        + entity_problems(row, registry=registry)
    )


def assert_no_problems(rows: Iterable[dict], check: Callable[..., list[str]] = row_problems, **rules: object) -> None:
    """Fail listing the first problems that check (row_problems unless given) finds in any row."""
    problems = [p for row in rows for p in check(row, **rules)]
    assert not problems, "\n".join(problems[:30])


def repeated_ids(rows: Iterable[dict]) -> list[str]:
    """Ids used by more than one row."""
    return [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]


def clashing_ids(rows: Iterable[dict], others: Iterable[dict]) -> list[str]:
    """Ids of rows that other files use too."""
    return sorted({r["id"] for r in rows} & {r["id"] for r in others})


# --- text folding for duplicate detection -----------------------------------------------


def fold_plain(text: str) -> str:
    """Lower case, runs of whitespace as one space (no Unicode folding)."""
    return re.sub(r"\s+", " ", text.lower())


# Arabic: diacritics, tatweel and the letter variants writers mix freely (أ/ا, ى/ي, ة/ه)
# are folded away so that two posts differing only in spelling count as duplicates.
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_ARABIC_FOLD_WASLA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_HARAKAT = re.compile(r"[\u064B-\u065F\u0670]")
_DIACRITICS = re.compile(r"[\u064B-\u0652\u0670]")
_NOT_WORD = re.compile(r"[^\w]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def fold_arabic_words(text: str) -> str:
    """NFKC, lower case, no harakat, Arabic letter variants folded, punctuation dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _HARAKAT.sub("", text).translate(_ARABIC_FOLD)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def fold_arabic(text: str) -> str:
    """NFKC, lower case, no diacritics, Arabic letter variants (with alif wasla) folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIACRITICS.sub("", text).translate(_ARABIC_FOLD_WASLA)
    return re.sub(r"\s+", " ", text).strip()


def fold_persian(text: str, *, casefold: bool = False) -> str:
    """Fold the variants a writer may use for the same Persian text (Arabic ي/ى/ك, ZWNJ, case, punctuation)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u064a", "\u06cc").replace("\u0649", "\u06cc").replace("\u0643", "\u06a9")
    text = text.replace("\u200c", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join((text.casefold() if casefold else text.lower()).split())


def word_set(folded: str) -> frozenset[str]:
    """The distinct words of a folded text."""
    return frozenset(_WORD.findall(folded))


def word_bigrams(folded: str) -> frozenset[tuple[str, ...]]:
    """Word bigrams of a folded text (its single words when it has only one)."""
    words = folded.split()
    return frozenset(zip(words, words[1:])) or frozenset((w,) for w in words)


def char_grams(folded: str, size: int = 5) -> frozenset[str]:
    """Character n-grams of a folded text (the whole text when shorter than n)."""
    return frozenset(folded[i : i + size] for i in range(max(1, len(folded) - size + 1)))


def repeated_texts(rows: Iterable[dict], fold: Callable[[str], str]) -> list[str]:
    """Folded texts that occur more than once."""
    return [t for t, n in Counter(fold(r["text"]) for r in rows).items() if n > 1]


def openings_alike(folded: Iterable[str], width: int = 40) -> dict[str, int]:
    """Openings (first characters of folded texts) shared by more than one text, with their counts."""
    heads = Counter(t[:width] for t in folded)
    return {h: n for h, n in heads.items() if n > 1}


# --- near-duplicates ---------------------------------------------------------------------


def near_pairs(
    left: list[dict],
    right: list[dict] | None,
    shingles: Callable[[str], frozenset[Hashable]],
    threshold: float,
    *,
    min_size: int = 1,
) -> list[tuple[str, str, float]]:
    """Pairs of rows whose shingle sets have a Jaccard similarity at or above the threshold.

    right=None compares left with itself, each pair once. Sets smaller than min_size
    are left out. Prefix filtering keeps this fast and exact: with shingles ordered
    rarest first, two sets with Jaccard >= t must share one among the first
    |s| - ceil(t*|s|) + 1 of each, so only pairs sharing such a shingle are compared.
    """
    same = right is None
    right_rows = left if right is None else right

    def sets(source: list[dict]) -> list[frozenset[Hashable]]:
        return [shingles(r["text"]) for r in source]

    left_sets = sets(left)
    right_sets = left_sets if same else sets(right_rows)
    frequency = Counter(s for group in ((left_sets,) if same else (left_sets, right_sets)) for grams in group for s in grams)

    def prefix(grams: frozenset[Hashable]) -> list[Hashable]:
        ordered = sorted(grams, key=lambda g: (frequency[g], repr(g)))
        # The small epsilon only lengthens the prefix when t*|s| lands a hair above an integer.
        return ordered[: len(grams) - math.ceil(threshold * len(grams) - 1e-9) + 1]

    def usable(grams: frozenset[Hashable]) -> bool:
        return len(grams) >= max(1, min_size)

    index: dict[Hashable, list[int]] = {}
    for j, grams in enumerate(right_sets):
        if usable(grams):
            for gram in prefix(grams):
                index.setdefault(gram, []).append(j)
    pairs = []
    for i, grams in enumerate(left_sets):
        if not usable(grams):
            continue
        candidates = {j for gram in prefix(grams) for j in index.get(gram, ()) if not same or j > i}
        for j in sorted(candidates):
            other = right_sets[j]
            score = len(grams & other) / len(grams | other)
            if score >= threshold:
                pairs.append((left[i]["id"], right_rows[j]["id"], round(score, 2)))
    return pairs


# --- mix -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """How a set of rows splits over categories and, for category none, contexts."""

    total: int
    categories: Counter
    contexts: Counter
    violations: int
    hard_negatives: int

    @property
    def largest_violation_count(self) -> int:
        return max(self.categories[c] for c in VIOLATIONS)


def mix(rows: list[dict]) -> Mix:
    """Counts of categories, contexts of non-violations, violations and hard negatives."""
    categories = Counter(r["category"] for r in rows)
    contexts = Counter(r["context"] for r in rows if r["category"] == "none")
    return Mix(
        total=len(rows),
        categories=categories,
        contexts=contexts,
        violations=sum(categories[c] for c in VIOLATIONS),
        hard_negatives=sum(contexts[c] for c in HARD_NEGATIVE_CONTEXTS),
    )
