"""`bench api` run tiny: the report's shape and no lost decisions (the server here uses the tests' stand-in classifier)."""

from __future__ import annotations

import sys
from pathlib import Path

from proscribe.bench.api import run

TESTS = Path(__file__).parent

SERVER = """
import sys, uvicorn
sys.path.insert(0, {tests!r})
from service_helpers import make_app
uvicorn.run(make_app({url!r}), host="127.0.0.1", port={port}, log_level="error")
"""


def stand_in_server(url: str, port: int) -> list[str]:
    return [sys.executable, "-c", SERVER.format(tests=str(TESTS), url=url, port=port)]


def test_a_tiny_run_reports_every_rate_and_loses_no_decision() -> None:
    result = run(seconds=1.0, rates=[10, 20], server=stand_in_server, baseline_seconds=0.5)
    assert [r["rate"] for r in result["rates"]] == [10, 20]
    for row in result["rates"]:
        assert row["sent"] == row["ok"] + row["errors"] and row["errors"] == 0
        assert row["p50_ms"] is not None and row["p99_ms"] >= row["p50_ms"]
        assert row["baseline"]["endpoint"] == "GET /healthz" and row["p99_ratio"] is not None
    d = result["decisions"]
    assert d["sent"] == d["answered_ok"] == 5 + 50 + 10 + 20 and d["stored"] == d["sent"] and d["lost"] == 0 and d["extra"] == 0
    assert result["goal"]["met"] is None  # 200/s was not run
