"""`proscribe train`, `proscribe eval` and `proscribe bench classify`: the classifier's own commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from rich.markup import escape
import typer

from proscribe.cli import app, bench_app
from proscribe.cli.common import DbOption, err, fail, print_json, progress

HELD_OUT_HELP = (
    "Percentage of examples held out by a hash of their id (sha256(id) mod 100 < PCT), never trained on; "
    "`proscribe eval --split held-out` evaluates exactly those."
)


def _read(files: list[Path]):  # type: ignore[no-untyped-def]
    from proscribe.classify.labelled import read_examples

    for f in files:
        if not f.is_file():
            raise fail(f"{f}: no such file")
    try:
        examples, errors = read_examples(files)
    except UnicodeDecodeError as e:
        raise fail(f"not UTF-8 text: {e}") from None
    for e in errors:
        err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, markup=True, soft_wrap=True)
    return examples, errors


def _read_ordinary(path: Path) -> list[str]:
    """Ordinary posts for the gate: JSON lines with a "text" field, or plain text, one post a line."""
    texts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise fail(f"{path}:{number}: not JSON: {e.msg}") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise fail(f"{path}:{number}: expected an object with a string field 'text'")
            texts.append(obj["text"])
        else:
            texts.append(line)
    return texts


@app.command("train")
def train_command(
    files: list[Path] = typer.Argument(..., help="Labelled JSON-lines files (id, text, lang, category, context, entities)."),
    out: Path = typer.Option(Path("model"), "--out", "-o", help="Directory to write the model to (head.npz, model.json, gate.npz, gate.json)."),
    held_out: int = typer.Option(20, "--held-out", min=0, max=90, help=HELD_OUT_HELP),
    ordinary: Optional[Path] = typer.Option(None, "--ordinary", help="Everyday posts (one a line, or JSON lines with 'text') that teach the gate what needs no model: keeps it fast."),
    detect: bool = typer.Option(True, "--detect/--no-detect", help="Use the detector over the starter registry for mention features."),
    depth: Optional[int] = typer.Option(None, "--depth", min=1, max=12, help="Encoder layers to pool the sentence embedding after: fewer are faster, 12 is the whole multilingual-e5-small. Default: the shipped model's."),
    precision: Optional[str] = typer.Option(None, "--precision", metavar="float32|int8", help="The encoder's weights: int8 embeds a post in about 60% of the float32 time on one thread (vectors at a cosine of about 0.999 to float32's). Default: the shipped model's."),
    hidden: Optional[int] = typer.Option(None, "--hidden", min=0, max=4096, help="Hidden units of the head (0: a linear head, quicker to train and to read). Default: the shipped model's."),
    ensemble: Optional[int] = typer.Option(None, "--ensemble", min=1, max=20, help="Networks the head averages (with a hidden layer): more are steadier and slower to train. Default: the shipped model's."),
    lexical_score: Optional[bool] = typer.Option(None, "--lexical-score/--no-lexical-score", help="Give the head the gate's character n-gram reading of each post as one more feature (it carries spelling and dialect the sentence embedding blurs). Default: on, as in the shipped model."),
    db: Optional[str] = DbOption,
) -> None:
    """Train the classifier's head on your own labelled posts and write a model directory.

    Use it with `proscribe eval --model DIR` or `proscribe.classify.load("default", path=DIR)`.
    Bad lines are reported with their line numbers and skipped; the command then exits 1.
    """
    from proscribe.classify.features import (
        DEFAULT_DEPTH, DEFAULT_LEXICAL_SCORE, DEFAULT_PRECISION, CachedEmbedder, FeatureSpec, e5_embedder, embedding_cache, is_int8,
    )
    from proscribe.classify.labelled import split
    from proscribe.classify.train import ENSEMBLE, HIDDEN, default_detector, train, training_fingerprint

    depth = depth or DEFAULT_DEPTH
    precision = precision or DEFAULT_PRECISION
    try:
        is_int8(precision, "--precision")
    except ValueError as exc:
        raise fail(str(exc)) from None
    hidden = HIDDEN if hidden is None else hidden
    examples, errors = _read(files)
    train_set, held = split(examples, held_out)
    if len(train_set) < 10:
        raise fail(f"need at least 10 training examples, have {len(train_set)} ({len(held)} held out)")
    embed = CachedEmbedder(e5_embedder(depth, precision), embedding_cache(depth, precision))
    spec = FeatureSpec(embedding_depth=depth, embedding_precision=precision,
                       lexical_score=DEFAULT_LEXICAL_SCORE if lexical_score is None else lexical_score)
    with progress("training") as _:
        head, gate, report = train(
            train_set, embed, default_detector() if detect else None, spec=spec,
            ordinary=_read_ordinary(ordinary) if ordinary else (), hidden=hidden, ensemble=ENSEMBLE if ensemble is None else ensemble,
            meta={"data": [str(f) for f in files], "fingerprint": training_fingerprint(train_set), "held_out_percent": held_out},
            progress=lambda m: err.print(m) if err.is_terminal else None,
        )
    embed.save()
    head.save(out)
    gate.save(out)
    reg = f"{report.hidden} hidden units, alpha={report.c}" if report.hidden else f"linear, C={report.c}"
    err.print(f"trained on {report.examples} examples ({len(held)} held out), {reg}, violation threshold {report.threshold} "
              f"(out-of-fold F1 {report.threshold_f1.get(str(report.threshold))}); model {head.meta['version']} written to {out}")
    if errors:
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    files: list[Path] = typer.Argument(..., help="Labelled JSON-lines files to evaluate on."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    model: Optional[Path] = typer.Option(None, "--model", help="A model directory written by `proscribe train` (default: the shipped model)."),
    classifier: str = typer.Option("default", "--classifier", "-c", help="default, keyword or zeroshot (the baselines)."),
    split_name: str = typer.Option("all", "--split", help="all, or held-out: only the examples `proscribe train` holds out."),
    held_out: int = typer.Option(20, "--held-out", min=0, max=90, help=HELD_OUT_HELP),
    detect: bool = typer.Option(True, "--detect/--no-detect", help="Give the classifier the detector's mentions (starter registry)."),
    markdown_out: Optional[Path] = typer.Option(None, "--markdown", help="Also write the tables as Markdown to this file."),
    db: Optional[str] = DbOption,
) -> None:
    """Precision, recall and F1 of `violation` (overall, per language, per category), the confusion matrix and calibration (ECE and a reliability table).

    Bad lines are reported with their line numbers; the good lines are still evaluated and the command exits 1.
    """
    from proscribe.classify import load
    from proscribe.classify.evaluate import markdown, run, text_summary
    from proscribe.classify.labelled import held_out as is_held_out
    from proscribe.classify.train import default_detector

    if split_name not in ("all", "held-out"):
        raise fail(f"--split must be all or held-out, not {split_name!r}")
    examples, errors = _read(files)
    if split_name == "held-out":
        examples = [e for e in examples if is_held_out(e.id, held_out)]
    if not examples:
        raise fail("no examples to evaluate")
    try:
        clf = load(classifier, **({"path": model} if model and classifier == "default" else {}))
    except (FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from None
    with progress("evaluating", total=len(examples)) as advance:
        _, ev = run(clf, examples, default_detector() if detect else None, advance)
    if as_json:
        print_json({"classifier": f"{clf.name} {clf.version}", "split": split_name, **ev.to_json()})
    else:
        typer.echo(f"classifier {clf.name} {clf.version}, split {split_name}")
        typer.echo(text_summary(ev), nl=False)
    if markdown_out:
        markdown_out.write_text(markdown(ev, f"{clf.name} {clf.version}"), encoding="utf-8")
    if errors:
        raise typer.Exit(1)


@bench_app.command("classify")
def bench_classify(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    posts: int = typer.Option(10000, "--posts", "-n", min=10, help="Posts in the realistic stream."),
    worst_posts: int = typer.Option(1000, "--worst-posts", min=10, help="Posts in the worst case (every one names an entity)."),
    model: Optional[Path] = typer.Option(None, "--model", help="A model directory (default: the shipped model)."),
    db: Optional[str] = DbOption,
) -> None:
    """Posts per second of the default classifier on a realistic stream (about 5% of posts name a designated entity or event)
    and a worst case (every post does), beside the keyword baseline, with memory."""
    from proscribe.bench.classify import run_bench

    result = run_bench(posts, model, worst_posts)
    if as_json:
        print_json(result)
        return
    typer.echo(f"classifier {result['classifier']}  ({result['posts']} realistic posts, {result['worst_posts']} in the worst case, "
               f"{result['cores']} cores)")
    for stream in ("realistic", "worst"):
        s = result["streams"][stream]
        typer.echo(
            f"  {stream:>9}: {s['posts_per_s']:>8.1f} posts/s  (keyword baseline {s['keyword_posts_per_s']:.0f} posts/s, "
            f"ratio {s['ratio_to_keyword']:.3f}); {s['modelled_share']:.1%} of posts reached the model"
        )
    if result.get("encoder_texts_per_s"):
        typer.echo(f"  encoder alone: {result['encoder_texts_per_s']:.1f} texts/s (the ceiling of the worst case)")
    typer.echo(f"  peak memory {result['peak_rss_mb']:.0f} MB")
