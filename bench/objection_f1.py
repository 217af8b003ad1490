"""Precision, recall and F1 of offline objection detection on the labelled exchanges.

Per category and micro-averaged over (exchange, category) pairs, on the development set and on
two held-out sets; the second (bench/data/objection_fresh.py) is the honest figure, because the
first one's mistakes were in view during the last round of cue changes.

Run: .venv/bin/python -m bench.objection_f1
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ai.analysis import analyze_objections
from ai.analysis.taxonomy import OBJECTION_CATEGORIES
from ai.embeddings import get_local_embedder
from ai.transcript import transcript_from_text
from bench.data.objection_fresh import FRESH_UTTERANCES
from bench.data.objection_utterances import HELD_OUT_UTTERANCES, LABELLED_UTTERANCES


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class Evaluation:
    per_category: dict[str, Counts]
    overall: Counts
    mistakes: list[tuple[str, set[str], set[str]]]


def evaluate(
    items: Iterable[tuple[str, frozenset[str]]] = LABELLED_UTTERANCES, embedder: Any = None
) -> Evaluation:
    """Micro-averaged counts over (exchange, category) pairs, plus every mistaken exchange."""
    embedder = embedder or get_local_embedder()
    per_category = {category: Counts() for category in OBJECTION_CATEGORIES.values()}
    overall = Counts()
    mistakes = []

    for text, expected in items:
        section = analyze_objections(transcript_from_text(text), embedder=embedder)
        found = {objection["category_text"] for objection in section["objections"]}
        for category, counts in per_category.items():
            if category in found and category in expected:
                counts.true_positive += 1
                overall.true_positive += 1
            elif category in found:
                counts.false_positive += 1
                overall.false_positive += 1
            elif category in expected:
                counts.false_negative += 1
                overall.false_negative += 1
        if found != set(expected):
            mistakes.append((text, set(expected), found))

    return Evaluation(per_category, overall, mistakes)


def main() -> None:
    embedder = get_local_embedder()
    for name, items in (
        ("labelled (development) set", LABELLED_UTTERANCES),
        ("held-out set", HELD_OUT_UTTERANCES),
        ("second held-out set", FRESH_UTTERANCES),
    ):
        started = time.perf_counter()
        evaluation = evaluate(items, embedder)
        elapsed = time.perf_counter() - started
        print(f"\n{name}: {len(items)} exchanges, {elapsed:.1f} s")
        _print_table(evaluation)


def _print_table(evaluation: Evaluation) -> None:
    print(f"{'category':<20} {'P':>6} {'R':>6} {'F1':>6}  TP FP FN")
    rows = [*evaluation.per_category.items(), ("overall (micro)", evaluation.overall)]
    for category, counts in rows:
        print(
            f"{category:<20} {counts.precision:6.2f} {counts.recall:6.2f} {counts.f1:6.2f}"
            f"  {counts.true_positive:2d} {counts.false_positive:2d} {counts.false_negative:2d}"
        )
    for text, expected, found in evaluation.mistakes:
        flat = text.replace("\n", " / ")
        print(f"  wrong: {flat!r} expected {sorted(expected)} found {sorted(found)}")


if __name__ == "__main__":
    main()
