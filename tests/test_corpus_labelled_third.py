"""Checks the third labelled sets (ar-3: religious Arabic on both sides of the line; threat-3: threats vs insults, curses and hyperbole in Persian and English)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "corpus" / "labelled"
STARTER = ROOT / "src" / "proscribe" / "registry" / "starter"

# The third sets: file stem -> (languages allowed, first id number, minimum size).
THIRD = {"ar-3": ({"ar"}, 7001, 240), "threat-3": ({"fa", "en"}, 7001, 90)}

CATEGORIES = {"glorification", "support", "representation", "threat", "none"}
VIOLATIONS = CATEGORIES - {"none"}
CONTEXTS = {"news", "condemnation", "discussion", "satire", "human_rights", "unrelated"}
ROLES = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
    "news_organization", "journalist", "individual",
}
REQUIRED = {"id", "text", "lang", "category", "context", "entities"}
ALLOWED = REQUIRED | {"note", "author_role"}

# Contrast pairs (the same verse quoted for prayer and for praise of a group)
# open alike on purpose; a few are tolerated.
NEAR_DUPLICATE_ALLOWANCE = 3
JACCARD_LIMIT = 0.6
MIN_WORDS_FOR_JACCARD = 6

_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_DIACRITICS = re.compile(r"[\u064B-\u0652\u0670]")
_WORD = re.compile(r"\w+", re.UNICODE)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIACRITICS.sub("", text).translate(_ARABIC_FOLD)
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(_normalise(text)))


def _read(path: Path) -> list[dict]:
    assert path.is_file(), f"{path} is missing"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON ({exc})")
        assert isinstance(row, dict), f"{path.name}:{number}: not a JSON object"
        row["_where"] = f"{path.name}:{number}"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def starter_ids() -> set[str]:
    ids: set[str] = set()
    for path in STARTER.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.update(entry["id"] for entry in data["entities"])
    return ids


@pytest.fixture(scope="module")
def others() -> list[dict]:
    rows: list[dict] = []
    for path in sorted(LABELLED.glob("*.jsonl")):
        if path.stem not in THIRD:
            rows.extend(_read(path))
    return rows


@pytest.fixture(scope="module", params=sorted(THIRD))
def third(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, _read(LABELLED / f"{request.param}.jsonl")


def test_every_line_has_valid_fields(third: tuple[str, list[dict]], starter_ids: set[str]) -> None:
    stem, rows = third
    langs, first_id, _ = THIRD[stem]
    for row in rows:
        where = row.pop("_where")
        keys = set(row)
        assert REQUIRED <= keys, f"{where}: missing {sorted(REQUIRED - keys)}"
        assert keys <= ALLOWED, f"{where}: unknown fields {sorted(keys - ALLOWED)}"
        assert row["lang"] in langs, f"{where}: lang {row['lang']!r} not in {sorted(langs)}"
        match = re.fullmatch(r"([a-z]{2})-(\d{4})", row["id"])
        assert match, f"{where}: id {row['id']!r} is not <lang>-<4 digits>"
        assert match.group(1) == row["lang"], f"{where}: id prefix does not match lang"
        assert int(match.group(2)) >= first_id, f"{where}: id below {first_id}"
        assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: empty text"
        assert row["category"] in CATEGORIES, f"{where}: category {row['category']!r}"
        if row["category"] == "none":
            assert row["context"] in CONTEXTS, f"{where}: context {row['context']!r} for none"
        else:
            assert row["context"] is None, f"{where}: context must be null for a violation"
        assert isinstance(row["entities"], list), f"{where}: entities must be a list"
        unknown = [e for e in row["entities"] if e not in starter_ids]
        assert not unknown, f"{where}: entities not in the starter registry: {unknown}"
        if row.get("author_role") is not None:
            assert row["author_role"] in ROLES, f"{where}: author_role {row['author_role']!r}"


def test_minimum_size_and_both_sides(third: tuple[str, list[dict]]) -> None:
    stem, rows = third
    assert len(rows) >= THIRD[stem][2], f"{stem}.jsonl: {len(rows)} rows"
    violations = sum(r["category"] in VIOLATIONS for r in rows)
    assert 0.30 <= violations / len(rows) <= 0.70, f"{stem}.jsonl: violations {violations}/{len(rows)}"


def test_ids_are_unique_across_all_files(third: tuple[str, list[dict]], others: list[dict]) -> None:
    stem, rows = third
    counts = Counter(r["id"] for r in rows)
    repeated = [i for i, n in counts.items() if n > 1]
    assert not repeated, f"{stem}.jsonl: repeated ids {repeated}"
    clashes = sorted(set(counts) & {r["id"] for r in others})
    assert not clashes, f"{stem}.jsonl: ids also used elsewhere: {clashes[:10]}"
    other_third = {r["id"] for s in THIRD if s != stem for r in _read(LABELLED / f"{s}.jsonl")}
    assert not set(counts) & other_third, f"{stem}.jsonl: ids clash with another third set"


def test_no_duplicates_within_the_file(third: tuple[str, list[dict]]) -> None:
    stem, rows = third
    texts = Counter(_normalise(r["text"]) for r in rows)
    exact = [t[:40] for t, n in texts.items() if n > 1]
    assert not exact, f"{stem}.jsonl: repeated texts {exact}"
    openings = Counter(t[:40] for t in texts)
    near = sum(n - 1 for n in openings.values() if n > 1)
    assert near <= NEAR_DUPLICATE_ALLOWANCE, f"{stem}.jsonl: {near} texts open alike"


def test_no_duplicates_of_the_other_files(third: tuple[str, list[dict]], others: list[dict]) -> None:
    stem, rows = third
    seen = {_normalise(r["text"]) for r in others}
    exact = [r["id"] for r in rows if _normalise(r["text"]) in seen]
    assert not exact, f"{stem}.jsonl: texts already in other files: {exact}"
    other_words = [w for w in (_words(r["text"]) for r in others) if len(w) >= MIN_WORDS_FOR_JACCARD]
    for row in rows:
        words = _words(row["text"])
        if len(words) < MIN_WORDS_FOR_JACCARD:
            continue
        for other in other_words:
            overlap = len(words & other) / len(words | other)
            assert overlap < JACCARD_LIMIT, f"{row['id']}: near-duplicate of another file ({overlap:.2f})"
