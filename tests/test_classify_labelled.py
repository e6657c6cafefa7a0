"""Reading labelled examples: every bad line reported with its number; the held-out split."""

from __future__ import annotations

from pathlib import Path

from proscribe.classify.labelled import held_out, read_examples, split
from proscribe.model import Category, Context

FIXTURES = Path(__file__).parent / "fixtures" / "classify"


def test_reads_good_lines_and_reports_each_bad_one() -> None:
    examples, errors = read_examples([FIXTURES / "bad.jsonl"])
    assert [e.id for e in examples] == ["b-0001", "b-0005"]
    assert [e.line for e in errors] == [2, 3, 4]
    assert "not JSON" in errors[0].reason
    assert "context" in errors[1].reason
    assert "'praise'" in errors[2].reason
    assert str(errors[0]).startswith(f"{FIXTURES / 'bad.jsonl'}:2: ")


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    f = tmp_path / "dup.jsonl"
    line = '{"id": "x-1", "text": "t", "category": "none", "context": "unrelated"}\n'
    f.write_text(line + line)
    examples, errors = read_examples([f])
    assert len(examples) == 1 and "duplicate id" in errors[0].reason


def test_labels_are_parsed() -> None:
    examples, errors = read_examples([FIXTURES / "small.jsonl"])
    assert not errors
    by_id = {e.id: e for e in examples}
    assert by_id["t-0001"].category is Category.GLORIFICATION and by_id["t-0001"].context is None
    assert by_id["t-0011"].label == "none/news" and by_id["t-0011"].context is Context.NEWS


def test_held_out_split_is_a_function_of_the_id() -> None:
    ids = [f"en-{i:04d}" for i in range(2000)]
    first = [held_out(i) for i in ids]
    assert first == [held_out(i) for i in ids]
    assert 0.16 < sum(first) / len(ids) < 0.24  # about 20%
    assert not any(held_out(i, 0) for i in ids)
    examples, _ = read_examples([FIXTURES / "small.jsonl"])
    train, held = split(examples)
    assert len(train) + len(held) == len(examples)
    assert all(held_out(e.id) for e in held) and not any(held_out(e.id) for e in train)


def test_padded_copies_keep_the_label_and_add_everyday_posts_of_the_same_language() -> None:
    from proscribe.classify.labelled import Example, padded
    from proscribe.model import Category, Context

    chat = [Example(f"c{i}", f"coffee number {i} this morning", "en", Category.NONE, Context.UNRELATED) for i in range(20)]
    news = [Example(f"n{i}", f"news item {i}", "en", Category.NONE, Context.NEWS) for i in range(20)]
    farsi = [Example(f"f{i}", f"چای شماره {i}", "fa", Category.NONE, Context.UNRELATED) for i in range(3)]
    posts = [Example("g1", "Glory to Hamas", "en", Category.GLORIFICATION, None, ("hamas",)),
             Example("g2", "درود بر حماس", "fa", Category.GLORIFICATION, None, ("hamas",)),
             Example("g3", "x" * 400, "en", Category.GLORIFICATION, None)]
    out = padded(posts, chat + news + farsi, share=1.0, seed=3)
    assert [e.id for e in out] == ["g1+pad"]  # too few Persian fillers; the long post is left alone
    copy = out[0]
    assert (copy.category, copy.context, copy.entities, copy.lang) == (Category.GLORIFICATION, None, ("hamas",), "en")
    assert "Glory to Hamas" in copy.text and "coffee number" in copy.text and "news item" not in copy.text
    assert padded(posts, chat + news + farsi, share=1.0, seed=3) == out  # the same on every run
    assert padded(posts, chat, share=0.0) == []
