"""Spelling variants of registry names, generated at build time so one automaton pass finds them all.

Latin transliterations of Arabic names vary in regular ways: the article
(al-/el-/al /joined/none, ul/ad/ash…), vowels (ie/ee/i, ou/u), q/k, hyphens,
spaces. Arabic-script names vary by spacing (حزب الله / حزب‌الله / حزبالله) and
by the article swallowed after the preposition ل (للقاعدة). Every variant
points back to the registry name it came from.
"""

from __future__ import annotations

from itertools import product

_ARTICLES = ("al", "el", "ul", "ad", "ar", "as", "ash", "at", "az", "an", "ud", "ur", "ud", "ed", "es", "et")
_ARTICLE_FORMS = ("al ", "el ", "al", "")  # spaced, spaced el-, joined, dropped
# Single substitutions applied across the whole name (one at a time and in pairs).
_SUBSTITUTIONS = (
    ("ou", "u"),
    ("u", "ou"),
    ("q", "k"),
    ("ee", "i"),
    ("ie", "i"),
    ("i", "ee"),
    ("aa", "a"),
    ("ii", "i"),
    ("uu", "u"),
    ("dh", "d"),
    ("ah ", "a "),
    ("ll", "l"),
)
MAX_VARIANTS = 48


def latin_variants(name: str) -> set[str]:
    """Variants of a normalised Latin name ("al qaida" -> {"alqaida", "el qaida", "qaida", "al kaida", ...})."""
    tokens = name.split()
    if not tokens:
        return set()
    forms: set[str] = {name}
    # Articles inside the name ("ansar al sharia"), and a joined article at a word start ("alqaida").
    slots = [i for i, tok in enumerate(tokens[:-1]) if tok in _ARTICLES]
    if slots and len(slots) <= 3:
        for choice in product(_ARTICLE_FORMS, repeat=len(slots)):
            out: list[str] = []
            for i, tok in enumerate(tokens):
                if i in slots:
                    out.append(choice[slots.index(i)])
                else:
                    out.append(tok + " ")
            forms.add("".join(out).strip().replace("  ", " "))
    if len(tokens) == 1 and len(name) >= 7 and name[:2] == "al":
        forms.add("al " + name[2:])
        forms.add("el " + name[2:])
    if 2 <= len(tokens) <= 4:
        for form in list(forms):
            joined = form.replace(" ", "")
            if len(joined) >= 6:
                forms.add(joined)
    if len(tokens) <= 4:
        # In sorted order: the cap below must keep the same forms in every process (sets iterate by hash).
        for form in sorted(forms):
            for a, b in _SUBSTITUTIONS:
                if a in form:
                    one = form.replace(a, b)
                    forms.add(one)
                    for c, d in _SUBSTITUTIONS:
                        if c in one and (c, d) != (a, b) and len(forms) < MAX_VARIANTS * 2:
                            forms.add(one.replace(c, d))
    for form in sorted(forms):
        if form.endswith("ah") and len(form) >= 6:
            forms.add(form[:-1])  # final -ah / -a (ta marbuta): Hezbollah / Hezbola
    forms |= german_inflections(name)
    forms = {f for f in forms if sum(map(str.isalnum, f)) >= 4}
    forms.discard("")
    if len(forms) > MAX_VARIANTS:
        # Keep the shortest edits: the given name first, then the closest forms by length difference.
        ordered = sorted(forms, key=lambda f: (f != name, abs(len(f) - len(name)), f))
        forms = set(ordered[:MAX_VARIANTS])
    return forms


_GERMAN_ADJECTIVE = ("ische", "ischer", "ischen", "isches")


def german_inflections(name: str) -> set[str]:
    """A German name's adjective endings and its genitive: "islamischer staat" -> "islamische staat",
    "islamischen staat", "islamischen staates", "islamischen staats" … (Der Islamische Staat, des Islamischen Staates)."""
    tokens = name.split()
    adjectives = [i for i, tok in enumerate(tokens[:-1]) if tok.endswith(_GERMAN_ADJECTIVE)]
    if not adjectives or len(tokens) > 4:
        return set()
    out: set[str] = set()
    for ending in _GERMAN_ADJECTIVE:
        words = list(tokens)
        for i in adjectives:
            stem = words[i][: words[i].rindex("isch")]
            words[i] = stem + ending
        out.add(" ".join(words))
        out.add(" ".join(words[:-1] + [words[-1] + "es"]))
        out.add(" ".join(words[:-1] + [words[-1] + "s"]))
    out.discard(name)
    return out


def arabic_variants(name: str) -> dict[str, bool]:
    """Variants of a normalised Arabic-script name -> whether the variant needs a preceding لل.

    "حزب الله" -> {"حزب الله": False, "حزبالله": False}; "القاعده" -> {"القاعده": False, "قاعده": True}.
    """
    out: dict[str, bool] = {name: False}
    tokens = name.split()
    if 2 <= len(tokens) <= 3:
        joined = "".join(tokens)
        out.setdefault(joined, False)
    if name.startswith("ال") and len(name) > 4:
        out.setdefault(name[2:], True)
    return out
