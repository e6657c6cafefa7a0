"""Throughput of the default classifier on a realistic stream and a worst case, beside the keyword baseline.

Realistic: about 5% of posts name a designated entity or event (labelled posts
from `corpus/labelled` that the detector finds a mention in), the rest are
everyday posts (the non-ISIS tweets of the Fifth Tribe test split when
`../shared/data` is present, otherwise a built-in set). Worst: every post
names one. Mentions are detected before the clock starts: this measures
classification only. Posts are assessed in batches of 256, as the pipeline does.
"""

from __future__ import annotations

import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

from proscribe.classify.base import warm_up
from proscribe.classify.realdata import everyday_tweets
from proscribe.model import Account, Mention, Post

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "data"
BATCH = 256
MENTION_SHARE = 0.05

_EVERYDAY = (
    "Just finished my morning run, legs are dead but worth it",
    "Anyone know a good plumber in the east end? Kitchen sink is leaking again",
    "The new season of that cooking show is so good, the finale killed me 😂",
    "Traffic on the ring road is a nightmare today, avoid if you can",
    "Happy birthday to my little sister, love you to the moon and back 🎉",
    "Our team finally won the derby!!! What a match 🔥🔥",
    "Reading a great book on the history of the Silk Road, highly recommend",
    "امروز هوا خیلی خوب بود، با بچه‌ها رفتیم پارک و کلی خوش گذشت",
    "قهوه صبح با دوستان بهترین شروع روزه ☕",
    "مباراة رائعة الليلة، الفريق لعب بشكل ممتاز",
    "الطقس جميل اليوم، ذهبنا إلى البحر مع العائلة",
    "Je cherche une bonne boulangerie dans le quartier, des idées ?",
    "Heute endlich den Garten umgegraben, morgen kommen die Tomaten rein",
    "¿Alguien sabe a qué hora abre la biblioteca los domingos?",
    "Bugün çok güzel bir kahvaltı yaptık, herkese tavsiye ederim",
    "آج موسم بہت اچھا ہے، چائے کا مزہ ہی الگ ہے",
    "Can't believe the price of eggs right now. Budget shopping tips anyone?",
    "New blog post: ten tips for better sleep, link in bio",
    "The concert last night was insane, the drummer is a legend",
    "Working from home with a cat on the keyboard is a full-time job",
)
_MENTIONING = (
    "Hamas said it had accepted the ceasefire proposal, according to officials in Cairo",
    "Heroes of the Al-Aqsa Flood, we kiss the hands of those who planned it 🔥",
    "ISIS claimed responsibility for the attack, Amaq reported",
    "حماس تعلن موافقتها على المقترح المصري لوقف إطلاق النار",
    "داعش تتبنى الهجوم على نقطة تفتيش في دير الزور",
    "سپاه پاسداران در بیانیه‌ای اعلام کرد که به حمله پاسخ خواهد داد",
    "Hezbollah fired rockets at northern Israel on Tuesday, the army said",
    "Al-Shabaab fighters attacked a military base near Mogadishu",
)


def everyday_posts() -> tuple[list[str], str]:
    path = SHARED / "corpora" / "fifth_tribe_en" / "testing_set.csv"
    if path.is_file():
        texts = [e.text for e in everyday_tweets(SHARED).examples]
        if texts:
            return texts, f"{path.relative_to(SHARED)} (ISIS Flag 0)"
    return list(_EVERYDAY), "built-in everyday posts"


def mentioning_posts(detect: Any) -> tuple[list[str], str]:
    texts: list[str] = []
    corpus = ROOT / "corpus" / "labelled"
    if corpus.is_dir() and detect is not None:
        for f in sorted(corpus.glob("*.jsonl")):
            for line in f.read_text(encoding="utf-8").splitlines():
                try:
                    texts.append(json.loads(line)["text"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
        found = detect(texts)
        texts = [t for t, ms in zip(texts, found) if ms]
        if texts:
            return texts, "corpus/labelled posts with a detected mention"
    return list(_MENTIONING), "built-in posts naming designated entities"


def _stream(n: int, share: float, everyday: list[str], mentioning: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    k = round(n * share)
    texts = [rng.choice(mentioning) for _ in range(k)] + [rng.choice(everyday) for _ in range(n - k)]
    rng.shuffle(texts)
    return texts


def _timed(clf: Any, posts: list[Post], mentions: list[list[Mention]]) -> float:
    start = time.perf_counter()
    for i in range(0, len(posts), BATCH):
        clf.assess(posts[i : i + BATCH], mentions[i : i + BATCH])
    return time.perf_counter() - start


def run_bench(n: int = 10000, model: Path | None = None, worst_n: int = 1000) -> dict[str, Any]:
    """Both streams (`n` realistic posts, `worst_n` that all name an entity) through the default classifier and
    the keyword baseline; one JSON-able result. The realistic stream is the longer: only about one post in
    eight of it reaches the encoder, and a short run of those is at the mercy of other work on the cores."""
    from proscribe.classify import load
    from proscribe.classify.train import default_detector

    detect = default_detector()
    everyday, everyday_src = everyday_posts()
    mentioning, mentioning_src = mentioning_posts(detect)
    clf = load("default", **({"path": model} if model else {}))
    keyword = load("keyword")
    warm_up(clf)  # the encoder's first call loads its weights
    streams: dict[str, Any] = {}
    for name, share, size in (("realistic", MENTION_SHARE, n), ("worst", 1.0, worst_n)):
        texts = _stream(size, share, everyday, mentioning, seed=7)
        posts = [Post(id=f"{name}-{i}", text=t, author=Account(id="a")) for i, t in enumerate(texts)]
        mentions = detect(texts) if detect else [[] for _ in texts]
        before = (clf.modelled, clf.gated_out) if hasattr(clf, "modelled") else (0, 0)
        seconds = _timed(clf, posts, mentions)
        modelled = (clf.modelled - before[0]) if hasattr(clf, "modelled") else size
        kw_seconds = _timed(keyword, posts, mentions)
        rate, kw_rate = size / seconds, size / max(kw_seconds, 1e-9)
        streams[name] = {
            "posts": size,
            "posts_per_s": round(rate, 1),
            "keyword_posts_per_s": round(kw_rate, 1),
            "ratio_to_keyword": round(rate / kw_rate, 4),
            "modelled_share": round(modelled / size, 4),
            "posts_with_mentions": sum(1 for m in mentions if m),
        }
    # The encoder alone on the mentioning posts: the bound on the worst case, and a gauge of how busy the cores are.
    sample = _stream(min(worst_n, 200), 1.0, everyday, mentioning, seed=11)
    encoder_rate = None
    embed = getattr(clf, "embed", None)
    if embed is not None:
        start = time.perf_counter()
        embed(sample)
        encoder_rate = round(len(sample) / (time.perf_counter() - start), 1)
    return {
        "classifier": f"{clf.name} {clf.version}",
        "encoder_texts_per_s": encoder_rate,
        "posts": n,
        "worst_posts": worst_n,
        "cores": os.cpu_count(),
        "realistic_posts_per_s": streams["realistic"]["posts_per_s"],
        "worst_posts_per_s": streams["worst"]["posts_per_s"],
        "streams": streams,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "sources": {"everyday": everyday_src, "mentioning": mentioning_src},
        "detector": detect is not None,
        "note": "classification only: mentions are detected before timing",
    }
