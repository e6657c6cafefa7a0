"""Mentions of registry entities in text: every name, alias, spelling variant and event date in one automaton pass.

`Matcher.from_entities(entities)` normalises every name of every entity (and
generated spelling variants, see `variants.py`, and event date expressions,
see `events.py`) into one Aho-Corasick automaton (pyahocorasick). `find(text)`
normalises the text once (`proscribe.text.normalize`), runs the automaton
once, and keeps the hits that sit on word boundaries of their script:

- Latin: a non-letter on each side, or a camel-case joint (#StandWithHamas),
  or an apostrophe after the name (Hamas's, Hamas'ın), or a plural s.
- Arabic script: Arabic proclitics before the name (و ف ب ل ك ال لل and their
  combinations: وحماس, بحزب الله, للقسام, والقاعدة), Persian and Arabic suffixes
  after it (حماس‌ها, حماسی, داعشی‌ها, الحوثيون).
- Hebrew: the joined prefixes ו ה ב ל מ ש כ; Cyrillic: case endings.
- Inside a hashtag or handle a long name (>= 5 letters) may touch the tag's edge
  (#standwithhamas).

Weak names (`Name.weak`, names of <= 3 letters, one-word person names, names
made only of common given names, homonyms) count only with corroborating
context, which the Mention reports in `corroboration`; see `_corroborate`.
Offsets are always offsets of the original text.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from collections import defaultdict
from itertools import accumulate
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple, Sequence

import ahocorasick_rs

from proscribe.detect import lexicon
from proscribe.detect.events import date_patterns
from proscribe.detect.variants import arabic_variants, latin_variants
from proscribe.model import Entity, EntityKind, Mention, Name, NameKind, RelationKind
from proscribe.text.normalize import NormalizedText, fold, normalize, normalize_name, same_offsets
from proscribe.text.tokens import EMOJI_SIGNALS, hashtag_spans, mention_spans, split_words, url_spans

_WORD_RE = re.compile(r"\w+")
# Words in handles that say nothing about who the account is.
_HANDLE_NOISE = frozenset({"official", "the", "real", "news", "media", "tv", "ir", "en", "ar", "fa", "channel", "account", "fan", "page"})
_VIA_PRIORITY = {"epithet": 0, "slogan": 1, "name": 2, "hashtag": 3, "date": 4}
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u02bb`\u00b4")
# Whether an entity is in scope is its in_scope flag, set by the registry's scope (default lists:
# registry/scope.py DEFAULT_LISTS; docs/registry.md, "Scope"; the registry YAML format: docs/registry-yaml.md).

_VIA_OF_KIND = {NameKind.SLOGAN: "slogan", NameKind.HASHTAG: "hashtag", NameKind.EPITHET: "epithet"}


_FIRST_ALNUM = re.compile(r"[^\W_]")
_ASCII_UPPER = re.compile("[A-Z]")
_RUN_AFTER = re.compile(r"\w*")
# A group word after a short acronym: the word itself, or (4+ letters) a word it begins ("fighters").
_NEIGHBOUR_RE = re.compile(
    "|".join(re.escape(n) if len(n) >= 4 else re.escape(n) + r"\Z" for n in lexicon.ACRONYM_NEIGHBOURS)
)
_REPORTING_RE = re.compile("|".join(map(re.escape, lexicon.ACRONYM_REPORTING)))
_MAX_CLITIC = max(map(len, lexicon.ARABIC_PROCLITICS | lexicon.HEBREW_PROCLITICS))
_SIGNAL_EMOJI_RE = re.compile("[" + "".join(re.escape(ch) for ch in EMOJI_SIGNALS) + "]")
_DATE_PRAISE_RE = re.compile(
    r"(?<!\w)(?:[وفبلك]?(?:ال)?)(" + "|".join(sorted({re.escape(normalize_name(w)) for w in lexicon.DATE_PRAISE_KEYWORDS}, key=len, reverse=True)) + ")"
)
_ASCII_LOWER = re.compile("[a-z]")


def _char_script(ch: str) -> str | None:
    """The script a letter or digit gives a name; None for other characters (they are skipped)."""
    if ch.isalpha():
        o = ord(ch)
        if o < 0x0250 or 0x1E00 <= o < 0x1F00:
            return "L"
        if 0x0600 <= o < 0x0780 or 0xFB50 <= o < 0xFF00:
            return "A"
        if 0x0590 <= o < 0x0600:
            return "H"
        if 0x0400 <= o < 0x0530:
            return "C"
        return "O"
    if ch.isdigit():
        return "D"
    return None


_CHAR_SCRIPT: dict[str, str | None] = {}


def _script(s: str) -> str:
    """L(atin), A(rabic), H(ebrew), C(yrillic), D(igits) or O(ther), by the first letter or digit."""
    m = _FIRST_ALNUM.search(s)
    if m is None:
        return "O"
    ch = m.group()
    script = _CHAR_SCRIPT.get(ch)
    if script is None:
        script = _CHAR_SCRIPT[ch] = _char_script(ch)
        if script is None:  # a numeric sign that is neither (½): look further
            for ch in s[m.start() + 1 :]:
                found = _char_script(ch)
                if found is not None:
                    return found
            return "O"
    return script


class _Alias(NamedTuple):
    """One way an entity can be written.

    The automaton's payloads keep each as a plain tuple (`tuple(alias)`; `_Alias(*raw)` reads one
    back): the garbage collector stops tracking tuples of plain values, and with them the ~100,000
    patterns' payloads, which its full collections would otherwise walk again and again while
    posts are matched (a sixth of the matching time).
    """

    entity: int  # index into Matcher._entities
    alias: str  # the registry name it comes from
    via: str  # name | hashtag | slogan | epithet | date
    weak: bool
    homonym: bool  # a common word: only the same entity named strongly corroborates it
    case_exact: bool  # an upper-case acronym: strong only when written in upper case
    lil: bool  # an Arabic name without its article: only after لل
    short: bool  # <= 3 letters: needs a group word right next to it
    event_year: int | None = None  # dates: the event's year, which corroborates when written beside


@dataclass(frozen=True, slots=True)
class _EntityInfo:
    id: str
    name: str
    kind: EntityKind
    in_scope: bool
    lists: tuple[str, ...]
    related: frozenset[int]
    perpetrators: tuple[int, ...]


@dataclass(slots=True)
class _Hit:
    start: int  # normalised offsets
    end: int
    key: str
    aliases: tuple[tuple[Any, ...], ...]  # plain `_Alias` tuples
    how: str | None = None  # how the boundary was satisfied when not plainly
    handle: bool = False
    orig_span: tuple[int, int] | None = None  # short acronyms: found in the original text, start/end are -1


def _person_alias_weak(norm: str) -> bool:
    tokens = norm.split()
    if len(tokens) < 2:
        return True
    return all(t in lexicon.COMMON_GIVEN_NAMES for t in tokens)


def _surnames(group: list[Entity]) -> dict[str, bool]:
    """How a curated person is named short -> whether that name is weak.

    The last word of a full name (>= 5 letters, not a given name: "Soleimani") is weak;
    a particle and the last word ("bin Laden") names one person and is not.
    """
    out: dict[str, bool] = {}
    for e in group:
        for name in (e.name, *(n.text for n in e.names if n.kind in (NameKind.PRIMARY, NameKind.ALIAS))):
            tokens = normalize_name(name).split()
            if len(tokens) < 2:
                continue
            last = tokens[-1]
            bare = last[2:] if last.startswith("ال") and _script(last) == "A" else last
            if len(bare) < 5 or last in lexicon.COMMON_GIVEN_NAMES or bare in lexicon.COMMON_GIVEN_NAMES:
                continue
            out.setdefault(last, True)
            if len(tokens) >= 3 and tokens[-2] in lexicon.PARTICLES:
                out[f"{tokens[-2]} {last}"] = False
    return out


def _cluster(entities: Sequence[Entity]) -> list[list[Entity]]:
    """Entities that share an xref (the curated Hamas and OFAC's HAMAS) are one entity for matching."""
    parent = list(range(len(entities)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, e in enumerate(entities):
        for key in (e.id, *e.xrefs):
            key = key.lower().replace(":", "-", 1)  # the xref "ofac:4695" is the importer's id "ofac-4695"
            if key in seen:
                a, b = find(i), find(seen[key])
                if a != b:
                    parent[a] = b
            else:
                seen[key] = i
    groups: dict[int, list[Entity]] = defaultdict(list)
    for i, e in enumerate(entities):
        groups[find(i)].append(e)
    return list(groups.values())


def _representative(group: list[Entity]) -> Entity:
    # The curated entity (with tiers, or the one whose xrefs point at the others) speaks for the group.
    return max(group, key=lambda e: (bool(e.tiers), len(e.xrefs), -len(e.id)))


class Matcher:
    """Finds mentions of registry entities in posts and account fields (see the module docstring)."""

    def __init__(self) -> None:
        self._entities: list[_EntityInfo] = []
        # The automata (ahocorasick_rs: Rust, a contiguous NFA) and, per pattern index, what it stands for:
        # (pattern length, aliases, script, lil) for the normalised text; (length, aliases) for short acronyms.
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        self._keys: list[str] = []
        self._payload: list[tuple[int, tuple[tuple[Any, ...], ...], str, int]] = []
        self._short_auto: ahocorasick_rs.AhoCorasick | None = None
        self._short_keys: list[str] = []
        self._short_payload: list[tuple[int, tuple[tuple[Any, ...], ...]]] = []
        self._context_re: re.Pattern[str] = re.compile(r"(?!x)x")
        self._context_auto: ahocorasick_rs.AhoCorasick | None = None
        self._clitics: frozenset[str] = frozenset()
        self.patterns = 0
        self.names = 0
        self._latin_names: list[tuple[str, int]] = []
        self._skeletons: list[tuple[str, int]] | None = None

    # -- building -----------------------------------------------------------------

    @classmethod
    def from_entities(cls, entities: Iterable[Entity], *, variants: bool = True) -> "Matcher":
        """One automaton over every name (and generated variant) of every entity."""
        # The build makes a few hundred thousand small objects that all live on: the cyclic
        # garbage collector would walk them again and again for nothing (a third of the build time).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return cls._build(entities, variants)
        finally:
            if enabled:
                gc.enable()

    @classmethod
    def _build(cls, entities: Iterable[Entity], variants: bool) -> "Matcher":
        self = cls()
        ents = list(entities)
        groups = _cluster(ents)
        index_of: dict[str, int] = {}
        reps: list[tuple[Entity, list[Entity]]] = []
        for group in groups:
            rep = _representative(group)
            idx = len(reps)
            reps.append((rep, group))
            for e in group:
                index_of[e.id] = idx
        related: dict[int, set[int]] = defaultdict(set)
        perpetrators: dict[int, list[int]] = defaultdict(list)
        for idx, (_, group) in enumerate(reps):
            for e in group:
                for rel in e.relations:
                    j = index_of.get(rel.target)
                    if j is None or j == idx:
                        continue
                    related[idx].add(j)
                    related[j].add(idx)
                    if rel.kind is RelationKind.PERPETRATED_BY:
                        perpetrators[idx].append(j)
                    elif rel.kind is RelationKind.PERPETRATOR_OF:
                        perpetrators[j].append(idx)
        for idx, (rep, group) in enumerate(reps):
            lists = tuple(sorted({d.list for e in group for d in e.designations if d.active}))
            self._entities.append(
                _EntityInfo(
                    id=rep.id,
                    name=rep.name,
                    kind=rep.kind,
                    in_scope=any(e.in_scope for e in group),
                    lists=lists,
                    related=frozenset(related[idx]),
                    perpetrators=tuple(dict.fromkeys(perpetrators[idx])),
                )
            )

        table: dict[str, dict[tuple[int, str], _Alias]] = defaultdict(dict)
        short: dict[str, dict[tuple[int, str], _Alias]] = defaultdict(dict)

        def add(key: str, alias: _Alias, into: dict[str, dict[tuple[int, str], _Alias]]) -> None:
            slot = into[key]
            old = slot.get((alias.entity, alias.via))
            # Several names of one entity can share a key: keep the strongest reading.
            if old is None or (old.weak, old.case_exact, old.lil) > (alias.weak, alias.case_exact, alias.lil):
                slot[(alias.entity, alias.via)] = alias

        for idx, (rep, group) in enumerate(reps):
            info = self._entities[idx]
            # Spelling variants for the curated registry (and events): the lists' thousands of in-scope
            # names are searched as written (plus a joined form), which keeps the automaton compact.
            generate = variants and (rep.kind is EntityKind.EVENT or bool(rep.tiers))
            seen_names: set[tuple[str, NameKind, bool]] = set()
            for e in group:
                names = list(e.names)
                if not any(n.text == e.name for n in names):
                    names.insert(0, Name(e.name, NameKind.PRIMARY))
                for name in names:
                    sig = (name.text, name.kind, name.weak)
                    if sig in seen_names:
                        continue
                    seen_names.add(sig)
                    self.names += 1
                    self._add_name(idx, rep, name.text, name.kind, name.weak, generate, add, table, short)
            if rep.kind is EntityKind.PERSON and rep.tiers:
                # Curated persons are often named by surname alone ("Soleimani was killed"): a weak alias.
                listed = {normalize_name(n.text) for e in group for n in e.names}
                for surname, weak_surname in _surnames(group).items():
                    if surname not in listed:
                        # As written only: variants of "al sinwar" would drop the article and lose the particle.
                        self._add_name(idx, rep, surname, NameKind.ALIAS, weak_surname, False, add, table, short)
            if rep.kind is EntityKind.EVENT and rep.date is not None:
                for key in date_patterns(rep.date):
                    add(key, _Alias(idx, key, "date", True, False, False, False, False, rep.date.year), table)

        for key, slot in table.items():
            aliases = tuple(slot.values())
            lil = 2 if all(a.lil for a in aliases) else (1 if any(a.lil for a in aliases) else 0)
            self._payload.append((len(key), tuple(map(tuple, aliases)), _script(key), lil))
        self._keys = list(table)
        self.patterns = len(table) + len(short)
        if table:
            self._automaton = _automaton(self._keys)
        if short:
            # Short acronyms keep their case: a second automaton over the original text.
            self._short_keys = list(short)
            self._short_payload = [(len(key), tuple(map(tuple, slot.values()))) for key, slot in short.items()]
            self._short_auto = _automaton(self._short_keys)
        words = sorted({normalize_name(w) for ws in lexicon.CONTEXT_KEYWORDS.values() for w in ws}, key=len, reverse=True)
        clitic = "|".join(sorted(lexicon.ARABIC_PROCLITICS | lexicon.HEBREW_PROCLITICS, key=len, reverse=True))
        self._context_re = re.compile(rf"(?<!\w)(?:{clitic})?(?:{'|'.join(re.escape(w) for w in words)})")
        # The regex tried at every position of a post is slow; an automaton finds where its words are.
        self._context_auto = _automaton(words)
        self._clitics = lexicon.ARABIC_PROCLITICS | lexicon.HEBREW_PROCLITICS
        return self

    def _add_name(self, idx, rep, text, kind, weak, generate, add, table, short) -> None:  # type: ignore[no-untyped-def]
        norm = normalize_name(text)
        if not norm:
            return
        via = _VIA_OF_KIND.get(kind, "name")
        letters = sum(map(str.isalpha, norm))
        script = _script(norm)
        if len(norm.replace(" ", "")) < (2 if script == "L" else 3):
            return
        homonym = norm in lexicon.HOMONYMS or (script == "H" and weak)
        if rep.kind is EntityKind.PERSON and kind in (NameKind.PRIMARY, NameKind.ALIAS) and _person_alias_weak(norm):
            weak = True
            # A one-word person name counts with context only for curated entries ("Sinwar");
            # a list's one-word or common-given-name alias ("Muslim", "Abu Ali") never counts alone.
            tokens = norm.split()
            curated = bool(rep.tiers) or any(d.list == "platform" for d in rep.designations)
            if not curated and len(tokens) == 1:
                return  # a list's one-word person alias ("Muslim", "Israel") could never count: not searched at all
            if not curated or len(tokens) > 1 or tokens[0] in lexicon.COMMON_GIVEN_NAMES:
                homonym = True
        if homonym:
            weak = True
        raw = text.lstrip("#@").strip()
        if letters <= 3 and script != "D":
            if script != "L" or not raw:
                if script in ("A", "H") and letters == 3:
                    add(norm, _Alias(idx, text, via, True, homonym, False, False, True), table)
                return
            # Short Latin acronyms ("IS", "HTS"): matched case-sensitively on the original text.
            add(raw, _Alias(idx, text, via, True, homonym, True, False, True), short)
            return
        if script == "L" and not weak and (rep.tiers or self._entities[idx].in_scope) and len(norm) >= 6:
            self._latin_names.append((norm, idx))
        n_alpha = sum(map(str.isalpha, raw)) if script == "L" else 0
        case_exact = 0 < n_alpha <= 5 and all(ch.isupper() for ch in raw if ch.isalpha())
        if case_exact and weak and not homonym and n_alpha >= 4:
            # "ISIS" is marked weak for "Isis" the name; written in capitals it is the acronym.
            weak = False
        base = _Alias(idx, text, via, weak, homonym, case_exact, False, False)
        add(norm, base, table)
        if not generate:
            if script == "L" and " " in norm and len(norm.replace(" ", "")) >= 8:
                add(norm.replace(" ", ""), base, table)
            return
        if script == "L":
            for v in sorted(latin_variants(norm)):
                if v != norm:
                    v_homonym = homonym or v in lexicon.HOMONYMS
                    add(v, _Alias(idx, text, via, weak or v_homonym, v_homonym, case_exact, False, False), table)
        elif script == "A":
            for v, lil in arabic_variants(norm).items():
                if v != norm:
                    add(v, _Alias(idx, text, via, weak, homonym, False, lil, False), table)

    # -- finding --------------------------------------------------------------------

    def find(self, text: str, field: str = "text", *, include_weak: bool = False) -> list[Mention]:
        """The mentions in `text` (offsets into `text`), in order of appearance.

        Weak names and bare dates are returned only when corroborated (the Mention
        says by what), unless `include_weak` is set: then uncorroborated ones come
        too, with `weak=True` and `corroboration=None`.
        """
        if not text:
            return []
        # Most posts name nothing: the automata run first, on the folded text (and the original for
        # short acronyms); the offset map and the boundary rules only when something was found.
        t = fold(text)
        found = self._automaton.find_matches_as_indexes(t, overlapping=True) if self._automaton is not None else ()
        short = self._short_auto.find_matches_as_indexes(text, overlapping=True) if self._short_auto is not None else ()
        if not found and not short:
            return []
        hits, nt = self._hits(text, t, found, short, field)
        if not hits:
            return []
        return self._mentions(nt or normalize(text, t), hits, field, include_weak)

    def find_many(self, texts: Iterable[str], field: str = "text", *, include_weak: bool = False) -> list[list[Mention]]:
        """`find` over many texts (the same mentions), with one automaton pass over the whole batch.

        The folded texts are joined with NUL, which no pattern holds, so no match spans two texts
        and the automaton is back at its root at each text's start; matches come back ordered by
        their end, so one walk hands each text its own. Texts holding a NUL go one by one.
        """
        texts = list(texts)
        if not texts:
            return []
        joined = "\0".join(texts)
        if self._automaton is None or joined.count("\0") != len(texts) - 1:
            return [self.find(t, field, include_weak=include_weak) for t in texts]
        folded = _fold_all(texts)
        found = _split(self._automaton.find_matches_as_indexes("\0".join(folded), overlapping=True), folded)
        if self._short_auto is not None:
            short = _split(self._short_auto.find_matches_as_indexes(joined, overlapping=True), texts)
        else:
            short = {}
        out: list[list[Mention]] = [[] for _ in texts]
        for k in sorted(found.keys() | short.keys()):
            text, t = texts[k], folded[k]
            hits, nt = self._hits(text, t, found.get(k, ()), short.get(k, ()), field)
            if hits:
                out[k] = self._mentions(nt or normalize(text, t), hits, field, include_weak)
        return out

    def _hits(
        self, orig: str, t: str, found: Sequence[tuple[int, int, int]], short: Sequence[tuple[int, int, int]], field: str
    ) -> tuple[list[_Hit], NormalizedText | None]:
        """The automata's matches that sit on word boundaries (see the module docstring), and the
        offset map when a rule needed one (made only then: most rejected matches need only `t`)."""
        n = len(t)
        nt: NormalizedText | None = None
        same: bool | None = None  # normalised offsets are the original's (decided when first needed)
        hits: list[_Hit] = []
        tags: list[tuple[int, int]] | None = None
        payload = self._payload
        for i, s, e in found:
            klen, aliases, script, lil = payload[i]
            left_free = s == 0 or not t[s - 1].isalnum()
            if left_free and (e == n or not t[e].isalnum()):
                # The common case: a whole word or words.
                if lil != 2:
                    key = t[s:e]
                    if script == "A" and key in lexicon.AMBIGUOUS_WORDS and self._common_noun(t, s, e, key):
                        continue
                    hits.append(_Hit(s, e, key, aliases, None))
                continue
            how: str | None = None
            # -- left edge
            if left_free:
                if lil == 2:
                    continue
            else:
                w = s - 1
                while w > 0 and t[w - 1].isalnum():
                    w -= 1
                prefix = t[w:s]
                if script == "A":
                    if lil:
                        if prefix not in lexicon.LIL:
                            continue
                    elif prefix not in lexicon.ARABIC_PROCLITICS:
                        continue
                    elif t[s:e] in lexicon.AMBIGUOUS_WORDS and prefix not in lexicon.CONJUNCTIONS:
                        continue
                    how = f"proclitic {prefix}"
                elif script == "H" and prefix in lexicon.HEBREW_PROCLITICS:
                    how = f"prefix {prefix}"
                else:
                    if same is None:
                        same = same_offsets(orig, t)
                    if same:
                        os_ = s
                    else:
                        nt = nt or normalize(orig, t)
                        os_ = nt.original_index(s)
                    if script == "L" and 0 < os_ < len(orig) and orig[os_].isupper() and orig[os_ - 1].islower():
                        how = "camel case"
                    elif script in ("L", "D") and 0 < os_ < len(orig) and orig[os_ - 1] in _APOSTROPHES and w == s - 1:
                        how = "elision"  # l'État islamique, d'al-Qaïda, l'attaque du 7 octobre
                    else:
                        if klen < 5:
                            continue
                        if tags is None:
                            tags = _tag_spans(orig, field)
                        nt = nt or normalize(orig, t)
                        if not _at_tag_edge(nt, s, e, tags, left=True):
                            continue
                        how = "inside hashtag"
            # -- right edge
            if e < n and t[e].isalnum():
                # The rest of the word (the normalised text has no "_": \w is isalnum here).
                suffix = _RUN_AFTER.match(t, e).group()  # type: ignore[union-attr]
                if script == "A" and suffix in lexicon.ARABIC_SUFFIXES and t[s:e] not in lexicon.AMBIGUOUS_WORDS:
                    how = how or f"suffix {suffix}"
                elif script == "C" and suffix in lexicon.CYRILLIC_SUFFIXES and klen >= 4:
                    how = how or f"suffix {suffix}"
                elif script == "L" and (suffix in lexicon.LATIN_SUFFIXES and klen >= 4 or suffix in lexicon.LATIN_DERIVATIONS and klen >= 5):
                    how = how or f"suffix {suffix}"
                else:
                    if same is None:
                        same = same_offsets(orig, t)
                    if same:
                        oe = e
                    else:
                        nt = nt or normalize(orig, t)
                        oe = nt.span(s, e)[1]
                    if script == "L" and oe < len(orig) and orig[oe] in _APOSTROPHES:
                        how = how or "apostrophe suffix"
                    elif script == "L" and 0 < oe < len(orig) and orig[oe].isupper() and orig[oe - 1].islower():
                        how = how or "camel case"
                    else:
                        if klen < 5:
                            continue
                        if tags is None:
                            tags = _tag_spans(orig, field)
                        nt = nt or normalize(orig, t)
                        if not _at_tag_edge(nt, s, e, tags, left=False):
                            continue
                        how = how or "inside hashtag"
            key = t[s:e]
            if script == "A" and key in lexicon.AMBIGUOUS_WORDS and self._common_noun(t, s, e, key):
                continue
            hits.append(_Hit(s, e, key, aliases, how))
        if short:
            no = len(orig)
            for i, a, b in short:
                aliases = self._short_payload[i][1]
                if (a == 0 or not orig[a - 1].isalnum()) and (b == no or not orig[b].isalnum()):
                    # Offsets are already the original's: marked by start -1.
                    hits.append(_Hit(-1, -1, orig[a:b], aliases, None, False, (a, b)))
        return hits, nt

    def _context_matches(self, t: str) -> list[tuple[int, int, str]]:
        """`self._context_re.finditer(t)` as (start, end, text), the regex tried only where it can match.

        A match is a context word, with a clitic or not: it starts where the automaton found a word,
        or a clitic's length before that when the clitic is written there. Those places in order,
        each after the end of the previous match, are where finditer would find its matches.
        """
        if self._context_auto is None:
            return []
        found = self._context_auto.find_matches_as_indexes(t, overlapping=True)
        if not found:
            return []
        starts = {s for _, s, _ in found}
        clitics = self._clitics
        for _, s, _ in found:
            if s and t[s - 1].isalpha():
                for k in range(1, min(s, _MAX_CLITIC) + 1):
                    if t[s - k : s] in clitics:
                        starts.add(s - k)
        out: list[tuple[int, int, str]] = []
        pos = 0
        match = self._context_re.match
        for p in sorted(starts):
            if p < pos:
                continue
            m = match(t, p)
            if m is not None:
                out.append((m.start(), m.end(), m.group()))
                pos = m.end()
        return out

    def _common_noun(self, t: str, s: int, e: int, key: str) -> bool:
        """An Arabic name that is also a word (حماس "enthusiasm", القاعدة "the rule, the base") used as the word.

        After "all" (بكل حماس "with all enthusiasm"); or opening a phrase (nothing or a particle
        before it: في، من، إن …) and followed by a definite word, a noun it governs or an adjective
        (حماس الجماهير "the crowd's enthusiasm", القاعدة الذهبية "the golden rule"). After another
        noun the definite word may belong to that noun (هجوم حماس المفاجئ "Hamas's surprise attack"),
        so the name stays. A definite word that is a context word (الإرهابية, المجاهدين) keeps the
        name; so does a feminine adjective after a name without the article (حماس الفلسطينية:
        the movement is feminine in Arabic, enthusiasm is not).
        """
        before = t[max(0, s - 12) : s]
        previous = before.split()[-1] if before.strip() and before.endswith(" ") and not before.endswith("  ") else ""
        if previous in lexicon.ARABIC_QUANTIFIERS:
            return True
        if previous and previous.isalpha() and previous not in lexicon.ARABIC_PARTICLES:
            return False  # after a noun or a verb: a construct, "X of Hamas"
        if not (e < len(t) - 3 and t[e] == " " and t.startswith("ال", e + 1)):
            return False
        word = t[e + 1 :].split(maxsplit=1)[0]
        if len(word) <= 3 or not word.isalpha() or self._context_re.match(word):
            return False
        return key.startswith("ال") or not word.endswith("يه")

    def _mentions(self, nt: NormalizedText, hits: list[_Hit], field: str, include_weak: bool) -> list[Mention]:
        orig = nt.original
        spans: list[tuple[int, int, _Hit]] = []
        for h in hits:
            if h.orig_span is not None:
                a, b = h.orig_span
                spans.append((a, b, h))
            else:
                a, b = nt.span(h.start, h.end)
                spans.append((a, b, h))
        urls = url_spans(orig)
        handles = mention_spans(orig) if field == "text" else []
        # Longest first; a hit inside a longer one is part of that name ("al-Qassam" in "Izz al-Din al-Qassam Brigades").
        spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        kept: list[tuple[int, int, _Hit]] = []
        max_end = -1
        for a, b, h in spans:
            if urls and any(u0 <= a and b <= u1 for u0, u1 in urls):
                continue
            if b <= max_end and kept and any(k0 <= a and b <= k1 and (k1 - k0) > (b - a) for k0, k1, _ in kept):
                continue
            if handles and any(h0 <= a and b <= h1 for h0, h1 in handles):
                h.handle = True
            kept.append((a, b, h))
            max_end = max(max_end, b)

        strong_entities: dict[int, str] = {}
        pending: list[tuple[int, int, _Hit, _Alias, bool]] = []
        out: list[tuple[int, int, _Hit, _Alias, bool, str | None]] = []
        slogans: list[str] = []
        for a, b, h in kept:
            written = orig[a:b]
            best: dict[int, _Alias] = {}
            for raw in h.aliases:
                al = _Alias(*raw)
                old = best.get(al.entity)
                if old is None or (old.weak, _VIA_PRIORITY.get(old.via, 5)) > (al.weak, _VIA_PRIORITY.get(al.via, 5)):
                    best[al.entity] = al
            for al in best.values():
                weak = al.weak
                if al.case_exact and not al.short and not written.isupper():
                    weak = True
                if al.via == "date":
                    pending.append((a, b, h, al, True))
                elif weak:
                    pending.append((a, b, h, al, True))
                else:
                    strong_entities.setdefault(al.entity, written)
                    if al.via in ("slogan", "hashtag"):
                        slogans.append(written)
                    out.append((a, b, h, al, False, None))
        memo: dict[str, Any] = {}  # what the post says once, for every weak name in it
        for a, b, h, al, weak in pending:
            why = self._corroborate(nt, a, b, h, al, strong_entities, slogans, memo)
            if why is not None or include_weak:
                if al.via == "date" and why is not None:
                    out.append((a, b, h, al, False, why))
                else:
                    out.append((a, b, h, al, True, why))
                if why is not None and al.via != "date":
                    strong_entities.setdefault(al.entity, orig[a:b])

        mentions: list[Mention] = []
        for a, b, h, al, weak, why in sorted(out, key=lambda x: (x[0], x[1])):
            info = self._entities[al.entity]
            via = al.via
            if h.handle and via == "name":
                via = "handle"
            elif via in ("name", "hashtag"):
                via = "hashtag" if (a > 0 and orig[a - 1] == "#") or h.how == "inside hashtag" else "name"
            mentions.append(
                Mention(
                    entity_id=info.id,
                    entity_name=info.name,
                    entity_kind=info.kind,
                    alias=al.alias,
                    matched=orig[a:b],
                    start=a,
                    end=b,
                    field=field,
                    weak=weak,
                    corroboration=why,
                    via=via,
                    in_scope=info.in_scope,
                    lists=info.lists,
                )
            )
            if al.via == "epithet" and info.kind is EntityKind.EVENT:
                # "the heroes of the Flood" names the event's perpetrators without naming them.
                for j in info.perpetrators:
                    p = self._entities[j]
                    mentions.append(
                        Mention(p.id, p.name, p.kind, al.alias, orig[a:b], a, b, field, weak, f"epithet of {info.name}", "perpetrator", p.in_scope, p.lists)
                    )
        return mentions

    def _corroborate(
        self,
        nt: NormalizedText,
        a: int,
        b: int,
        h: _Hit,
        al: _Alias,
        strong: dict[int, str],
        slogans: list[str],
        memo: dict[str, Any] | None = None,
    ) -> str | None:
        """The context that lets a weak name or a bare date count, or None.

        Homonyms: only the same (or a related) entity named strongly. Short acronyms:
        a group word within two words, or the entity named. Other weak names and dates:
        the entity or a related one named, a context keyword (attack, terror, …), a signal
        emoji, a slogan or hashtag of a designated entity; dates also by the event's year beside them.
        """
        info = self._entities[al.entity]
        if al.entity in strong:
            return f"also named: {strong[al.entity]}"
        for j in info.related:
            if j in strong:
                return f"related entity named: {strong[j]}"
        if al.homonym:
            return None
        orig = nt.original
        if memo is None:
            memo = {}
        if al.short:
            if "shouting" not in memo:
                memo["shouting"] = len(_ASCII_UPPER.findall(orig)) > len(_ASCII_LOWER.findall(orig))
            if memo["shouting"]:
                return None  # shouting: upper case says nothing about an acronym
            after = _WORD_RE.findall(orig[b : b + 40].lower())[:1]
            before = _WORD_RE.findall(orig[max(0, a - 40) : a].lower())[-1:]
            for word in after:
                if _NEIGHBOUR_RE.match(word):
                    return f"followed by {word!r}"
                if len(h.key) >= 3 and h.key.isupper() and _REPORTING_RE.match(word):
                    return f"followed by {word!r}"
            for word in before:
                if word in lexicon.ACRONYM_BEFORE:
                    return f"after {word!r}"
            if sum(ch.isalpha() for ch in h.key) <= 2:
                return None  # two letters ("IS", "AQ"): only a group word right beside them
            # three letters ("PKK", "HTS"): also the post's context, below
        if al.via == "date" and (h.how == "inside hashtag" or (a > 0 and orig[a - 1] == "#")):
            return "written as a hashtag"
        if al.via == "date" and al.event_year is not None:
            tail = orig[b : b + 12]
            if str(al.event_year) in tail or (al.event_year % 100 and f"'{al.event_year % 100:02d}" in tail):
                return f"year {al.event_year}"
        if "context" not in memo:
            memo["context"] = self._context_matches(nt.text)
        for m0, m1, word in memo["context"]:
            if h.start >= 0 and m0 < h.end and h.start < m1:
                continue  # the name itself is no context for itself
            return f"context word {word!r}"
        if "emoji" not in memo:
            found = _SIGNAL_EMOJI_RE.search(orig)
            memo["emoji"] = found.group() if found else None
        if memo["emoji"] is not None:
            ch = memo["emoji"]
            return f"emoji {ch} ({EMOJI_SIGNALS[ch]})"
        if slogans:
            return f"slogan or hashtag: {slogans[0]}"
        if al.via == "date" and h.start >= 0:
            w = lexicon.DATE_PRAISE_WINDOW
            near = _DATE_PRAISE_RE.search(nt.text, max(0, h.start - w), min(len(nt.text), h.end + w))
            if near:
                return f"praise beside it: {near.group(1)!r}"
        return None

    def find_handle(self, handle: str) -> list[Mention]:
        """A handle that spells a designated name its own way (`izzedine_alqassam`): consonant skeletons compared.

        The handle's words are reduced to their consonant skeleton (registry.names.skeleton) and
        compared with the skeletons of the Latin names of in-scope entities: a prefix of >= 6
        consonants either way counts. Only handles: in running text this would be far too loose.
        """
        from bisect import bisect_left

        from proscribe.registry.names import skeleton

        if self._skeletons is None:
            pairs = sorted({(skeleton(n), i) for n, i in self._latin_names if len(skeleton(n)) >= 4})
            self._skeletons = pairs
        kept = []
        for w in split_words(handle):
            w = w.lower()
            if w.isdigit() or w in _HANDLE_NOISE or len(w) <= 2:
                continue
            kept.append(w[2:] if w[:2] in ("al", "el") and len(w) > 5 else w)  # alqassam -> qassam
        if not kept:
            return []
        key = skeleton(" ".join(kept))
        if len(key) < 4:
            return []
        seen: set[int] = set()
        pairs = self._skeletons
        j = bisect_left(pairs, (key, -1))
        # Equal skeletons (>= 4 consonants), or one a prefix of the other (>= 6 consonants).
        while j < len(pairs) and pairs[j][0].startswith(key):
            if pairs[j][0] == key or len(key) >= 6:
                seen.add(pairs[j][1])
            j += 1
        if len(key) >= 6:
            for sk, i in pairs:
                if len(sk) >= 6 and key.startswith(sk):
                    seen.add(i)
        out: list[Mention] = []
        for i in sorted(seen):
            info = self._entities[i]
            out.append(
                Mention(info.id, info.name, info.kind, info.name, handle, 0, len(handle), "handle", False, f"handle spells {info.name!r} (consonants {key})", "handle", info.in_scope, info.lists)
            )
        return out

    @property
    def entity_count(self) -> int:
        return len(self._entities)


def _split(matches: list[tuple[int, int, int]], parts: list[str]) -> dict[int, list[tuple[int, int, int]]]:
    """Matches over the NUL-joined `parts` -> {part index: matches with offsets into that part}."""
    out: dict[int, list[tuple[int, int, int]]] = {}
    if not matches:
        return out
    starts = [0, *accumulate(map((1).__add__, map(len, parts)))]
    for i, s, e in matches:  # never across a NUL
        k = bisect_right(starts, s) - 1
        o = starts[k]
        out.setdefault(k, []).append((i, s - o, e - o))
    return out


def _fold_all(texts: list[str]) -> list[str]:
    """`fold` of each text; the ASCII ones (most) in one call over them joined."""
    ascii_at = [k for k, t in enumerate(texts) if t.isascii()]
    out = [t if t.isascii() else fold(t) for t in texts]
    if ascii_at:
        for k, f in zip(ascii_at, fold("\0".join([texts[k] for k in ascii_at])).split("\0")):
            out[k] = f
    return out


def _automaton(keys: list[str]) -> ahocorasick_rs.AhoCorasick:
    """Every occurrence of every key (overlapping: a name inside a longer one is kept for the boundary rules)."""
    return ahocorasick_rs.AhoCorasick(
        keys, matchkind=ahocorasick_rs.MatchKind.Standard, implementation=ahocorasick_rs.Implementation.ContiguousNFA
    )


def _tag_spans(orig: str, field: str) -> list[tuple[int, int]]:
    if field == "handle":
        return [(-1, len(orig))]
    return hashtag_spans(orig) + mention_spans(orig)


def _at_tag_edge(nt: NormalizedText, s: int, e: int, tags: list[tuple[int, int]], left: bool) -> bool:
    """A hit inside a hashtag or handle touching the tag's start or end (#standwithhamas)."""
    if not tags:
        return False
    a, b = nt.span(s, e)
    for t0, t1 in tags:
        if t0 <= a - 1 and b <= t1:
            return a == t0 + 1 or b == t1
    return False
