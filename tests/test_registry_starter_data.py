"""The shipped data files (starter registry, UN member states), checked with plain YAML parsing.

These tests read the files as data, independently of the registry loader, so a broken
fact or a dangling reference is caught even if the loader changes. The real-data tests
cross-check OFAC ent_nums against the SDN list and the UN membership against a public
membership history.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "src" / "proscribe" / "registry" / "starter"
UN_FILE = ROOT / "src" / "proscribe" / "policy" / "data" / "un_members.yaml"
FILES = ("organizations.yaml", "persons.yaml", "events.yaml")

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
EVENT_ID = re.compile(r"^event-\d{4}-\d{2}-\d{2}(?:-[a-z0-9-]+)?$")
KINDS = {"organization", "person", "event"}
NAME_KINDS = {"primary", "alias", "slogan", "hashtag", "epithet"}
RELATION_KINDS = {"military_wing_of", "alias_of", "perpetrator_of", "perpetrated_by", "member_of", "part_of", "leader_of"}
LIST_IDS = {"us-ofac-sdgt", "us-ofac-fto", "un-isil-aq", "un-taliban", "eu-terr", "uk-proscribed", "platform"}
OTHER_LIST = re.compile(r"^(us-ofac|un)-[a-z0-9-]+$")
PROFILES = {"meta", "x", "twitter-2021"}
ARABIC = re.compile(r"[\u0600-\u06FF]")

# Groups and people of the Middle East and South Asia: each must carry a name in Arabic script.
ARABIC_SCRIPT_REQUIRED = {
    "hamas", "qassam-brigades", "pij", "al-quds-brigades", "al-aqsa-martyrs-brigades", "pflp",
    "hizballah", "hizballah-military-wing", "irgc", "irgc-qods-force", "ansarallah",
    "kataib-hizballah", "asaib-ahl-al-haq", "harakat-al-nujaba", "kataib-sayyid-al-shuhada",
    "isis", "isis-k", "isis-sinai", "al-qaida", "aqap", "aqis", "hurras-al-din", "hts",
    "haqqani-network", "ttp", "lashkar-e-tayyiba", "jaish-e-mohammed", "hizbul-mujahideen",
    "lashkar-e-jhangvi", "balochistan-liberation-army", "pkk",
    "osama-bin-laden", "ayman-al-zawahiri", "abu-bakr-al-baghdadi", "hassan-nasrallah",
    "yahya-sinwar", "mohammed-deif", "ismail-haniyeh", "abu-mohammed-al-julani",
    "qasem-soleimani", "hafiz-saeed", "masood-azhar", "sirajuddin-haqqani",
    "event-2023-10-07", "event-2001-09-11",
}


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((STARTER / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entities() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in FILES:
        data = _load(name)
        assert data["format"] == "proscribe-registry/1", name
        for e in data["entities"]:
            out.append({**e, "_file": name})
    return out


@pytest.fixture(scope="module")
def by_id(entities: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entities}


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _norm(text: str) -> str:
    """Case-, accent- and punctuation-blind form of a Latin name, for comparing with list spellings."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


def _texts(e: dict[str, Any]) -> set[str]:
    return {n["text"] for n in e["names"]} | {e["name"]}


# --- structure --------------------------------------------------------------------


def test_each_file_holds_only_its_kind(entities: list[dict[str, Any]]) -> None:
    expected = {"organizations.yaml": "organization", "persons.yaml": "person", "events.yaml": "event"}
    wrong = [(e["_file"], e["id"], e["kind"]) for e in entities if e["kind"] != expected[e["_file"]]]
    assert wrong == []


def test_ids_are_unique_slugs(entities: list[dict[str, Any]]) -> None:
    counts = Counter(e["id"] for e in entities)
    assert [i for i, n in counts.items() if n > 1] == []
    assert [e["id"] for e in entities if not SLUG.match(e["id"])] == []
    assert [e["id"] for e in entities if e["kind"] == "event" and not EVENT_ID.match(e["id"])] == []
    assert [e["id"] for e in entities if e["kind"] not in KINDS] == []


def test_minimum_coverage(entities: list[dict[str, Any]]) -> None:
    kinds = Counter(e["kind"] for e in entities)
    assert kinds["organization"] >= 45
    assert kinds["person"] >= 15
    assert kinds["event"] >= 14


def test_names_are_well_formed(entities: list[dict[str, Any]]) -> None:
    problems = []
    for e in entities:
        assert isinstance(e["name"], str) and e["name"].strip(), e["id"]
        texts = [n["text"] for n in e["names"]]
        if any(n > 1 for n in Counter(texts).values()):
            problems.append((e["id"], "duplicate name"))
        for n in e["names"]:
            if not isinstance(n["text"], str) or n["text"] != n["text"].strip() or not n["text"]:
                problems.append((e["id"], repr(n["text"])))
            if n.get("kind", "alias") not in NAME_KINDS:
                problems.append((e["id"], n.get("kind")))
            if "lang" in n and not re.fullmatch(r"[a-z]{2,3}", str(n["lang"])):
                problems.append((e["id"], "lang", n["lang"]))
            if "weak" in n and not isinstance(n["weak"], bool):
                problems.append((e["id"], "weak", n["weak"]))
            if n.get("kind") == "hashtag" and not n["text"].startswith("#"):
                problems.append((e["id"], "hashtag without #", n["text"]))
        if sum(1 for n in e["names"] if n.get("kind") == "primary") != 1:
            problems.append((e["id"], "needs exactly one primary name"))
    assert problems == []


def test_case_variants_differ_only_in_weakness(entities: list[dict[str, Any]]) -> None:
    """'ISIS' (strong) next to 'Isis' (weak) is deliberate; any other case duplicate is a mistake."""
    problems = []
    for e in entities:
        groups: dict[str, list[dict[str, Any]]] = {}
        for n in e["names"]:
            groups.setdefault(n["text"].casefold(), []).append(n)
        for group in groups.values():
            if len(group) > 1 and len({bool(n.get("weak")) for n in group}) != len(group):
                problems.append((e["id"], [n["text"] for n in group]))
    assert problems == []


def test_short_latin_acronyms_are_weak(entities: list[dict[str, Any]]) -> None:
    """Two- and three-letter Latin names ("IS", "HM", "ETA") cannot count alone, except famous acronyms."""
    strong_ok = {"PIJ", "AQI", "TTP", "HQN", "PKK", "IJU", "AQY", "KSS", "NRM", "ISIL", "ISIS", "LTTE"}
    loose = [
        (e["id"], n["text"])
        for e in entities
        for n in e["names"]
        if re.fullmatch(r"[A-Za-z]{1,3}", n["text"]) and not n.get("weak") and n["text"] not in strong_ok
    ]
    assert loose == []


def test_known_homonyms_are_weak_or_absent(by_id: dict[str, dict[str, Any]]) -> None:
    def weak(eid: str, text: str) -> bool:
        return any(n["text"] == text and n.get("weak") for n in by_id[eid]["names"])

    assert "חמס" not in _texts(by_id["hamas"])  # Hebrew 'violence', not a name of Hamas
    assert weak("isis", "IS") and weak("isis", "Isis")
    assert any(n["text"] == "ISIS" and not n.get("weak") for n in by_id["isis"]["names"])
    assert weak("hizballah", "Hezb")
    assert weak("irgc", "Sepah") and weak("irgc", "سپاه")
    assert weak("the-base", "The Base") and weak("the-base", "Base")
    assert "The Base" not in _texts(by_id["al-qaida"])
    assert weak("al-shabaab", "الشباب")
    assert weak("eta", "ETA")
    humanitarian = {"#AllEyesOnRafah", "All Eyes on Rafah"}
    assert all(not (_texts(e) & humanitarian) for e in by_id.values())


def test_countries_are_alpha2_strings(entities: list[dict[str, Any]]) -> None:
    # YAML 1.1 reads an unquoted NO (Norway) as False: every code must come back as a string.
    bad = [(e["id"], c) for e in entities for c in e.get("countries", []) if not (isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c))]
    assert bad == []


# --- designations, tiers, sources ---------------------------------------------------


def test_every_entry_is_designated_and_sourced(entities: list[dict[str, Any]]) -> None:
    problems = []
    for e in entities:
        if not e.get("designations"):
            problems.append((e["id"], "no designation"))
        if not e.get("sources") or not all(isinstance(s, str) and s.strip() for s in e["sources"]):
            problems.append((e["id"], "no source"))
        for d in e.get("designations", []):
            if d["list"] not in LIST_IDS and not OTHER_LIST.match(d["list"]):
                problems.append((e["id"], "unknown list", d["list"]))
            if "source_id" in d and not isinstance(d["source_id"], str):
                problems.append((e["id"], "source_id must be a string", d["source_id"]))
        tiers = e.get("tiers", {})
        if set(tiers) != PROFILES or not all(t in (1, 2, 3) for t in tiers.values()):
            problems.append((e["id"], "tiers", tiers))
    assert problems == []


def test_dates_parse_and_are_ordered(entities: list[dict[str, Any]]) -> None:
    today = date(2026, 12, 31)
    for e in entities:
        for d in e["designations"]:
            listed = _as_date(d["listed"]) if d.get("listed") is not None else None
            delisted = _as_date(d["delisted"]) if d.get("delisted") is not None else None
            for value in (listed, delisted):
                assert value is None or date(1990, 1, 1) <= value <= today, (e["id"], d)
            if listed and delisted:
                assert listed < delisted, (e["id"], d)
        if e["kind"] == "event":
            day = _as_date(e["date"])
            assert e["id"].startswith(f"event-{day.isoformat()}"), e["id"]
            assert any(d["list"] == "platform" and d.get("program") == "violating-violent-event" and _as_date(d["listed"]) == day for d in e["designations"]), e["id"]


def test_xrefs_match_designation_ids(entities: list[dict[str, Any]]) -> None:
    problems = []
    for e in entities:
        xrefs = set(e.get("xrefs", []))
        for d in e["designations"]:
            sid = d.get("source_id")
            if sid and d["list"].startswith("us-ofac") and f"ofac:{sid}" not in xrefs:
                problems.append((e["id"], f"ofac:{sid}"))
            if sid and d["list"].startswith("un-") and f"un:{sid}" not in xrefs:
                problems.append((e["id"], f"un:{sid}"))
            if sid and d["list"].startswith("un-") and not re.fullmatch(r"[A-Z]{2}[ei]\.\d{3}", sid):
                problems.append((e["id"], "UN reference format", sid))
            if sid and d["list"].startswith("us-ofac") and not sid.isdigit():
                problems.append((e["id"], "OFAC ent_num format", sid))
    assert problems == []


# --- relations ---------------------------------------------------------------------------


def test_relation_targets_exist_and_fit(by_id: dict[str, dict[str, Any]]) -> None:
    problems = []
    for e in by_id.values():
        for r in e.get("relations", []):
            target = by_id.get(r["target"])
            if r["kind"] not in RELATION_KINDS:
                problems.append((e["id"], r["kind"]))
            elif target is None:
                problems.append((e["id"], "missing target", r["target"]))
            elif r["target"] == e["id"]:
                problems.append((e["id"], "relation to itself"))
            elif r["kind"] == "perpetrated_by" and (e["kind"] != "event" or target["kind"] == "event"):
                problems.append((e["id"], r))
            elif r["kind"] == "perpetrator_of" and target["kind"] != "event":
                problems.append((e["id"], r))
            elif r["kind"] in ("military_wing_of", "part_of", "leader_of", "member_of", "alias_of") and target["kind"] != "organization":
                problems.append((e["id"], r))
    assert problems == []


def test_perpetrator_relations_go_both_ways(by_id: dict[str, dict[str, Any]]) -> None:
    def has(eid: str, kind: str, target: str) -> bool:
        return any(r["kind"] == kind and r["target"] == target for r in by_id[eid].get("relations", []))

    missing = []
    for e in by_id.values():
        for r in e.get("relations", []):
            if r["kind"] == "perpetrator_of" and not has(r["target"], "perpetrated_by", e["id"]):
                missing.append((r["target"], "perpetrated_by", e["id"]))
            if r["kind"] == "perpetrated_by" and not has(r["target"], "perpetrator_of", e["id"]):
                missing.append((r["target"], "perpetrator_of", e["id"]))
    assert missing == []
    assert all(any(r["kind"] == "perpetrated_by" for r in e.get("relations", [])) for e in by_id.values() if e["kind"] == "event")


def test_platform_designated_people_perpetrated_an_event(by_id: dict[str, dict[str, Any]]) -> None:
    """Only designated people are listed: a person on no official list must be the perpetrator of a listed event."""
    for e in by_id.values():
        if e["kind"] != "person":
            continue
        lists = {d["list"] for d in e["designations"]}
        if lists == {"platform"}:
            assert {d.get("program") for d in e["designations"]} == {"violating-violent-event-perpetrator"}, e["id"]
            assert any(r["kind"] == "perpetrator_of" for r in e.get("relations", [])), e["id"]


def test_arabic_script_names_for_middle_east_and_south_asia(by_id: dict[str, dict[str, Any]]) -> None:
    assert ARABIC_SCRIPT_REQUIRED <= set(by_id)
    missing = sorted(eid for eid in ARABIC_SCRIPT_REQUIRED if not any(ARABIC.search(n["text"]) for n in by_id[eid]["names"]))
    assert missing == []


# --- specific facts ------------------------------------------------------------------------


def _designations(e: dict[str, Any], lst: str) -> list[dict[str, Any]]:
    return [d for d in e["designations"] if d["list"] == lst]


def test_hamas_hizballah_irgc_ofac_facts(by_id: dict[str, dict[str, Any]]) -> None:
    for eid, ent in (("hamas", "4695"), ("hizballah", "4697"), ("irgc", "10391")):
        e = by_id[eid]
        assert {d.get("source_id") for d in _designations(e, "us-ofac-fto")} == {ent}, eid
        assert {d.get("source_id") for d in _designations(e, "us-ofac-sdgt")} == {ent}, eid
        assert f"ofac:{ent}" in e["xrefs"]
    fto = _designations(by_id["hamas"], "us-ofac-fto")[0]
    assert _as_date(fto["listed"]) == date(1997, 10, 8) and fto.get("delisted") is None
    assert _as_date(_designations(by_id["irgc"], "us-ofac-fto")[0]["listed"]) == date(2019, 4, 15)
    assert ("qassam-brigades", "hamas") in {(e["id"], r["target"]) for e in by_id.values() for r in e.get("relations", []) if r["kind"] == "military_wing_of"}
    assert {"kind": "military_wing_of", "target": "hizballah"} in by_id["hizballah-military-wing"]["relations"]
    assert _designations(by_id["hizballah-military-wing"], "eu-terr")
    assert not _designations(by_id["hizballah"], "eu-terr")  # the EU lists only the military wing


def test_hts_fto_revoked_in_2025(by_id: dict[str, dict[str, Any]]) -> None:
    hts = by_id["hts"]
    fto = _designations(hts, "us-ofac-fto")
    assert len(fto) == 1 and fto[0]["source_id"] == "16937"
    assert _as_date(fto[0]["delisted"]) == date(2025, 7, 8)
    assert {"al-Nusrah Front", "Jabhat al-Nusra", "جبهة النصرة", "هيئة تحرير الشام"} <= _texts(hts)


def test_ansarallah_designation_history(by_id: dict[str, dict[str, Any]]) -> None:
    fto = sorted(_designations(by_id["ansarallah"], "us-ofac-fto"), key=lambda d: _as_date(d["listed"]))
    assert [(_as_date(d["listed"]).year, d.get("delisted") is not None) for d in fto] == [(2021, True), (2025, False)]
    sdgt = [d for d in _designations(by_id["ansarallah"], "us-ofac-sdgt") if d.get("delisted") is None]
    assert [(_as_date(d["listed"]).year, d.get("source_id")) for d in sdgt] == [(2024, "47664")]


def test_delisted_leader_is_out_of_default_scope(by_id: dict[str, dict[str, Any]]) -> None:
    julani = by_id["abu-mohammed-al-julani"]
    assert all(d.get("delisted") is not None for d in julani["designations"])
    assert {"Ahmed al-Sharaa", "Abu Mohammed al-Julani", "أحمد الشرع", "أبو محمد الجولاني"} <= _texts(julani)


def test_october_7_event(by_id: dict[str, dict[str, Any]]) -> None:
    ev = by_id["event-2023-10-07"]
    assert _as_date(ev["date"]) == date(2023, 10, 7)
    assert {"طوفان الأقصى", "طوفان الاقصی", "#AlAqsaFlood"} <= _texts(ev)
    assert {"kind": "perpetrated_by", "target": "hamas"} in ev["relations"]
    epithets = {n["text"] for n in ev["names"] if n.get("kind") == "epithet"}
    assert {"أبطال الطوفان", "قهرمانان طوفان الاقصی"} <= epithets


def test_isis_slogan_and_provinces(by_id: dict[str, dict[str, Any]]) -> None:
    slogans = {n["text"] for n in by_id["isis"]["names"] if n.get("kind") == "slogan"}
    assert "باقية وتتمدد" in slogans
    provinces = {e["id"] for e in by_id.values() if {"kind": "part_of", "target": "isis"} in e.get("relations", [])}
    assert {"isis-k", "iswap", "isis-sinai", "isis-somalia", "isis-sahel", "isis-drc", "isis-mozambique", "isis-philippines"} <= provinces


# --- UN member states -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def un_data() -> dict[str, Any]:
    return yaml.safe_load(UN_FILE.read_text(encoding="utf-8"))


def test_un_members(un_data: dict[str, Any]) -> None:
    members = un_data["members"]
    assert len(members) == 193
    a2 = [m["alpha2"] for m in members]
    a3 = [m["alpha3"] for m in members]
    assert len(set(a2)) == 193 and len(set(a3)) == 193
    assert all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in a2)
    assert all(isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c) for c in a3)
    assert {"IR", "US", "IL", "GB", "NO", "RU", "CN", "SS"} <= set(a2)
    for m in members:
        assert m["name"].strip()
        assert date(1945, 10, 24) <= _as_date(m["admitted"]) <= date(2011, 7, 14), m


def test_un_observers_are_not_members(un_data: dict[str, Any]) -> None:
    members = {m["alpha2"] for m in un_data["members"]}
    observers = {o["alpha2"] for o in un_data["observers"]}
    assert observers == {"VA", "PS"}
    assert not members & observers


# --- real data ---------------------------------------------------------------------------------


def _sdn(shared: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    """ent_num -> all names the SDN list gives (primary, a.k.a. in remarks, alt.csv), and ent_num -> type."""
    names: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    with open(shared / "lists" / "ofac" / "sdn.csv", encoding="latin-1", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 12 or not row[0].strip().isdigit():
                continue
            ent = row[0].strip()
            names[ent] = [row[1]] + re.findall(r"a\.k\.a\. '([^']*)'", row[11])
            kinds[ent] = row[2].strip()
    alt = shared / "lists" / "ofac" / "alt.csv"
    if alt.is_file():
        with open(alt, encoding="latin-1", newline="") as fh:
            for row in csv.reader(fh):
                if len(row) > 3 and row[0].strip() in names:
                    names[row[0].strip()].append(row[3])
    return names, kinds


def _variants(name: str) -> set[str]:
    """A list name normalised, plus 'First Last' for an individual's 'LAST, First'."""
    out = {_norm(name)}
    if "," in name:
        last, first = name.split(",", 1)
        out.add(_norm(f"{first} {last}"))
        out.add(_norm(re.sub(r"^\s*Dr\.?\s+", "", first) + " " + last))
    return out


@pytest.mark.realdata
def test_ofac_source_ids_name_the_same_entity(shared_data: Path, entities: list[dict[str, Any]]) -> None:
    names, kinds = _sdn(shared_data)
    checked, problems = 0, []
    for e in entities:
        mine = {_norm(t) for t in _texts(e)}
        for d in e["designations"]:
            sid = d.get("source_id")
            if not sid or not d["list"].startswith("us-ofac"):
                continue
            checked += 1
            if sid not in names:
                problems.append((e["id"], sid, "not in sdn.csv"))
                continue
            if not set().union(*(_variants(n) for n in names[sid])) & mine:
                problems.append((e["id"], sid, names[sid][0]))
            is_person = kinds[sid] == "individual"
            if is_person != (e["kind"] == "person"):
                problems.append((e["id"], sid, kinds[sid]))
    assert checked >= 60
    assert problems == []


@pytest.mark.realdata
def test_un_members_match_membership_history(shared_data: Path, un_data: dict[str, Any]) -> None:
    """Current members in the history file: rows with more admissions than withdrawals (Egypt, Cameroon...)."""
    current = set()
    with open(shared_data / "reference" / "un_member_states.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("ISO Code") or "").strip()
            starts = [s for s in (row.get("Start date") or "").split(",") if s.strip()]
            ends = [s for s in (row.get("End date") or "").split(",") if s.strip()]
            if re.fullmatch(r"[A-Z]{3}", code) and len(starts) > len(ends):
                current.add(code)
    ours = {m["alpha3"] for m in un_data["members"]}
    assert ours == current
    assert "VAT" not in current and "PSE" not in current
