"""Checks the second, independently written labelled sets (fa-2.jsonl and multi-2.jsonl): format, labels, mix, duplicates."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from proscribe.registry.starter import load as load_starter

LABELLED = Path(__file__).resolve().parents[1] / "corpus" / "labelled"
FA = LABELLED / "fa-2.jsonl"
MULTI = LABELLED / "multi-2.jsonl"
MINE = (FA, MULTI)

VIOLATIONS = {"glorification", "support", "representation", "threat"}
CATEGORIES = VIOLATIONS | {"none"}
CONTEXTS = {"news", "condemnation", "discussion", "satire", "human_rights", "unrelated"}
HARD_NEGATIVE_CONTEXTS = CONTEXTS - {"unrelated"}
ROLES = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
    "news_organization", "journalist", "individual",
}
# Authors speaking for a state: they must appear on both sides of the line, or a model
# learns "an official wrote it" as a shortcut for "violation".
OFFICIAL_ROLES = {
    "head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry",
    "government_official", "legislator", "candidate", "political_party", "state_media",
}
REQUIRED = {"id", "text", "lang", "category", "context", "entities"}
ALLOWED = REQUIRED | {"note", "author_role"}
MULTI_LANGS = {"tr", "ur", "fr", "de", "es", "ru", "he"}

# The script each language is written in (letters of that script must dominate the text,
# except for Persian "Finglish", which the Persian file keeps to a small share).
SCRIPT = {
    "fa": re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "ur": re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
    "he": re.compile(r"[\u0590-\u05FF]"),
}
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")


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
        rows.append({**row, "_where": f"{path.name}:{number}"})
    return rows


@pytest.fixture(scope="module")
def fa() -> list[dict]:
    return _read(FA)


@pytest.fixture(scope="module")
def multi() -> list[dict]:
    return _read(MULTI)


@pytest.fixture(scope="module")
def others() -> list[dict]:
    """Every other labelled file: ids must not clash and texts must not repeat them."""
    return [row for path in sorted(LABELLED.glob("*.jsonl")) if path not in MINE for row in _read(path)]


def _normalise(text: str) -> str:
    """Fold the variants a writer may use for the same text (Arabic/Persian letters, ZWNJ, case, punctuation)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u064a", "\u06cc").replace("\u0649", "\u06cc").replace("\u0643", "\u06a9")
    text = text.replace("\u200c", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.casefold().split())


def _shingles(text: str) -> frozenset:
    words = _normalise(text).split()
    return frozenset(zip(words, words[1:])) or frozenset((w,) for w in words)


def _near_pairs(left: list[dict], right: list[dict], same: bool, threshold: float = 0.7) -> list[tuple[str, str]]:
    """Pairs whose word-bigram Jaccard similarity reaches the threshold (an inverted index avoids all-pairs)."""
    right_sh = [_shingles(r["text"]) for r in right]
    index: dict[tuple, list[int]] = {}
    for j, s in enumerate(right_sh):
        for gram in s:
            index.setdefault(gram, []).append(j)
    pairs = []
    for i, row in enumerate(left):
        a = _shingles(row["text"])
        shared = Counter(j for gram in a for j in index.get(gram, ()) if not same or j > i)
        for j, common in shared.items():
            if common / len(a | right_sh[j]) >= threshold:
                pairs.append((row["id"], right[j]["id"]))
    return pairs


def _check_row(row: dict, registry: set[str]) -> list[str]:
    where = row["_where"]
    keys = set(row) - {"_where"}
    if REQUIRED - keys:
        return [f"{where}: missing {sorted(REQUIRED - keys)}"]
    problems = []
    if keys - ALLOWED:
        problems.append(f"{where}: unknown fields {sorted(keys - ALLOWED)}")
    if not re.fullmatch(r"[a-z]{2}-5\d{3}", str(row["id"])) or not str(row["id"]).startswith(f"{row['lang']}-"):
        problems.append(f"{where}: id {row['id']!r} must be <lang>-5xxx")
    if not isinstance(row["text"], str) or not row["text"].strip():
        problems.append(f"{where}: empty text")
    if row["category"] not in CATEGORIES:
        problems.append(f"{where}: unknown category {row['category']!r}")
    if row["category"] == "none" and row["context"] not in CONTEXTS:
        problems.append(f"{where}: category none needs a context, got {row['context']!r}")
    if row["category"] in VIOLATIONS and row["context"] is not None:
        problems.append(f"{where}: violation {row['category']} must have context null")
    entities = row["entities"]
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        problems.append(f"{where}: entities must be a list of strings")
    else:
        unknown = [e for e in entities if e not in registry]
        if unknown:
            problems.append(f"{where}: entities not in the starter registry: {unknown}")
        if len(set(entities)) != len(entities):
            problems.append(f"{where}: repeated entity")
    role = row.get("author_role")
    if role is not None and role not in ROLES:
        problems.append(f"{where}: unknown author_role {role!r}")
    if row.get("note") is not None and not isinstance(row["note"], str):
        problems.append(f"{where}: note must be a string")
    return problems


def test_every_line_is_well_formed_and_uses_registry_ids(fa: list[dict], multi: list[dict]) -> None:
    registry = {e.id for e in load_starter()}
    problems = [p for row in fa + multi for p in _check_row(row, registry)]
    problems += [f"{r['_where']}: lang {r['lang']!r}, expected 'fa'" for r in fa if r["lang"] != "fa"]
    problems += [f"{r['_where']}: lang {r['lang']!r} not in {sorted(MULTI_LANGS)}" for r in multi if r["lang"] not in MULTI_LANGS]
    assert not problems, "\n".join(problems[:30])


def test_ids_are_unique_and_do_not_clash_with_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    mine = Counter(r["id"] for r in fa + multi)
    assert [i for i, n in mine.items() if n > 1] == []
    clashes = {r["id"]: r["_where"] for r in others if r["id"] in mine}
    assert clashes == {}


def test_sizes(fa: list[dict], multi: list[dict]) -> None:
    assert len(fa) >= 500
    assert len(multi) >= 280
    per_lang = Counter(r["lang"] for r in multi)
    assert set(per_lang) == MULTI_LANGS, per_lang
    assert min(per_lang.values()) >= 38, per_lang


def _assert_mix(rows: list[dict], label: str, per_kind: float) -> None:
    total = len(rows)
    categories = Counter(r["category"] for r in rows)
    contexts = Counter(r["context"] for r in rows if r["category"] == "none")
    violations = sum(categories[c] for c in VIOLATIONS)
    hard = sum(contexts[c] for c in HARD_NEGATIVE_CONTEXTS)
    assert violations / total >= 0.30, (label, categories)
    assert hard / total >= 0.50, (label, contexts)
    assert categories["glorification"] == max(categories[c] for c in VIOLATIONS), (label, categories)
    for category in VIOLATIONS:
        assert categories[category] / total >= per_kind, (label, category, categories)
    for context in CONTEXTS:
        assert contexts[context] >= 1, (label, context, contexts)


def test_persian_mix_meets_the_targets(fa: list[dict]) -> None:
    _assert_mix(fa, "fa", 0.04)
    contexts = Counter(r["context"] for r in fa if r["category"] == "none")
    for context in CONTEXTS:
        assert contexts[context] / len(fa) >= 0.03, (context, contexts)


@pytest.mark.parametrize("lang", sorted(MULTI_LANGS))
def test_each_language_meets_the_targets(multi: list[dict], lang: str) -> None:
    _assert_mix([r for r in multi if r["lang"] == lang], lang, 0.04)


def test_officials_appear_on_both_sides(fa: list[dict], multi: list[dict]) -> None:
    """Official authors must not predict the label: as many allowed posts as violating ones, roughly."""
    for label, rows in (("fa", fa), ("all", fa + multi)):
        official = [r for r in rows if r.get("author_role") in OFFICIAL_ROLES]
        violating = sum(r["category"] in VIOLATIONS for r in official)
        allowed = len(official) - violating
        assert violating >= 20 and allowed >= 20, (label, violating, allowed)
        assert 0.67 <= violating / allowed <= 1.5, (label, violating, allowed)


def test_implicit_and_unnamed_violations_are_present(fa: list[dict], multi: list[dict]) -> None:
    unnamed = [r for r in fa + multi if r["category"] in VIOLATIONS and not r["entities"]]
    assert len(unnamed) >= 30


def test_text_is_in_the_language_script(fa: list[dict], multi: list[dict]) -> None:
    def share(text: str, lang: str) -> float:
        native = len(SCRIPT[lang].findall(text))
        return native / max(1, native + len(LATIN.findall(text)))

    finglish = [r["id"] for r in fa if share(r["text"], "fa") < 0.5]
    assert 0.02 <= len(finglish) / len(fa) <= 0.10, len(finglish)
    wrong = [r["id"] for r in multi if r["lang"] in SCRIPT and share(r["text"], r["lang"]) < 0.5]
    assert wrong == []


def test_persian_writing_variants_are_present(fa: list[dict]) -> None:
    texts = [r["text"] for r in fa]
    assert sum("\u200c" in t for t in texts) >= 50, "zero-width non-joiner forms"
    assert sum(bool(re.search("[\u06f0-\u06f9]", t)) for t in texts) >= 20, "Persian digits"
    assert sum(("\u064a" in t or "\u0643" in t) for t in texts) >= 5, "Arabic ي/ك variants"
    assert sum(bool(re.search(r"#\w", t)) for t in texts) >= 20, "hashtags"


def test_no_exact_duplicates_within_or_against_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    mine = Counter(_normalise(r["text"]) for r in fa + multi)
    assert [t for t, n in mine.items() if n > 1] == []
    theirs = {_normalise(r["text"]): r["id"] for r in others}
    assert [r["id"] for r in fa + multi if _normalise(r["text"]) in theirs] == []


def test_no_near_duplicates_within_or_against_other_files(fa: list[dict], multi: list[dict], others: list[dict]) -> None:
    """Word-bigram Jaccard similarity of 0.7 or more counts as a near-duplicate pair."""
    mine = fa + multi
    assert _near_pairs(mine, mine, same=True) == []
    assert _near_pairs(mine, others, same=False) == []
