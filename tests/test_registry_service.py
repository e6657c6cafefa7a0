"""The registry service on a real database: first version, imports as versions, delisting, merging, scope, atomicity."""

from pathlib import Path

import pytest

from proscribe.registry import service
from proscribe.registry.errors import ListFormatError, RegistryError
from proscribe.registry.importers import ofac
from proscribe.registry.scope import Scope

FIX = Path(__file__).parent / "fixtures" / "registry"


@pytest.fixture(autouse=True)
def _starter(monkeypatch) -> None:
    monkeypatch.setenv(service.STARTER_ENV, str(FIX / "starter"))


def test_first_use_records_the_starter(db_url: str) -> None:
    snap = service.current(db_url)
    assert snap.version_id == 1
    assert {"hamas", "hezbollah", "hts", "event-2023-10-07"} == {e.id for e in snap.entities}
    assert snap.by_id["hamas"].in_scope and snap.by_id["event-2023-10-07"].in_scope
    assert not snap.by_id["hts"].in_scope  # its only in-scope listing was revoked
    assert service.current(db_url) is snap  # cached by version


def test_import_merges_by_xref_and_applies_scope(db_url: str) -> None:
    report = service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    assert report.version.id == 2
    snap = service.current(db_url)
    hamas = snap.by_id["hamas"]
    assert snap.by_id["ofac-4695"] is hamas  # the imported id resolves to the curated entity
    assert "ofac-4695" not in {e.id for e in snap.entities}
    assert hamas.name == "Hamas"
    assert "PARTY OF GOD" in {n.text for n in snap.by_id["hezbollah"].names}  # imported aliases join the curated entity
    assert sum(1 for n in hamas.names if n.text.casefold() == "islamic resistance movement") == 1
    fto = [d for d in hamas.designations if d.list == "us-ofac-fto"]
    assert len(fto) == 1 and fto[0].listed.isoformat() == "1997-10-08"  # one designation, curated date kept
    assert snap.by_id["ofac-10391"].in_scope
    khamenei = snap.by_id["ofac-26945"]
    assert not khamenei.in_scope and khamenei.designations[0].list == "us-ofac-iran-eo13876"


def test_reimport_replaces_source_and_delists_missing(db_url: str, tmp_path) -> None:
    service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    again = service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    assert not again.changed  # same content: no new version
    smaller = tmp_path / "sdn.csv"
    rows = (FIX / "ofac" / "sdn.csv").read_bytes().split(b"\r\n")
    smaller.write_bytes(b"\r\n".join(r for r in rows if not r.startswith(b"10391,")))
    report = service.import_file(db_url, smaller)
    assert [d["id"] for d in report.diff["delisted"]] == ["ofac-10391"]
    snap = service.current(db_url)
    irgc = snap.by_id["ofac-10391"]  # kept, with its history
    assert not irgc.in_scope and all(d.delisted is not None for d in irgc.designations)
    out = service.diff(db_url, "previous", "latest")
    assert [d["id"] for d in out["delisted"]] == ["ofac-10391"] and out["delisted"][0]["was_in_scope"]
    assert service.diff(db_url, "1", out["to"]["version"])["added"]


def test_failed_write_leaves_registry_as_before(db_url: str, monkeypatch) -> None:
    from proscribe.store import registry as store

    before = service.current(db_url)
    original = store.save_version

    def broken(*args, **kw):
        original(*args, **kw)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "save_version", broken)
    with pytest.raises(RuntimeError):
        service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    assert [v.id for v in service.versions(db_url)] == [1]
    assert service.current(db_url).version == before.version


def test_bad_file_changes_nothing(db_url: str, tmp_path) -> None:
    service.current(db_url)
    bad = tmp_path / "un.xml"
    bad.write_text("<CONSOLIDATED_LIST><INDIVIDUALS>")
    with pytest.raises(ListFormatError):
        service.import_file(db_url, bad, "un")
    assert len(service.versions(db_url)) == 1


def test_version_refs(db_url: str) -> None:
    service.import_file(db_url, FIX / "un_sample.xml")
    with service._engine(db_url).connect() as conn:
        latest = service.resolve(conn, "latest")
        assert service.resolve(conn, latest.hash[:6]).id == latest.id
        assert service.resolve(conn, "previous").id == 1
        with pytest.raises(RegistryError, match="no registry version"):
            service.resolve(conn, "zzz")


def test_scope_is_configurable(db_url: str, monkeypatch) -> None:
    service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    wide = service.current(db_url, Scope(("us-ofac-*",)))
    assert wide.by_id["ofac-26945"].in_scope and "+scope-" in wide.version
    monkeypatch.setenv("PROSCRIBE_SCOPE", "eu-terr,platform")
    narrow = service.current(db_url)
    assert not narrow.by_id["hezbollah"].in_scope and narrow.by_id["hamas"].in_scope


def test_search_any_script_and_spelling(db_url: str) -> None:
    service.import_file(db_url, FIX / "ofac" / "sdn.csv")
    snap = service.current(db_url)
    for query, expected in [("حماس", "hamas"), ("HAMAS", "hamas"), ("Harakat al-Muqawama al-Islamiya", "hamas"),
                            ("islamic resistance movement", "hamas"), ("Hizbullah", "hezbollah"), ("Hezbollah", "hezbollah"),
                            ("حزب الله", "hezbollah"), ("Hizb-Allah", "hezbollah"), ("hamás", "hamas")]:
        results = service.search(snap, query, 3)
        assert results and results[0][0].id == expected, (query, results)
    assert service.search(snap, "zzzzqqq", 3) == []
