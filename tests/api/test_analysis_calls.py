"""Call analysis through the API: queue, offline analysis of real transcripts, versions, reads."""

from sqlalchemy import select

from analysis_support import (TRANSCRIPTS, fixture_text, fixture_turns, make_call, run_ai_queue,
                              scope)
from otto.analysis.models import CallAnalysis, CallTranscript, SopComplianceResult
from otto.calls.models import Call
from otto.db import db
from support import bearer

HVAC = "hvac_inhome_replacement_consult"


def collapse(text: str) -> str:
    return " ".join(text.split())


def quotes_of(analysis: dict) -> list[tuple[str, int | None]]:
    """Every (quote, turn_index) the analysis response reports."""
    spans = []
    for detail in analysis["objection_details"]:
        spans.append((detail["quote"], detail["turn_index"]))
        if detail["response_quote"]:
            spans.append((detail["response_quote"], detail["response_turn_index"]))
    for result in analysis["sop_stage_results"]:
        if result["quote"] is not None:
            spans.append((result["quote"], result["turn_index"]))
    for evidence in analysis["qualification_evidence"].values():
        spans.extend((span["quote"], span["turn_index"]) for span in evidence)
    return spans


def test_hvac_consult_is_analysed_offline_with_every_span_in_the_transcript(
        app, client, company, manager, rep):
    call_id = make_call(app, company.id, phone="+14155550101", name="Chris",
                        call_type="sales_call", assigned_rep_id=rep.id,
                        transcript=(TRANSCRIPTS / f"{HVAC}.json").read_text())

    queued = client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(manager))
    assert queued.status_code == 202, queued.json
    assert queued.json["success"] is True
    job = queued.json["data"]
    assert (job["status"], job["progress"], job["job_id"]) == ("queued", 0, f"analyze-{call_id}-1")

    again = client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(rep))
    assert again.status_code == 202
    assert again.json["data"]["job_id"] == job["job_id"]  # the queued job, not a second one

    pending = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(rep)).json["data"]
    assert (pending["analysis_id"], pending["status"]) == ("pending", "processing")

    run_ai_queue(app)

    response = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(rep))
    assert response.status_code == 200
    analysis = response.json["data"]
    assert (analysis["status"], analysis["provider"], analysis["analysis_version"]) == (
        "complete", "local", "v1")

    by_type = {detail["type"]: detail for detail in analysis["objection_details"]}
    assert "price" in by_type["Price/Budget"]["quote"].lower()
    assert "financing" in by_type["Contract Terms"]["quote"].lower()
    assert {"Price/Budget", "Contract Terms"} <= set(analysis["objections"])
    stages = {result["stage"]: result for result in analysis["sop_stage_results"]}
    disclosure = stages["cancellation_rights_disclosed"]
    assert disclosure["status"] == "completed"
    assert "cancel" in disclosure["quote"].lower()
    assert "cancellation_rights_disclosed" in analysis["sop_stages_completed"]

    turns = fixture_turns(HVAC)
    spans = quotes_of(analysis)
    assert len(spans) > 10
    for quote, turn_index in spans:
        assert collapse(quote) in collapse(turns[turn_index]["text"]), quote

    with scope(app, company.id):
        results = db.session.execute(
            select(SopComplianceResult).where(SopComplianceResult.call_id == call_id)).scalars()
        checklist = {row.checklist_item: row for row in results}
        assert checklist["cancellation_rights_disclosed"].status == "completed"
        assert checklist["cancellation_rights_disclosed"].detected_by == "otto"
        assert db.session.get(Call, call_id).analysis_status == "completed"


def test_an_analysed_call_answers_complete_until_forced(app, client, company, manager, csr, rep):
    call_id = make_call(app, company.id, phone="+14155550102", call_type="csr_call",
                        transcript=fixture_text("plumbing_afterhours_answering_service"))
    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(csr))
    run_ai_queue(app)
    first = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(csr)).json["data"]

    repeat = client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(csr))
    assert repeat.status_code == 200
    assert repeat.json["data"]["status"] == "completed"
    assert repeat.json["data"]["progress"] == 100
    assert repeat.json["data"]["message"] == "Analysis already complete"
    with scope(app, company.id):
        stored = db.session.get(CallAnalysis, first["analysis_id"])
        assert repeat.json["data"]["job_id"] == stored.uwc_job_id
        assert stored.uwc_job_id.startswith("local_")

    # The same words again: the output hash matches, so forcing adds no version.
    forced = client.post(f"/api/v1/calls/{call_id}/analyze", json={"force": True},
                         headers=bearer(manager))
    assert forced.status_code == 202
    run_ai_queue(app)
    assert _versions(app, company.id, call_id) == ["v1"]

    # New words (a corrected transcript): a second version, the first one kept.
    with scope(app, company.id):
        db.session.add(CallTranscript(
            company_id=company.id, call_id=call_id, uwc_job_id="vendor-42",
            transcript_text=fixture_text("leak_detection_csr_out_of_scope_gas_excerpt")))
    client.post(f"/api/v1/calls/{call_id}/analyze", json={"force": True}, headers=bearer(manager))
    run_ai_queue(app)
    assert _versions(app, company.id, call_id) == ["v1", "v2"]
    latest = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(manager)).json["data"]
    assert latest["analysis_version"] == "v2"
    assert latest["booking_status"] == "service_not_offered"


def test_a_sales_rep_may_not_force_and_nothing_to_analyze_is_a_400(app, client, company, rep):
    call_id = make_call(app, company.id, assigned_rep_id=rep.id)

    forced = client.post(f"/api/v1/calls/{call_id}/analyze", json={"force": True},
                         headers=bearer(rep))
    assert forced.status_code == 403
    assert forced.json["error_code"] == "INSUFFICIENT_PERMISSIONS"

    empty = client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(rep))
    assert empty.status_code == 400
    assert empty.json["error_code"] == "INVALID_REQUEST"
    view = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(rep)).json["data"]
    assert view == {"call_id": call_id, "analysis_id": "pending", "status": "not_analyzed",
                    "transcript": None}


def test_bad_bodies_are_422(app, client, company, manager):
    call_id = make_call(app, company.id, transcript="Customer: hello")
    unknown = client.post(f"/api/v1/calls/{call_id}/analyze", json={"company_id": "x"},
                          headers=bearer(manager))
    assert unknown.status_code == 422
    wrong = client.post(f"/api/v1/calls/{call_id}/analyze", json={"force": "maybe"},
                        headers=bearer(manager))
    assert wrong.status_code == 422
    missing = client.post("/api/v1/calls/999999999/analyze", headers=bearer(manager))
    assert (missing.status_code, missing.json["error_code"]) == (404, "CALL_NOT_FOUND")


def test_csr_call_analysis_classifies_the_lead_and_raises_work(app, client, company, manager):
    call_id = make_call(app, company.id, phone="+14155550103", call_type="csr_call",
                        transcript=fixture_text("leak_detection_csr_out_of_scope_gas_excerpt"))
    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(manager))
    run_ai_queue(app)

    from otto.leads.models import Lead, LeadStatusHistory
    from otto.tasks.models import KeySignal

    with scope(app, company.id):
        call = db.session.get(Call, call_id)
        lead = db.session.get(Lead, call.lead_id)
        assert lead.status == "qualified_service_not_offered"
        assert lead.last_qualified_at is not None
        history = db.session.execute(
            select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id,
                                            LeadStatusHistory.reason == "Otto classification")
        ).scalar_one()
        assert (history.from_status, history.triggered_by) == ("new", "otto")
        titles = set(db.session.execute(
            select(KeySignal.title).where(KeySignal.contact_card_id == call.contact_card_id))
            .scalars())
        assert "Service not offered" in titles


def test_post_call_record_is_the_newest_row_without_its_payload(app, client, company, manager,
                                                                csr):
    call_id = make_call(app, company.id, call_type="csr_call",
                        transcript=fixture_text("plumbing_afterhours_answering_service"))
    none_yet = client.get(f"/api/v1/post-call-analysis/call/{call_id}", headers=bearer(csr))
    assert (none_yet.status_code, none_yet.json["error_code"]) == (404, "NOT_FOUND")

    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(manager))
    run_ai_queue(app)
    response = client.get(f"/api/v1/post-call-analysis/call/{call_id}", headers=bearer(csr))
    assert response.status_code == 200
    assert response.json["message"] == "Call analysis retrieved successfully"
    record = response.json["data"]
    assert record["company_id"] == company.id
    assert record["call_id"] == call_id
    assert "normalized_payload" not in record
    assert record["analyzed_at"].endswith("Z")
    assert record["uwc_job_id"]


def _versions(app, company_id, call_id) -> list[str]:
    with scope(app, company_id):
        return list(db.session.execute(
            select(CallAnalysis.analysis_version).where(CallAnalysis.call_id == call_id)
            .order_by(CallAnalysis.version_number)).scalars())
