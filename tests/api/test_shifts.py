"""Rep shifts through the API: the clock-in/out machine, company-local days, roles, bad input."""

from datetime import datetime, time, timezone

import pytest
import time_machine
from support import bearer
from visit_helpers import count, load, make_appointment, scope, update

from otto.recordings.models import RecordingSession
from otto.shifts.models import RepShift
from otto.users.models import SalesRep

SHIFT_KEYS = {
    "id",
    "rep_id",
    "company_id",
    "shift_date",
    "clock_in_at",
    "clock_out_at",
    "scheduled_start",
    "scheduled_end",
    "status",
    "notes",
}
RESPONSE_KEYS = {
    "shift",
    "effective_start_time",
    "effective_end_time",
    "recording_mode",
    "allow_location_tracking",
    "allow_recording",
}


def url(rep_id: str, action: str) -> str:
    return f"/api/v1/reps/{rep_id}/shifts/{action}"


def clock_in(client, user, rep_id, **body):
    return client.post(url(rep_id, "clock-in"), json=body, headers=bearer(user))


def clock_out(client, user, rep_id):
    return client.post(url(rep_id, "clock-out"), headers=bearer(user))


def today(client, user, rep_id):
    return client.get(url(rep_id, "today"), headers=bearer(user))


def test_clock_in_opens_todays_shift_with_the_company_window(client, company, rep):
    # 2026-06-15 14:00 in New York.
    with time_machine.travel(datetime(2026, 6, 15, 18, 0, tzinfo=timezone.utc), tick=False):
        response = clock_in(client, rep, rep.id, notes="van 3")

    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert set(data) == RESPONSE_KEYS and set(data["shift"]) == SHIFT_KEYS
    shift = data["shift"]
    assert (shift["status"], shift["shift_date"], shift["notes"]) == (
        "active",
        "2026-06-15",
        "van 3",
    )
    assert (shift["scheduled_start"], shift["scheduled_end"]) == ("07:00:00", "20:00:00")
    assert shift["clock_in_at"] == data["effective_start_time"] == "2026-06-15T18:00:00Z"
    assert data["effective_end_time"] == "2026-06-16T00:00:00Z"  # 20:00 EDT
    assert (data["recording_mode"], data["allow_recording"]) == ("normal", True)


def test_today_is_the_company_local_date(app, client, make_company, make_user):
    # 02:30 UTC on June 16 is still June 15 in New York and already June 16 in Tokyo.
    instant = datetime(2026, 6, 16, 2, 30, tzinfo=timezone.utc)
    dates = {}
    for zone in ("America/New_York", "Asia/Tokyo"):
        company = make_company(timezone=zone)
        rep = make_user(company, "sales_rep", manager_id=make_user(company, "manager").id)
        with time_machine.travel(instant, tick=False):
            dates[zone] = clock_in(client, rep, rep.id).get_json()["data"]["shift"]["shift_date"]
            assert (
                today(client, rep, rep.id).get_json()["data"]["shift"]["shift_date"] == dates[zone]
            )
    assert dates == {"America/New_York": "2026-06-15", "Asia/Tokyo": "2026-06-16"}


def test_a_custom_rep_window_is_used(app, client, company, rep):
    update(
        app,
        company,
        SalesRep,
        rep.id,
        shift_config_source="custom",
        default_shift_start=time(9, 30),
        default_shift_end=time(17, 0),
    )
    shift = clock_in(client, rep, rep.id).get_json()["data"]["shift"]
    assert (shift["scheduled_start"], shift["scheduled_end"]) == ("09:30:00", "17:00:00")


def test_the_shift_machine(app, client, company, rep):
    first = clock_in(client, rep, rep.id).get_json()["data"]["shift"]

    again = clock_in(client, rep, rep.id)
    assert again.status_code == 409 and again.get_json()["detail"] == "Rep is already clocked in"

    out = clock_out(client, rep, rep.id)
    assert out.status_code == 200
    shift = out.get_json()["data"]
    assert shift["status"] == "completed" and shift["clock_out_at"] is not None

    twice = clock_out(client, rep, rep.id)
    assert twice.status_code == 409
    assert twice.get_json()["detail"] == "Cannot clock out from shift with status: completed"

    reopened = clock_in(client, rep, rep.id).get_json()["data"]["shift"]
    assert reopened["status"] == "active" and reopened["clock_out_at"] is None
    assert reopened["clock_in_at"] == first["clock_in_at"] and reopened["id"] == first["id"]
    assert count(app, company, RepShift, RepShift.rep_id == rep.id) == 1


@pytest.mark.parametrize("status", ["planned", "skipped"])
def test_a_planned_or_skipped_shift_becomes_active(app, client, company, rep, status):
    from otto.shifts.clock import company_today

    with scope(app, company.id) as session:
        session.add(
            RepShift(
                company_id=company.id,
                rep_id=rep.id,
                status=status,
                shift_date=company_today(company),
                scheduled_start=time(8),
                scheduled_end=time(16),
            )
        )
    response = clock_in(client, rep, rep.id)
    shift = response.get_json()["data"]["shift"]
    assert (shift["status"], shift["scheduled_end"]) == ("active", "16:00:00")


def test_clock_out_without_a_shift_today_is_404(client, rep):
    response = clock_out(client, rep, rep.id)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No active shift found for today"


def test_today_without_a_shift_reports_the_rep_flags(app, client, company, rep):
    update(app, company, SalesRep, rep.id, recording_mode="ghost", allow_recording=False)
    data = today(client, rep, rep.id).get_json()["data"]
    assert data == {
        "shift": None,
        "effective_start_time": None,
        "effective_end_time": None,
        "recording_mode": "ghost",
        "allow_location_tracking": True,
        "allow_recording": False,
    }


def test_clock_out_stops_the_open_recording(app, client, company, rep):
    clock_in(client, rep, rep.id)
    appointment_id = make_appointment(app, company, rep_id=rep.id)
    started = client.post(
        "/api/v1/recording-sessions/start",
        headers=bearer(rep),
        json={
            "rep_id": rep.id,
            "appointment_id": appointment_id,
            "location": {"lat": 1.0, "lng": 2.0},
        },
    )
    session_id = started.get_json()["data"]["recording_session_id"]

    assert clock_out(client, rep, rep.id).status_code == 200

    session = load(app, company, RecordingSession, session_id)
    assert session.status == "completed" and session.ended_at is not None
    assert session.end_lat is None


def test_desired_start_time(app, client, company, rep, manager, make_user):
    instant = datetime(2026, 6, 15, 18, 0, tzinfo=timezone.utc)
    with time_machine.travel(instant, tick=False):
        naive = clock_in(client, rep, rep.id, desired_start_time="2026-06-15T13:15:00")
        assert naive.get_json()["data"]["shift"]["clock_in_at"] == "2026-06-15T17:15:00Z"

        other = make_user(company, "sales_rep", manager_id=manager.id)
        for bad in ("2026-06-16T07:00:00Z", "2026-06-15T05:59:00Z", "half past nine", 900):
            response = clock_in(client, other, other.id, desired_start_time=bad)
            assert response.status_code == 422, bad
            assert response.get_json()["validation_errors"][0]["field"] == "body.desired_start_time"
        assert clock_in(client, other, other.id, shift="night").status_code == 422
        assert clock_in(client, other, other.id, notes=["a"]).status_code == 422
    assert count(app, company, RepShift, RepShift.rep_id == other.id) == 0


def test_roles_and_rep_ids(client, company, manager, csr, rep, make_user, make_company):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    foreign = make_company()
    foreign_rep = make_user(foreign, "sales_rep", manager_id=make_user(foreign, "manager").id)

    for call in (clock_in, clock_out, today):
        forbidden = call(client, rep, other_rep.id)
        assert (forbidden.status_code, forbidden.get_json()["error_code"]) == (403, "FORBIDDEN")
        assert call(client, rep, "user_nobody").status_code == 403  # acting for another, first
        by_role = call(client, csr, rep.id)
        assert by_role.get_json()["error_code"] == "INSUFFICIENT_PERMISSIONS"
        missing = call(client, manager, foreign_rep.id)
        assert missing.status_code == 404
        assert missing.get_json()["detail"] == f"Sales rep {foreign_rep.id} not found"
        assert call(client, manager, manager.id).status_code == 404  # a manager is not a rep

    assert clock_in(client, manager, rep.id).status_code == 200
    assert today(client, manager, rep.id).get_json()["data"]["shift"]["status"] == "active"
    assert clock_out(client, manager, rep.id).status_code == 200
