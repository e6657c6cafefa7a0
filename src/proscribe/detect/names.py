"""Pair matching of two names (does "Olaf Scholze" name "Olaf Scholz"?): a declarative table of weighted features.

In the spirit of nomenklatura's logic_v2: every score comes with its
explanation, and the rules are data (`FEATURES`), not branches. Names are
folded (proscribe's normalisation, then rigour's ASCII transliteration, so
مسعود and Masoud meet), split into tokens, legal forms and stop words set
aside for organisations, and aligned token by token (exact, initial,
consonant skeleton, edit distance). The base score is a length-weighted Dice
overlap of the aligned tokens; qualifier features then add or subtract
(tokens that disagree on both sides, numbers that differ, an extra country
name, an abbreviation, a word joined or split).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Callable

from rapidfuzz.distance import Levenshtein
from rigour.text.translit import ascii_text

from proscribe.text.normalize import fold

THRESHOLD = 0.7

LEGAL_FORMS = frozenset(
    {
        "llc", "inc", "ltd", "limited", "plc", "corp", "corporation", "co", "company", "sa", "sarl", "sas", "gmbh", "ag", "kg",
        "bv", "nv", "oy", "ab", "as", "aps", "spa", "srl", "sro", "jsc", "ojsc", "pjsc", "cjsc", "ooo", "zao", "oao", "pao", "llp",
        "lp", "pte", "pty", "sdn", "bhd", "de cv", "cv", "sp", "zoo", "z", "o", "joint", "stock", "incorporated", "holding", "holdings",
        "group", "na", "kft", "doo", "ad", "ead", "sl", "slu", "lda", "ltda", "sc", "tbk", "pt", "aktiengesellschaft",
        "aktiengeselschaft", "gesellschaft", "mbh", "societatea", "raspundere", "limitata", "societe", "anonyme",
        "obshchestvo", "aktsionernoe", "obshestvo", "ogranichennoy", "otvetstvennostyu", "sociedad", "anonima",
    }
)
STOP_WORDS = frozenset({"the", "of", "and", "de", "la", "le", "du", "des", "der", "die", "das", "for", "y", "e", "et", "und"})
ROMAN = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})
COUNTRY_TOKENS = frozenset(
    {
        "mexico", "germany", "netherlands", "japan", "sweden", "denmark", "norway", "nederland", "norge", "usa", "uk", "london", "asia",
        "europe", "china", "india", "russia", "france", "italy", "spain", "brazil", "canada", "australia", "singapore", "boston",
        "cleveland", "phoenix", "angeles", "dubai", "iran", "iraq", "syria", "lebanon", "turkey", "hong", "kong", "uae", "america",
        "international", "global",
    }
) - {"international", "global"}
_PUNCT = re.compile(r"[^\w\s]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "1st": "1", "2nd": "2", "3rd": "3",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
}
PATRONYMIC = frozenset({"bin", "ibn", "ben", "bint", "binti", "ould"})
_NO_VOWELS = str.maketrans("", "", "aeiouy")

# Facts about a comparison, bits of one int (`Comparison.facts`): a feature fires only when the
# facts it names in `Feature.when` all hold, so the others are not even called (each function checks
# its own conditions again; the facts are a shortcut, not a second definition).
NUMBERS = 1  # either name holds a number
ONE_WORD = 2  # either name is one word
PATRONYMIC_BOTH = 4  # both names hold bin / ibn / ben …
NON_LATIN_BOTH = 8  # both names written in another script than Latin
SEVERAL_WORDS_BOTH = 16  # both names have two words or more
UNMATCHED = 32  # a word of either name aligns with nothing
DISAGREE = 64  # words of both names align with nothing
AGREE = 128  # not DISAGREE
INEXACT = 256  # two aligned words that are not the same
PERSON = 512
ORGANISATION = 1024  # any other schema
SAME_LETTERS = 2048  # the same letters without spaces
_EITHER = NUMBERS | ONE_WORD  # a fact of either name is one of the pair's
_BOTH = PATRONYMIC_BOTH | NON_LATIN_BOTH | SEVERAL_WORDS_BOTH  # of both names

# Two aligned words: (word of a, word of b, similarity, how, the two words' weights, "a≈b how 0.00").
# The weights and the text are what the Dice overlap adds up and explains, made once with the pair.
Pair = tuple[str, str, float, str, float, str]


@dataclass(slots=True)
class PreparedName:
    """One name analysed once (`prepare` caches it): what every comparison of it reads. Never changed once made.

    Not frozen: a frozen dataclass sets each field through object.__setattr__, which makes
    analysing a name several times slower; the instances are shared through the cache and
    nothing writes to them.
    """

    text: str
    tokens: tuple[str, ...]
    legal: tuple[str, ...]
    numbers: frozenset[str]
    joined: str
    folded: str  # normalised in its own script, before transliteration
    weight: float = 0.0  # sum of the token weights (`_w`)
    initials: str = ""  # first letter of each token
    patronymic: bool = False  # holds bin / ibn / ben …
    lengths: tuple[int, ...] = ()  # length of each token
    words: frozenset[str] = frozenset()  # the set of tokens, to find the words both names share in one step
    # Each token paired with itself (`Pair`, "exact"), longest first (the later first among equals):
    # the pairs of its equal words in the order alignment takes them.
    exact_pairs: tuple[Pair, ...] = ()
    unique: bool = True  # no token twice ("Mohammed bin Mohammed" has one twice)
    facts: int = 0  # the name's own facts (NUMBERS, ONE_WORD, PATRONYMIC_BOTH, NON_LATIN_BOTH, SEVERAL_WORDS_BOTH)


@dataclass(slots=True)
class Comparison:
    """What the features look at: the two prepared names and their token alignment."""

    a: PreparedName
    b: PreparedName
    schema: str
    pairs: list[Pair] = field(default_factory=list)  # aligned words, best first
    unmatched_a: list[str] = field(default_factory=list)
    unmatched_b: list[str] = field(default_factory=list)
    facts: int = 0  # what holds for this pair: the bits above (NUMBERS, UNMATCHED, …)


@dataclass(frozen=True)
class Feature:
    """One rule: a function of the comparison giving (0..1, explanation), and its weight."""

    name: str
    weight: float
    func: Callable[[Comparison], tuple[float, str]]
    qualifier: bool = True  # qualifiers add to the base score; base features compete (the max counts)
    when: int = 0  # facts (bits) that must all hold for the feature to give anything; 0: always evaluated
    ceiling: float = 1.0  # the most it gives: a base feature is not evaluated once the base reaches it (it could not win)


_PREPARED: dict[tuple[str, str], PreparedName] = {}
_PREPARED_MAX = 100_000


def prepare(name: str, schema: str = "Person") -> PreparedName:
    """Fold, transliterate, tokenise; set legal forms and numbers aside. Cached per name (up to 100,000)."""
    key = (name, schema)
    found = _PREPARED.get(key)
    if found is None:
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()  # cheaper to look up than an LRU, and a screening run's names fit
        found = _PREPARED[key] = _prepare(name, schema)
    return found


# A name none of whose words is in these (and with no digit, no word twice) keeps its words as they are.
_SPECIAL_WORDS = frozenset(NUMBER_WORDS) | ROMAN | LEGAL_FORMS | STOP_WORDS
_DIGIT = re.compile(r"[0-9]")
_NO_NUMBERS: frozenset[str] = frozenset()


def _prepare(name: str, schema: str) -> PreparedName:
    # Upper, lower or title case has no lower-case letter followed by a capital: no camel case to split.
    text = folded = fold(name if name.isupper() or name.islower() or name.istitle() else _CAMEL.sub(" ", name))
    if not text.isascii():
        text = ascii_text(text).lower()
    if "&" in text:
        text = text.replace("&", " and ")
    raw = (text if text.replace(" ", "").isalnum() else _PUNCT.sub(" ", text)).split()
    words = frozenset(raw)
    if len(words) == len(raw) and words.isdisjoint(_SPECIAL_WORDS) and text.isascii() and not _DIGIT.search(text):
        # Most names: nothing to set aside, every word kept.
        tokens = tuple(raw)
        legal: tuple[str, ...] = ()
        numbers = _NO_NUMBERS
    else:
        found, legal_forms, number_set = _words(raw, schema != "Person")
        tokens, legal, numbers, words = tuple(found), tuple(legal_forms), frozenset(number_set), frozenset(found)
    lengths = tuple(map(len, tokens))
    # By length, longest first, the later first among equals (a stable sort of the reversed words).
    longest_first = sorted(reversed(tokens), key=len, reverse=True)
    patronymic = not PATRONYMIC.isdisjoint(tokens)
    facts = (
        (NUMBERS if numbers else 0)
        | (PATRONYMIC_BOTH if patronymic else 0)
        | (0 if name.isascii() else NON_LATIN_BOTH)
        | (ONE_WORD if len(tokens) == 1 else SEVERAL_WORDS_BOTH if len(tokens) >= 2 else 0)
    )
    return PreparedName(
        name,
        tokens,
        legal,
        numbers,
        "".join(tokens),
        folded,
        sum(map(_WEIGHT_OF_LENGTH.get, lengths, repeat(8))),
        "".join(map(itemgetter(0), tokens)),
        patronymic,
        lengths,
        words,
        tuple([_pair(t, t, 1.0, "exact") for t in longest_first]),
        len(words) == len(tokens),
        facts,
    )


def _words(raw: list[str], org: bool) -> tuple[list[str], list[str], set[str]]:
    """The name's words, its legal forms and its numbers ("forty four" -> 44), from its raw words."""
    tokens: list[str] = []
    legal: list[str] = []
    numbers: set[str] = set()
    pending_number = 0
    for tok in raw:
        tok = NUMBER_WORDS.get(tok, tok)
        if tok.isdigit():
            # "forty four" / "forty 4" -> 44
            if pending_number and int(tok) < 10 and pending_number % 10 == 0:
                numbers.discard(str(pending_number))
                tok = str(pending_number + int(tok))
            pending_number = int(tok)
            numbers.add(tok)
            continue
        pending_number = 0
        if org and tok in ROMAN and len(raw) > 1:
            numbers.add(tok)
            continue
        if org and tok in LEGAL_FORMS and len(raw) > 1:
            legal.append(tok)
            continue
        if tok in STOP_WORDS and len(raw) > 1:
            continue
        if tokens and tokens[-1] == tok:
            continue  # "Sergey Sergey Shoigu"
        tokens.append(tok)
    return tokens, legal, numbers


_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=50_000)
def _skeleton(tok: str) -> str:
    tok = tok.replace("q", "k").replace("c", "k").replace("ph", "f").replace("ou", "u").replace("j", "y")
    if len(tok) < 2:
        return tok
    rest = tok[1:].translate(_NO_VOWELS)
    # A substitution with a group reference goes through Python-level code: only when a letter repeats.
    return _REPEATS.sub(r"\1", rest) if _REPEATS.search(rest) else rest


def token_similarity(x: str, y: str, person: bool) -> tuple[float, str]:
    """How alike two name words are (0..1) and why: exact, initial, contraction, same consonants, edit distance."""
    if x == y:
        return 1.0, "exact"
    lx, ly = len(x), len(y)
    if person and (lx == 1 or ly == 1):
        return (0.6, "initial") if x[0] == y[0] else (0.0, "")
    sim = 1.0 - Levenshtein.distance(x, y) / max(lx, ly)
    if x[0] == y[0]:
        short, long = (x, y) if lx < ly else (y, x)
        if len(short) >= 3 and sim < 0.75 and _subsequence(short, long):
            return 0.75, "contraction"  # intl / international
        if lx >= 4 and ly >= 4 and sim < 0.85 and _skeleton(x) == _skeleton(y):
            return 0.85, "same consonants"
    return sim, "edit distance"


def _subsequence(short: str, long: str) -> bool:
    pos = 0
    for ch in short:
        pos = long.find(ch, pos) + 1
        if not pos:
            return False
    return True


def align(a: PreparedName, b: PreparedName, schema: str) -> Comparison:
    """Greedy best-first alignment of the tokens of a and b."""
    # Best first means the words both names share first (only equal words are alike 1.0), longest
    # first: they are paired without comparing any other words; the rest are compared pair by pair.
    pairs: list[Pair]
    rest_a: list[str]
    rest_b: list[str]
    if a.tokens == b.tokens:
        pairs, rest_a, rest_b = list(a.exact_pairs), [], []  # the same words: each with itself
    else:
        common = a.words & b.words
        if not common:
            pairs, rest_a, rest_b = [], list(a.tokens), list(b.tokens)
        elif a.unique and b.unique:
            pairs = [p for p in a.exact_pairs if p[0] in common]
            rest_a = [x for x in a.tokens if x not in common] if len(common) < len(a.tokens) else []
            rest_b = [y for y in b.tokens if y not in common] if len(common) < len(b.tokens) else []
        else:
            pairs, rest_a, rest_b = _align_equal(a, b, common)
    exact = len(pairs)
    if rest_a and rest_b:
        _align_rest(rest_a, rest_b, schema == "Person", pairs)
        # Only a word of two or three letters can be initials written together.
        if rest_a and rest_b and (min(map(len, rest_a)) <= 3 or min(map(len, rest_b)) <= 3):
            _initials_together(rest_a, rest_b, pairs)
    facts = ((a.facts | b.facts) & _EITHER) | (a.facts & b.facts & _BOTH) | (PERSON if schema == "Person" else ORGANISATION)
    if rest_a or rest_b:
        facts |= (UNMATCHED | DISAGREE) if rest_a and rest_b else (UNMATCHED | AGREE)
    else:
        facts |= AGREE
    if len(pairs) > exact:
        facts |= INEXACT
    if a.joined == b.joined:
        facts |= SAME_LETTERS
    return Comparison(a, b, schema, pairs, rest_a, rest_b, facts)


def _initials_together(unmatched_a: list[str], unmatched_b: list[str], pairs: list[Pair]) -> None:
    """Initials written together ("JC" for Jean-Claude): one short token against the first letters of several."""
    for side, other in ((unmatched_a, unmatched_b), (unmatched_b, unmatched_a)):
        for tok in list(side):
            if 2 <= len(tok) <= 3 and len(other) >= len(tok):
                firsts = "".join(t[0] for t in other[: len(tok)])
                if firsts == tok:
                    side.remove(tok)
                    for t in other[: len(tok)]:
                        pairs.append(_pair(tok, t, 0.6, "initials"))
                    del other[: len(tok)]


def _align_equal(a: PreparedName, b: PreparedName, common: frozenset[str]) -> tuple[list[Pair], list[str], list[str]]:
    """Equal words paired when a word comes twice in a name: longest first, the later first among equals."""
    a_tokens, b_tokens, a_len = a.tokens, b.tokens, a.lengths
    exact = [(a_len[i], i, j) for i, x in enumerate(a_tokens) if x in common for j, y in enumerate(b_tokens) if x == y]
    exact.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[Pair] = []
    for _, i, j in exact:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append(_pair(a_tokens[i], b_tokens[j], 1.0, "exact"))
    rest_a = [x for i, x in enumerate(a_tokens) if i not in used_a]
    rest_b = [y for j, y in enumerate(b_tokens) if j not in used_b]
    return pairs, rest_a, rest_b


def _pair(x: str, y: str, sim: float, how: str) -> Pair:
    """Two aligned words with their weights and their text in the explanation."""
    lx, ly = len(x), len(y)
    weight = _WEIGHTS[lx if lx < 8 else 8] + _WEIGHTS[ly if ly < 8 else 8]
    return (x, y, sim, how, weight, f"{x}≈{y} {how} {_TWO_PLACES.get(sim) or _two_places(sim)}")


def _alike(x: str, y: str, person: bool) -> tuple[float, str] | None:
    """`token_similarity` of two different words when it is >= 0.6, else None (the alignment's hot path).

    The edit distance may stop counting past 40 % of the longer word (rapidfuzz's score_cutoff).
    """
    lx, ly = len(x), len(y)
    shortest, longest = (lx, ly) if lx < ly else (ly, lx)
    if person and shortest == 1:
        return (0.6, "initial") if x[0] == y[0] else None
    cutoff = 2 * longest // 5
    if x[0] != y[0]:
        # Only the edit distance can make them alike.
        if longest - shortest <= cutoff:
            d = Levenshtein.distance(x, y, score_cutoff=cutoff)
            if d <= cutoff:
                return 1.0 - d / longest, "edit distance"
        return None
    sim = 1.0 - Levenshtein.distance(x, y, score_cutoff=cutoff) / longest
    if shortest >= 3 and sim < 0.75 and (_subsequence(x, y) if lx < ly else _subsequence(y, x)):
        return 0.75, "contraction"  # intl / international
    if shortest >= 4 and sim < 0.85 and _skeleton(x) == _skeleton(y):
        return 0.85, "same consonants"
    if sim >= 0.6:
        return sim, "edit distance"
    return None


def _align_rest(rest_a: list[str], rest_b: list[str], person: bool, pairs: list[Pair]) -> None:
    """Pair the words left after the equal ones, best first, into `pairs`; what stays unpaired stays in the lists."""
    if len(rest_a) == 1 and len(rest_b) == 1:
        # One word left on each side (most pairs that get here): nothing to choose between.
        x, y = rest_a[0], rest_b[0]
        found = _alike(x, y, person)
        if found is not None:
            pairs.append(_pair(x, y, found[0], found[1]))
            rest_a.clear()
            rest_b.clear()
        return
    # Positions in the lists keep the order of the names' own, so ties sort as they would on the whole names.
    candidates: list[tuple[float, int, int, int, str]] = []
    for i, x in enumerate(rest_a):
        lx = len(x)
        for j, y in enumerate(rest_b):  # never equal to x: equal words were paired before
            found = _alike(x, y, person)
            if found is not None:
                ly = len(y)
                candidates.append((found[0], lx if lx < ly else ly, i, j, found[1]))
    if not candidates:
        return
    candidates.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for sim, _, i, j, how in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append(_pair(rest_a[i], rest_b[j], sim, how))
    rest_a[:] = [x for i, x in enumerate(rest_a) if i not in used_a]
    rest_b[:] = [y for j, y in enumerate(rest_b) if j not in used_b]


# -- features --------------------------------------------------------------------------


# Weight of a word by its length: an initial counts half a letter, long words no more than eight.
_WEIGHTS = (0.5, 0.5, 2, 3, 4, 5, 6, 7, 8)
_WEIGHT_OF_LENGTH = dict(enumerate(_WEIGHTS))  # .get(length, 8)


def _w(tok: str) -> float:
    return _WEIGHTS[min(len(tok), 8)]


_TWO_PLACES: dict[float, str] = {}


def _two_places(value: float) -> str:
    """f"{value:.2f}", remembered: the same few similarities come back in every explanation."""
    text = f"{value:.2f}"
    if len(_TWO_PLACES) < 10_000:
        _TWO_PLACES[value] = text
    return text


# Formatting and rounding a float go through the correctly rounded decimal conversion, dearer than
# the rest of a feature: the few values that come back (weights times a handful of scores) are remembered.
_SIGNED: dict[float, str] = {}
_ROUNDED: dict[float, float] = {}


def _signed(value: float) -> str:
    """f"{value:+.2f}", remembered."""
    text = f"{value:+.2f}"
    if len(_SIGNED) < 10_000:
        _SIGNED[value] = text
    return text


def _rounded(value: float) -> float:
    """round(value, 4), remembered."""
    out = round(value, 4)
    if len(_ROUNDED) < 10_000:
        _ROUNDED[value] = out
    return out


def _listed(words: list[str]) -> str:
    """str(words) for a non-empty list of name tokens (letters, digits and _ only, so no quote to escape), made faster."""
    return "['" + "', '".join(words) + "']"


_TEXT = itemgetter(5)  # a pair's text


def token_dice(c: Comparison) -> tuple[float, str]:
    total = c.a.weight + c.b.weight
    if not total:
        return 0.0, "no name words"
    got = 0.0
    for p in c.pairs:
        got += p[2] * p[4]
    return got / total, f"aligned words [{', '.join(map(_TEXT, c.pairs))}]"


def joined_equal(c: Comparison) -> tuple[float, str]:
    if c.a.joined and c.a.joined == c.b.joined:
        return 1.0, f"same letters without spaces: {c.a.joined}"
    return 0.0, ""


def abbreviation(c: Comparison) -> tuple[float, str]:
    for short, long in ((c.a, c.b), (c.b, c.a)):
        if len(short.tokens) == 1 and 2 <= len(short.tokens[0]) <= 6 and len(long.tokens) >= 2:
            if short.tokens[0] == long.initials:
                return 0.8, f"{short.tokens[0]} abbreviates {' '.join(long.tokens)}"
    return 0.0, ""


def conflicting_words(c: Comparison) -> tuple[float, str]:
    """Words on both sides that align with nothing: different people or companies."""
    if c.unmatched_a and c.unmatched_b:
        n = min(len(c.unmatched_a), len(c.unmatched_b))
        return min(1.0, 0.5 * n + 0.5), f"words that disagree: {_listed(c.unmatched_a)} vs {_listed(c.unmatched_b)}"
    return 0.0, ""


def number_mismatch(c: Comparison) -> tuple[float, str]:
    if c.a.numbers != c.b.numbers and (c.a.numbers or c.b.numbers):
        return 1.0, f"numbers differ: {sorted(c.a.numbers)} vs {sorted(c.b.numbers)}"
    return 0.0, ""


def extra_place(c: Comparison) -> tuple[float, str]:
    """An organisation name with a country or city added: a subsidiary, not the same company."""
    if c.schema == "Person":
        return 0.0, ""
    extra = [t for t in c.unmatched_a + c.unmatched_b if t in COUNTRY_TOKENS]
    return (1.0, f"place added: {extra}") if extra else (0.0, "")


def initial_only_match(c: Comparison) -> tuple[float, str]:
    """Person names whose given names agree only by an initial ("A. Nazarbayev" vs "Nursultan Nazarbayev")."""
    if c.schema != "Person":
        return 0.0, ""
    initials = [p for p in c.pairs if p[3] == "initial"]
    if initials and len(c.pairs) - len(initials) <= 1:
        return 1.0, f"given name known only by its initial: {initials[0][0]}/{initials[0][1]}"
    return 0.0, ""


def weak_token_mismatch(c: Comparison) -> tuple[float, str]:
    """An aligned pair only alike by edit distance (below 0.8): Lukashevich/Lukashenko, Orbach/Orbán."""
    weak = [p for p in c.pairs if p[2] < 0.8 and p[3] == "edit distance"]
    if weak:
        return 1.0, f"words only alike: {weak[0][0]}/{weak[0][1]} {weak[0][2]:.2f}"
    return 0.0, ""


def subset_name(c: Comparison) -> tuple[float, str]:
    """Every word of the shorter name (two words or more) found in the longer: Boris Johnson in his full name."""
    shorter = c.a.tokens if len(c.a.tokens) <= len(c.b.tokens) else c.b.tokens
    if len(shorter) < 2 or len(c.pairs) < len(shorter) or (c.unmatched_a and c.unmatched_b):
        return 0.0, ""
    mean = sum([p[2] for p in c.pairs]) / len(c.pairs) if c.facts & INEXACT else 1.0
    return (0.75 * mean, "the shorter name is part of the longer") if mean >= 0.8 else (0.0, "")


def patronymic_order(c: Comparison) -> tuple[float, str]:
    """"Salman bin Muhammad" is not "Muhammad bin Salman": the words around bin/ibn must keep their order."""
    if not (c.a.patronymic and c.b.patronymic):
        return 0.0, ""

    def chain(tokens: tuple[str, ...]) -> list[str]:
        return [t for t in tokens if t not in PATRONYMIC]

    pos_b = {y: i for i, y in enumerate(chain(c.b.tokens))}
    positions = [pos_b.get(y) for x in chain(c.a.tokens) for (px, y, *_) in c.pairs if px == x]
    mapped = [m for m in positions if m is not None]
    if any(m2 < m1 for m1, m2 in zip(mapped, mapped[1:])):
        return 1.0, "father's and own name swapped around bin/ibn"
    return 0.0, ""


def same_script_differs(c: Comparison) -> tuple[float, str]:
    """Two names in the same non-Latin script that differ: transliteration would blur a real difference (高石/高市)."""
    if c.a.text.isascii() or c.b.text.isascii():
        return 0.0, ""
    x, y = c.a.folded, c.b.folded
    if x == y:
        return 0.0, ""
    if _script_block(x) == _script_block(y):
        return 1.0, "same script, different letters"
    return 0.0, ""


def _script_block(text: str) -> int:
    for ch in text:
        if ch.isalpha():
            return ord(ch) >> 8
    return -1


FEATURES: tuple[Feature, ...] = (
    Feature("token_dice", 1.0, token_dice, qualifier=False),
    Feature("joined_equal", 1.0, joined_equal, qualifier=False, when=SAME_LETTERS),
    Feature("abbreviation", 1.0, abbreviation, qualifier=False, when=ONE_WORD, ceiling=0.8),
    Feature("subset_name", 1.0, subset_name, qualifier=False, when=SEVERAL_WORDS_BOTH | AGREE, ceiling=0.75),
    Feature("conflicting_words", -0.25, conflicting_words, when=DISAGREE),
    Feature("number_mismatch", -0.35, number_mismatch, when=NUMBERS),
    Feature("extra_place", -0.2, extra_place, when=ORGANISATION | UNMATCHED),
    Feature("initial_only_match", -0.2, initial_only_match, when=PERSON | INEXACT),
    Feature("weak_token_mismatch", -0.2, weak_token_mismatch, when=INEXACT),
    Feature("patronymic_order", -0.4, patronymic_order, when=PATRONYMIC_BOTH),
    Feature("same_script_differs", -0.25, same_script_differs, when=NON_LATIN_BOTH),
)


# The features to evaluate for each combination of facts, in table order (a few dozen combinations occur).
_ROWS: dict[int, tuple[tuple[str, float, Callable[[Comparison], tuple[float, str]], bool, float], ...]] = {}


def _rows(facts: int) -> tuple[tuple[str, float, Callable[[Comparison], tuple[float, str]], bool, float], ...]:
    """(name, weight, func, qualifier, most the base can get from it) of the features whose facts all hold."""
    rows = tuple((f.name, f.weight, f.func, f.qualifier, f.ceiling * f.weight) for f in FEATURES if facts & f.when == f.when)
    _ROWS[facts] = rows
    return rows


def clear_caches() -> None:
    """Forget every prepared name and remembered number (for cold timings)."""
    _PREPARED.clear()
    _skeleton.cache_clear()
    _TWO_PLACES.clear()
    _SIGNED.clear()
    _ROUNDED.clear()


def match_names(name1: str, name2: str, schema: str = "Person") -> tuple[float, str]:
    """(score 0..1, explanation) that two names name the same person or organisation; >= THRESHOLD is a match."""
    prepared = _PREPARED
    a = prepared.get((name1, schema)) or prepare(name1, schema)
    b = prepared.get((name2, schema)) or prepare(name2, schema)
    c = align(a, b, schema)
    base, base_why = 0.0, "nothing alike"
    notes: list[str] = []
    adjust = 0.0
    for name, weight, func, qualifier, top in _ROWS.get(c.facts) or _rows(c.facts):
        if not qualifier and base >= top:
            continue
        value, why = func(c)
        if not value:
            continue
        value *= weight
        if qualifier:
            adjust += value
            notes.append(f"{name} {_SIGNED.get(value) or _signed(value)}: {why}")
        elif value > base:
            base, base_why = value, f"{name} {_TWO_PLACES.get(value) or _two_places(value)}: {why}"
    score = base + adjust
    if score < 0.0:
        score = 0.0
    elif score > 1.0:
        score = 1.0
    rounded = _ROUNDED.get(score)
    if rounded is None:
        rounded = _rounded(score)
    return rounded, "; ".join([base_why, *notes]) if notes else base_why
