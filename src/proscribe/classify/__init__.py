"""Classification: the category and context of each post, with a calibrated score and its evidence.

`load(name)` gives a `Classifier` (see `base.py`): `default` (the shipped
model: gate, multilingual sentence embedding and detector evidence into a
calibrated linear head), `keyword` (baseline: every mention of a designated
entity is a violation), `zeroshot` (baseline: nearest label description in
the embedding space), `prompt` (policy as a prompt to an OpenAI-compatible
chat endpoint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proscribe.classify.base import Classifier

NAMES = ("default", "keyword", "zeroshot", "prompt")


def load(name: str = "default", **options: Any) -> Classifier:
    """A classifier by name. `default` takes `path` (a model directory written by `proscribe train`)."""
    if name == "default":
        from proscribe.classify.default import DefaultClassifier

        path = options.pop("path", None)
        return DefaultClassifier.from_path(Path(path) if path else None, **options)
    if name == "keyword":
        from proscribe.classify.keyword import KeywordClassifier

        return KeywordClassifier()
    if name == "zeroshot":
        from proscribe.classify.zeroshot import ZeroShotClassifier

        return ZeroShotClassifier(**options)
    if name == "prompt":
        from proscribe.classify.prompt import PromptClassifier

        return PromptClassifier(**options)
    raise ValueError(f"unknown classifier {name!r}; choose one of {', '.join(NAMES)}")


__all__ = ["NAMES", "Classifier", "load"]
