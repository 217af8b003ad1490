"""Offline analysis of real fixture calls: findings, evidence spans and the schema."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ai.analysis import analyze_transcript, iter_spans, quote_in_turn, validate_analysis
from ai.transcript import Transcript, TranscriptError, Turn, load_transcript, transcript_from_text

FIXTURE_CALLS = [
    "hvac_inhome_replacement_consult.json",
    "leak_detection_csr_out_of_scope_gas_excerpt.json",
    "leak_detection_csr_slab_leak_referral_excerpt.json",
    "plumbing_afterhours_answering_service.json",
]


@pytest.fixture(scope="module")
def hvac(transcripts_dir, embedder):
    transcript = load_transcript(transcripts_dir / "hvac_inhome_replacement_consult.json")
    return transcript, analyze_transcript(transcript, embedder=embedder)


@pytest.fixture(scope="module")
def roofing_script(audio_dir, embedder):
    transcript = load_transcript(audio_dir / "roofing_followup_tts.txt")
    return transcript, analyze_transcript(transcript, embedder=embedder)


def objections_by_category(analysis):
    return {o["category_text"]: o for o in analysis["objections"]["objections"]}


def test_hvac_consult_finds_price_and_financing_objections(hvac):
    _, analysis = hvac
    found = objections_by_category(analysis)

    assert found["Price/Budget"]["category_id"] == 1
    assert "price" in found["Price/Budget"]["objection_text"].lower()
    assert found["Contract Terms"]["category_id"] == 8
    assert "financing" in found["Contract Terms"]["objection_text"].lower()
    assert found["Decision Authority"]["objection_text"].endswith(
        "with my wife about all the options."
    )
    assert analysis["objections"]["total_objections"] == len(found)


def test_hvac_consult_discloses_the_right_to_cancel(hvac):
    transcript, analysis = hvac
    results = {r["stage"]: r for r in analysis["compliance"]["stage_results"]}

    disclosure = results["cancellation_rights_disclosed"]
    assert disclosure["status"] == "completed"
    assert "three day right to cancel" in disclosure["quote"]
    assert disclosure["turn_index"] == 123
    assert (disclosure["start"], disclosure["end"]) == (1772.87, 1838.26)
    assert not analysis["compliance"]["outcome_score"]["has_critical_error"]


def test_hvac_consult_measures_talk_time_from_turn_times(hvac):
    transcript, analysis = hvac
    talk = analysis["talk_listen"]

    assert talk["longest_monologue"]["turn_index"] == 35
    assert talk["longest_monologue"]["seconds"] == pytest.approx(586.5 - 450.38, abs=0.01)
    assert analysis["talk_time_ratio"] > 0.8
    assert analysis["engagement_score"] == pytest.approx(
        2
        * talk["customer_talk_seconds"]
        / (talk["rep_talk_seconds"] + talk["customer_talk_seconds"]),
        abs=0.001,
    )
    assert any(tip["category"] == "talk_time" for tip in analysis["coaching_tips"])


@pytest.mark.parametrize("name", FIXTURE_CALLS)
def test_every_span_quotes_the_transcript(transcripts_dir, embedder, name):
    transcript = load_transcript(transcripts_dir / name)
    analysis = analyze_transcript(transcript, embedder=embedder)

    spans = list(iter_spans(analysis))
    assert spans
    for where, span in spans:
        assert quote_in_turn(transcript, span["quote"], span["turn_index"]), where
    validate_analysis(analysis)


def test_every_span_of_an_unlabelled_script_quotes_it(roofing_script):
    transcript, analysis = roofing_script

    for where, span in iter_spans(analysis):
        assert quote_in_turn(transcript, span["quote"], span["turn_index"]), where
    validate_analysis(analysis)


def test_roofing_script_yields_the_thursday_follow_up(roofing_script):
    _, analysis = roofing_script
    actions = {a["action_type"]: a for a in analysis["summary"]["pending_actions"]}

    follow_up = actions["follow_up_call"]
    assert follow_up["action"] == "Follow-up call on Thursday at four"
    assert follow_up["quote"] == "Can we schedule a follow up on Thursday at four?"
    assert follow_up["confidence"] == 0.9  # "Thursday at four works." agrees
    assert actions["send_info"]["contact_method"] == "sms"
    assert analysis["qualification"]["follow_up_required"]


def test_roofing_script_objections_ignore_the_reps_own_offer(roofing_script):
    _, analysis = roofing_script

    assert set(objections_by_category(analysis)) == {"Price/Budget", "Decision Authority"}


def test_unknown_speakers_leave_speaker_figures_null(roofing_script):
    _, analysis = roofing_script

    assert analysis["talk_listen"] is None
    assert analysis["talk_time_ratio"] is None
    assert analysis["engagement_score"] is None


def test_follow_up_date_resolves_against_the_call_time(audio_dir, embedder):
    transcript = load_transcript(audio_dir / "roofing_followup_tts.txt")
    transcript.recorded_at = datetime(2025, 7, 14, 10, 0, tzinfo=ZoneInfo("America/Chicago"))

    analysis = analyze_transcript(transcript, embedder=embedder)

    follow_up = analysis["summary"]["pending_actions"][0]
    assert follow_up["due_at"] == "2025-07-17T16:00:00-05:00"


def test_out_of_scope_request_is_service_not_offered(transcripts_dir, embedder):
    transcript = load_transcript(
        transcripts_dir / "leak_detection_csr_out_of_scope_gas_excerpt.json"
    )

    qualification = analyze_transcript(transcript, embedder=embedder)["qualification"]

    assert qualification["booking_status"] == "service_not_offered"
    assert qualification["service_requested"] == "Do you guys do gas leaks?"
    assert qualification["service_not_offered_reason"] == "No, we do not."
    assert [span["turn_index"] for span in qualification["evidence"]["booking"]] == [0, 2]


def test_read_back_visit_is_booked_in_person(transcripts_dir, embedder):
    transcript = load_transcript(
        transcripts_dir / "leak_detection_csr_slab_leak_referral_excerpt.json"
    )

    analysis = analyze_transcript(transcript, embedder=embedder)
    qualification = analysis["qualification"]

    assert analysis["call_type"] == "csr_call"
    assert qualification["booking_status"] == "booked"
    assert qualification["appointment_type"] == "in-person"
    assert qualification["preferred_time_window"] == "morning"
    assert qualification["evidence"]["booking"][0]["quote"] == "So we'll be going out tomorrow."


def test_csr_call_uses_csr_stages_and_extracts_contact_details(transcripts_dir, embedder):
    transcript = load_transcript(transcripts_dir / "plumbing_afterhours_answering_service.json")

    analysis = analyze_transcript(transcript, embedder=embedder)

    stages = [r["stage"] for r in analysis["compliance"]["stage_results"]]
    assert stages == [
        "greeting",
        "problem_identification",
        "qualification",
        "scheduling",
        "confirmation",
        "closing",
    ]
    assert analysis["entities"]["phone"] == "555-010-0301"
    assert analysis["qualification"]["service_address_raw"].startswith("100 Example Street")
    assert any(a["action_type"] == "call_back" for a in analysis["summary"]["pending_actions"])


def test_company_checklist_replaces_the_default(embedder):
    transcript = transcript_from_text(
        "Rep: Hi, I'm Sam with Example Roofing.\n"
        "Customer: Hi Sam.\n"
        "Rep: You can cancel within three business days, it's on the form.\n"
    )
    checklist = [
        "cancellation_rights_disclosed",
        {"stage": "photo_review", "description": "Show the customer photos of the damage."},
    ]

    compliance = analyze_transcript(transcript, sop_checklist=checklist, embedder=embedder)[
        "compliance"
    ]

    statuses = {r["stage"]: r["status"] for r in compliance["stage_results"]}
    assert statuses == {"cancellation_rights_disclosed": "completed", "photo_review": "missed"}
    assert compliance["compliance_score"] == 0.5


def test_deposit_without_cancellation_notice_is_a_critical_error(embedder):
    transcript = transcript_from_text(
        "Rep: The total is $14,000 and we need a deposit of $1,400 today.\n"
        "Customer: Okay, here's my credit card.\n"
    )

    analysis = analyze_transcript(transcript, embedder=embedder)

    assert analysis["compliance"]["outcome_score"]["has_critical_error"]
    assert analysis["outcome_decision"] == "fail"
    assert any(
        v["violation_type"] == "critical_missed_stage" for v in analysis["compliance"]["violations"]
    )


def test_unanswered_closing_question_is_a_no_response_objection(embedder):
    transcript = Transcript(
        turns=[
            Turn("rep", "So that comes to $8,000. Shall we get you on the schedule?", 0.0, 4.0),
            Turn("customer", "Hmm...", 5.0, 6.0),
        ]
    )

    objection = analyze_transcript(transcript, embedder=embedder)["objections"]["objections"][0]

    assert objection["category_text"] == "No Response"
    assert objection["objection_text"] == "Shall we get you on the schedule?"
    assert objection["speaker_id"] == "rep"
    assert not objection["overcome"]


def test_empty_transcript_is_a_clear_error(embedder):
    with pytest.raises(TranscriptError, match="no spoken text"):
        analyze_transcript(Transcript(turns=[Turn(None, "")]), embedder=embedder)
