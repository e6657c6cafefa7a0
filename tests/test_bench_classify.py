"""`proscribe bench classify`: the shape of its report (speed itself is not asserted)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from proscribe.cli import app


def test_bench_classify_json_shape() -> None:
    result = CliRunner().invoke(app, ["bench", "classify", "--json", "--posts", "40", "--worst-posts", "12"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["posts"], report["worst_posts"]) == (40, 12)
    assert (report["streams"]["realistic"]["posts"], report["streams"]["worst"]["posts"]) == (40, 12)
    assert report["streams"]["worst"]["posts_with_mentions"] == 12
    assert report["realistic_posts_per_s"] > 0 and report["worst_posts_per_s"] > 0
    for stream in ("realistic", "worst"):
        s = report["streams"][stream]
        assert set(s) >= {"posts_per_s", "keyword_posts_per_s", "ratio_to_keyword", "modelled_share"}
        assert 0 <= s["modelled_share"] <= 1
    assert report["peak_rss_mb"] > 0


def test_bench_classify_text_output() -> None:
    result = CliRunner().invoke(app, ["bench", "classify", "--posts", "20", "--worst-posts", "10"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "realistic" in result.stdout and "posts/s" in result.stdout
