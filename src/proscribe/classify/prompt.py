"""Policy as a prompt: each post is judged by a chat model behind an OpenAI-compatible endpoint.

Never required and never contacted unless chosen. Options (or environment):
`base_url` (PROSCRIBE_LLM_BASE_URL), `model` (PROSCRIBE_LLM_MODEL), `api_key`
(PROSCRIBE_LLM_API_KEY), `timeout` seconds. A reply that cannot be read
(not JSON, unknown category, HTTP error, time-out) gives a `none` assessment
at score 0.5, between any profile's thresholds, so the post goes to review,
with the reason in the evidence.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any

import httpx

from proscribe.classify.base import check_batch, mention_evidence
from proscribe.classify.head import VIOLATIONS
from proscribe.model import Assessment, Category, Context, Mention, Post

UNSURE_SCORE = 0.5

POLICY = """You enforce a platform's Dangerous Organizations and Individuals policy.
Classify the post into exactly one category:
- glorification: praise, celebration, justification or approving commemoration of a designated terrorist organisation, its members or leaders, or of a terrorist attack or its perpetrators, including implicit praise that never names the group ("we kiss the hands of those who planned it"), approving martyrdom language about attackers, celebratory emoji after an attack, calling an attack a victory or blessed, wishing it repeated.
- support: recruiting, fundraising or donating for a designated group, calls to join or act for it, sharing its propaganda without critical or news framing.
- representation: posting as the group or as its member.
- threat: a credible threat of violence against a person or identifiable people. Not threats: wishes against terrorists, hyperbole without a target, reports of threats.
- none: anything else; then give the context: news (reporting, including quoting praise with attribution), condemnation, discussion, satire, human_rights, unrelated.
Reply with one JSON object only: {"category": "...", "context": "..." or null, "score": probability 0..1 that the post violates the policy, "evidence": ["words that decided"]}."""


class PromptClassifier:
    name = "prompt"

    def __init__(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                 timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.base_url = (base_url or os.environ.get("PROSCRIBE_LLM_BASE_URL") or "").rstrip("/")
        if not self.base_url:
            raise ValueError("the prompt classifier needs base_url (or PROSCRIBE_LLM_BASE_URL): an OpenAI-compatible endpoint")
        self.model = model or os.environ.get("PROSCRIBE_LLM_MODEL") or "default"
        self.api_key = api_key or os.environ.get("PROSCRIBE_LLM_API_KEY")
        self.version = self.model
        self._client = client or httpx.Client(timeout=timeout)

    def _ask(self, post: Post, mentions: Sequence[Mention]) -> dict[str, Any]:
        names = sorted({f"{m.entity_name} ({m.entity_kind})" for m in mentions})
        user = f"Post (language: {post.lang or 'unknown'}):\n{post.text}"
        if names:
            user += "\n\nDesignated entities named in it: " + ", ".join(names)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": POLICY}, {"role": "user", "content": user}]}
        response = self._client.post(f"{self.base_url}/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def assess(self, posts: Sequence[Post], mentions: Sequence[Sequence[Mention]] | None = None) -> list[Assessment]:
        out = []
        for post, ms in zip(posts, check_batch(posts, mentions)):
            try:
                reply = self._ask(post, ms)
                out.append(self._parse(post, ms, reply))
            except (httpx.HTTPError, ValueError, KeyError, TypeError, IndexError, RecursionError) as err:
                out.append(self._unsure(post, ms, f"{type(err).__name__}: {err}"))
        return out

    def _parse(self, post: Post, mentions: Sequence[Mention], reply: dict[str, Any]) -> Assessment:
        content = reply["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError("reply content is not text")
        match = re.search(r"\{.*\}", content, re.DOTALL)  # models wrap JSON in prose or code fences
        if not match:
            raise ValueError(f"no JSON object in the reply: {content[:80]!r}")
        data = json.loads(match.group())
        if not isinstance(data, dict):
            raise ValueError("reply JSON is not an object")
        category = Category(str(data.get("category", "")).strip().lower())
        context = None
        if category is Category.NONE:
            raw = data.get("context")
            context = Context(str(raw).strip().lower()) if raw else Context.UNRELATED
        score = data.get("score")
        if not isinstance(score, (int, float)) or not 0 <= float(score) <= 1:
            score = 0.9 if category is not Category.NONE else 0.1
        words = data.get("evidence") or []
        words = [str(w) for w in words] if isinstance(words, list) else [str(words)]
        return Assessment(
            post_id=post.id, category=category, context=context, score=round(float(score), 4), mentions=tuple(mentions),
            evidence=tuple(mention_evidence(mentions) + [f"model said: {w}" for w in words[:5]]),
            lang=post.lang, model=f"{self.name} {self.version}",
            scores={str(category): round(float(score), 4)} if category is not Category.NONE else _doubt(float(score)),
        )

    def _unsure(self, post: Post, mentions: Sequence[Mention], reason: str) -> Assessment:
        return Assessment(
            post_id=post.id, category=Category.NONE, context=None, score=UNSURE_SCORE, mentions=tuple(mentions),
            evidence=tuple(mention_evidence(mentions) + [f"unreadable reply from the prompt model, needs review: {reason}"]),
            lang=post.lang, model=f"{self.name} {self.version}", scores=_doubt(UNSURE_SCORE),
        )


def _doubt(p_violation: float) -> dict[str, float]:
    """Scores of a `none` verdict that leave `p_violation` to the violation categories, spread evenly (the policy sends
    a clean verdict to review when they add up to its review threshold)."""
    share = round(p_violation / len(VIOLATIONS), 4)
    return {**{v: share for v in VIOLATIONS}, "none": round(1.0 - p_violation, 4)}
