"""Mobile v0 transcript analysis and the transcription of uploaded visit audio."""

import json
import time

import time_machine
from sqlalchemy import select

from analysis_support import TRANSCRIPTS, make_call, run_ai_queue, scope
from ai.transcript import load_transcript
from otto.analysis.models import CallTranscript, TranscriptAnalysis
from otto.analysis.service import enqueue_transcription, transcription_progress
from otto.analysis.sources import timed_text
from otto.calls.models import Call
from otto.db import db
from otto.mobile.models import MobileRecording
from otto.storage import storage
from support import FIXTURES, bearer

BOUGHT_VISIT = """Rep: Hi, I'm Dana with Acme Roofing. Thanks for having me.
Customer: Come on in.
Rep: The total for the full replacement comes to $12,500.
Rep: We offer financing at zero percent for eighteen months.
Customer: That works for us. Let's do it.
Rep: Great, I'll email you the contract so we can get the paperwork signed.
Rep: Thanks for your time, have a great day."""


def hvac_visit() -> str:
    return timed_text(load_transcript(TRANSCRIPTS / "hvac_inhome_replacement_consult.json"))


def test_v0_on_the_hvac_visit_finds_a_deciding_customer_and_syncs_the_call(
        app, client, company, manager, rep, csr):
    call_id = make_call(app, company.id, assigned_rep_id=rep.id, in_person_transcript=hvac_visit())

    response = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}",
                           headers=bearer(rep))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["process"], body["degraded"]) == ("success", "v0", False)
    decision = body["analysis"]["customer_decision"]
    assert decision["status"] == "deciding"
    assert "wife" in decision["quote"] or "decision" in decision["quote"]
    assert decision["timestamp"].count(":") == 2
    turns = [turn["text"] for turn in json.loads(
        (TRANSCRIPTS / "hvac_inhome_replacement_consult.json").read_text())["turns"]]
    for section in body["analysis"].values():
        for key, value in section.items():
            if (key == "quote" or key.endswith("_quote")) and value:
                assert any(value in turn for turn in turns), value

    with scope(app, company.id):
        call = db.session.get(Call, call_id)
        assert (call.bought, call.still_deciding) == (False, True)
        assert call.reason_for_deciding == decision["quote"]

    read = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}", headers=bearer(csr))
    assert read.status_code == 200
    view = read.json
    assert (view["call_id"], view["analysis_version"], view["model_version"]) == (
        call_id, 1, "v0:local")
    assert view["details"]["customer_decision"] == {
        "quote": decision["quote"], "timestamp": decision["timestamp"], "status": "deciding"}
    assert set(view["details"]) >= {"rep_greeting", "price_quote", "goodbye", "paperwork_mention"}


def test_v0_versions_and_sync_from_a_chosen_version(app, client, make_company, make_user):
    company = make_company(name="Acme Roofing")
    manager = make_user(company, "manager")
    call_id = make_call(app, company.id, in_person_transcript=BOUGHT_VISIT)

    first = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}",
                        headers=bearer(manager)).json["analysis"]
    assert first["customer_decision"]["status"] == "bought"
    assert first["quoted_price"]["price"] == "$12,500"
    assert first["greeting"]["company_name_mentioned"] is True
    assert first["greeting"]["rep_introduced_self"] is True
    assert first["farewell"]["document_type"] == "contract"
    with scope(app, company.id):
        call = db.session.get(Call, call_id)
        assert (call.bought, call.still_deciding, float(call.price_if_bought)) == (
            True, False, 12500.0)
        call.in_person_transcript = "Customer: We're not interested, thanks."

    client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}", headers=bearer(manager))
    versions = client.get(f"/api/v1/mobile/audio/transcript-analyses/{call_id}/versions",
                          headers=bearer(manager)).json["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    with scope(app, company.id):
        call = db.session.get(Call, call_id)
        assert (call.bought, call.reason_for_lost_sale) == (
            False, "We're not interested, thanks.")

    synced = client.post(
        f"/api/v1/mobile/audio/sync-call-fields-from-analysis/{call_id}?analysis_version=1",
        headers=bearer(manager))
    assert synced.status_code == 200
    assert synced.json["analysis_version"] == 1
    assert synced.json["changes"]["bought"] == {"before": False, "after": True}
    assert synced.json["changes"]["price_if_bought"]["after"] == 12500.0

    old = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}?version=1",
                     headers=bearer(manager)).json
    assert old["analysis_version"] == 1
    unknown = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}?version=9",
                         headers=bearer(manager))
    assert (unknown.status_code, unknown.json["error_code"]) == (404, "NOT_FOUND")


def test_v0_input_checks(app, client, company, manager, csr):
    empty = make_call(app, company.id)
    call_id = make_call(app, company.id, transcript="Customer: let me think about it.")

    none = client.post(f"/api/v1/mobile/audio/analyze-transcript/{empty}", headers=bearer(manager))
    assert (none.status_code, none.json["error_code"]) == (400, "INVALID_REQUEST")
    process = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}?process_name=v9",
                          headers=bearer(manager))
    assert process.status_code == 422
    assert "v0" in process.json["validation_errors"][0]["message"]
    foreign = client.post(
        f"/api/v1/mobile/audio/analyze-transcript/{call_id}?company_id=org_someone_else",
        headers=bearer(manager))
    assert (foreign.status_code, foreign.json["error_code"]) == (403, "FORBIDDEN")
    by_csr = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}", headers=bearer(csr))
    assert by_csr.status_code == 403
    no_analysis = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}",
                             headers=bearer(csr))
    assert (no_analysis.status_code, no_analysis.json["error_code"]) == (404, "NOT_FOUND")
    assert client.get(f"/api/v1/mobile/audio/transcript-analyses/{call_id}/versions",
                      headers=bearer(csr)).json == {"versions": []}

    processes = client.get("/api/v1/mobile/audio/analysis-processes", headers=bearer(csr)).json
    assert [p["name"] for p in processes["processes"]] == ["v0"]


def test_v0_in_the_background(app, client, company, manager):
    call_id = make_call(app, company.id, mobile_transcript=json.dumps(
        [{"timestamp": "2026-03-02T10:00:00Z",
          "transcript": "Customer: We'll take it. Let's do it."}]))
    started = client.post(
        f"/api/v1/mobile/audio/analyze-transcript/{call_id}?run_in_background=true",
        headers=bearer(manager))
    assert started.status_code == 202
    assert started.json["status"] == "processing"
    run_ai_queue(app)
    view = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}",
                      headers=bearer(manager)).json
    assert view["customer_decision"]["status"] == "bought"


def test_batch_sync_applies_the_newest_analysis_per_call(app, client, company, manager):
    first = make_call(app, company.id, in_person_transcript=BOUGHT_VISIT)
    second = make_call(app, company.id, in_person_transcript="Customer: We're not interested.")
    unanalysed = make_call(app, company.id, in_person_transcript=BOUGHT_VISIT)
    for call_id in (first, second):
        client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}", headers=bearer(manager))
    with scope(app, company.id):  # someone edits the flags by hand afterwards
        for call_id in (first, second):
            call = db.session.get(Call, call_id)
            call.bought, call.reason_for_lost_sale = False, None

    result = client.post("/api/v1/mobile/audio/batch-sync-call-fields",
                         json=[first, second, unanalysed], headers=bearer(manager))
    assert result.status_code == 200, result.json
    assert result.json == {"total_calls": 2, "updated_calls": 2, "skipped_calls": 0, "errors": []}
    again = client.post("/api/v1/mobile/audio/batch-sync-call-fields?limit=1",
                        headers=bearer(manager)).json
    assert (again["total_calls"], again["updated_calls"], again["skipped_calls"]) == (1, 0, 1)
    bad_limit = client.post("/api/v1/mobile/audio/batch-sync-call-fields?limit=501",
                            headers=bearer(manager))
    assert bad_limit.status_code == 422


def test_uploaded_visit_audio_is_transcribed_then_analysed(app, company, rep):
    call_id = make_call(app, company.id, assigned_rep_id=rep.id)
    with scope(app, company.id):
        recording = MobileRecording(company_id=company.id, call_id=call_id, rep_id=rep.id,
                                    trigger_type="manual", status="processing")
        db.session.add(recording)
        db.session.flush()
        key = f"{company.id}/mobile-recordings/{recording.id}/visit.wav"
        with open(FIXTURES / "audio" / "roofing_followup_tts.wav", "rb") as audio:
            storage().save_stream(key, audio, 50 * 1024 * 1024)
        recording.storage_key = key
        enqueue_transcription(recording)
        recording_id = recording.id
    with scope(app, company.id):
        waiting = transcription_progress(db.session.get(MobileRecording, recording_id))
        assert (waiting["stage"], waiting["progress"]) == ("uploaded", 5)

    run_ai_queue(app)

    with scope(app, company.id):
        recording = db.session.get(MobileRecording, recording_id)
        assert recording.status == "completed", recording.error
        assert transcription_progress(recording) == {"stage": "done", "progress": 100}
        assert recording.formatted_transcript.startswith("[00:00:0")
        assert "Thursday" in recording.formatted_transcript
        assert recording.raw_transcript["segments"][0]["start_time"] is not None
        call = db.session.get(Call, call_id)
        assert call.in_person_transcript == recording.formatted_transcript
        stored = db.session.execute(
            select(CallTranscript).where(CallTranscript.call_id == call_id)).scalar_one()
        assert stored.uwc_job_id.startswith("local_")
        v0 = db.session.execute(
            select(TranscriptAnalysis).where(TranscriptAnalysis.call_id == call_id)).scalar_one()
        assert v0.follow_up_quote is not None
        assert v0.follow_up_timestamp is not None


def test_unreadable_visit_audio_ends_in_error(app, company, rep):
    call_id = make_call(app, company.id, assigned_rep_id=rep.id)
    with scope(app, company.id):
        recording = MobileRecording(company_id=company.id, call_id=call_id, rep_id=rep.id,
                                    trigger_type="manual", status="processing")
        db.session.add(recording)
        db.session.flush()
        key = f"{company.id}/mobile-recordings/{recording.id}/visit.m4a"
        storage().path(key).parent.mkdir(parents=True, exist_ok=True)
        storage().path(key).write_bytes(b"not audio at all" * 100)
        recording.storage_key = key
        enqueue_transcription(recording)
        recording_id = recording.id

    run_ai_queue(app)

    with scope(app, company.id):
        recording = db.session.get(MobileRecording, recording_id)
        assert recording.status == "error"
        assert "could not be transcribed" in recording.error
        progress = transcription_progress(recording)
        assert progress["error"] == recording.error


def test_the_audio_routes_report_transcription_progress_end_to_end(app, client, company, rep):
    call_id = make_call(app, company.id, assigned_rep_id=rep.id)
    started = client.post("/api/v1/mobile/audio/start-recording",
                          json={"trigger_type": "manual", "call_id": call_id}, headers=bearer(rep))
    assert started.status_code == 201, started.json
    recording_id = started.json["recording_id"]
    status_url = f"/api/v1/mobile/audio/status/{recording_id}"
    pending = client.get(status_url, headers=bearer(rep)).json
    assert (pending["status"], pending["stage"], pending["progress"]) == ("pending", None, 0)

    with open(FIXTURES / "audio" / "roofing_followup_tts.wav", "rb") as audio:
        uploaded = client.post(f"/api/v1/mobile/audio/upload/{recording_id}",
                               data={"file": (audio, "visit.wav")}, headers=bearer(rep),
                               content_type="multipart/form-data")
    assert uploaded.status_code == 202, uploaded.json
    queued = client.get(status_url, headers=bearer(rep)).json
    assert (queued["status"], queued["stage"], queued["progress"]) == ("processing", "uploaded", 5)

    run_ai_queue(app)

    done = client.get(status_url, headers=bearer(rep)).json
    assert (done["status"], done["stage"], done["progress"]) == ("completed", "done", 100)
    assert "Thursday" in done["formatted_transcript"]
    raw = client.get(f"/api/v1/mobile/audio/raw-data/{recording_id}", headers=bearer(rep)).json
    assert raw["status"] == "completed"
    assert raw["raw_transcript"]["segments"]
    analysis = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}",
                          headers=bearer(rep)).json
    assert analysis["farewell"]["follow_up_scheduled"] is True


def test_analyze_transcript_is_limited_to_20_a_minute_per_user(app, client, company, manager):
    call_id = make_call(app, company.id, in_person_transcript="Customer: Let's do it.")
    url = f"/api/v1/mobile/audio/analyze-transcript/{call_id}"
    with time_machine.travel(time.time(), tick=False):  # one clock minute for the whole burst
        statuses = [client.post(url, headers=bearer(manager)).status_code for _ in range(20)]
        limited = client.post(url, headers=bearer(manager))
    assert statuses == [200] * 20
    assert (limited.status_code, limited.json["error_code"]) == (429, "RATE_LIMIT_EXCEEDED")
    assert 0 < int(limited.headers["Retry-After"]) <= 60
