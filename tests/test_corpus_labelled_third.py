"""Checks the third and later labelled sets (ar-3, ar-4: jihadist speech vs religious Arabic; threat-3, threat-4: targeted threats vs insults, curses, hyperbole and reports; everyday-5: everyday Arabic and Persian posts vs violations in the same register; everyday-6: the same in English, French, German, Spanish and Turkish; everyday-7: admiration, remembrance and calls to join in seven languages; everyday-8: everyday Arabic in many dialects and registers vs violations written in them; everyday-9 and everyday-10: ordinary Gulf, Iraqi, Yemeni, Egyptian, Levantine, Sudanese and Maghrebi chatter, devotional posts and Arabic adverts, with no violations; threat-6: calls for violence against people outside any terrorist frame vs harsh non-violent demands, figures of speech, news and condemnation; short-1 and short-2: short, explicit posts naming a designated entity or event, one line or a few words, on both sides of the line; ar-6: armed groups' own news voice as posted (province hashtags, hijacked trends, their labels for enemies) vs news, condemnation and discussion of the same events in the same style; voice-1: the same in English and Persian; everyday-11: more everyday Arabic in many dialects, with violations in the same registers; everyday-12 to everyday-14: longer everyday Arabic posts addressed to someone (Gulf and Yemeni verse, reproaches, banter, local campaigns; devotional reminders, quotations, Egyptian, Levantine, Iraqi, Sudanese and Maghrebi chatter), with threats and praise of groups in the same registers; multi-3 to multi-5: French, Spanish, German, Turkish and Urdu posts across every category and context, with hard negatives of each kind; charity-1 and charity-2: Arabic charity appeals, almsgiving and devotional posts (including the automatic posts of prayer apps) vs fundraising for armed groups and praise of them in the same register; short-3: short English praise of attacks and attackers that names no group, vs the same words about sport, work, history and the news; everyday-15: Arabic shop adverts, spam, giveaways and hashtag campaigns backing a person or a business, with fundraising and praise for armed groups written as adverts; threat-7: short English calls to kill or hurt groups of people, violent jokes and threats, vs harsh non-violent demands, insults, figures of speech and wishes about terrorists)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import corpus_checks as cc

# The third and fourth sets: file stem -> (languages allowed, first id number, minimum size).
THIRD = {
    "ar-3": ({"ar"}, 7001, 240),
    "threat-3": ({"fa", "en"}, 7001, 90),
    "ar-4": ({"ar"}, 8001, 420),
    "threat-4": ({"fa", "en", "ar", "ur"}, 9001, 440),
    "everyday-5": ({"ar", "fa"}, 10001, 280),
    "everyday-6": ({"en", "fr", "de", "es", "tr"}, 11001, 280),
    "everyday-7": ({"en", "ar", "fa", "fr", "de", "es", "tr"}, 12001, 220),
    "threat-5": ({"en", "fa", "fr", "de"}, 13001, 240),
    "ar-5": ({"ar", "en"}, 14001, 130),
    "everyday-8": ({"ar"}, 15001, 320),
    "threat-6": ({"en", "fa", "ar", "fr", "de", "es", "tr", "ur"}, 15001, 330),
    "everyday-9": ({"ar"}, 16001, 380),
    "everyday-10": ({"ar"}, 16401, 380),
    "short-1": ({"en", "fr", "de", "es", "tr"}, 17001, 250),
    "short-2": ({"ar", "fa", "ur"}, 17001, 250),
    "ar-6": ({"ar"}, 18000, 440),
    "voice-1": ({"en", "fa"}, 18000, 490),
    "everyday-11": ({"ar"}, 18500, 390),
    "everyday-12": ({"ar"}, 19000, 420),
    "everyday-13": ({"ar"}, 19500, 420),
    "everyday-14": ({"ar"}, 20000, 420),
    "multi-3": ({"fr", "es"}, 21000, 450),
    "multi-4": ({"de", "tr"}, 21000, 450),
    "multi-5": ({"ur"}, 21000, 270),
    "charity-1": ({"ar"}, 22000, 380),
    "charity-2": ({"ar"}, 22500, 380),
    "short-3": ({"en"}, 22000, 360),
    "everyday-15": ({"ar"}, 23000, 360),
    "threat-7": ({"en"}, 23000, 380),
}

# Share of violations: the contrast sets hold both sides about equally; the
# everyday sets are mostly ordinary posts, with some violations in the same register
# (everyday-9 and everyday-10 hold none: ordinary posts only).
VIOLATION_SHARE = {"everyday-5": (0.10, 0.30), "everyday-6": (0.10, 0.30), "everyday-7": (0.15, 0.35), "everyday-8": (0.10, 0.30),
                   "everyday-9": (0.0, 0.0), "everyday-10": (0.0, 0.0), "everyday-11": (0.05, 0.20),
                   "everyday-12": (0.05, 0.15), "everyday-13": (0.05, 0.15),
                   "everyday-14": (0.05, 0.15), "charity-1": (0.15, 0.40), "charity-2": (0.15, 0.40),
                   "everyday-15": (0.05, 0.15)}
DEFAULT_VIOLATION_SHARE = (0.30, 0.70)

# corpus_checks knows ids of four digits (up to 9999); sets numbered from 10001
# on use five digits, every language of the set starting from the same number.
FIVE_DIGIT_ID = re.compile(r"([a-z]{2})-(\d{5})")

# Contrast pairs (the same verse quoted for prayer and for praise of a group)
# open alike on purpose; a few are tolerated.
NEAR_DUPLICATE_ALLOWANCE = 3
JACCARD_LIMIT = 0.6
MIN_WORDS_FOR_JACCARD = 6


def _path(stem: str) -> Path:
    return cc.LABELLED / f"{stem}.jsonl"


@pytest.fixture(scope="module")
def starter_ids() -> set[str]:
    return cc.starter_ids()


@pytest.fixture(scope="module")
def others() -> list[dict]:
    return cc.read_others([_path(stem) for stem in THIRD])


@pytest.fixture(scope="module", params=sorted(THIRD))
def third(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    return request.param, cc.read_jsonl(_path(request.param))


def _five_digit_id_problems(row: dict, *, langs: set[str], first_id: int) -> list[str]:
    """A lang outside the allowed ones, or an id not <lang>-<5 digits> from first_id on."""
    where = row.get(cc.WHERE, "?")
    problems = []
    if row["lang"] not in langs:
        problems.append(f"{where}: lang {row['lang']!r} not in {sorted(langs)}")
    match = FIVE_DIGIT_ID.fullmatch(str(row["id"]))
    if not match or match.group(1) != row["lang"] or not first_id <= int(match.group(2)) <= 99999:
        problems.append(f"{where}: id {row['id']!r} must be <lang>-<5 digits> in {first_id}..99999")
    return problems


def _five_digit_row_problems(row: dict, *, langs: set[str], first_id: int, registry: set[str]) -> list[str]:
    """cc.row_problems with the id rule for five-digit ids."""
    problems = cc.field_problems(row)
    if cc.REQUIRED - set(row):
        return problems
    return (
        problems
        + _five_digit_id_problems(row, langs=langs, first_id=first_id)
        + cc.label_problems(row)
        + cc.entity_problems(row, registry=registry)
    )


def test_every_line_has_valid_fields(third: tuple[str, list[dict]], starter_ids: set[str]) -> None:
    stem, rows = third
    langs, first_id, _ = THIRD[stem]
    if first_id <= 9999:
        cc.assert_no_problems(rows, langs=langs, first_id=first_id, registry=starter_ids)
    else:
        cc.assert_no_problems(rows, _five_digit_row_problems, langs=langs, first_id=first_id, registry=starter_ids)


def test_minimum_size_and_both_sides(third: tuple[str, list[dict]]) -> None:
    stem, rows = third
    assert len(rows) >= THIRD[stem][2], f"{stem}.jsonl: {len(rows)} rows"
    violations = sum(r["category"] in cc.VIOLATIONS for r in rows)
    low, high = VIOLATION_SHARE.get(stem, DEFAULT_VIOLATION_SHARE)
    assert low <= violations / len(rows) <= high, f"{stem}.jsonl: violations {violations}/{len(rows)}"


def test_ids_are_unique_across_all_files(third: tuple[str, list[dict]], others: list[dict]) -> None:
    stem, rows = third
    repeated = cc.repeated_ids(rows)
    assert not repeated, f"{stem}.jsonl: repeated ids {repeated}"
    clashes = cc.clashing_ids(rows, others)
    assert not clashes, f"{stem}.jsonl: ids also used elsewhere: {clashes[:10]}"
    other_third = [r for s in THIRD if s != stem for r in cc.read_jsonl(_path(s))]
    assert not cc.clashing_ids(rows, other_third), f"{stem}.jsonl: ids clash with another third set"


def test_no_duplicates_within_the_file(third: tuple[str, list[dict]]) -> None:
    stem, rows = third
    exact = [t[:40] for t in cc.repeated_texts(rows, cc.fold_arabic)]
    assert not exact, f"{stem}.jsonl: repeated texts {exact}"
    openings = cc.openings_alike(set(cc.fold_arabic(r["text"]) for r in rows))
    near = sum(n - 1 for n in openings.values())
    assert near <= NEAR_DUPLICATE_ALLOWANCE, f"{stem}.jsonl: {near} texts open alike"


def test_no_duplicates_of_the_other_files(third: tuple[str, list[dict]], others: list[dict]) -> None:
    stem, rows = third
    seen = {cc.fold_arabic(r["text"]) for r in others}
    exact = [r["id"] for r in rows if cc.fold_arabic(r["text"]) in seen]
    assert not exact, f"{stem}.jsonl: texts already in other files: {exact}"
    close = cc.near_pairs(
        rows, others, lambda t: cc.word_set(cc.fold_arabic(t)), JACCARD_LIMIT, min_size=MIN_WORDS_FOR_JACCARD
    )
    assert not close, f"{stem}.jsonl: near-duplicates of another file: {close[:5]}"
