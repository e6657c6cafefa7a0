"""The shipped classifier through its interface: one assessment per post, the gate, evidence, calibrated scores."""

from __future__ import annotations

import pytest

from proscribe.classify import load
from proscribe.classify.base import Classifier
from proscribe.classify.default import DefaultClassifier
from proscribe.model import Account, Category, Context, EntityKind, Mention, Post


def _post(i: int, text: str, lang: str | None = "en") -> Post:
    return Post(id=f"p{i}", text=text, author=Account(id="a1"), lang=lang)


@pytest.fixture(scope="module")
def clf():  # type: ignore[no-untyped-def]
    return load("default")


def test_the_backends_implement_the_interface(clf) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(clf, Classifier) and clf.name == "default" and clf.version
    assert isinstance(load("keyword"), Classifier)
    with pytest.raises(ValueError, match="unknown classifier"):
        load("nope")


def test_assess_returns_one_assessment_per_post_in_order(clf) -> None:  # type: ignore[no-untyped-def]
    posts = [_post(1, "Lovely walk by the river"), _post(2, "Glory to the heroes of the blessed operation 🔥"), _post(3, "")]
    out = clf.assess(posts, [[], [], []])
    assert [a.post_id for a in out] == ["p1", "p2", "p3"]
    for a in out:
        assert 0.0 <= a.score <= 1.0 and a.model.startswith("default ")
        assert (a.context is None) == a.violation


def test_a_post_without_signal_skips_the_model(clf) -> None:  # type: ignore[no-untyped-def]
    # The lexicon rule alone (a gate model that never opens), so the outcome does not depend on trained weights.
    import copy

    never = copy.copy(clf.lexical_gate)
    never.threshold = 2.0
    rule_only = DefaultClassifier(clf.head, never, embed=clf.embed)
    [a] = rule_only.assess([_post(1, "My sourdough finally rose, recipe in the comments")], [[]])
    assert rule_only.gated_out == 1 and rule_only.modelled == 0
    assert a.category is Category.NONE and a.context is Context.UNRELATED
    assert a.score == clf.head.gate_score < 0.1 and a.evidence[0].startswith("gate:")


def test_the_shipped_model_has_a_lexical_gate_that_opens_for_unnamed_threats(clf) -> None:  # type: ignore[no-untyped-def]
    assert clf.lexical_gate is not None and 0 < clf.lexical_gate.threshold < 1
    posts = [_post(1, "The former president will not see next year. I will make sure of it.")]
    from proscribe.classify.signals import signals_of

    assert clf.opens(posts, [signals_of(posts[0].text)]) == [True]


def test_a_post_with_no_text_never_reaches_the_model(clf) -> None:  # type: ignore[no-untyped-def]
    posts = [_post(1, ""), _post(2, "   \n\t "), _post(3, "")]
    out = clf.assess(posts, [[], [], []])
    assert [a.category for a in out] == [Category.NONE] * 3
    assert all(a.score == clf.head.gate_score and a.evidence[0].startswith("gate:") for a in out)


def test_evidence_names_the_entity_and_the_words(clf) -> None:  # type: ignore[no-untyped-def]
    text = "Hamas heroes, we kiss the hands of those who planned the blessed operation 🔥"
    m = Mention("hamas", "Hamas", EntityKind.ORGANIZATION, "Hamas", "Hamas", 0, 5, lists=("eu-terr",))
    [a] = clf.assess([_post(1, text)], [[m]])
    assert a.violation
    assert any(e.startswith("mention hamas") for e in a.evidence)
    assert any("kiss the hands" in e or "blessed operation" in e for e in a.evidence)
    assert a.mentions == (m,)
    assert set(a.scores) >= {"glorification", "support", "representation", "threat", "none", "none/news"}
    assert a.scores["none"] == pytest.approx(1 - a.score, abs=1e-3)


def test_mismatched_batches_are_refused(clf) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="2 posts but 1"):
        clf.assess([_post(1, "a"), _post(2, "b")], [[]])


def test_keyword_baseline_flags_any_in_scope_mention() -> None:
    kw = load("keyword")
    m = Mention("isis", "ISIS", EntityKind.ORGANIZATION, "ISIS", "ISIS", 0, 4)
    out = kw.assess([_post(1, "ISIS was defeated at Baghuz, officials said"), _post(2, "lunch")], [[m], []])
    assert out[0].violation and out[0].score == 1.0
    assert not out[1].violation and out[1].context is Context.UNRELATED


def test_assessing_in_two_threads_at_once_gives_what_one_thread_gives(clf) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    texts = ["Glory to the heroes of the blessed operation 🔥", "Lovely walk by the river", "حماس تعلن موافقتها على وقف إطلاق النار",
             "We will hunt you down and kill you all", "سپاه پاسداران در بیانیه‌ای اعلام کرد", "Join the caravan, brothers, the land of jihad awaits"]
    batches = [[_post(10 * b + i, t) for i, t in enumerate(texts[b:] + texts[:b])] for b in range(6)]
    alone = [clf.assess(batch, [[] for _ in batch]) for batch in batches]
    before = clf.modelled + clf.gated_out
    assert clf.concurrent
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda batch: clf.assess(batch, [[] for _ in batch]), batches * 3))
    assert together == alone * 3
    assert clf.modelled + clf.gated_out - before == 3 * sum(map(len, batches))  # the counters lose nothing


def test_a_head_that_reads_the_gates_score_needs_the_gate(clf, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from proscribe.classify.head import Head

    clf.head.save(tmp_path)
    head = Head.load(tmp_path)
    head.spec = dataclasses.replace(head.spec, lexical_score=True)
    with pytest.raises(ValueError, match="reads the lexical gate's score, but the model has no gate"):
        DefaultClassifier(head, None)


def test_the_gates_score_reaches_the_head_whatever_opened_the_post(clf) -> None:  # type: ignore[no-untyped-def]
    # The gate model reads a post the lexicon rule did not open while screening; the head's feature must be the
    # same reading as for a post it scores afresh (here: with screening switched off, every post is scored afresh).
    posts = [_post(1, "Glory to the heroes of the blessed operation 🔥"), _post(2, "The former president will not see next year. I will make sure of it.")]
    screened = clf.assess(posts, [[], []])
    unscreened = DefaultClassifier(clf.head, clf.lexical_gate, embed=clf.embed, use_gate=False).assess(posts, [[], []])
    assert [a.score for a in screened] == [a.score for a in unscreened]
    assert all(a.violation for a in screened)
