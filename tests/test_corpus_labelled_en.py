"""Checks the labelled classification data for en, fr, de, es, tr and ur against its format and mix rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

LABELLED = Path(__file__).resolve().parents[1] / "corpus" / "labelled"

# Minimum examples per file: English is the main training language.
MINIMUM = {"en": 1000, "fr": 60, "de": 60, "es": 60, "tr": 60, "ur": 60}
LANGS = sorted(MINIMUM)

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
ENTITY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Texts sharing their first 40 characters (case-insensitive) are near-duplicates;
# a few are tolerated because short posts can open alike.
NEAR_DUPLICATE_ALLOWANCE = 3


def _load(lang: str) -> list[dict]:
    path = LABELLED / f"{lang}.jsonl"
    assert path.is_file(), f"{path} is missing"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON ({exc})")
        assert isinstance(row, dict), f"{path.name}:{number}: not a JSON object"
        row["_line"] = number
        rows.append(row)
    return rows


@pytest.fixture(scope="module", params=LANGS)
def corpus(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, _load(request.param)


def test_every_line_has_valid_fields(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    for row in rows:
        where = f"{lang}.jsonl:{row['_line']}"
        keys = set(row) - {"_line"}
        assert REQUIRED <= keys, f"{where}: missing {sorted(REQUIRED - keys)}"
        assert keys <= ALLOWED, f"{where}: unknown fields {sorted(keys - ALLOWED)}"
        assert re.fullmatch(rf"{lang}-\d{{4}}", row["id"]), f"{where}: bad id {row['id']!r}"
        assert row["lang"] == lang, f"{where}: lang {row['lang']!r} in {lang}.jsonl"
        assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: empty text"
        assert row["text"] == row["text"].strip(), f"{where}: text has surrounding whitespace"
        assert row["category"] in CATEGORIES, f"{where}: bad category {row['category']!r}"
        if row["category"] == "none":
            assert row["context"] in CONTEXTS, f"{where}: category none needs a context, got {row['context']!r}"
        else:
            assert row["context"] is None, f"{where}: context must be null for {row['category']}"
        assert isinstance(row["entities"], list), f"{where}: entities must be a list"
        for entity in row["entities"]:
            assert isinstance(entity, str) and ENTITY_ID.match(entity), f"{where}: bad entity id {entity!r}"
        assert len(set(row["entities"])) == len(row["entities"]), f"{where}: repeated entity"
        assert row.get("note") is None or isinstance(row["note"], str), f"{where}: note must be a string"
        role = row.get("author_role")
        assert role is None or role in ROLES, f"{where}: unknown author_role {role!r}"


def test_ids_are_unique(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    repeated = [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]
    assert not repeated, f"{lang}.jsonl: repeated ids {repeated[:10]}"


def test_minimum_size(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    assert len(rows) >= MINIMUM[lang], f"{lang}.jsonl: {len(rows)} examples, need {MINIMUM[lang]}"


def test_no_duplicate_texts(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    exact = [t for t, n in Counter(r["text"].strip().lower() for r in rows).items() if n > 1]
    assert not exact, f"{lang}.jsonl: duplicate texts {exact[:5]}"
    heads = Counter(re.sub(r"\s+", " ", r["text"].lower())[:40] for r in rows)
    near = {h: n for h, n in heads.items() if n > 1}
    assert sum(n - 1 for n in near.values()) <= NEAR_DUPLICATE_ALLOWANCE, (
        f"{lang}.jsonl: texts opening alike: {sorted(near)[:10]}"
    )


def test_mix_follows_the_guide(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    total = len(rows)
    categories = Counter(r["category"] for r in rows)
    contexts = Counter(r["context"] for r in rows if r["category"] == "none")
    violations = sum(categories[c] for c in VIOLATIONS)
    hard_negatives = sum(n for c, n in contexts.items() if c != "unrelated")
    assert violations / total >= 0.30, f"{lang}.jsonl: violations {violations}/{total} below 30%"
    assert hard_negatives / total >= 0.50, f"{lang}.jsonl: hard negatives {hard_negatives}/{total} below 50%"
    for category in VIOLATIONS:
        assert categories[category] > 0, f"{lang}.jsonl: no {category} examples"
    largest = max(VIOLATIONS, key=lambda c: categories[c])
    assert largest == "glorification", f"{lang}.jsonl: largest violating category is {largest}"
    for context in CONTEXTS:
        assert contexts[context] > 0, f"{lang}.jsonl: no none/{context} examples"


def test_entities_vary_beyond_one_group(corpus: tuple[str, list[dict]]) -> None:
    lang, rows = corpus
    entities = Counter(e for r in rows for e in r["entities"])
    assert len(entities) >= 8, f"{lang}.jsonl: only {len(entities)} distinct entities"
    top, count = entities.most_common(1)[0]
    mentioning = sum(1 for r in rows if r["entities"])
    assert count / mentioning < 0.5, f"{lang}.jsonl: {top} in {count} of {mentioning} examples with entities"
