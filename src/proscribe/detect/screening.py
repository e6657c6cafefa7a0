"""Account screening: does an account name or claim a designated entity, and is it a public official's?

`screen(account, matcher, officials)` reads the handle (split on `_`, `.`,
digits and camel case), the display name and the bio. Designated entities come
from the mention matcher (a name in the handle or display name weighs more than
one in the bio, which may just as well say "anti-Hamas"). Officials come from an
`OfficialIndex` — heads of state and government and ministers by name, in any
script (built from the world-leaders CSV format, FollowTheMoney PEP entities,
or the small seed shipped in the package) — and from role phrases ("Office of
the Supreme Leader", "دفتر حفظ و نشر آثار", "Ministry of Foreign Affairs",
"وزارة الخارجية", "President of", "رئیس‌جمهور") with the country named beside
them. A role the platform gives (`account.role`) is taken as is and not inferred.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import ahocorasick
import yaml

from proscribe.detect.matcher import Matcher
from proscribe.model import Account, AccountScreening, Entity, KNOWN_ROLES, Mention
from proscribe.text.normalize import normalize, normalize_name
from proscribe.text.tokens import split_words

OFFICIAL_ROLES = frozenset(
    {"head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry", "government_official", "legislator", "candidate", "political_party"}
)
SEED = Path(__file__).with_name("officials_seed.yaml")

# Role phrases (any script) -> role. Matched on normalised text; the longest phrase wins.
ROLE_PHRASES: dict[str, str] = {
    "office of the supreme leader": "head_of_state_office",
    "office of the president": "head_of_state_office",
    "office of the prime minister": "head_of_state_office",
    "presidential office": "head_of_state_office",
    "press office of": "head_of_state_office",
    "royal court": "head_of_state_office",
    "دفتر حفظ و نشر آثار": "head_of_state_office",
    "دفتر مقام معظم رهبری": "head_of_state_office",
    "دفتر رهبری": "head_of_state_office",
    "دفتر رئیس جمهور": "head_of_state_office",
    "نهاد ریاست جمهوری": "head_of_state_office",
    "مكتب الرئيس": "head_of_state_office",
    "مكتب المرشد": "head_of_state_office",
    "الديوان الملكي": "head_of_state_office",
    "ministry of": "ministry",
    "foreign ministry": "ministry",
    "ministère": "ministry",
    "وزارة": "ministry",
    "وزارت": "ministry",
    "supreme leader": "head_of_state",
    "president of": "head_of_state",
    "رئیس جمهور": "head_of_state",
    "رئيس الجمهوريه": "head_of_state",
    "رهبر انقلاب": "head_of_state",
    "رهبر معظم": "head_of_state",
    "king of": "head_of_state",
    "emir of": "head_of_state",
    "prime minister": "head_of_government",
    "نخست وزیر": "head_of_government",
    "رئيس الوزراء": "head_of_government",
    "rais wa": "head_of_government",
    "foreign minister": "minister",
    "minister of": "minister",
    "minister for": "minister",
    "وزیر": "minister",
    "وزير": "minister",
    "member of parliament": "legislator",
    "نماینده مجلس": "legislator",
    "عضو مجلس": "legislator",
    "senator": "legislator",
    "ambassador": "government_official",
    "embassy of": "government_official",
    "سفیر": "government_official",
    "سفير": "government_official",
    "سفارت": "government_official",
    "سفارة": "government_official",
    "government spokesperson": "government_official",
    "official account of the government": "government_official",
}

# Country names in the scripts rigour's English table does not cover (plus demonyms).
COUNTRY_WORDS: dict[str, str] = {
    "ایران": "IR", "ايران": "IR", "إيران": "IR", "iranian": "IR", "иран": "IR", "jomhouri eslami": "IR", "جمهوری اسلامی": "IR",
    "عربستان": "SA", "السعوديه": "SA", "saudi": "SA", "لبنان": "LB", "lebanese": "LB", "سوریه": "SY", "سوريا": "SY", "syrian": "SY",
    "عراق": "IQ", "العراق": "IQ", "iraqi": "IQ", "یمن": "YE", "اليمن": "YE", "yemeni": "YE", "افغانستان": "AF", "افغانستان": "AF",
    "afghan": "AF", "فلسطین": "PS", "فلسطين": "PS", "palestinian": "PS", "اسرائیل": "IL", "اسرائيل": "IL", "israeli": "IL",
    "ישראל": "IL", "ترکیه": "TR", "تركيا": "TR", "turkish": "TR", "türkiye": "TR", "قطر": "QA", "qatari": "QA", "روسیه": "RU",
    "روسيا": "RU", "russian": "RU", "россии": "RU", "آمریکا": "US", "امريكا": "US", "الولايات المتحده": "US", "american": "US",
    "مصر": "EG", "egyptian": "EG", "پاکستان": "PK", "باكستان": "PK", "pakistani": "PK", "الامارات": "AE", "emirati": "AE",
}


@dataclass(frozen=True)
class Official:
    """A public official known by name."""

    name: str
    position: str
    country: str | None  # ISO 3166-1 alpha-2
    role: str  # one of OFFICIAL_ROLES
    names: tuple[str, ...] = ()
    source: str = ""


def role_of_position(position: str) -> str:
    """The proscribe role of a position title ("Prime Minister" -> head_of_government)."""
    p = position.lower()
    if "prime minister" in p or "premier" in p or "chancellor" in p or "head of government" in p:
        return "head_of_government"
    if any(w in p for w in ("president", "supreme leader", "king", "queen", "emir", "sultan", "head of state", "monarch", "governor-general")):
        return "head_of_state"
    if "minister" in p:
        return "minister"
    if any(w in p for w in ("member of", "senator", "deputy", "parliament")):
        return "legislator"
    return "government_official"


def _country(text: str | None) -> str | None:
    if not text:
        return None
    from proscribe.registry.importers.base import country_code

    if len(text) == 2 and text.isalpha():
        return text.upper()
    return country_code(text)


class OfficialIndex:
    """Officials by every name they go by, searched in one automaton pass (names of >= 2 words only)."""

    def __init__(self, officials: Iterable[Official]) -> None:
        self.officials = list(officials)
        self._automaton = ahocorasick.Automaton()
        keys = 0
        for i, o in enumerate(self.officials):
            for n in {o.name, *o.names}:
                key = normalize_name(n)
                # One word ("Netanyahu") is enough in a display name only when it is long and was listed as such.
                if len(key.split()) >= 2 or (n in o.names and len(key) >= 7):
                    self._automaton.add_word(key, (len(key), i))
                    keys += 1
        if keys:
            self._automaton.make_automaton()
        self._keys = keys

    def __len__(self) -> int:
        return len(self.officials)

    def find(self, text: str) -> list[tuple[Official, str]]:
        """Officials named in `text`, with the words as written."""
        if not self._keys or not text:
            return []
        nt = normalize(text)
        t = nt.text
        out: list[tuple[Official, str]] = []
        for end, (klen, i) in self._automaton.iter(t):
            s, e = end - klen + 1, end + 1
            if (s == 0 or not t[s - 1].isalnum()) and (e == len(t) or not t[e].isalnum()):
                a, b = nt.span(s, e)
                out.append((self.officials[i], text[a:b]))
        return out

    # -- loading ---------------------------------------------------------------------

    @classmethod
    def seed(cls) -> "OfficialIndex":
        """The small hand-written seed shipped in the package."""
        return cls(_seed())

    @classmethod
    def from_world_leaders_csv(cls, path: Path) -> "OfficialIndex":
        """A CSV with columns person, position, country (e.g. world_leaders_2026-02.csv)."""
        officials: list[Official] = []
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"person", "position", "country"} - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path}: line 1: missing column(s) {', '.join(sorted(missing))} (expected person, position, country)")
            for row in reader:
                person = (row.get("person") or "").strip()
                if not person:
                    continue
                position = (row.get("position") or "").strip()
                officials.append(Official(person, position, _country(row.get("country")), role_of_position(position), (), str(path)))
        return cls(officials)

    @classmethod
    def from_ftm(cls, path: Path) -> "OfficialIndex":
        """FollowTheMoney JSON lines: Person entities (PEPs) with their names; positions where given."""
        officials: list[Official] = []
        with path.open(encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {lineno}: not JSON ({exc.msg})") from exc
                if obj.get("schema") != "Person":
                    continue
                props = obj.get("properties") or {}
                if not isinstance(props, dict):
                    raise ValueError(f"{path}: line {lineno}: `properties` is not an object")

                def values(key: str) -> list[str]:
                    v = props.get(key) or []
                    return [x for x in ([v] if isinstance(v, str) else v) if isinstance(x, str)]

                names = values("name") + values("alias")
                if not names:
                    continue
                position = next(iter(values("position")), "") or "politically exposed person"
                country = next(iter(values("country") + values("nationality") + values("citizenship")), None)
                officials.append(Official(names[0], position, _country(country), role_of_position(position), tuple(names[1:]), str(path)))
        return cls(officials)

    @classmethod
    def from_entities(cls, entities: Iterable[Entity]) -> "OfficialIndex":
        """Registry persons that are PEPs (topic role.pep, or positions held), e.g. from the FtM importer."""
        officials = []
        for e in entities:
            if e.kind.value != "person" or not ("role.pep" in e.topics or e.positions):
                continue
            position = e.positions[0] if e.positions else "politically exposed person"
            officials.append(Official(e.name, position, e.countries[0] if e.countries else None, role_of_position(position), tuple(n.text for n in e.names), e.id))
        return cls(officials)


@lru_cache(maxsize=1)
def _seed() -> tuple[Official, ...]:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return tuple(
        Official(o["name"], o["position"], o.get("country"), o["role"], tuple(o.get("names", ())), "officials seed")
        for o in data["officials"]
    )


@lru_cache(maxsize=1)
def _role_automaton() -> ahocorasick.Automaton:
    a = ahocorasick.Automaton()
    for phrase, role in ROLE_PHRASES.items():
        key = normalize_name(phrase)
        a.add_word(key, (len(key), role, phrase))
    a.make_automaton()
    return a


@lru_cache(maxsize=1)
def _country_automaton() -> ahocorasick.Automaton:
    from rigour.territories import get_territories

    a = ahocorasick.Automaton()
    for t in get_territories():
        code = t.code.upper()
        if len(code) != 2 or not t.is_country:
            continue
        for value in {t.name, t.full_name}:
            if value and len(value) >= 4:
                key = normalize_name(value)
                a.add_word(key, (len(key), code))
    for word, code in COUNTRY_WORDS.items():
        key = normalize_name(word)
        a.add_word(key, (len(key), code))
    a.make_automaton()
    return a


def _whole_words(automaton: ahocorasick.Automaton, text: str) -> list[tuple[int, int, tuple]]:  # type: ignore[type-arg]
    t = normalize(text).text
    out = []
    for end, value in automaton.iter(t):
        s, e = end - value[0] + 1, end + 1
        if (s == 0 or not t[s - 1].isalnum()) and (e == len(t) or not t[e].isalnum()):
            out.append((s, e, value))
    return out


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries named in `text`, in order (any script the table covers)."""
    hits = sorted(_whole_words(_country_automaton(), text), key=lambda h: (h[0], -(h[1] - h[0])))
    return list(dict.fromkeys(h[2][1] for h in hits))


# Words by which an account says it is not the office it names: parody, fan and unofficial accounts, and people who
# write about officials (a journalist "covering the Ministry of Defence"). Where one appears no role is inferred.
NOT_OFFICIAL = (
    "parody", "satire", "satirical", "spoof", "fan account", "fan page", "fanpage", "fake", "unofficial", "not official",
    "not affiliated", "not the official", "journalist", "reporter", "correspondent", "covering", "analyst",
    "commentator", "critic of", "news about", "impersonat",
    "parodie", "satirique", "compte fan", "journaliste", "parodia", "sátira", "periodista", "parodi", "hiciv", "gazeteci",
    "satiriker", "ساخر", "ساخره", "حساب ساخر", "غير رسمي", "صحفي", "صحفيه", "مراسل", "معجبين", "طنز", "هجو", "غیررسمی",
    "غیر رسمی", "خبرنگار", "روزنامه نگار", "هوادار", "پارودی",
)


@lru_cache(maxsize=1)
def _not_official_automaton() -> ahocorasick.Automaton:
    a = ahocorasick.Automaton()
    for word in NOT_OFFICIAL:
        key = normalize_name(word)
        a.add_word(key, (len(key), word))
    a.make_automaton()
    return a


def disclaimer_in(text: str) -> str | None:
    """The first word in `text` by which an account says it is not an office's own (see NOT_OFFICIAL), or None."""
    hits = _whole_words(_not_official_automaton(), text)
    return min(hits)[2][1] if hits else None


def roles_in(text: str) -> list[tuple[str, str]]:
    """(role, phrase) of the role phrases in `text`, longest first."""
    hits = _whole_words(_role_automaton(), text)
    hits.sort(key=lambda h: -(h[1] - h[0]))
    return [(h[2][1], h[2][2]) for h in hits]


_FIELD_WEIGHT = {"handle": 0.9, "display_name": 0.9, "bio": 0.5}
_ROLE_RANK = ["head_of_state", "head_of_government", "head_of_state_office", "minister", "ministry", "legislator", "government_official"]


def screen(account: Account, matcher: Matcher, officials: OfficialIndex | None = None) -> AccountScreening:
    """What the account's handle, display name and bio say about it (see the module docstring)."""
    handle_words = " ".join(split_words(account.handle)) if account.handle else ""
    fields = [("handle", account.handle or ""), ("display_name", account.display_name or ""), ("bio", account.bio or "")]
    mentions: list[Mention] = []
    score = 0.0
    for field, text in fields:
        if not text:
            continue
        found = matcher.find(text, field=field)
        if field == "handle" and handle_words and not found:
            # izzedine_alqassam -> "izzedine alqassam": the words of the handle, offsets kept on the handle itself.
            found = [
                dataclasses.replace(m, field="handle", start=0, end=len(text), matched=text)
                for m in matcher.find(handle_words, field="handle")
            ] or matcher.find_handle(text)
        mentions.extend(found)
        if found:
            score = max(score, _FIELD_WEIGHT[field])

    official = False
    role: str | None = None
    country = account.country
    inferred = False
    evidence: str | None = None
    about = f"{account.display_name or ''} \n {account.bio or ''} \n {handle_words}"  # what the account says of itself
    if account.role in OFFICIAL_ROLES:
        official, role, evidence = True, account.role, f"role given by the platform: {account.role}"
    elif (account.role is None or account.role not in KNOWN_ROLES) and (disclaimer := disclaimer_in(about)):
        evidence = f"no official role inferred: the account calls itself {disclaimer!r}"
    elif account.role is None or account.role not in KNOWN_ROLES:
        named = (officials.find(f"{account.display_name or ''} \n {handle_words}") if officials is not None else [])
        phrases = roles_in(f"{account.display_name or ''} \n {account.bio or ''}")
        if phrases and not named and officials is not None:
            # An office names its principal in the bio ("… of Ayatollah Khamenei"): that gives the country.
            named = officials.find(account.bio or "")
        found = countries_in(about) if phrases or named else []
        # A role phrase counts only with the country it serves named beside it, in the text or through the
        # official it names: "Minister of Foreign Affairs of Iran" is an office, "Minister of Memes" is not.
        if phrases and not named and not found:
            evidence = f"no official role inferred: the role phrase {phrases[0][1]!r} names no country"
        elif phrases:
            role, phrase = phrases[0]
            # An office or ministry outranks a person title found in the same text ("Office of the Supreme Leader").
            official, inferred = True, True
            evidence = f"role phrase {phrase!r}"
            if named:
                evidence += f"; names {named[0][1]!r} ({named[0][0].position}, {named[0][0].country})"
                country = country or named[0][0].country
        elif named:
            person, written = named[0]
            official, inferred = True, True
            role = person.role
            country = country or person.country
            evidence = f"display name or handle names {written!r}: {person.position}, {person.country or 'unknown country'}"
        if official and country is None and found:
            country = found[0]
            evidence = f"{evidence}; country {found[0]}"
    return AccountScreening(
        account_id=account.id,
        entity_mentions=tuple(mentions),
        official=official,
        official_role=role,
        official_country=country,
        official_inferred=inferred,
        official_evidence=evidence,
        score=score,
    )
