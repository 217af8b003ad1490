"""Recorded sales visits analysed end to end: signed upload, stop, the `ai` queue, and what the
analysis keeps (transcript, analysis, SOP results, tasks, signals) per company and ghost mode."""

import pytest
from rq import Queue
from sqlalchemy import select, text
from support import FIXTURES, bearer
from visit_helpers import load, make_appointment, scope, update

from otto.analysis.models import SopComplianceResult
from otto.appointments.models import Appointment
from otto.companies.models import Company
from otto.contacts.models import EventLog
from otto.leads.models import Lead
from otto.recordings.models import RecordingAnalysis, RecordingSession, RecordingTranscript
from otto.storage import LocalStorage
from otto.tasks.models import KeySignal, Task
from otto.users.models import SalesRep

BASE = "/api/v1/recording-sessions"
HOME = {"lat": 40.7128, "lng": -74.0060}
WAV = FIXTURES / "audio" / "roofing_followup_tts.wav"
# Tables the visit analysis writes, and the column that ties their rows to one visit.
VISIT_ROWS = {
    "recording_transcripts": "recording_session_id",
    "recording_analyses": "recording_session_id",
    "sop_compliance_results": "recording_session_id",
    "tasks": "appointment_id",
    "event_logs": "appointment_id",
}


def run_ai_queue(app) -> None:
    from jobs.worker import make_worker

    make_worker(app, ["ai"], app.extensions["otto"].redis).work(burst=True)


def blobs(app) -> LocalStorage:
    return LocalStorage(app.extensions["otto"].settings.storage_dir)


@pytest.fixture
def appointment_id(app, client, company, rep):
    """A clocked-in rep with an appointment in ten minutes."""
    clocked = client.post(f"/api/v1/reps/{rep.id}/shifts/clock-in", json={}, headers=bearer(rep))
    assert clocked.status_code == 200, clocked.get_json()
    return make_appointment(app, company, rep_id=rep.id)


def record_visit(client, rep, appointment_id: str, audio: bytes, *, before_stop=None) -> str:
    """Start, upload `audio` through the signed URL, complete the upload, stop; the session id."""
    started = client.post(f"{BASE}/start", headers=bearer(rep), json={
        "rep_id": rep.id, "appointment_id": appointment_id, "location": HOME})
    assert started.status_code == 201, started.get_json()
    data = started.get_json()["data"]
    session_id, url = data["recording_session_id"], data["audio_upload_url"]

    path = url.split("://", 1)[1].split("/", 1)[1]
    put = client.put(f"/{path}", data=audio, content_type="audio/m4a")
    assert put.status_code == 200, put.get_json()
    complete = client.post(f"{BASE}/{session_id}/upload-audio-complete", headers=bearer(rep), json={
        "audio_url": url, "audio_duration_seconds": 41.0, "audio_size_bytes": len(audio)})
    assert complete.status_code == 200, complete.get_json()
    if before_stop is not None:
        before_stop(session_id, put.get_json()["key"])

    stopped = client.post(f"{BASE}/{session_id}/stop", headers=bearer(rep),
                          json={"location": HOME})
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["data"]["session"]["transcription_status"] == "in_progress"
    return session_id


def session_view(client, rep, session_id: str) -> dict:
    response = client.get(f"{BASE}/{session_id}", headers=bearer(rep))
    assert response.status_code == 200
    return response.get_json()["data"]["session"]


def rows(app, company, model, *criteria) -> list:
    with scope(app, company.id) as session:
        found = list(session.execute(select(model).where(*criteria)).scalars())
        for row in found:
            session.expunge(row)
        return found


def test_uploaded_visit_audio_is_transcribed_analysed_and_followed_up(
    app, client, company, rep, appointment_id
):
    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes())

    run_ai_queue(app)

    view = session_view(client, rep, session_id)
    assert (view["transcription_status"], view["analysis_status"]) == ("completed", "completed")
    assert view["status"] == "completed" and view["error_message"] is None
    assert view["audio_url"] == f"{company.id}/recordings/{session_id}/{session_id}.m4a"

    [transcript] = rows(app, company, RecordingTranscript,
                        RecordingTranscript.recording_session_id == session_id)
    assert "wife" in transcript.transcript_text and "Thursday" in transcript.transcript_text
    assert transcript.uwc_job_id.startswith("local_") and not transcript.transcript_restricted
    assert transcript.speaker_labels[0]["start_time"] == 0.0
    assert transcript.appointment_id == appointment_id and transcript.word_count > 40

    [analysis] = rows(app, company, RecordingAnalysis,
                      RecordingAnalysis.recording_session_id == session_id)
    assert {"Price/Budget", "Decision Authority"} <= set(analysis.objections)
    details = {detail["type"]: detail for detail in analysis.objection_details}
    assert "price is higher" in details["Price/Budget"]["quote"]
    assert "talk to my wife" in details["Decision Authority"]["quote"]
    assert details["Decision Authority"]["resolved"] is False
    # "I need to talk to my wife before we decide": still deciding, so nothing is closed.
    assert analysis.outcome == "pending" and analysis.outcome_confidence == 0.7
    assert analysis.lead_id is not None and analysis.is_ghost_mode is False
    assert 0 < analysis.sop_compliance_score < 10
    assert {"greeting", "discussing_financing"} <= set(analysis.sop_stages_completed)
    assert "cancellation_rights_disclosed" in analysis.sop_stages_missed
    assert analysis.normalized_payload["transcript"]["word_count"] == transcript.word_count

    appointment = load(app, company, Appointment, appointment_id)
    assert (appointment.status, appointment.outcome) == ("scheduled", "pending")

    results = rows(app, company, SopComplianceResult,
                   SopComplianceResult.recording_session_id == session_id)
    assert len(results) == 12 and all(result.call_id is None for result in results)
    by_item = {result.checklist_item: result for result in results}
    assert by_item["greeting"].status == "completed" and by_item["greeting"].detected_by == "otto"
    assert by_item["closing_attempt"].status == "missed" and by_item["closing_attempt"].notes is None

    [follow_up] = rows(app, company, Task, Task.appointment_id == appointment_id,
                       Task.action_type == "follow_up_call")
    assert follow_up.description.startswith("Follow-up call on Thursday")
    assert (follow_up.assigned_to, follow_up.assignee_id) == ("rep", rep.id)
    assert (follow_up.source, follow_up.status) == ("otto", "open")

    signals = rows(app, company, KeySignal, KeySignal.appointment_id == appointment_id)
    assert 1 <= len(signals) <= 3
    assert all(signal.title.startswith("Missed Opportunity: ") for signal in signals)
    assert {(signal.signal_type, signal.severity) for signal in signals} == {("opportunity",
                                                                              "medium")}

    moments = rows(app, company, EventLog, EventLog.appointment_id == appointment_id,
                   EventLog.event_type == "decision_moment")
    assert "talk to my wife" in moments[0].description


def test_the_analysis_is_not_repeated_when_the_job_runs_again(
    app, client, company, rep, appointment_id
):
    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes())
    run_ai_queue(app)

    from jobs.analysis import analyze_visit

    with app.app_context():
        assert analyze_visit(company.id, session_id) == {"status": "skipped"}
    assert len(rows(app, company, RecordingAnalysis,
                    RecordingAnalysis.recording_session_id == session_id)) == 1


def test_missing_audio_fails_the_transcription_with_a_reason_once(
    app, client, company, rep, appointment_id
):
    def lose_the_audio(_session_id, key):
        blobs(app).delete(key)

    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes(),
                              before_stop=lose_the_audio)

    run_ai_queue(app)

    view = session_view(client, rep, session_id)
    assert (view["transcription_status"], view["analysis_status"]) == ("failed", "not_started")
    assert view["error_message"] == (
        "The audio could not be transcribed: the uploaded audio is missing from storage")
    job = Queue("ai", connection=app.extensions["otto"].redis).fetch_job(
        f"analyze_visit-{session_id}")
    assert job.get_status() == "finished"  # marked failed, not retried
    assert rows(app, company, RecordingAnalysis,
                RecordingAnalysis.recording_session_id == session_id) == []


def test_audio_without_speech_fails_the_transcription(app, client, company, rep, appointment_id):
    session_id = record_visit(client, rep, appointment_id, b"this is not audio at all" * 50)

    run_ai_queue(app)

    view = session_view(client, rep, session_id)
    assert view["transcription_status"] == "failed"
    assert view["error_message"].startswith("The audio could not be transcribed: cannot transcribe")


def test_ghost_visit_keeps_the_analysis_not_the_words_and_deletes_its_audio(
    app, client, company, rep, appointment_id
):
    update(app, company, Company, company.id, ghost_mode_storage="ephemeral",
           ghost_mode_retention="aggregates_only")
    update(app, company, SalesRep, rep.id, recording_mode="ghost")
    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes())
    key = f"{company.id}/recordings/{session_id}/{session_id}.m4a"
    assert blobs(app).path(key).is_file()

    run_ai_queue(app)

    view = session_view(client, rep, session_id)
    assert (view["mode"], view["audio_storage_mode"]) == ("ghost", "ephemeral")
    assert (view["transcription_status"], view["analysis_status"]) == ("completed", "completed")
    assert view["audio_url"] is None
    assert not blobs(app).path(key).exists()
    assert load(app, company, RecordingSession, session_id).audio_url is None

    [transcript] = rows(app, company, RecordingTranscript,
                        RecordingTranscript.recording_session_id == session_id)
    assert transcript.transcript_restricted and transcript.is_ghost_mode
    assert (transcript.transcript_text, transcript.speaker_labels) == (None, None)
    assert transcript.word_count > 40
    [analysis] = rows(app, company, RecordingAnalysis,
                      RecordingAnalysis.recording_session_id == session_id)
    assert analysis.is_ghost_mode
    assert {"Price/Budget", "Decision Authority"} <= set(analysis.objections)
    assert "transcript" not in analysis.normalized_payload
    assert "summary" not in analysis.normalized_payload


def stored_words(app, company, lines: list[tuple[str, str]]):
    """A `before_stop` hook: the session's transcript as an earlier attempt would have kept it,
    so the job analyses these words instead of transcribing the placeholder audio."""

    def store(session_id, _key):
        labels = [{"speaker": speaker, "text": words, "start_time": float(index * 5),
                   "end_time": float(index * 5 + 4)} for index, (speaker, words) in enumerate(lines)]
        with scope(app, company.id) as session:
            session.add(RecordingTranscript(
                company_id=company.id, recording_session_id=session_id, uwc_job_id=None,
                transcript_text="\n".join(words for _, words in lines), speaker_labels=labels))

    return store


def test_a_sale_with_a_quoted_price_wins_the_appointment_and_closes_the_lead(
    app, client, company, rep, appointment_id
):
    words = stored_words(app, company, [
        ("rep", "Hi, I'm Sam from Example Roofing, thanks for having me."),
        ("customer", "Come on in, the leak is over the kitchen."),
        ("rep", "The total for the full replacement comes to $14,500 with a ten year warranty."),
        ("customer", "That sounds fair. Let's do it, where do I sign?"),
        ("rep", "Here is the agreement. You have a three-day right to cancel."),
    ])
    session_id = record_visit(client, rep, appointment_id, b"placeholder audio",
                              before_stop=words)

    run_ai_queue(app)

    view = session_view(client, rep, session_id)
    assert (view["transcription_status"], view["analysis_status"]) == ("completed", "completed")
    [analysis] = rows(app, company, RecordingAnalysis,
                      RecordingAnalysis.recording_session_id == session_id)
    assert analysis.outcome == "won"
    appointment = load(app, company, Appointment, appointment_id)
    assert (appointment.outcome, appointment.status) == ("won", "completed")
    assert float(appointment.deal_size) == 14500
    lead = load(app, company, Lead, appointment.lead_id)
    assert (lead.status, float(lead.deal_size)) == ("closed_won", 14500)


def test_a_sale_without_a_price_waits_for_a_manager(app, client, company, rep, appointment_id):
    words = stored_words(app, company, [
        ("rep", "Hi, I'm Sam from Example Roofing."),
        ("rep", "We can replace the whole roof in two days."),
        ("customer", "Great, sign me up."),
    ])
    session_id = record_visit(client, rep, appointment_id, b"placeholder audio",
                              before_stop=words)

    run_ai_queue(app)

    [analysis] = rows(app, company, RecordingAnalysis,
                      RecordingAnalysis.recording_session_id == session_id)
    assert analysis.outcome == "won"
    appointment = load(app, company, Appointment, appointment_id)
    assert (appointment.outcome, appointment.status, appointment.deal_size) == (
        "pending", "scheduled", None)
    [review] = rows(app, company, Task, Task.appointment_id == appointment_id,
                    Task.action_type == "manager_review")
    assert (review.assigned_to, review.priority, review.source) == ("manager", "high", "otto")


def test_another_company_sees_none_of_the_visit_rows(
    app, client, company, rep, appointment_id, make_company, make_user
):
    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes())
    run_ai_queue(app)
    other = make_company()

    for viewer, expected in ((other, False), (company, True)):
        with scope(app, viewer.id) as session:
            for table, column in VISIT_ROWS.items():
                key = session_id if column == "recording_session_id" else appointment_id
                found = session.execute(
                    text(f"SELECT count(*) > 0 FROM {table} WHERE {column} = :key"),
                    {"key": key}).scalar()
                assert found is expected, (viewer.id, table)
    outsider = client.get(f"{BASE}/{session_id}", headers=bearer(make_user(other, "manager")))
    assert outsider.status_code == 404


def test_an_analysis_that_keeps_failing_is_marked_failed_and_keeps_the_words(
    app, client, company, rep, appointment_id, monkeypatch
):
    import jobs.analysis

    def broken_analyzer(_transcript):
        raise RuntimeError("analyzer crashed")

    session_id = record_visit(client, rep, appointment_id, WAV.read_bytes())
    monkeypatch.setattr(jobs.analysis, "run_analysis", broken_analyzer)

    with app.app_context(), pytest.raises(RuntimeError):  # outside RQ: this is the last attempt
        jobs.analysis.analyze_visit(company.id, session_id)

    view = session_view(client, rep, session_id)
    assert (view["transcription_status"], view["analysis_status"]) == ("completed", "failed")
    assert view["error_message"] == "The visit analysis failed after several attempts."
    [transcript] = rows(app, company, RecordingTranscript,
                        RecordingTranscript.recording_session_id == session_id)
    assert "Thursday" in transcript.transcript_text
