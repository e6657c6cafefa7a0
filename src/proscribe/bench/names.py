"""Name-pair matching benchmark: proscribe's `match_names` and nomenklatura's logic_v2 side by side on name_bench.

Reads `cases.csv` (case_group, schema, name1, name2, is_match, …) and, when
present, the frozen reference run `logicv2-frozen.csv` beside it. Both
matchers decide "match" at a score >= 0.7 (logic_v2's own threshold). Speed is
measured after one warm-up pass over the cases (reference data loads once).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from proscribe.detect.names import THRESHOLD, match_names

NK_THRESHOLD = 0.7


@dataclass(frozen=True)
class NameCase:
    group: str
    schema: str
    name1: str
    name2: str
    is_match: bool


def read_cases(path: Path) -> list[NameCase]:
    """The labelled pairs; a bad row is an error naming the line."""
    cases: list[NameCase] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        need = {"schema", "name1", "name2", "is_match"}
        missing = need - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: line 1: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            label = (row.get("is_match") or "").strip().lower()
            if label not in ("true", "false"):
                raise ValueError(f"{path}: line {reader.line_num}: is_match is {label!r}, expected true or false")
            cases.append(NameCase(row.get("case_group") or "", row["schema"], row["name1"], row["name2"], label == "true"))
    return cases


def _metrics(predicted: list[bool], cases: list[NameCase]) -> dict[str, float]:
    tp = sum(p and c.is_match for p, c in zip(predicted, cases))
    fp = sum(p and not c.is_match for p, c in zip(predicted, cases))
    fn = sum((not p) and c.is_match for p, c in zip(predicted, cases))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


def _timed(fn: Callable[[NameCase], float], cases: list[NameCase], repeat: int, reset: Callable[[], None] | None = None) -> tuple[list[float], float]:
    scores = [fn(c) for c in cases]  # warm-up: reference data, imports
    elapsed = 0.0
    for _ in range(repeat):
        if reset is not None:
            reset()  # cold per-name caches: each pass pays for preparing every name again
        start = time.perf_counter()
        for c in cases:
            fn(c)
        elapsed += time.perf_counter() - start
    return scores, elapsed / (len(cases) * repeat) * 1e6


def _nomenklatura() -> Callable[[NameCase], float] | None:
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
        from nomenklatura.matching.types import ScoringConfig
    except ImportError:
        return None
    algorithm = get_algorithm("logic-v2")
    if algorithm is None:
        return None
    config = ScoringConfig.defaults()
    counter = iter(range(1 << 62))

    def score(c: NameCase) -> float:
        schema = c.schema if c.schema in model.schemata else "LegalEntity"
        # Fresh ids every call: nomenklatura may cache by entity id.
        a = model.make_entity(schema)
        a.id = f"a{next(counter)}"
        a.add("name", c.name1)
        b = model.make_entity(schema)
        b.id = f"b{next(counter)}"
        b.add("name", c.name2)
        return float(algorithm.compare(a, b, config).score)

    return score


def _frozen_f1(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as f:
        outcomes = [row.get("outcome", "") for row in csv.DictReader(f)]
    tp, fp, fn = outcomes.count("TP"), outcomes.count("FP"), outcomes.count("FN")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"file": str(path), "cases": len(outcomes), "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def run(cases_path: Path, repeat: int = 3, with_nomenklatura: bool = True) -> dict[str, Any]:
    """Both matchers over every case: precision, recall, F1, microseconds per pair, and the ratios."""
    cases = read_cases(cases_path)
    from proscribe.detect.names import prepare

    ours, our_us = _timed(lambda c: match_names(c.name1, c.name2, c.schema)[0], cases, repeat, prepare.cache_clear)
    result: dict[str, Any] = {
        "cases": len(cases),
        "cases_file": str(cases_path),
        "threshold": THRESHOLD,
        "proscribe": {**_metrics([s >= THRESHOLD for s in ours], cases), "us_per_pair": round(our_us, 2)},
    }
    nk = _nomenklatura() if with_nomenklatura else None
    if nk is not None:
        theirs, nk_us = _timed(nk, cases, 1)
        result["nomenklatura_logic_v2"] = {**_metrics([s >= NK_THRESHOLD for s in theirs], cases), "us_per_pair": round(nk_us, 2)}
        result["speedup"] = round(nk_us / our_us, 1) if our_us else None
        result["f1_difference"] = round(result["proscribe"]["f1"] - result["nomenklatura_logic_v2"]["f1"], 4)
    else:
        result["nomenklatura_logic_v2"] = None
        result["note"] = "nomenklatura is not installed (pip install nomenklatura): only proscribe was measured"
    result["frozen_reference"] = _frozen_f1(cases_path.with_name("logicv2-frozen.csv"))
    by_group: dict[str, list[int]] = {}
    for s, c in zip(ours, cases):
        g = by_group.setdefault(c.group, [0, 0])
        g[0] += (s >= THRESHOLD) == c.is_match
        g[1] += 1
    result["proscribe_accuracy_by_group"] = {g: round(ok / n, 4) for g, (ok, n) in sorted(by_group.items())}
    return result
