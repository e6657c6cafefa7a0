"""Checks of the Persian labelled classification data (corpus/labelled/fa.jsonl)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "corpus" / "labelled" / "fa.jsonl"

VIOLATIONS = {"glorification", "support", "representation", "threat"}
CATEGORIES = VIOLATIONS | {"none"}
CONTEXTS = {"news", "condemnation", "discussion", "satire", "human_rights", "unrelated"}
HARD_NEGATIVE_CONTEXTS = CONTEXTS - {"unrelated"}
ROLES = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
    "news_organization", "journalist", "individual",
}
REQUIRED = {"id", "text", "lang", "category", "context", "entities"}
ALLOWED = REQUIRED | {"note", "author_role"}

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


def _rows() -> list[tuple[int, dict]]:
    rows = []
    for number, line in enumerate(FILE.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{FILE}:{number}: not JSON ({exc})")
    return rows


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, dict]]:
    return _rows()


@pytest.fixture(scope="module")
def records(rows: list[tuple[int, dict]]) -> list[dict]:
    return [r for _, r in rows]


def _normalise(text: str) -> str:
    """Fold the variants a writer may use for the same Persian text."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u064a", "\u06cc").replace("\u0649", "\u06cc").replace("\u0643", "\u06a9")
    text = text.replace("\u200c", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.lower().split())


def _is_latin(text: str) -> bool:
    return len(LATIN_LETTER.findall(text)) > len(ARABIC_LETTER.findall(text))


def test_every_line_is_a_well_formed_example(rows: list[tuple[int, dict]]) -> None:
    problems = []
    for number, row in rows:
        where = f"fa.jsonl:{number}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not an object")
            continue
        missing = REQUIRED - row.keys()
        extra = row.keys() - ALLOWED
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        if extra:
            problems.append(f"{where}: unknown fields {sorted(extra)}")
        if not re.fullmatch(r"fa-\d{4}", str(row["id"])):
            problems.append(f"{where}: bad id {row['id']!r}")
        if row["lang"] != "fa":
            problems.append(f"{where}: lang {row['lang']!r}, expected 'fa'")
        if not isinstance(row["text"], str) or not row["text"].strip():
            problems.append(f"{where}: empty text")
        if row["category"] not in CATEGORIES:
            problems.append(f"{where}: unknown category {row['category']!r}")
        if row["category"] == "none":
            if row["context"] not in CONTEXTS:
                problems.append(f"{where}: category none needs a context, got {row['context']!r}")
        elif row["context"] is not None:
            problems.append(f"{where}: violation {row['category']} must have context null")
        entities = row["entities"]
        if not isinstance(entities, list) or not all(
            isinstance(e, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e) for e in entities
        ):
            problems.append(f"{where}: entities must be a list of slugs, got {entities!r}")
        role = row.get("author_role")
        if role is not None and role not in ROLES:
            problems.append(f"{where}: unknown author_role {role!r}")
        note = row.get("note")
        if note is not None and not isinstance(note, str):
            problems.append(f"{where}: note must be a string")
    assert not problems, "\n".join(problems[:30])


def test_ids_are_unique(records: list[dict]) -> None:
    counts = Counter(r["id"] for r in records)
    assert [i for i, n in counts.items() if n > 1] == []


def test_enough_examples(records: list[dict]) -> None:
    assert len(records) >= 1000


def test_mix_meets_the_targets(records: list[dict]) -> None:
    total = len(records)
    categories = Counter(r["category"] for r in records)
    contexts = Counter(r["context"] for r in records if r["category"] == "none")
    violations = sum(categories[c] for c in VIOLATIONS)
    hard_negatives = sum(contexts[c] for c in HARD_NEGATIVE_CONTEXTS)
    assert violations / total >= 0.30, categories
    assert hard_negatives / total >= 0.50, contexts
    # glorification is the largest violation; every violation kind is well represented
    assert categories["glorification"] == max(categories[c] for c in VIOLATIONS)
    for category in VIOLATIONS:
        assert categories[category] / total >= 0.04, (category, categories[category])
    for context in CONTEXTS:
        assert contexts[context] / total >= 0.03, (context, contexts[context])


def test_many_entities_and_events_are_covered(records: list[dict]) -> None:
    entities = Counter(e for r in records for e in r["entities"])
    expected = {"hamas", "qassam-brigades", "hizballah", "pij", "ansarallah", "irgc",
                "irgc-qods-force", "isis", "isis-k", "al-qaida", "event-2023-10-07"}
    assert expected <= entities.keys(), expected - entities.keys()
    events = [e for e in entities if e.startswith("event-")]
    assert len(events) >= 5, events
    # implicit praise and threats often name nobody
    unnamed_violations = [r for r in records if r["category"] in VIOLATIONS and not r["entities"]]
    assert len(unnamed_violations) >= 20


def test_no_exact_duplicates(records: list[dict]) -> None:
    counts = Counter(_normalise(r["text"]) for r in records)
    assert [t for t, n in counts.items() if n > 1] == []


def test_few_near_duplicates(records: list[dict]) -> None:
    """Word-bigram Jaccard similarity of 0.7 or more counts as a near-duplicate pair."""
    shingles = []
    for r in records:
        words = _normalise(r["text"]).split()
        shingles.append(frozenset(zip(words, words[1:])) or frozenset((w,) for w in words))
    # an inverted index finds the pairs that share any bigram without comparing all pairs
    index: dict[tuple[str, ...], list[int]] = {}
    for i, s in enumerate(shingles):
        for gram in s:
            index.setdefault(gram, []).append(i)
    near = []
    for i, a in enumerate(shingles):
        shared = Counter(j for gram in a for j in index[gram] if j > i)
        for j, common in shared.items():
            if common / len(a | shingles[j]) >= 0.7:
                near.append((records[i]["id"], records[j]["id"]))
    assert len(near) <= len(records) // 100, near[:20]


def test_text_is_mostly_persian_script(records: list[dict]) -> None:
    latin = [r["id"] for r in records if _is_latin(r["text"])]
    # Finglish (Persian in Latin letters) is present but a small share
    assert 0.02 <= len(latin) / len(records) <= 0.10, len(latin)
    persian_letters = sum(len(ARABIC_LETTER.findall(r["text"])) for r in records)
    all_letters = persian_letters + sum(len(LATIN_LETTER.findall(r["text"])) for r in records)
    assert persian_letters / all_letters >= 0.85


def test_persian_writing_variants_are_present(records: list[dict]) -> None:
    texts = [r["text"] for r in records]
    assert sum("\u200c" in t for t in texts) >= 100, "zero-width non-joiner forms"
    assert sum(bool(re.search("[\u06f0-\u06f9]", t)) for t in texts) >= 20, "Persian digits"
    assert sum(("\u064a" in t or "\u0643" in t) for t in texts) >= 10, "Arabic ي/ك variants"
    assert sum(bool(re.search(r"#\w", t)) for t in texts) >= 30, "hashtags"
