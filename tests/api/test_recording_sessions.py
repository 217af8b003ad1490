"""Recording sessions through the API: start guards, ghost modes, geofence, stop, audio upload."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from support import bearer
from visit_helpers import count, load, make_appointment, scope, update

from otto.appointments.models import Appointment
from otto.companies.models import Company
from otto.contacts.models import EventLog
from otto.db import utcnow
from otto.leads.models import Lead
from otto.recordings.models import RecordingSession
from otto.recordings.processing import NO_VISIT_ANALYSIS, VISIT_JOB, optional_job
from otto.users.models import SalesRep

BASE = "/api/v1/recording-sessions"
HOME = {"lat": 40.7128, "lng": -74.0060}
NEARBY = {"lat": 40.7130, "lng": -74.0060}  # about 73 ft north of HOME
ACROSS_TOWN = {"lat": 40.7300, "lng": -74.0060}  # about 1.2 miles away
SESSION_KEYS = {
    "id",
    "company_id",
    "rep_id",
    "appointment_id",
    "shift_id",
    "status",
    "mode",
    "audio_storage_mode",
    "started_at",
    "ended_at",
    "start_lat",
    "start_lng",
    "end_lat",
    "end_lng",
    "geofence_radius_start",
    "geofence_radius_stop",
    "audio_url",
    "audio_duration_seconds",
    "audio_size_bytes",
    "transcription_status",
    "analysis_status",
    "shunya_asr_job_id",
    "shunya_analysis_job_id",
    "error_message",
    "expires_at",
}


def clock_in(client, rep):
    response = client.post(f"/api/v1/reps/{rep.id}/shifts/clock-in", json={}, headers=bearer(rep))
    assert response.status_code == 200, response.get_json()


def start(client, user, rep_id, appointment_id, location=HOME, headers=None, **fields):
    body = {"rep_id": rep_id, "appointment_id": appointment_id, "location": location, **fields}
    return client.post(f"{BASE}/start", json=body, headers={**bearer(user), **(headers or {})})


def stop(client, user, session_id, location=HOME, headers=None):
    return client.post(
        f"{BASE}/{session_id}/stop",
        json={"location": location},
        headers={**bearer(user), **(headers or {})},
    )


@pytest.fixture
def ready(app, client, company, rep):
    """A clocked-in rep with an appointment in ten minutes at HOME."""
    clock_in(client, rep)
    return make_appointment(
        app, company, rep_id=rep.id, location_lat=HOME["lat"], location_lng=HOME["lng"]
    )


def events(app, company, appointment_id) -> list[str]:
    with scope(app, company.id) as session:
        return list(
            session.execute(
                select(EventLog.event_type)
                .where(EventLog.appointment_id == appointment_id)
                .order_by(EventLog.timestamp)
            ).scalars()
        )


# --- start ----------------------------------------------------------------------------------------


def test_start_records_and_returns_an_upload_url(app, client, company, rep, ready):
    response = start(client, rep, rep.id, ready)

    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["status"] == "recording" and data["mode"] == "normal"
    assert data["audio_storage_mode"] == "persistent" and data["shunya_job_config"] is None
    assert "/files/" in data["audio_upload_url"]
    session = load(app, company, RecordingSession, data["recording_session_id"])
    assert session.status == "recording" and session.shift_id is not None
    assert (session.start_lat, session.start_lng) == (HOME["lat"], HOME["lng"])
    appointment = load(app, company, Appointment, ready)
    assert load(app, company, Lead, appointment.lead_id).deal_status == "in-progress"
    assert "recording_started" in events(app, company, ready)


def test_a_manager_starts_for_any_rep_a_csr_for_none(
    app, client, company, manager, csr, rep, ready
):
    refused = start(client, csr, rep.id, ready)
    assert refused.status_code == 403
    assert refused.get_json()["error_code"] == "INSUFFICIENT_PERMISSIONS"
    assert start(client, manager, rep.id, ready).status_code == 201


def test_start_guards_in_order(app, client, company, manager, rep, make_user, make_company):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    foreign = make_company()
    foreign_rep = make_user(foreign, "sales_rep", manager_id=make_user(foreign, "manager").id)
    appointment_id = make_appointment(app, company, rep_id=rep.id)

    def refused(user, rep_id, appointment, status, code, **fields):
        response = start(client, user, rep_id, appointment, **fields)
        assert (response.status_code, response.get_json()["error_code"]) == (status, code), (
            response.get_json()
        )
        return response.get_json()["detail"]

    assert (
        refused(manager, foreign_rep.id, appointment_id, 404, "NOT_FOUND")
        == f"Sales rep {foreign_rep.id} not found"
    )
    refused(rep, other_rep.id, appointment_id, 403, "FORBIDDEN")

    update(app, company, SalesRep, rep.id, allow_recording=False)
    assert (
        refused(rep, rep.id, appointment_id, 403, "OPERATION_NOT_ALLOWED")
        == "Recording is not allowed for this rep"
    )
    update(app, company, SalesRep, rep.id, allow_recording=True, allow_location_tracking=False)
    refused(rep, rep.id, appointment_id, 403, "OPERATION_NOT_ALLOWED")
    update(app, company, SalesRep, rep.id, allow_location_tracking=True, recording_mode="off")
    refused(rep, rep.id, appointment_id, 403, "OPERATION_NOT_ALLOWED")  # the rep's default mode
    update(app, company, SalesRep, rep.id, recording_mode="normal")
    refused(rep, rep.id, appointment_id, 403, "OPERATION_NOT_ALLOWED", mode="off")
    update(app, company, Company, company.id, allow_ghost_mode=False)
    refused(rep, rep.id, appointment_id, 403, "OPERATION_NOT_ALLOWED", mode="ghost")

    assert (
        refused(rep, rep.id, appointment_id, 400, "INVALID_REQUEST")
        == "Rep must be clocked in to start recording"
    )
    clock_in(client, rep)
    others = make_appointment(app, company, rep_id=other_rep.id)
    assert (
        refused(rep, rep.id, others, 404, "NOT_FOUND")
        == f"Appointment {others} not found or not assigned to rep"
    )
    later = make_appointment(app, company, rep_id=rep.id, start=utcnow() + timedelta(hours=2))
    refused(rep, rep.id, later, 400, "INVALID_REQUEST")

    assert start(client, rep, rep.id, appointment_id).status_code == 201
    refused(rep, rep.id, appointment_id, 409, "RESOURCE_CONFLICT")
    second = make_appointment(app, company, rep_id=rep.id)
    refused(rep, rep.id, second, 409, "RESOURCE_CONFLICT")  # one active session per rep
    assert count(app, company, RecordingSession, RecordingSession.rep_id == rep.id) == 1


def test_without_required_clock_in_no_shift_is_needed(app, client, company, rep):
    update(app, company, Company, company.id, require_clock_in=False)
    appointment_id = make_appointment(app, company, rep_id=rep.id)
    response = start(client, rep, rep.id, appointment_id)
    assert response.status_code == 201
    session = load(
        app, company, RecordingSession, response.get_json()["data"]["recording_session_id"]
    )
    assert session.shift_id is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"location": {"lat": 91, "lng": 0}}, "body.location.lat"),
        ({"location": {"lat": 10}}, "body.location.lng"),
        ({"location": {"lat": "north", "lng": 0}}, "body.location.lat"),
        ({"location": {"lat": 1, "lng": 2, "alt": 3}}, "body.location.alt"),
        ({"mode": "stealth"}, "body.mode"),
        ({"status": "completed"}, "body.status"),
        ({"location": None}, "body.location"),
    ],
)
def test_bad_start_input_writes_nothing(app, client, company, rep, ready, body, field):
    request = {"rep_id": rep.id, "appointment_id": ready, "location": HOME, **body}
    response = client.post(f"{BASE}/start", json=request, headers=bearer(rep))
    assert response.status_code == 422
    assert field in {error["field"] for error in response.get_json()["validation_errors"]}
    assert count(app, company, RecordingSession, RecordingSession.rep_id == rep.id) == 0


def test_idempotent_start_and_stop(app, client, company, rep, ready):
    key = {"Idempotency-Key": f"start-{uuid.uuid4().hex}"}
    first = start(client, rep, rep.id, ready, headers=key)
    replay = start(client, rep, rep.id, ready, headers=key)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["data"] == first.get_json()["data"]
    assert count(app, company, RecordingSession, RecordingSession.rep_id == rep.id) == 1

    session_id = first.get_json()["data"]["recording_session_id"]
    stop_key = {"Idempotency-Key": f"stop-{uuid.uuid4().hex}"}
    stopped = stop(client, rep, session_id, headers=stop_key)
    again = stop(client, rep, session_id, headers=stop_key)
    assert stopped.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stop(client, rep, session_id).status_code == 409  # no key: a real second stop


# --- ghost mode (§5.13) ---------------------------------------------------------------------------


def test_ghost_not_stored_has_no_upload_and_no_audio(app, client, company, rep, ready):
    response = start(client, rep, rep.id, ready, mode="ghost")
    data = response.get_json()["data"]
    assert (data["mode"], data["audio_storage_mode"]) == ("ghost", "not_stored")
    assert data["audio_upload_url"] is None
    session_id = data["recording_session_id"]

    upload = client.post(
        f"{BASE}/{session_id}/upload-audio-complete",
        headers=bearer(rep),
        json={
            "audio_url": f"{company.id}/recordings/{session_id}/{session_id}.m4a",
            "audio_duration_seconds": 10,
            "audio_size_bytes": 100,
        },
    )
    assert upload.status_code == 409 and upload.get_json()["error_code"] == "OPERATION_NOT_ALLOWED"
    session = client.get(f"{BASE}/{session_id}", headers=bearer(rep)).get_json()["data"]["session"]
    assert session["audio_url"] is None and session["audio_size_bytes"] is None


def test_ghost_ephemeral_storage_expires(app, client, company, rep, ready):
    update(
        app,
        company,
        Company,
        company.id,
        ghost_mode_storage="ephemeral",
        ghost_mode_ephemeral_ttl_minutes=15,
    )
    update(app, company, SalesRep, rep.id, recording_mode="ghost")  # the rep's default mode
    data = start(client, rep, rep.id, ready).get_json()["data"]
    assert (data["mode"], data["audio_storage_mode"]) == ("ghost", "ephemeral")
    assert data["audio_upload_url"] is not None
    session = load(app, company, RecordingSession, data["recording_session_id"])
    minutes = (session.expires_at - session.started_at).total_seconds() / 60
    assert 14.9 < minutes < 15.1


# --- stop and geofence (§5.12) --------------------------------------------------------------------


def test_stop_completes_and_refuses_a_second_stop(app, client, company, rep, ready):
    session_id = start(client, rep, rep.id, ready).get_json()["data"]["recording_session_id"]

    response = stop(client, rep, session_id, location=NEARBY)

    assert response.status_code == 200
    session = response.get_json()["data"]["session"]
    assert set(session) == SESSION_KEYS
    assert session["status"] == "completed" and session["ended_at"].endswith("Z")
    assert (session["end_lat"], session["end_lng"]) == (NEARBY["lat"], NEARBY["lng"])
    assert session["transcription_status"] == "not_started"  # no audio yet
    again = stop(client, rep, session_id)
    assert again.status_code == 409
    assert again.get_json()["detail"] == "Recording session is already stopped"
    assert "recording_ended" in events(app, company, ready)
    assert stop(client, rep, session_id, location={"lat": 1}).status_code == 422


def test_a_start_inside_the_fence_is_an_arrival_and_a_stop_outside_a_departure(
    app, client, company, rep, ready
):
    session_id = start(client, rep, rep.id, ready, location=NEARBY).get_json()["data"][
        "recording_session_id"
    ]
    appointment = load(app, company, Appointment, ready)
    assert appointment.arrival_at is not None and appointment.departure_at is None

    stop(client, rep, session_id, location=ACROSS_TOWN)

    appointment = load(app, company, Appointment, ready)
    assert appointment.departure_at is not None and appointment.on_site_duration == 0
    assert {"rep_arrived", "rep_departed"} <= set(events(app, company, ready))


def test_a_start_outside_the_fence_is_no_arrival_and_a_stop_inside_no_departure(
    app, client, company, rep, ready
):
    session_id = start(client, rep, rep.id, ready, location=ACROSS_TOWN).get_json()["data"][
        "recording_session_id"
    ]
    assert load(app, company, Appointment, ready).arrival_at is None
    stop(client, rep, session_id, location=NEARBY)
    assert load(app, company, Appointment, ready).departure_at is None

    update(app, company, Appointment, ready, arrival_at=utcnow() - timedelta(minutes=30))
    other = make_appointment(
        app, company, rep_id=rep.id, location_lat=HOME["lat"], location_lng=HOME["lng"]
    )
    second = start(client, rep, rep.id, other, location=HOME).get_json()["data"]
    stop(client, rep, second["recording_session_id"], location=NEARBY)  # 73 ft < 500 ft
    assert load(app, company, Appointment, other).departure_at is None


def test_a_stuck_pending_session_can_be_stopped_and_never_blocks(app, client, company, rep, ready):
    with scope(app, company.id) as session:
        stuck = RecordingSession(
            company_id=company.id,
            rep_id=rep.id,
            appointment_id=ready,
            status="pending",
            started_at=utcnow(),
        )
        session.add(stuck)
        session.flush()
        stuck_id = stuck.id
    assert start(client, rep, rep.id, ready).status_code == 409
    assert stop(client, rep, stuck_id).status_code == 200
    assert start(client, rep, rep.id, ready).status_code == 201


# --- audio: signed upload, upload-audio-complete, metadata ----------------------------------------


def upload_through_signed_url(client, url: str, data: bytes = b"\x00\x00\x00\x18ftypM4A audio"):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.put(f"/{path}", data=data, content_type="audio/m4a")


def test_signed_upload_then_complete_queues_analysis_once(app, client, company, rep, ready):
    data = start(client, rep, rep.id, ready).get_json()["data"]
    session_id, url = data["recording_session_id"], data["audio_upload_url"]

    put = upload_through_signed_url(client, url)
    assert put.status_code == 200
    key = put.get_json()["key"]
    assert key == f"{company.id}/recordings/{session_id}/{session_id}.m4a"

    complete = client.post(
        f"{BASE}/{session_id}/upload-audio-complete",
        headers=bearer(rep),
        json={"audio_url": url, "audio_duration_seconds": 62.5, "audio_size_bytes": 22},
    )
    assert complete.status_code == 200
    assert complete.get_json()["data"] == {"status": "uploaded", "recording_session_id": session_id}
    session = load(app, company, RecordingSession, session_id)
    assert (session.audio_url, session.audio_size_bytes) == (key, 22)
    assert session.transcription_status == "not_started"  # still recording

    stopped = stop(client, rep, session_id).get_json()["data"]["session"]
    if optional_job(*VISIT_JOB) is None:
        assert stopped["transcription_status"] == "failed"
        assert stopped["error_message"] == NO_VISIT_ANALYSIS
    else:
        assert stopped["transcription_status"] == "in_progress"
    assert stopped["audio_url"] == key


def test_upload_complete_needs_the_stored_object(
    app, client, company, rep, ready, manager, make_user
):
    session_id = start(client, rep, rep.id, ready).get_json()["data"]["recording_session_id"]
    folder = f"{company.id}/recordings/{session_id}/"

    def complete(audio_url, user=rep, **fields):
        body = {
            "audio_url": audio_url,
            "audio_duration_seconds": 1,
            "audio_size_bytes": 1,
            **fields,
        }
        return client.post(
            f"{BASE}/{session_id}/upload-audio-complete", json=body, headers=bearer(user)
        )

    assert complete(f"{folder}missing.m4a").status_code == 422
    assert complete(f"{folder}../../other/x.m4a").status_code == 422
    assert complete(f"{company.id}/recordings/{uuid.uuid4()}/x.m4a").status_code == 422
    assert complete("https://otto.example/files/forged-token").status_code == 422
    assert complete(f"{folder}x.m4a", audio_size_bytes=-1).status_code == 422
    assert complete(f"{folder}x.m4a", audio_duration_seconds="long").status_code == 422
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    assert complete(f"{folder}x.m4a", user=other_rep).status_code == 404
    session = load(app, company, RecordingSession, session_id)
    assert session.audio_url is None and session.transcription_status == "not_started"


def test_signed_urls_are_checked(app, client, company, rep, ready):
    url = start(client, rep, rep.id, ready).get_json()["data"]["audio_upload_url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert client.put(path, data=b"abc", content_type="audio/wav").status_code == 415
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert client.put(forged, data=b"abc", content_type="audio/m4a").status_code == 403
    assert client.get(path).status_code == 405


def test_metadata_and_reading_a_session(app, client, company, rep, manager, csr, ready, make_user):
    session_id = start(client, rep, rep.id, ready).get_json()["data"]["recording_session_id"]
    url = f"{BASE}/{session_id}/metadata"

    response = client.put(
        url,
        json={"audio_duration_seconds": 301.5, "audio_size_bytes": None},
        headers=bearer(manager),
    )
    assert response.status_code == 200
    session = response.get_json()["data"]["session"]
    assert session["audio_duration_seconds"] == 301.5 and session["audio_size_bytes"] is None
    assert client.put(url, json={"audio_size_bytes": -4}, headers=bearer(rep)).status_code == 422
    assert client.put(url, json={"status": "failed"}, headers=bearer(rep)).status_code == 422
    assert load(app, company, RecordingSession, session_id).status == "recording"

    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    assert client.get(f"{BASE}/{session_id}", headers=bearer(rep)).status_code == 200
    assert client.get(f"{BASE}/{session_id}", headers=bearer(manager)).status_code == 200
    assert client.get(f"{BASE}/{session_id}", headers=bearer(other_rep)).status_code == 404
    assert client.get(f"{BASE}/{session_id}", headers=bearer(csr)).status_code == 403
    missing = client.get(f"{BASE}/{uuid.uuid4()}", headers=bearer(manager))
    assert missing.status_code == 404 and missing.get_json()["error_code"] == "NOT_FOUND"
