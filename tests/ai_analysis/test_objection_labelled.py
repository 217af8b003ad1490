"""Objection detection measured on the hand-labelled exchanges in bench/data."""

from ai.analysis.taxonomy import OBJECTION_CATEGORIES
from bench.data.objection_utterances import HELD_OUT_UTTERANCES, LABELLED_UTTERANCES
from bench.objection_f1 import evaluate


def test_labelled_set_covers_every_category_and_negatives():
    labels = [categories for _, categories in LABELLED_UTTERANCES]

    assert len(LABELLED_UTTERANCES) >= 30
    assert set().union(*labels) == set(OBJECTION_CATEGORIES.values())
    assert sum(1 for categories in labels if not categories) >= 10
    assert not {text for text, _ in HELD_OUT_UTTERANCES} & {text for text, _ in LABELLED_UTTERANCES}


def test_objection_f1_on_the_labelled_set(embedder):
    evaluation = evaluate(LABELLED_UTTERANCES, embedder)

    assert evaluation.overall.f1 >= 0.8, evaluation.mistakes
