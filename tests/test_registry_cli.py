"""`proscribe lists` from the user's side: real files, a real database, a local HTTP server for updates."""

import functools
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import run_cli

FIX = Path(__file__).parent / "fixtures" / "registry"


@pytest.fixture(autouse=True)
def _starter(monkeypatch) -> None:
    monkeypatch.setenv("PROSCRIBE_STARTER", str(FIX / "starter"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


class _Slow(_Quiet):
    def do_GET(self) -> None:
        time.sleep(2)
        try:
            super().do_GET()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass


def serve(folder: Path, handler=_Quiet):
    """A thread serving `folder` on 127.0.0.1 at a random port; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def mirror(tmp_path) -> Path:
    root = tmp_path / "mirror"
    (root / "ofac").mkdir(parents=True)
    (root / "un").mkdir()
    (root / "eu").mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        shutil.copy(FIX / "ofac" / name, root / "ofac" / name)
    shutil.copy(FIX / "un_sample.xml", root / "un" / "consolidated.xml")
    shutil.copy(FIX / "eu_terr.csv", root / "eu" / "32001R2580.csv")
    return root


def _json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_show_search_diff(db_url: str) -> None:
    result = run_cli("lists", "import", str(FIX / "ofac" / "sdn.csv"), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "skipped 1: vessel" in result.stdout and "alt.csv row whose ent_num is not in sdn.csv" in result.stdout
    shown = _json(run_cli("lists", "show", "--json", "--db", db_url))
    assert set(shown) >= {"version", "entities", "in_scope", "by_list"}
    assert shown["by_list"]["us-ofac-fto"] == 3 and shown["by_list"]["us-ofac-iran-eo13876"] == 1
    found = _json(run_cli("lists", "search", "حزب الله", "--json", "--limit", "2", "--db", db_url))
    top = found[0]
    assert top["id"] == "hezbollah" and top["in_scope"] is True and "PARTY OF GOD" in top["aliases"]
    assert set(top["designations"][0]) == {"list", "program", "listed", "delisted", "source_id"}
    diff = _json(run_cli("lists", "diff", "1", "latest", "--json", "--db", db_url))
    assert {"ofac-26945", "ofac-10391"} <= {a["id"] for a in diff["added"]}
    assert "hezbollah" in {c["id"] for c in diff["changed"]}
    versions = _json(run_cli("lists", "versions", "--json", "--db", db_url))
    assert [v["id"] for v in versions] == [1, 2] and versions[1]["source"] == "import ofac"


def test_import_guesses_every_format(sqlite_url: str) -> None:
    for name in ("un_sample.xml", "eu_terr.csv", "fsf_sample.xml", "ftm_sample.ftm.json"):
        result = run_cli("lists", "import", str(FIX / name), "--json", "--db", sqlite_url)
        assert _json(result)["changed"] is True, name
    shown = _json(run_cli("lists", "show", "--json", "--db", sqlite_url))
    assert shown["by_list"]["eu-terr"] >= 2 and shown["by_list"]["un-isil-aq"] == 1


@pytest.mark.parametrize(
    "content,needle",
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>\n', "bad.xml:2"),
        ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<export>&e;</export>\n', "refused"),
        ("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>", "malformed XML"),
    ],
)
def test_bad_xml_exits_1_and_changes_nothing(db_url: str, tmp_path, content: str, needle: str) -> None:
    run_cli("lists", "show", "--db", db_url)
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    result = run_cli("lists", "import", str(bad), "--db", db_url)
    assert result.exit_code == 1
    assert needle in result.stderr and "nothing was changed" in result.stderr
    assert len(_json(run_cli("lists", "versions", "--json", "--db", db_url))) == 1


def test_wrong_format_and_broken_quote(sqlite_url: str, tmp_path) -> None:
    result = run_cli("lists", "import", str(FIX / "un_sample.xml"), "--format", "ofac", "--db", sqlite_url)
    assert result.exit_code == 1 and "un_sample.xml:1" in result.stderr
    broken = tmp_path / "sdn.csv"
    broken.write_bytes((FIX / "ofac" / "sdn.csv").read_bytes().replace(b'"HAMAS"', b'"HAMAS'))
    result = run_cli("lists", "import", str(broken), "--db", sqlite_url)
    assert result.exit_code == 1 and "sdn.csv:1" in result.stderr


def test_update_from_local_server(db_url: str, mirror: Path) -> None:
    server, base = serve(mirror)
    try:
        result = run_cli("lists", "update", "--base-url", base, "--json", "--db", db_url)
    finally:
        server.shutdown()
    out = _json(result)
    assert out["version"]["id"] == 2 and out["version"]["source"] == "update ofac,un,eu,starter"
    assert {s["layer"] for s in out["sources"]} == {"ofac", "un", "eu-terr", "starter"}
    assert all(f.startswith(base) for s in out["sources"] if s["layer"] != "starter" for f in s["files"])
    shown = _json(run_cli("lists", "show", "--json", "--db", db_url))
    assert shown["by_list"]["un-taliban"] == 1 and shown["by_list"]["eu-terr"] >= 4


def test_update_http_error_imports_nothing(db_url: str, mirror: Path) -> None:
    (mirror / "un" / "consolidated.xml").unlink()
    server, base = serve(mirror)
    try:
        result = run_cli("lists", "update", "--base-url", base, "--db", db_url)
    finally:
        server.shutdown()
    assert result.exit_code == 1 and "HTTP 404" in result.stderr
    assert len(_json(run_cli("lists", "versions", "--json", "--db", db_url))) == 1


def test_update_timeout(sqlite_url: str, mirror: Path) -> None:
    server, base = serve(mirror, _Slow)
    try:
        result = run_cli("lists", "update", "--source", "un", "--base-url", base, "--timeout", "0.3", "--db", sqlite_url)
    finally:
        server.shutdown()
    assert result.exit_code == 1 and "did not answer within 0.3 s" in result.stderr
