"""The rep app's routes: appointments, audio recordings, texts, call transcripts; and the
cross-company walk over every id route of appointments, sessions, shifts, reps and mobile."""

import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue
from support import FIXTURES, bearer
from visit_helpers import count, load, make_appointment, make_call, make_lead, phone, scope, update

from otto.calls.models import Call
from otto.contacts.service import ensure_contact
from otto.db import utcnow
from otto.messages.models import MessageThread
from otto.mobile import audio
from otto.mobile.models import MobileRecording
from otto.storage import LocalStorage

BASE = "/api/v1/mobile"
WAV = FIXTURES / "audio" / "roofing_followup_tts.wav"
MOBILE_KEYS = {
    "id",
    "source",
    "title",
    "description",
    "date",
    "time",
    "full_datetime",
    "status",
    "customer_name",
    "customer_phone",
    "location",
    "created_at",
    "duration",
    "is_past",
    "geofence",
}


# --- appointments ---------------------------------------------------------------------------------


def test_a_reps_own_mobile_appointments(app, client, company, manager, csr, rep, make_user):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    now = utcnow()
    call_id = make_call(
        app,
        company,
        booked=True,
        assigned_rep_id=rep.id,
        name="Gail Gable",
        quote_date=now + timedelta(days=1),
        geofence={"latitude": 40.1, "longitude": -74.2, "radius": 250},
    )
    appointment_id = make_appointment(
        app,
        company,
        rep_id=rep.id,
        start=now + timedelta(days=2),
        location_lat=40.3,
        location_lng=-74.4,
    )
    past_id = make_appointment(app, company, rep_id=rep.id, start=now - timedelta(days=1))
    make_call(
        app, company, booked=True, assigned_rep_id=other_rep.id, quote_date=now + timedelta(days=1)
    )

    response = client.get(f"{BASE}/appointments", headers=bearer(rep))

    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and body["show_past"] is False
    first, second = body["appointments"]
    assert set(first) == MOBILE_KEYS and first["id"] == call_id
    assert first["geofence"] == {"latitude": 40.1, "longitude": -74.2, "radius": 250}
    assert second["id"] == appointment_id
    assert second["geofence"] == {
        "latitude": 40.3,
        "longitude": -74.4,
        "radius_start": 200.0,
        "radius_stop": 500.0,
    }
    past = client.get(
        f"{BASE}/appointments", query_string={"show_past": "true"}, headers=bearer(rep)
    ).get_json()
    assert [item["id"] for item in past["appointments"]] == [past_id]
    assert past["appointments"][0]["status"] == "past" and past["appointments"][0]["is_past"]

    assert client.get(f"{BASE}/appointments", headers=bearer(manager)).get_json() == {
        "appointments": [],
        "total": 0,
        "show_past": False,
    }
    assert client.get(f"{BASE}/appointments", headers=bearer(csr)).status_code == 403


def test_the_company_view_for_managers(app, client, company, manager, rep, count_queries):
    now = utcnow()
    unassigned = make_call(app, company, booked=True, quote_date=now + timedelta(hours=5))
    mine = make_appointment(app, company, rep_id=rep.id, start=now + timedelta(hours=1))
    with count_queries() as few:
        response = client.get(f"{BASE}/appointments/company", headers=bearer(manager))

    body = response.get_json()
    assert body["company_name"] == company.name and body["total"] == 2
    assert [item["id"] for item in body["appointments"]] == [mine, unassigned]
    assert body["appointments"][0]["assigned_to"] == rep.name
    assert body["appointments"][1]["assigned_to"] == "Unassigned"
    assert not any(item["is_assigned_to_me"] for item in body["appointments"])
    assert client.get(f"{BASE}/appointments/company", headers=bearer(rep)).status_code == 403

    for hours in range(2, 8):
        make_appointment(app, company, rep_id=rep.id, start=now + timedelta(hours=hours))
        make_call(
            app,
            company,
            booked=True,
            assigned_rep_id=rep.id,
            quote_date=now + timedelta(hours=hours),
        )
    with count_queries() as many:
        response = client.get(f"{BASE}/appointments/company", headers=bearer(manager))
    assert response.get_json()["total"] == 14 and many.n == few.n


def test_one_mobile_appointment_by_call_id_or_uuid(app, client, company, manager, rep, make_user):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    call_id = make_call(
        app,
        company,
        booked=True,
        assigned_rep_id=rep.id,
        transcript="Hello",
        cancelled=True,
        reason_for_cancellation="went with a competitor",
        quote_date=utcnow() + timedelta(days=1),
        price_if_bought=4000,
    )
    appointment_id = make_appointment(app, company, rep_id=rep.id, deal_size=7200)
    lonely_call = make_call(app, company, booked=False, assigned_rep_id=rep.id)

    call_view = client.get(f"{BASE}/appointments/{call_id}", headers=bearer(rep)).get_json()
    assert call_view["source"] == "call" and call_view["status"] == "cancelled"
    assert (call_view["transcript"], call_view["reason_for_cancellation"]) == (
        "Hello",
        "went with a competitor",
    )
    assert call_view["is_assigned_to_me"] is True and call_view["price_quote"] == 4000.0
    assert call_view["assigned_to"] == rep.name

    appointment_view = client.get(
        f"{BASE}/appointments/{appointment_id}", headers=bearer(manager)
    ).get_json()
    assert appointment_view["source"] == "appointment" and appointment_view["price_quote"] == 7200.0
    assert appointment_view["is_assigned_to_me"] is False
    assert {"bought", "rescheduled", "cancelled", "transcript"} <= set(appointment_view)

    for hidden, user in (
        (lonely_call, rep),
        (call_id, other_rep),
        (appointment_id, other_rep),
        ("not-an-id", rep),
        (uuid.uuid4(), manager),
        (99999999999, manager),
    ):
        response = client.get(f"{BASE}/appointments/{hidden}", headers=bearer(user))
        assert (response.status_code, response.get_json()["error_code"]) == (404, "NOT_FOUND")


# --- audio: start-recording -----------------------------------------------------------------------


def test_start_recording_from_a_body_or_the_query(app, client, company, manager, csr, rep):
    entered = utcnow() - timedelta(minutes=4)
    call_id = make_call(
        app, company, booked=True, assigned_rep_id=rep.id, geofence_entry_1_ts=entered
    )

    response = client.post(
        f"{BASE}/audio/start-recording",
        headers=bearer(rep),
        json={
            "trigger_type": "location",
            "call_id": call_id,
            "battery_percentage": 64,
            "is_charging": False,
            "location_trigger": {"geofence": "entry", "accuracy_m": 12},
            "scheduled_time": "2031-05-01T14:00:00",
        },
    )

    assert response.status_code == 201
    recording_id = response.get_json()["recording_id"]
    recording = load(app, company, MobileRecording, recording_id)
    assert (recording.status, recording.rep_id, recording.trigger_type) == (
        "pending",
        rep.id,
        "location",
    )
    assert recording.location_trigger == {"geofence": "entry", "accuracy_m": 12}
    assert recording.scheduled_time == datetime(2031, 5, 1, 14, 0, tzinfo=timezone.utc)
    call = load(app, company, Call, call_id)
    assert call.recording_started_ts is not None and call.battery_at_recording_start == 64
    assert call.charging_at_recording_start is False
    assert 230 <= call.time_to_start_recording_s <= 300

    by_query = client.post(
        f"{BASE}/audio/start-recording",
        headers=bearer(manager),
        query_string={"trigger_type": "manual", "call_id": call_id},
    )
    assert by_query.status_code == 201
    managed = load(app, company, MobileRecording, by_query.get_json()["recording_id"])
    assert managed.rep_id == rep.id  # the call's rep, for a manager
    assert (
        client.post(
            f"{BASE}/audio/start-recording",
            headers=bearer(csr),
            json={"trigger_type": "manual", "call_id": call_id},
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"call_id": 1}, "body.trigger_type"),
        ({"trigger_type": "manual"}, "body.call_id"),
        ({"trigger_type": "whenever", "call_id": 1}, "body.trigger_type"),
        ({"trigger_type": "manual", "call_id": "one"}, "body.call_id"),
        (
            {"trigger_type": "manual", "call_id": 1, "battery_percentage": 101},
            "body.battery_percentage",
        ),
        ({"trigger_type": "manual", "call_id": 1, "scheduled_time": "soon"}, "body.scheduled_time"),
        ({"trigger_type": "manual", "call_id": 1, "location_trigger": 5}, "body.location_trigger"),
        ({"trigger_type": "manual", "call_id": 1, "rep_id": "someone"}, "body.rep_id"),
    ],
)
def test_bad_start_recording_input(app, client, company, rep, body, field):
    body = (
        {**body, "call_id": make_call(app, company, assigned_rep_id=rep.id)}
        if body.get("call_id") == 1
        else body
    )
    response = client.post(f"{BASE}/audio/start-recording", json=body, headers=bearer(rep))
    assert response.status_code == 422
    assert field in {error["field"] for error in response.get_json()["validation_errors"]}
    assert count(app, company, MobileRecording) == 0


def test_start_recording_needs_a_visible_call(
    app, client, company, manager, rep, make_user, make_company
):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    foreign_call = make_call(app, make_company())
    others_call = make_call(app, company, assigned_rep_id=other_rep.id)
    for call_id, user in ((foreign_call, manager), (others_call, rep), (2**40, manager)):
        response = client.post(
            f"{BASE}/audio/start-recording",
            headers=bearer(user),
            json={"trigger_type": "manual", "call_id": call_id},
        )
        assert (response.status_code, response.get_json()["error_code"]) == (404, "CALL_NOT_FOUND")
    assert count(app, company, MobileRecording) == 0


def test_idempotent_start_recording(app, client, company, rep):
    call_id = make_call(app, company, assigned_rep_id=rep.id)
    headers = {**bearer(rep), "Idempotency-Key": f"rec-{uuid.uuid4().hex}"}
    body = {"trigger_type": "time", "call_id": call_id}
    first = client.post(f"{BASE}/audio/start-recording", json=body, headers=headers)
    replay = client.post(f"{BASE}/audio/start-recording", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert count(app, company, MobileRecording) == 1


# --- audio: upload, status, raw data -------------------------------------------------------------


@pytest.fixture
def recording(app, client, company, rep):
    """(recording id, call id) of a pending recording of the rep."""
    call_id = make_call(app, company, booked=True, assigned_rep_id=rep.id)
    response = client.post(
        f"{BASE}/audio/start-recording",
        headers=bearer(rep),
        json={"trigger_type": "manual", "call_id": call_id},
    )
    return response.get_json()["recording_id"], call_id


def upload(client, user, recording_id, data: bytes, filename="visit.wav"):
    return client.post(
        f"{BASE}/audio/upload/{recording_id}",
        headers=bearer(user),
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def blobs(app) -> LocalStorage:
    return LocalStorage(app.extensions["otto"].settings.storage_dir)


def stored_files(app, company, recording_id) -> list:
    folder = blobs(app).root / company.id / "mobile-recordings" / recording_id
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_real_wav_upload_is_stored_and_queued(app, client, company, rep, recording):
    recording_id, call_id = recording
    status = client.get(f"{BASE}/audio/status/{recording_id}", headers=bearer(rep)).get_json()
    assert (status["status"], status["stage"], status["progress"]) == ("pending", None, 0)

    response = upload(client, rep, recording_id, WAV.read_bytes())

    assert response.status_code == 202
    assert response.get_json() == {"status": "processing", "recording_id": recording_id}
    stored = load(app, company, MobileRecording, recording_id)
    assert stored.status == "processing"
    assert stored.storage_key == f"{company.id}/mobile-recordings/{recording_id}/visit.wav"
    assert blobs(app).path(stored.storage_key).read_bytes() == WAV.read_bytes()
    assert load(app, company, Call, call_id).recording_stopped_ts is not None

    status = client.get(f"{BASE}/audio/status/{recording_id}", headers=bearer(rep)).get_json()
    assert status["status"] == "processing" and status["stage"] == "uploaded"
    assert status["call_id"] == call_id and status["trigger_type"] == "manual"
    queued = Queue("ai", connection=app.extensions["otto"].redis).get_jobs()
    assert [(job.func_name, job.args) for job in queued if recording_id in job.args] == [
        ("jobs.transcription.transcribe_recording", (company.id, recording_id))
    ]

    raw = client.get(f"{BASE}/audio/raw-data/{recording_id}", headers=bearer(rep)).get_json()
    assert raw == {"status": "no_transcript", "message": "No transcript data available yet"}
    assert upload(client, rep, recording_id, WAV.read_bytes()).status_code == 409


def test_status_and_raw_data_once_transcribed_or_failed(app, client, company, rep, recording):
    recording_id, _ = recording
    update(
        app,
        company,
        MobileRecording,
        recording_id,
        status="completed",
        raw_transcript={"segments": [{"speaker": "rep", "text": "Hi"}]},
        formatted_transcript="[00:00] rep: Hi",
    )
    status = client.get(f"{BASE}/audio/status/{recording_id}", headers=bearer(rep)).get_json()
    assert (status["stage"], status["progress"]) == ("done", 100)
    assert status["formatted_transcript"] == "[00:00] rep: Hi"
    raw = client.get(f"{BASE}/audio/raw-data/{recording_id}", headers=bearer(rep)).get_json()
    assert raw == {
        "raw_transcript": {"segments": [{"speaker": "rep", "text": "Hi"}]},
        "formatted_transcript": "[00:00] rep: Hi",
        "status": "completed",
    }

    update(app, company, MobileRecording, recording_id, status="error", error="unreadable audio")
    status = client.get(f"{BASE}/audio/status/{recording_id}", headers=bearer(rep)).get_json()
    assert status["status"] == "error" and status["error"] == "unreadable audio"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"just some notes about the visit",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"",
    ],
)
def test_wrong_type_audio_is_refused_and_not_kept(app, client, company, rep, recording, data):
    recording_id, _ = recording
    response = upload(client, rep, recording_id, data, filename="visit.wav")
    assert response.status_code == 422
    assert response.get_json()["validation_errors"][0]["field"] == "body.file"
    assert stored_files(app, company, recording_id) == []
    assert load(app, company, MobileRecording, recording_id).status == "pending"


@pytest.mark.parametrize("size", [100_000, None])  # under and over the request's own limit
def test_oversize_audio_is_refused_while_streaming(
    app, client, company, rep, recording, monkeypatch, size
):
    recording_id, _ = recording
    monkeypatch.setattr(audio, "MAX_AUDIO_BYTES", 50_000)
    response = upload(client, rep, recording_id, WAV.read_bytes()[:size])
    assert (response.status_code, response.get_json()["error_code"]) == (413, "VALIDATION_ERROR")
    assert stored_files(app, company, recording_id) == []
    assert load(app, company, MobileRecording, recording_id).status == "pending"


def test_upload_form_and_visibility(app, client, company, manager, csr, rep, recording, make_user):
    recording_id, _ = recording
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    url = f"{BASE}/audio/upload/{recording_id}"

    as_json = client.post(url, json={"file": "UklGRg=="}, headers=bearer(rep))
    assert (as_json.status_code, as_json.get_json()["error_code"]) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    no_file = client.post(
        url, data={"other": "x"}, content_type="multipart/form-data", headers=bearer(rep)
    )
    assert no_file.status_code == 422
    assert upload(client, other_rep, recording_id, WAV.read_bytes()).status_code == 404
    assert upload(client, csr, recording_id, WAV.read_bytes()).status_code == 403
    missing = upload(client, manager, str(uuid.uuid4()), WAV.read_bytes())
    assert missing.get_json()["detail"] == "Recording session not found"
    for route in ("status", "raw-data"):
        assert (
            client.get(
                f"{BASE}/audio/{route}/{recording_id}", headers=bearer(other_rep)
            ).status_code
            == 404
        )
        assert (
            client.get(f"{BASE}/audio/{route}/{recording_id}", headers=bearer(manager)).status_code
            == 200
        )
    assert load(app, company, MobileRecording, recording_id).status == "pending"


# --- messages and call transcripts ----------------------------------------------------------------


def test_messages_merge_the_legacy_list_and_threads(
    app, client, company, csr, rep, manager, make_user
):
    with scope(app, company.id):
        contact_id = ensure_contact(company.id, phone(), "Tess Texter").id
    legacy = [
        {
            "timestamp": "2031-01-10T15:00:00Z",
            "message": "Is Thursday ok?",
            "direction": "outbound",
            "provider": "twilio",
            "message_sid": "SM1",
        },
        {
            "timestamp": "2031-01-10T13:05:00",
            "message": "Hi, roof leak",
            "direction": "inbound",
            "provider": "twilio",
            "message_sid": "SM0",
        },
    ]
    call_id = make_call(
        app,
        company,
        assigned_rep_id=rep.id,
        contact_card_id=contact_id,
        name="Tess Texter",
        text_messages=json.dumps(legacy),
        mobile_texts_count=3,
    )
    with scope(app, company.id) as session:
        for sid, body, at in (
            ("SM1", "Is Thursday ok?", datetime(2031, 1, 10, 15, 0)),
            ("SM2", "Yes, 4pm", datetime(2031, 1, 10, 16, 30)),
        ):
            session.add(
                MessageThread(
                    company_id=company.id,
                    contact_card_id=contact_id,
                    call_id=call_id,
                    sender="x",
                    sender_role="customer",
                    body=body,
                    message_type="manual",
                    direction="inbound",
                    provider="twilio",
                    message_sid=sid,
                    created_at=at.replace(tzinfo=timezone.utc),
                )
            )

    for user in (csr, rep, manager):
        response = client.get(f"{BASE}/messages/{call_id}", headers=bearer(user))
        assert response.status_code == 200
    body = response.get_json()
    assert body["call"] == {
        "id": call_id,
        "name": "Tess Texter",
        "address": None,
        "phone": body["call"]["phone"],
        "mobile_texts_count": 3,
        "mobile_calls_count": 0,
    }
    assert [message["message"] for message in body["messages"]] == [
        "Hi, roof leak",
        "Is Thursday ok?",
        "Yes, 4pm",
    ]
    assert body["messages"][0]["timestamp"] == "2031-01-10 08:05 AM"  # New York
    assert body["messages"][0]["raw_timestamp"] == "2031-01-10T13:05:00Z"

    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    hidden = client.get(f"{BASE}/messages/{call_id}", headers=bearer(other_rep))
    assert (hidden.status_code, hidden.get_json()["error_code"]) == (404, "CALL_NOT_FOUND")


def test_call_transcripts(app, client, company, rep):
    entries = [
        {
            "timestamp": "2031-01-10T15:00:00Z",
            "duration": 95,
            "call_sid": "CA1",
            "recording_sid": "RE1",
            "recording_url": "https://rec.example/RE1",
            "transcript": "Hi, it's Sam",
            "extra": "dropped",
        }
    ]
    call_id = make_call(app, company, assigned_rep_id=rep.id, mobile_transcript=json.dumps(entries))
    broken = make_call(app, company, assigned_rep_id=rep.id, mobile_transcript="{not json")

    body = client.get(f"{BASE}/call-transcripts/{call_id}", headers=bearer(rep)).get_json()
    assert body["transcripts"] == [
        {key: value for key, value in entries[0].items() if key != "extra"}
    ]
    assert body["call"]["id"] == call_id
    assert (
        client.get(f"{BASE}/call-transcripts/{broken}", headers=bearer(rep)).get_json()[
            "transcripts"
        ]
        == []
    )


# --- every id route, as another company ---------------------------------------------------------


@pytest.fixture
def foreign_objects(app, company, manager, rep):
    """Ids of one object of each kind in `company`, for callers of another company."""
    call_id = make_call(app, company, booked=True, assigned_rep_id=rep.id)
    appointment_id = make_appointment(app, company, rep_id=rep.id)
    with scope(app, company.id) as session:
        from otto.recordings.models import RecordingSession

        recording = MobileRecording(
            company_id=company.id, call_id=call_id, rep_id=rep.id, trigger_type="manual"
        )
        visit = RecordingSession(
            company_id=company.id,
            rep_id=rep.id,
            status="recording",
            appointment_id=appointment_id,
            started_at=utcnow(),
        )
        session.add_all([recording, visit])
        session.flush()
        ids = {
            "call": call_id,
            "appointment": appointment_id,
            "recording": recording.id,
            "session": visit.id,
            "rep": rep.id,
        }
    return ids


ID_ROUTES = [
    ("GET", "/api/v1/appointments/{appointment}", None),
    ("PATCH", "/api/v1/appointments/{appointment}", {"notes": "x"}),
    ("POST", "/api/v1/recording-sessions/{session}/stop", {"location": {"lat": 1, "lng": 1}}),
    (
        "POST",
        "/api/v1/recording-sessions/{session}/upload-audio-complete",
        {"audio_url": "k", "audio_duration_seconds": 1, "audio_size_bytes": 1},
    ),
    ("PUT", "/api/v1/recording-sessions/{session}/metadata", {"audio_size_bytes": 1}),
    ("GET", "/api/v1/recording-sessions/{session}", None),
    ("POST", "/api/v1/reps/{rep}/shifts/clock-in", {}),
    ("POST", "/api/v1/reps/{rep}/shifts/clock-out", None),
    ("GET", "/api/v1/reps/{rep}/shifts/today", None),
    ("GET", "/api/v1/sales-reps/{rep}/appointments", None),
    ("PUT", "/api/v1/sales-reps/{rep}", {"name": "x"}),
    ("POST", "/api/v1/sales-reps/assign/{call}", {"new_sales_rep_id": "{rep}"}),
    ("GET", "/api/v1/mobile/appointments/{call}", None),
    ("GET", "/api/v1/mobile/appointments/{appointment}", None),
    ("POST", "/api/v1/mobile/audio/upload/{recording}", "multipart"),
    ("GET", "/api/v1/mobile/audio/status/{recording}", None),
    ("GET", "/api/v1/mobile/audio/raw-data/{recording}", None),
    ("GET", "/api/v1/mobile/messages/{call}", None),
    ("GET", "/api/v1/mobile/call-transcripts/{call}", None),
    (
        "POST",
        "/api/v1/mobile/audio/start-recording",
        {"trigger_type": "manual", "call_id": "{call}"},
    ),
    (
        "POST",
        "/api/v1/recording-sessions/start",
        {"rep_id": "{rep}", "appointment_id": "{appointment}", "location": {"lat": 1, "lng": 1}},
    ),
    (
        "POST",
        "/api/v1/appointments",
        {"lead_id": "{lead}", "scheduled_start": "2031-01-01T10:00:00Z"},
    ),
]


@pytest.mark.parametrize("method, path, body", ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ID_ROUTES])
def test_every_id_route_is_404_for_another_company(
    app, client, company, foreign_objects, make_company, make_user, method, path, body
):
    lead_id, _ = make_lead(app, company)
    ids = {**foreign_objects, "lead": lead_id}
    outsider_company = make_company()
    outsider = make_user(outsider_company, "manager")
    make_user(outsider_company, "sales_rep", manager_id=outsider.id)

    def fill(value):
        if isinstance(value, str):
            filled = value.format(**ids)
            return int(filled) if value == "{call}" else filled
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    kwargs = {"headers": bearer(outsider)}
    if body == "multipart":
        kwargs.update(
            data={"file": (io.BytesIO(WAV.read_bytes()), "a.wav")},
            content_type="multipart/form-data",
        )
    elif body is not None:
        kwargs["json"] = fill(body)
    response = client.open(path.format(**ids), method=method, **kwargs)

    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error_code"] in {"NOT_FOUND", "CALL_NOT_FOUND"}
    assert load(app, company, MobileRecording, foreign_objects["recording"]).status == "pending"
