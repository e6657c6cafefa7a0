"""`proscribe policy check|show|list` from the user's side."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "policy"


def test_check_accepts_a_good_file() -> None:
    result = run_cli("policy", "check", str(FIXTURES / "custom.yaml"))
    assert result.exit_code == 0
    assert "ok (small-forum@" in result.output


def test_check_refuses_a_bad_file_with_line_key_and_hint(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((FIXTURES / "custom.yaml").read_text().replace("window_days: 180", "window_day: 180"))
    result = run_cli("policy", "check", str(bad))
    assert result.exit_code == 1
    line = next(i for i, l in enumerate(bad.read_text().splitlines(), 1) if "window_day:" in l)
    assert f"{bad}:{line}: doi.window_day: unknown key; did you mean 'window_days'?" in result.output


def test_show_prints_the_file_with_comments_and_version() -> None:
    result = run_cli("policy", "show", "meta")
    assert result.exit_code == 0
    assert result.output.startswith("# meta@")
    assert "the 5th DOI strike within the window disables the account" in result.output


def test_show_json_is_the_validated_profile() -> None:
    result = run_cli("policy", "show", "x", "--json")
    data = json.loads(result.output)
    assert data["exemptions"][0]["min_followers"] == 100000
    assert data["version"].startswith("x@")


def test_list_names_the_shipped_profiles() -> None:
    result = run_cli("policy", "list")
    assert [line.split()[0] for line in result.output.splitlines()] == ["meta", "x", "twitter-2021"]
