"""`proscribe bench match` and `proscribe bench names` from the command line (tiny runs; shape, not speed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli


def test_bench_match_json_shape(tmp_path: Path) -> None:
    # An empty data folder: the starter registry and the bundled generator, so the run is quick.
    result = run_cli("bench", "match", "--json", "--posts", "300", "--seconds", "0.5", "--data", str(tmp_path))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["posts"] == 300
    assert out["posts_per_s"] > 0 and out["regex_posts_per_s"] > 0 and out["speedup"] > 0
    assert out["corpus"] == ["bundled generator"]
    assert out["registry"]["entities"] > 50 and out["registry"]["patterns"] > out["registry"]["names"] > 0
    assert {"proscribe_only", "regex_only", "examples", "sample_posts"} <= set(out["disagreements"])
    # find one post at a time, find_many before and after gc.freeze, with the machine's load beside them
    assert out["find_posts_per_s"] > 0 and out["posts_per_s_unfrozen"] > 0 and out["posts_per_s_wall"] > 0
    assert out["load_average"]["cpus"] >= 1


def test_bench_match_human_output(tmp_path: Path) -> None:
    result = run_cli("bench", "match", "--posts", "100", "--seconds", "0.2", "--data", str(tmp_path))
    assert result.exit_code == 0
    assert "posts/s" in result.stdout and "speedup" in result.stdout


def test_bench_match_bad_data_folder(tmp_path: Path) -> None:
    result = run_cli("bench", "match", "--data", str(tmp_path / "missing"))
    assert result.exit_code == 1


def test_bench_names_side_by_side(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_group,schema,name1,name2,is_match,quality,category,notes\n"
        "t,Person,Olaf Scholze,Olaf Scholz,true,STRONG,,\n"
        "t,Person,Octavian Scholz,Olaf Scholz,false,MEDIUM,,\n"
        "t,Company,Siemens AG,Siemens Aktiengesellschaft,true,MEDIUM,,\n"
    )
    result = run_cli("bench", "names", "--json", "--cases", str(cases), "--repeat", "1")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cases"] == 3
    ours = out["proscribe"]
    assert 0 <= ours["f1"] <= 1 and ours["us_per_pair"] > 0 and ours["us_per_pair_cold"] > 0
    if out["nomenklatura_logic_v2"] is not None:
        assert out["nomenklatura_logic_v2"]["us_per_pair"] > 0 and out["speedup"] > 0
    assert out["frozen_reference"] is None


def test_bench_names_rejects_a_bad_file(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("schema,name1,name2,is_match\nPerson,A,B,maybe\n")
    result = run_cli("bench", "names", "--cases", str(cases))
    assert result.exit_code == 1


@pytest.mark.realdata
def test_bench_names_on_the_real_cases(shared_data: Path) -> None:
    result = run_cli("bench", "names", "--json", "--repeat", "1", "--cases", str(shared_data / "name_bench" / "cases.csv"))
    out = json.loads(result.stdout)
    assert out["cases"] > 800 and out["frozen_reference"]["f1"] > 0
