"""Real data: `proscribe eval` on a small slice of FIGNEWS news posts (all labelled none/news)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proscribe.classify import realdata
from proscribe.cli import app


@pytest.mark.realdata
def test_eval_on_a_fignews_slice(shared_data: Path, tmp_path: Path) -> None:
    corpus = realdata.fignews(shared_data, size=40)
    assert 20 <= len(corpus.examples) <= 70 and corpus.total > 1000
    f = tmp_path / "fignews.jsonl"
    with f.open("w", encoding="utf-8") as fh:
        for e in corpus.examples:
            fh.write(json.dumps({"id": e.id, "text": e.text, "lang": e.lang, "category": "none", "context": "news", "entities": []},
                                ensure_ascii=False) + "\n")
    result = CliRunner().invoke(app, ["eval", str(f), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == len(corpus.examples)
    v = report["violation"]
    assert v["support"] == 0 and v["tp"] == 0  # no violations in news
    assert v["false_positive_rate"] <= 0.1, v  # news posts are not violations (goal ≤ 1% on the whole corpus)


@pytest.mark.realdata
def test_real_corpora_read_with_their_mappings(shared_data: Path) -> None:
    isis = realdata.isis_tweets(shared_data)
    assert len(isis.examples) == 2000 and sum(e.violation for e in isis.examples) == 1000
    ph = realdata.phate(shared_data, size=300)
    assert all(e.category.value in ("threat", "none") for e in ph.examples)
    ih = realdata.implicit_hate(shared_data, size=300)
    assert any(e.category.value == "threat" for e in ih.examples)
    gz = realdata.gaza_news(shared_data, size=200)
    assert gz.total > 11000 and all(not e.violation for e in gz.examples)


def test_everyday_tweets_are_the_random_accounts_of_one_split(shared_data: Path) -> None:
    test = realdata.everyday_tweets(shared_data)
    train = realdata.everyday_tweets(shared_data, split="training")
    assert len(test.examples) == test.total > 1000 and len(train.examples) > 10000
    assert all(e.category.value == "none" and e.context.value == "unrelated" for e in test.examples[:50])
    assert not {e.text for e in test.examples} >= {e.text for e in train.examples[:100]}  # two splits, not one
    assert all("\\u" not in e.text for e in test.examples)  # the CSV's escapes are read back into the text
    assert len(realdata.everyday_tweets(shared_data, size=300).examples) < 400
