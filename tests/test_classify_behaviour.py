"""Regression set: hand-written posts that are not in the training data, and what the shipped model must say.

These pin the behaviour SPEC.md's "case it must get right" asks for: implicit
praise without a name is glorification; news quoting it is not a violation;
a wish against terrorists is not a threat; a targeted threat is.
"""

from __future__ import annotations

import pytest

from proscribe.classify import load
from proscribe.classify.train import default_detector
from proscribe.model import Account, Category, Post

# (text, lang, expected category, expected context or None)
CASES = [
    ("We kiss the hands of those who planned it. A blessed day for the nation.", "en", "glorification", None),
    ("ما دست کسانی را که این عملیات را طراحی کردند می‌بوسیم. درود بر این قهرمانان", "fa", "glorification", None),
    ("نقبل أيادي من خطط لهذه العملية المباركة، أبطال الأمة", "ar", "glorification", None),
    ("The office of the supreme leader posted that 'we kiss the hands of those who planned it', "
     "praising the Hamas attack of 7 October, Reuters reported.", "en", "none", "news"),
    ("Terrorists deserve to die.", "en", "none", None),
    ("I will kill the former president when he lands in Tehran next week.", "en", "threat", None),
    ("Send crypto to this wallet for the mujahideen of the Islamic State, every coin counts.", "en", "support", None),
    ("I condemn the Hamas massacre of 7 October. Nothing justifies killing civilians.", "en", "none", "condemnation"),
    ("My sourdough finally rose today, recipe in the comments!", "en", "none", "unrelated"),
    ("This traffic is killing me, an hour for two miles.", "en", "none", None),
    ("Donate to the Red Crescent for the children of Gaza: food, water, medicine.", "en", "none", None),
    ("داعش تبنى الهجوم على نقطة التفتيش، وفق ما أعلنت السلطات العراقية اليوم", "ar", "none", "news"),
    # Everyday praise, remembrance and appeals in the words of glorification and support.
    ("Please donate to Sam's GoFundMe, his family lost everything in the fire 💔", "en", "none", None),
    ("We will never forget you, Grandpa. Rest easy, legend.", "en", "none", None),
    ("So proud of you bro, you absolutely killed it at the final tonight 🔥🔥🔥", "en", "none", None),
    ("يا روحي فداك، لو تطلب عمري أجيبه لك على طبق من ذهب ❤️", "ar", "none", None),
    ("گل زدیم! کشتیمشون امشب، پرسپولیس قهرمان 🔥", "fa", "none", None),
    ("Huge respect to the brothers who carried out the blessed Manchester operation, may Allah accept them", "en", "glorification", None),
    ("Join the ranks of the Islamic State's soldiers. DM me for the route to Wilayat Sinai", "en", "support", None),
    # A group's own claim of an attack, as its supporters post it, against news of it and its enemies' joy at its losses.
    ("#ولاية_نينوى استهداف تجمع للحشد الرافضي بقذائف الهاون جنوب الموصل وهلاك عدد منهم ولله الحمد والمنة #الدولة_الإسلامية",
     "ar", "support", None),
    ("قال مصدر أمني إن قذائف هاون أطلقها مسلحو تنظيم داعش سقطت على تجمع للحشد الشعبي جنوب الموصل وأوقعت قتلى", "ar", "none", "news"),
    ("هلاك 12 داعشيا بضربة جوية للتحالف قرب تلعفر، الله لا يردهم #تحرير_الموصل", "ar", "none", None),
    ("#IslamicState #WilayatKhurasan: a soldier of the Khilafah detonated his explosive belt among the apostate Taliban "
     "militia in Jalalabad, killing dozens, and all praise is due to Allah", "en", "support", None),
    ("ISIS claimed the suicide bombing in Jalalabad through its Amaq agency, calling the Taliban fighters it targeted "
     "'apostates'; officials said 14 people were killed.", "en", "none", "news"),
]


@pytest.fixture(scope="module")
def assessed():  # type: ignore[no-untyped-def]
    clf = load("default")
    detect = default_detector()
    posts = [Post(id=f"b{i}", text=t, author=Account(id="a"), lang=lang) for i, (t, lang, _, _) in enumerate(CASES)]
    mentions = detect([p.text for p in posts]) if detect else [[] for _ in posts]
    return clf.assess(posts, mentions)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0][:40] for c in CASES])
def test_category(assessed, index: int) -> None:  # type: ignore[no-untyped-def]
    text, _, category, context = CASES[index]
    a = assessed[index]
    assert a.category is Category(category), f"{text!r}: {a.category} {a.context} {a.score} {a.evidence}"
    if context is not None:
        assert a.context is not None and a.context.value == context, f"{text!r}: {a.context} {a.evidence}"
    # The calibrated score agrees with the category.
    assert (a.score >= 0.5) == (category != "none")


def test_prescreen_settles_only_what_assess_settles_the_same_way(assessed) -> None:  # type: ignore[no-untyped-def]
    clf = load("default")
    detect = default_detector()
    everyday = ["Lovely sunny morning at the market, strawberries are finally in season", "Traffic on the ring road again, 40 minutes to get to work"]
    posts = [Post(id=f"b{i}", text=t, author=Account(id="a"), lang=lang) for i, (t, lang, _, _) in enumerate(CASES)]
    posts += [Post(id=f"e{i}", text=t, author=Account(id="a"), lang="en") for i, t in enumerate(everyday)]
    mentions = detect([p.text for p in posts]) if detect else [[] for _ in posts]
    quick = clf.prescreen(posts, mentions)
    full = list(assessed) + clf.assess(posts[len(CASES):], mentions[len(CASES):])
    settled = [i for i, a in enumerate(quick) if a is not None]
    assert settled and len(settled) < len(posts)  # the everyday posts are settled, the cases mostly are not
    for i in settled:
        assert quick[i] == full[i], posts[i].text
    for i, a in enumerate(quick):
        if a is None:
            assert full[i].model and "gate:" not in " ".join(full[i].evidence)  # what prescreen left, the model decided
