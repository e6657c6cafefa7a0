"""Readers for the real, public evaluation corpora in ../shared/data, each mapped to proscribe's labels.

Evaluation only: none of these is used to train the shipped head. Mappings:
- FIGNEWS 2024 (news-outlet posts, ar/en/fr/he/hi): every post -> none/news. FIGNEWS is MIT-licensed:
  the shipped model trains on one half of it (`fignews_half(key) == "train"`, by a hash of the
  post's batch and id) and is measured on the other half only.
- Gaza news headlines (gaza-news.txt titles and CNN live-blog entries): every line -> none/news.
- Arabic ISIS tweets: pro_isis true -> violation (glorification, standing for
  glorification/support: labels are by account, not by tweet); false -> none.
- PHate (Persian) test split: Violenc 1 -> threat, 0 -> none.
- Implicit hate, stage 2 fine classes: threatening -> threat, every other class -> none.
Big corpora are subsampled deterministically: an item is kept when
sha256(key) mod 10000 < 10000 * size / total, so the same items come every run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from proscribe.classify.labelled import Example
from proscribe.model import Category, Context

FIGNEWS_LANGS = {"Arabic": "ar", "English": "en", "French": "fr", "Hebrew": "he", "Hindi": "hi"}


@dataclass(frozen=True)
class Corpus:
    name: str
    examples: list[Example]
    total: int  # rows before subsampling
    mapping: str
    source: str


def _keep(key: str, size: int | None, total: int) -> bool:
    if size is None or size >= total:
        return True
    h = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 10000
    return h < 10000 * size / total


def _none(id_: str, text: str, lang: str | None, context: Context = Context.NEWS) -> Example:
    return Example(id=id_, text=text, lang=lang, category=Category.NONE, context=context)


def fignews_half(key: str) -> str:
    """"train" or "eval": which half of FIGNEWS a post belongs to (sha256 of "<batch>-<id>", even or odd)."""
    return "train" if int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 2 == 0 else "eval"


def fignews(root: Path, size: int | None = None, half: str | None = None) -> Corpus:
    path = root / "corpora" / "fignews" / "FIGNEWS-2024-TEXT-IAA.tsv"
    rows: dict[str, Example] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = f"{r['Batch']}-{r['ID']}"
            text = (r.get("Text") or "").strip()
            if key in rows or not text:
                continue  # one row per annotator: keep the post once
            rows[key] = _none(f"fignews-{key}", text, FIGNEWS_LANGS.get(r.get("Source Language") or ""))
    if half is not None:
        rows = {k: e for k, e in rows.items() if fignews_half(k) == half}
    kept = [e for k, e in rows.items() if _keep(k, size, len(rows))]
    name = "FIGNEWS 2024 news posts" + (f" ({half} half)" if half else "")
    return Corpus(name, kept, len(rows), "all -> none/news", str(path))


_FIFTH_TRIBE_ESCAPE = re.compile(r'\\u([0-9a-fA-F]{4})|\\n|\\"')


def fifth_tribe_text(text: str) -> str:
    """A Fifth Tribe tweet as written: the CSV writes non-ASCII as \\uXXXX escapes (emoji as surrogate
    pairs), line breaks as \\n and quotes as \\"; other backslashes are the tweet's own."""
    if "\\" not in text:
        return text
    out = _FIFTH_TRIBE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(0)[1].replace("n", "\n"), text)
    # Surrogate pairs become their character; a lone one (a tweet cut mid-emoji) becomes U+FFFD.
    return out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def everyday_tweets(root: Path, size: int | None = None, split: str = "testing") -> Corpus:
    """The random accounts' tweets (`ISIS Flag` 0) of one Fifth Tribe split, as none/unrelated.

    Their labels are by account; only this direction is safe (a random account's tweet as an everyday
    post). The testing split measures false positives on everyday traffic; the training split is what
    scripts/train_default.py may train on.
    """
    path = root / "corpora" / "fifth_tribe_en" / f"{split}_set.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("ISIS Flag") == "0" and (r.get("Tweet") or "").strip()]
    kept = [
        _none(f"tweet-{split}-{i}", fifth_tribe_text(r["Tweet"]), None, Context.UNRELATED)
        for i, r in enumerate(rows)
        if _keep(f"{split}-{i}", size, len(rows))
    ]
    return Corpus(f"Everyday tweets (Fifth Tribe {split} split, random accounts)", kept, len(rows),
                  "ISIS Flag 0 (random accounts) -> none/unrelated; pro-ISIS accounts' tweets not used", str(path))


def gaza_news(root: Path, size: int | None = None) -> Corpus:
    base = root / "corpora" / "gaza_news_en"
    lines: list[tuple[str, str]] = []
    with (base / "gaza-news.txt").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[2].strip():
                lines.append((f"gaza-{n}", parts[2].strip()))
    with (base / "cnn-news-israel-hamas-war.txt").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.startswith("\t"):
                text = line.strip().split(". ", 1)[-1].strip()
                if len(text) > 12:  # skip "All", "What we covered here"-style navigation
                    lines.append((f"cnn-{n}", text))
    kept = [_none(k, t, "en") for k, t in lines if _keep(k, size, len(lines))]
    return Corpus("Gaza war news headlines", kept, len(lines), "all -> none/news",
                  f"{base}/gaza-news.txt + cnn-news-israel-hamas-war.txt")


def isis_tweets(root: Path, size: int | None = None) -> Corpus:
    path = root / "corpora" / "isis_tweets_ar" / "tweets.jsonl"
    out: list[Example] = []
    total = 0
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    total = len(rows)
    for r in rows:
        if not _keep(str(r["id"]), size, total):
            continue
        if r["pro_isis"]:
            out.append(Example(id=f"isis-{r['id']}", text=r["text"], lang="ar", category=Category.GLORIFICATION, context=None))
        else:
            out.append(_none(f"isis-{r['id']}", r["text"], "ar", Context.UNRELATED))
    return Corpus("Arabic pro-ISIS tweets", out, total,
                  "pro_isis true -> violation (glorification/support), false -> none; labels are by account, not by tweet",
                  str(path))


def phate(root: Path, size: int | None = None) -> Corpus:
    path = root / "corpora" / "phate_fa" / "test_simple.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        if not _keep(r["tweet_id"], size, len(rows)):
            continue
        if r["Violenc"].strip() == "1":
            out.append(Example(id=f"phate-{r['tweet_id']}", text=r["text"], lang="fa", category=Category.THREAT, context=None))
        else:
            out.append(_none(f"phate-{r['tweet_id']}", r["text"], "fa", Context.UNRELATED))
    return Corpus("PHate (Persian) test split", out, len(rows), "Violenc 1 -> threat, 0 -> none", str(path))


def implicit_hate(root: Path, size: int | None = None) -> Corpus:
    path = root / "corpora" / "implicit_hate_en" / "stg2_posts.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if (r.get("implicit_class") or "").strip()]
    out = []
    for n, r in enumerate(rows, 1):
        key = f"ih-{n}"
        if not _keep(key, size, len(rows)):
            continue
        text = r["post"].strip().strip('"').replace('""', '"').strip()
        if (r["implicit_class"] or "").strip() == "threatening":
            out.append(Example(id=key, text=text, lang="en", category=Category.THREAT, context=None))
        else:
            out.append(_none(key, text, "en", Context.DISCUSSION))
    return Corpus("Implicit hate, stage 2", out, len(rows), "threatening -> threat, all other classes -> none", str(path))
