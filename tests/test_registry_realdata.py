"""The registry on the real published lists (../shared/data/lists): imports, scope, merging, search, update."""

import json
import os
from pathlib import Path

import pytest

from conftest import SHARED_DATA, run_cli

pytestmark = pytest.mark.realdata
LISTS = SHARED_DATA / "lists"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One database with the shipped starter registry, then OFAC, UN and EU imported once for the module."""
    if not LISTS.is_dir():
        pytest.skip(f"real data not present: {LISTS} is absent")
    url = f"sqlite:///{tmp_path_factory.mktemp('realdb') / 'proscribe.db'}"
    os.environ.pop("PROSCRIBE_STARTER", None)
    reports = {}
    for key, path in (("ofac", LISTS / "ofac" / "sdn.csv"), ("un", LISTS / "un" / "consolidated.xml"), ("eu", LISTS / "eu" / "32001R2580.csv")):
        result = run_cli("lists", "import", str(path), "--json", "--db", url)
        assert result.exit_code == 0, result.output
        reports[key] = json.loads(result.stdout)
    return url, reports


def _search(url: str, query: str) -> list[dict]:
    result = run_cli("lists", "search", query, "--json", "--limit", "5", "--db", url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _entity(url: str, entity_id: str):
    from proscribe.registry import service

    return service.current(url).by_id[entity_id]


def test_hamas_in_scope_under_fto_and_sdgt_with_aliases(loaded) -> None:
    url, _ = loaded
    hamas = _entity(url, "ofac-4695")
    assert hamas.in_scope
    active = {d.list for d in hamas.designations if d.active}
    assert {"us-ofac-fto", "us-ofac-sdgt"} <= active
    names = {n.text.casefold() for n in hamas.names}
    assert {"islamic resistance movement", "harakat al-muqawama al-islamiya", "izz al-din al-qassim brigades"} <= names


def test_irgc_in_scope_and_khamenei_present_but_out(loaded) -> None:
    url, _ = loaded
    assert _entity(url, "ofac-10391").in_scope
    khamenei = _entity(url, "ofac-26945")
    assert khamenei.name.startswith("KHAMENEI, Ali") and not khamenei.in_scope
    assert {d.list for d in khamenei.designations} == {"us-ofac-iran-eo13876"}


def test_eu_list_holds_hamas_hizballah_wing_and_irgc(loaded) -> None:
    url, reports = loaded
    assert reports["eu"]["sources"][0]["entities"] == 36
    for query in ("Hamas", "Hizballah Military Wing", "Islamic Revolutionary Guard Corps"):
        hits = _search(url, query)
        assert any(any(d["list"] == "eu-terr" and d["delisted"] is None for d in h["designations"]) for h in hits[:2]), (query, hits[:2])


def test_un_counts_and_alt_rows_reported(loaded) -> None:
    url, reports = loaded
    from proscribe.registry import service

    snap = service.current(url)
    # UN records stand alone or were merged into a curated entity that names them in xrefs
    un_ids = {e.id for e in snap.entities if e.id.startswith("un-")} | {k for k in snap.merged if k.startswith("un-")}
    kinds = {k: sum(1 for i in un_ids if str(snap.by_id[i].kind) == k) for k in ("person", "organization")}
    assert reports["un"]["sources"][0]["entities"] == 1000
    assert kinds == {"person": 727, "organization": 273}
    skipped = {s["reason"]: s["count"] for s in reports["ofac"]["sources"][0]["skipped"]}
    assert skipped["alt.csv row whose ent_num is not in sdn.csv (or was skipped)"] > 0


@pytest.mark.parametrize("query", ["حماس", "HAMAS", "Harakat al-Muqawama al-Islamiya", "Islamic Resistance Movement"])
def test_search_finds_hamas(loaded, query: str) -> None:
    url, _ = loaded
    top = _search(url, query)[0]
    assert top["name"].casefold() == "hamas" and top["in_scope"], top


@pytest.mark.parametrize("query", ["Hezbollah", "Hizbullah", "حزب الله"])
def test_search_finds_hizballah(loaded, query: str) -> None:
    url, _ = loaded
    top = _search(url, query)[0]
    assert any(d["source_id"] == "4697" for d in top["designations"]), top
    assert top["in_scope"]


def test_update_from_a_local_mirror_of_the_real_files(tmp_path) -> None:
    from test_registry_cli import serve

    if not LISTS.is_dir():
        pytest.skip(f"real data not present: {LISTS} is absent")
    server, base = serve(LISTS)
    try:
        result = run_cli("lists", "update", "--source", "un", "--base-url", base, "--json", "--db", f"sqlite:///{tmp_path / 'u.db'}")
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["sources"][0]["entities"] == 1000 and out["version"]["id"] == 2
