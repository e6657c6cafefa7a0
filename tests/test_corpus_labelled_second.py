"""Checks the second, independently written labelled sets (en-2, ar-2) against the format, the mix rules and the first sets."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "corpus" / "labelled"
STARTER = ROOT / "src" / "proscribe" / "registry" / "starter"

# The second sets: file stem, language, id range start, minimum size.
SECOND = {"en-2": ("en", 5001, 500), "ar-2": ("ar", 5001, 500)}

CATEGORIES = {"glorification", "support", "representation", "threat", "none"}
VIOLATIONS = CATEGORIES - {"none"}
CONTEXTS = {"news", "condemnation", "discussion", "satire", "human_rights", "unrelated"}
ROLES = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
    "news_organization", "journalist", "individual",
}
# Roles of state accounts: they must appear on both sides of the line, so that
# a model cannot learn "an official wrote it" as a shortcut for either label.
OFFICIAL = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
}
REQUIRED = {"id", "text", "lang", "category", "context", "entities"}
ALLOWED = REQUIRED | {"note", "author_role"}

# Near-duplicates: same first 40 normalised characters (a few tolerated, short
# posts open alike), or word sets that overlap almost entirely.
NEAR_DUPLICATE_ALLOWANCE = 3
JACCARD_LIMIT = 0.6
MIN_WORDS_FOR_JACCARD = 6

# Arabic letter variants folded before comparing, so a text is not "new" merely
# because of hamza forms, taa marbuta, alif maqsura or tatweel.
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


def _starter_ids() -> set[str]:
    ids: set[str] = set()
    for path in STARTER.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.update(entry["id"] for entry in data["entities"])
    return ids


@pytest.fixture(scope="module", params=sorted(SECOND))
def second(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, _read(LABELLED / f"{request.param}.jsonl")


@pytest.fixture(scope="module")
def starter_ids() -> set[str]:
    return _starter_ids()


def _others(stem: str) -> list[dict]:
    """Every other labelled file of the same language (the first set and any later ones)."""
    lang = SECOND[stem][0]
    paths = [p for p in sorted(LABELLED.glob(f"{lang}*.jsonl")) if p.stem != stem]
    return [row for path in paths for row in _read(path)]


def test_every_line_has_valid_fields(second: tuple[str, list[dict]], starter_ids: set[str]) -> None:
    stem, rows = second
    lang, first_id, _ = SECOND[stem]
    for row in rows:
        where = row["_where"]
        keys = set(row) - {"_where"}
        assert REQUIRED <= keys, f"{where}: missing {sorted(REQUIRED - keys)}"
        assert keys <= ALLOWED, f"{where}: unknown fields {sorted(keys - ALLOWED)}"
        match = re.fullmatch(rf"{lang}-(\d{{4}})", row["id"])
        assert match and int(match.group(1)) >= first_id, f"{where}: id {row['id']!r} outside {lang}-{first_id}…"
        assert row["lang"] == lang, f"{where}: lang {row['lang']!r}"
        assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: empty text"
        assert row["text"] == row["text"].strip(), f"{where}: text has surrounding whitespace"
        assert row["category"] in CATEGORIES, f"{where}: bad category {row['category']!r}"
        if row["category"] == "none":
            assert row["context"] in CONTEXTS, f"{where}: category none needs a context, got {row['context']!r}"
        else:
            assert row["context"] is None, f"{where}: context must be null for {row['category']}"
        assert isinstance(row["entities"], list), f"{where}: entities must be a list"
        unknown = [e for e in row["entities"] if e not in starter_ids]
        assert not unknown, f"{where}: entities not in the starter registry: {unknown}"
        assert len(set(row["entities"])) == len(row["entities"]), f"{where}: repeated entity"
        assert row.get("note") is None or isinstance(row["note"], str), f"{where}: note must be a string"
        role = row.get("author_role")
        assert role is None or role in ROLES, f"{where}: unknown author_role {role!r}"


def test_ids_are_unique_and_do_not_clash(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    repeated = [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]
    assert not repeated, f"{stem}.jsonl: repeated ids {repeated[:10]}"
    clashing = {r["id"] for r in rows} & {r["id"] for r in _others(stem)}
    assert not clashing, f"{stem}.jsonl: ids also used in another file: {sorted(clashing)[:10]}"


def test_minimum_size(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    minimum = SECOND[stem][2]
    assert len(rows) >= minimum, f"{stem}.jsonl: {len(rows)} examples, need {minimum}"


def test_no_duplicates_within_the_file(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    exact = [t for t, n in Counter(_normalise(r["text"]) for r in rows).items() if n > 1]
    assert not exact, f"{stem}.jsonl: duplicate texts {exact[:5]}"
    heads = Counter(_normalise(r["text"])[:40] for r in rows)
    near = {h: n for h, n in heads.items() if n > 1}
    assert sum(n - 1 for n in near.values()) <= NEAR_DUPLICATE_ALLOWANCE, (
        f"{stem}.jsonl: texts opening alike: {sorted(near)[:10]}"
    )
    close = _close_pairs(rows, rows)
    assert not close, f"{stem}.jsonl: near-duplicate pairs {close[:5]}"


def test_no_duplicates_of_the_other_files(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    others = _others(stem)
    seen = {_normalise(r["text"]): r["_where"] for r in others}
    exact = [(r["_where"], seen[_normalise(r["text"])]) for r in rows if _normalise(r["text"]) in seen]
    assert not exact, f"{stem}.jsonl: texts already in another file: {exact[:5]}"
    heads = {_normalise(r["text"])[:40]: r["_where"] for r in others}
    alike = [(r["_where"], heads[h]) for r in rows if (h := _normalise(r["text"])[:40]) in heads]
    assert len(alike) <= NEAR_DUPLICATE_ALLOWANCE, f"{stem}.jsonl: texts opening like another file's: {alike[:10]}"
    close = _close_pairs(rows, others)
    assert not close, f"{stem}.jsonl: near-duplicates of another file: {close[:5]}"


def _close_pairs(rows: list[dict], against: list[dict]) -> list[tuple[str, str, float]]:
    """Pairs (from different lines) whose word sets overlap at or above the Jaccard limit.

    Prefix filtering keeps this fast: with words ordered rarest first, two sets
    with Jaccard >= t must share a word among the first |s| - ceil(t*|s|) + 1 of
    each, so only pairs sharing such a word are compared exactly.
    """
    def sets(source: list[dict]) -> list[tuple[str, frozenset[str]]]:
        found = [(r["_where"], _words(r["text"])) for r in source]
        return [(where, words) for where, words in found if len(words) >= MIN_WORDS_FOR_JACCARD]

    left, right = sets(rows), sets(against)
    frequency = Counter(word for _, words in left + right for word in words)

    def prefix(words: frozenset[str]) -> list[str]:
        ordered = sorted(words, key=lambda w: (frequency[w], w))
        return ordered[: len(words) - math.ceil(JACCARD_LIMIT * len(words)) + 1]

    index: dict[str, list[int]] = {}
    for number, (_, words) in enumerate(right):
        for word in prefix(words):
            index.setdefault(word, []).append(number)
    pairs = set()
    for where, words in left:
        candidates = {n for word in prefix(words) for n in index.get(word, ())}
        for number in candidates:
            other_where, other = right[number]
            if other_where == where:
                continue
            score = len(words & other) / len(words | other)
            if score >= JACCARD_LIMIT:
                # Within one file each pair is found twice; keep it once.
                pairs.add((*sorted((where, other_where)), round(score, 2)))
    return sorted(pairs)


def test_mix_follows_the_guide(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    total = len(rows)
    categories = Counter(r["category"] for r in rows)
    contexts = Counter(r["context"] for r in rows if r["category"] == "none")
    violations = sum(categories[c] for c in VIOLATIONS)
    hard_negatives = sum(n for c, n in contexts.items() if c != "unrelated")
    assert violations / total >= 0.30, f"{stem}.jsonl: violations {violations}/{total} below 30%"
    assert hard_negatives / total >= 0.50, f"{stem}.jsonl: hard negatives {hard_negatives}/{total} below 50%"
    for category in VIOLATIONS:
        # Every violating category carries real weight, not a token example.
        assert categories[category] >= 0.04 * total, f"{stem}.jsonl: only {categories[category]} {category}"
    largest = max(VIOLATIONS, key=lambda c: categories[c])
    assert largest == "glorification", f"{stem}.jsonl: largest violating category is {largest}"
    for context in CONTEXTS:
        assert contexts[context] > 0, f"{stem}.jsonl: no none/{context} examples"


def test_officials_appear_on_both_sides(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    official = [r for r in rows if r.get("author_role") in OFFICIAL]
    violating = sum(1 for r in official if r["category"] != "none")
    allowed = len(official) - violating
    assert len(official) >= 0.1 * len(rows), f"{stem}.jsonl: only {len(official)} posts by state accounts"
    # Roughly balanced: neither side more than twice the other.
    assert violating <= 2 * allowed and allowed <= 2 * violating, (
        f"{stem}.jsonl: state accounts {violating} violating vs {allowed} allowed"
    )


def test_entities_vary_beyond_one_group(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    entities = Counter(e for r in rows for e in r["entities"])
    assert len(entities) >= 15, f"{stem}.jsonl: only {len(entities)} distinct entities"
    top, count = entities.most_common(1)[0]
    mentioning = sum(1 for r in rows if r["entities"])
    assert count / mentioning < 0.35, f"{stem}.jsonl: {top} in {count} of {mentioning} examples with entities"


def test_implicit_examples_name_no_entity_in_a_fair_share(second: tuple[str, list[dict]]) -> None:
    stem, rows = second
    # Implicit praise and threats often name nobody; the set must teach that.
    unnamed = sum(1 for r in rows if r["category"] != "none" and not r["entities"])
    violations = sum(1 for r in rows if r["category"] != "none")
    assert unnamed >= 0.1 * violations, f"{stem}.jsonl: only {unnamed} of {violations} violations name no entity"
