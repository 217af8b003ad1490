"""The normalized analysis schema accepts analyzer output and rejects malformed documents."""

import copy

import pytest

from ai.analysis import (
    MODEL_SECTIONS,
    AnalysisSchemaError,
    analyze_transcript,
    validate_analysis,
)
from ai.transcript import load_transcript


@pytest.fixture(scope="module")
def analysis(audio_dir, embedder):
    return analyze_transcript(
        load_transcript(audio_dir / "roofing_followup_tts.txt"), embedder=embedder
    )


def test_local_analysis_matches_the_schema(analysis):
    validate_analysis(analysis)
    validate_analysis({key: analysis[key] for key in MODEL_SECTIONS}, sections=MODEL_SECTIONS)


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (lambda a: a.pop("qualification"), "'qualification' is a required property"),
        (lambda a: a.update(sentiment_score=1.7), "$.sentiment_score: 1.7 is greater than"),
        (lambda a: a["objections"].update(objections="price"), "$.objections.objections"),
        (lambda a: a["objections"]["objections"][0].update(category_id=42), "category_id"),
        (lambda a: a["objections"]["objections"][0].update(category_text="Money"), "category_text"),
        (lambda a: a["objections"]["objections"][0].update(category_id=2), "is 'Timing', not"),
        (lambda a: a["qualification"].update(booking_status="pending"), "booking_status"),
        (lambda a: a["qualification"]["bant_scores"].pop("need"), "'need' is a required"),
        (lambda a: a["compliance"]["stage_results"][0].update(status="done"), "status"),
        (lambda a: a["summary"]["pending_actions"][0].update(action_type="fax"), "action_type"),
        (lambda a: a.update(provider="magic"), "$.provider"),
    ],
)
def test_malformed_analysis_is_rejected(analysis, break_it, expected):
    broken = copy.deepcopy(analysis)
    break_it(broken)

    with pytest.raises(AnalysisSchemaError) as error:
        validate_analysis(broken)
    assert any(expected in message for message in error.value.errors), error.value.errors


def test_model_sections_must_all_be_present(analysis):
    partial = {key: analysis[key] for key in MODEL_SECTIONS if key != "compliance"}

    with pytest.raises(AnalysisSchemaError, match="'compliance' is a required property"):
        validate_analysis(partial, sections=MODEL_SECTIONS)


def test_non_object_is_rejected():
    with pytest.raises(AnalysisSchemaError, match="is not of type 'object'"):
        validate_analysis(["not", "an", "analysis"])
