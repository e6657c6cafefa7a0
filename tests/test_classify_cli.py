"""`proscribe train` and `proscribe eval` from the user's side, with small fixture files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from proscribe.cli import app
from proscribe.model import Account, Post

FIXTURES = Path(__file__).parent / "fixtures" / "classify"


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_train_writes_a_model_that_eval_and_load_use(tmp_path: Path) -> None:
    out = tmp_path / "model"
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("had a great lunch\nthe bus was late again\n{\"text\": \"new phone who dis\"}\n")
    result = _run("train", str(FIXTURES / "small.jsonl"), "--out", str(out), "--held-out", "0", "--ordinary", str(ordinary))
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"head.npz", "model.json", "gate.npz", "gate.json"}
    meta = json.loads((out / "model.json").read_text())
    assert meta["trained_on"]["examples"] == 32 and meta["held_out_percent"] == 0
    assert meta["features"]["embedding_depth"] == 8 and meta["features"]["embedding_precision"] == "int8"  # the shipped model's
    assert meta["features"]["lexical_score"] is True  # the head reads the gate's score, as the shipped model's does
    # The gate learnt the contexts of the non-violations, for the posts it keeps back.
    gate = json.loads((out / "gate.json").read_text())
    assert gate["contexts"] == ["condemnation", "discussion", "human_rights", "news", "satire", "unrelated"]
    assert meta["trained_on"]["gate"]["context_examples"] == 20
    # The violation threshold is the one with the best out-of-fold F1, recorded with the curve it came from.
    curve = meta["trained_on"]["threshold_f1"]
    assert meta["threshold"] == meta["trained_on"]["threshold"] and curve[str(meta["threshold"])] == max(curve.values())
    assert f"violation threshold {meta['threshold']}" in " ".join(result.stderr.split())  # the console wraps lines

    result = _run("eval", str(FIXTURES / "small.jsonl"), "--model", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 32 and report["classifier"].startswith("default ")
    assert set(report["violation"]) >= {"precision", "recall", "f1"}
    assert set(report["by_lang"]) == {"en", "ar", "fa"}
    assert set(report["confusion"]) == {"glorification", "support", "representation", "threat", "none"}
    assert 0 <= report["calibration"]["ece"] <= 1 and len(report["calibration"]["bins"]) == 10
    # Trained on these very examples: it should at least fit them.
    assert report["violation"]["f1"] > 0.8

    from proscribe.classify import load

    assert load("default", path=out).version == meta["version"]  # type: ignore[attr-defined]


def test_eval_reports_bad_lines_evaluates_the_rest_and_exits_1(tmp_path: Path) -> None:
    md = tmp_path / "eval.md"
    result = _run("eval", str(FIXTURES / "bad.jsonl"), "--classifier", "keyword", "--markdown", str(md))
    assert result.exit_code == 1
    assert "bad.jsonl:2: not JSON" in result.stderr
    assert "bad.jsonl:3:" in result.stderr and "bad.jsonl:4:" in result.stderr
    assert "posts 2" in result.stdout  # the two good lines
    assert "| truth \\ predicted |" in md.read_text()


def test_eval_held_out_split_and_plain_output() -> None:
    result = _run("eval", str(FIXTURES / "small.jsonl"), "--split", "held-out", "--classifier", "keyword")
    assert result.exit_code == 0, result.output
    assert "split held-out" in result.stdout and "calibration: ECE" in result.stdout


def test_train_refuses_too_little_data_and_missing_files(tmp_path: Path) -> None:
    result = _run("train", str(FIXTURES / "bad.jsonl"), "--out", str(tmp_path / "m"))
    assert result.exit_code == 1 and "at least 10" in result.stderr
    assert not (tmp_path / "m").exists()
    result = _run("eval", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_train_with_float32_weights_and_a_precision_that_does_not_exist(tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = _run("train", str(FIXTURES / "small.jsonl"), "--out", str(out), "--held-out", "0", "--precision", "float32", "--hidden", "0",
                  "--no-lexical-score")
    assert result.exit_code == 0, result.output
    features = json.loads((out / "model.json").read_text())["features"]
    assert features["embedding_precision"] == "float32" and features["lexical_score"] is False
    from proscribe.classify import load

    clf = load("default", path=out)
    assert clf.head.spec.embedding_precision == "float32" and not clf.head.spec.lexical_score  # type: ignore[attr-defined]
    assert clf.assess([Post(id="p1", text="we will find you, judge", author=Account(id="a"))])[0].post_id == "p1"  # type: ignore[attr-defined]

    result = _run("train", str(FIXTURES / "small.jsonl"), "--out", str(tmp_path / "m2"), "--precision", "int4")
    assert result.exit_code == 1 and "--precision must be one of float32, int8, got 'int4'" in result.stderr
    assert not (tmp_path / "m2").exists()


def test_eval_rejects_a_directory_that_is_not_a_model(tmp_path: Path) -> None:
    result = _run("eval", str(FIXTURES / "small.jsonl"), "--model", str(tmp_path))
    assert result.exit_code == 1 and "not a model directory" in result.stderr
