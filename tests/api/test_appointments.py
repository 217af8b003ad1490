"""Appointments through the API: booking, reading, the status/outcome machines and roles."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from support import bearer
from visit_helpers import count, load, make_appointment, make_lead, scope

from otto.appointments.models import Appointment
from otto.contacts.models import EventLog
from otto.db import utcnow
from otto.leads.models import Lead

BASE = "/api/v1/appointments"
APPOINTMENT_KEYS = {
    "id",
    "lead_id",
    "contact_card_id",
    "company_id",
    "assigned_rep_id",
    "scheduled_start",
    "scheduled_end",
    "status",
    "outcome",
    "location",
    "service_type",
    "created_at",
    "updated_at",
    "notes",
    "external_id",
    "deal_size",
    "appointment_type",
    "location_address",
    "geo_lat",
    "geo_lng",
    "location_lat",
    "location_lng",
    "geofence_radius_start",
    "geofence_radius_stop",
    "material_type",
    "financing_type",
    "arrival_at",
    "departure_at",
}


def in_days(days: int) -> str:
    return (
        (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def book(client, user, lead_id, **fields):
    body = {"lead_id": lead_id, "scheduled_start": in_days(2), **fields}
    return client.post(BASE, json=body, headers=bearer(user))


def patch(client, user, appointment_id, **fields):
    return client.patch(f"{BASE}/{appointment_id}", json=fields, headers=bearer(user))


def timeline(app, company, contact_card_id) -> list[str]:
    with scope(app, company.id) as session:
        return list(
            session.execute(
                select(EventLog.event_type)
                .where(EventLog.contact_card_id == contact_card_id)
                .order_by(EventLog.timestamp)
            ).scalars()
        )


# --- POST /api/v1/appointments -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "csr"])
def test_booking_an_appointment_books_the_lead(app, client, company, make_user, role, rep):
    user = make_user(company, role)
    lead_id, contact_id = make_lead(app, company)

    response = book(
        client,
        user,
        lead_id,
        assigned_rep_id=rep.id,
        location="12 Elm St",
        service_type="roof replacement",
        deal_size=12500.5,
        appointment_type="in-person",
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["success"] is True and body["meta"]["version"] == "v1"
    data = body["data"]
    assert set(data["appointment"]) == APPOINTMENT_KEYS
    assert (
        data["appointment"]["status"] == "scheduled" and data["appointment"]["outcome"] == "pending"
    )
    assert data["appointment"]["assigned_rep_id"] == rep.id
    assert data["appointment"]["deal_size"] == 12500.5
    assert data["appointment"]["geofence_radius_start"] == 200.0
    assert data["appointment"]["scheduled_start"].endswith("Z")
    assert data["lead"]["id"] == lead_id and data["lead"]["status"] == "qualified_booked"
    assert data["contact"]["id"] == contact_id

    lead = load(app, company, Lead, lead_id)
    assert (lead.status, lead.deal_status) == ("qualified_booked", "booked")
    assert "appointment_created" in timeline(app, company, contact_id)
    assert "rep_assigned" in timeline(app, company, contact_id)


def test_naive_times_are_company_local(app, client, company, manager, make_company, make_user):
    la = make_company(timezone="America/Los_Angeles")
    la_manager = make_user(la, "manager")
    lead_id, _ = make_lead(app, la)

    response = book(
        client,
        la_manager,
        lead_id,
        scheduled_start="2031-01-15T09:00:00",
        scheduled_end="2031-01-15T10:30:00",
    )

    appointment = response.get_json()["data"]["appointment"]
    assert appointment["scheduled_start"] == "2031-01-15T17:00:00Z"  # 09:00 PST
    assert appointment["scheduled_end"] == "2031-01-15T18:30:00Z"


def test_a_sales_rep_cannot_book(app, client, company, rep):
    lead_id, _ = make_lead(app, company)
    response = book(client, rep, lead_id)
    assert response.status_code == 403
    assert response.get_json()["error_code"] == "INSUFFICIENT_PERMISSIONS"


@pytest.mark.parametrize(
    "fields, status, field",
    [
        ({"scheduled_start": "next tuesday"}, 422, "body.scheduled_start"),
        ({"scheduled_start": "2031-02-30T10:00:00Z"}, 422, "body.scheduled_start"),
        (
            {"scheduled_end": "2031-01-01T09:00:00Z", "scheduled_start": "2031-01-01T10:00:00Z"},
            422,
            "body.scheduled_end",
        ),
        ({"status": "completed"}, 422, "body.status"),
        ({"status": "SCHEDULED"}, 422, "body.status"),
        ({"appointment_type": "carrier-pigeon"}, 422, "body.appointment_type"),
        ({"deal_size": -5}, 422, "body.deal_size"),
        ({"deal_size": "lots"}, 422, "body.deal_size"),
        ({"company_id": "org_other"}, 422, "body.company_id"),
        ({"outcome": "won"}, 422, "body.outcome"),
        ({"id": "chosen-id"}, 422, "body.id"),
    ],
)
def test_bad_booking_input_is_refused_and_writes_nothing(
    app, client, company, manager, fields, status, field
):
    lead_id, _ = make_lead(app, company)

    response = book(client, manager, lead_id, **fields)

    assert response.status_code == status
    body = response.get_json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert field in {error["field"] for error in body["validation_errors"]}
    assert count(app, company, Appointment, Appointment.lead_id == lead_id) == 0
    assert load(app, company, Lead, lead_id).status == "new"


def test_booking_needs_a_lead_rep_and_contact_of_the_company(
    app, client, company, manager, make_company, make_user
):
    other = make_company()
    other_rep = make_user(other, "sales_rep", manager_id=make_user(other, "manager").id)
    foreign_lead, foreign_contact = make_lead(app, other)
    lead_id, _ = make_lead(app, company)

    assert book(client, manager, foreign_lead).status_code == 404
    assert book(client, manager, str(uuid.uuid4())).get_json()["detail"] == "Lead not found"
    assert book(client, manager, lead_id, assigned_rep_id=other_rep.id).status_code == 404
    assert book(client, manager, lead_id, contact_card_id=foreign_contact).status_code == 404
    _, own_other_contact = make_lead(app, company)
    mismatch = book(client, manager, lead_id, contact_card_id=own_other_contact)
    assert mismatch.status_code == 422
    assert count(app, company, Appointment, Appointment.lead_id == lead_id) == 0
    assert count(app, other, Appointment) == 0


def test_idempotent_booking(app, client, company, manager):
    lead_id, _ = make_lead(app, company)
    body = {"lead_id": lead_id, "scheduled_start": in_days(3)}
    headers = {**bearer(manager), "Idempotency-Key": f"book-{uuid.uuid4().hex}"}

    first = client.post(BASE, json=body, headers=headers)
    replay = client.post(BASE, json=body, headers=headers)
    changed = client.post(BASE, json={**body, "notes": "bring ladder"}, headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert (
        replay.get_json()["data"]["appointment"]["id"]
        == first.get_json()["data"]["appointment"]["id"]
    )
    assert changed.status_code == 409 and changed.get_json()["error_code"] == "RESOURCE_CONFLICT"
    assert count(app, company, Appointment, Appointment.lead_id == lead_id) == 1


# --- GET /api/v1/appointments/{id} ---------------------------------------------------------------


def test_reading_an_appointment_by_role(app, client, company, manager, csr, rep, make_user):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    appointment_id = make_appointment(app, company, rep_id=rep.id)

    for user in (manager, csr, rep):
        response = client.get(f"{BASE}/{appointment_id}", headers=bearer(user))
        assert response.status_code == 200
        data = response.get_json()["data"]
        assert data["appointment"]["id"] == appointment_id and data["lead"] and data["contact"]
    hidden = client.get(f"{BASE}/{appointment_id}", headers=bearer(other_rep))
    assert hidden.status_code == 404 and hidden.get_json()["error_code"] == "NOT_FOUND"
    assert client.get(f"{BASE}/not-a-uuid", headers=bearer(manager)).status_code == 404
    assert client.get(f"{BASE}/{'x' * 500}", headers=bearer(manager)).status_code == 404


# --- PATCH: the status machine (§4.3) ------------------------------------------------------------

STATUS_MOVES = {
    "scheduled": {"confirmed", "completed", "cancelled", "no_show"},
    "confirmed": {"scheduled", "completed", "cancelled", "no_show"},
    "completed": set(),
    "cancelled": set(),
    "no_show": set(),
}


@pytest.mark.parametrize("current", sorted(STATUS_MOVES))
@pytest.mark.parametrize("new", sorted(STATUS_MOVES))
def test_status_machine_for_a_csr(app, client, company, csr, current, new):
    appointment_id = make_appointment(app, company, status=current)

    response = patch(client, csr, appointment_id, status=new)

    if new == current or new in STATUS_MOVES[current]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["data"]["appointment"]["status"] == new
    else:
        assert response.status_code == 409
        assert response.get_json()["error_code"] == "RESOURCE_CONFLICT"
        assert load(app, company, Appointment, appointment_id).status == current


def test_a_manager_may_reopen_a_terminal_appointment(app, client, company, manager, csr):
    appointment_id = make_appointment(app, company, status="cancelled")
    assert patch(client, csr, appointment_id, status="scheduled").status_code == 409
    assert patch(client, manager, appointment_id, status="scheduled").status_code == 200
    assert load(app, company, Appointment, appointment_id).status == "scheduled"


def test_status_events_reach_the_timeline(app, client, company, csr):
    lead_id, contact_id = make_lead(app, company)
    appointment_id = make_appointment(app, company, lead_id=lead_id)
    patch(client, csr, appointment_id, status="confirmed")
    patch(client, csr, appointment_id, status="cancelled")
    assert {"appointment_confirmed", "appointment_cancelled"} <= set(
        timeline(app, company, contact_id)
    )


# --- PATCH: outcomes and their coupling ----------------------------------------------------------


OUTCOME_MOVES = {
    "pending": {"won", "lost", "no_show", "rescheduled"},
    "rescheduled": {"pending", "won", "lost", "no_show"},
    "won": set(),
    "lost": set(),
    "no_show": set(),
}
STATUS_WITH_OUTCOME = {"pending": "scheduled", "rescheduled": "scheduled", "won": "completed",
                       "lost": "completed", "no_show": "no_show"}


@pytest.mark.parametrize("current", sorted(OUTCOME_MOVES))
@pytest.mark.parametrize("new", sorted(OUTCOME_MOVES))
def test_outcome_machine_for_a_csr(app, client, company, csr, current, new):
    appointment_id = make_appointment(
        app, company, outcome=current, status=STATUS_WITH_OUTCOME[current]
    )

    response = patch(client, csr, appointment_id, outcome=new, deal_size=100)

    if new == current or new in OUTCOME_MOVES[current]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["data"]["appointment"]["outcome"] == new
    else:
        assert response.status_code == 409
        assert response.get_json()["error_code"] == "RESOURCE_CONFLICT"
        assert load(app, company, Appointment, appointment_id).outcome == current


def test_won_needs_a_deal_size_and_closes_the_lead(app, client, company, csr):
    lead_id, contact_id = make_lead(app, company)
    appointment_id = make_appointment(app, company, lead_id=lead_id)

    refused = patch(client, csr, appointment_id, outcome="won")
    assert refused.status_code == 422
    assert refused.get_json()["validation_errors"][0]["field"] == "body.deal_size"
    assert load(app, company, Appointment, appointment_id).outcome == "pending"

    won = patch(client, csr, appointment_id, outcome="won", deal_size=18250)
    assert won.status_code == 200
    data = won.get_json()["data"]
    assert (data["appointment"]["status"], data["appointment"]["outcome"]) == ("completed", "won")
    assert data["appointment"]["deal_size"] == 18250.0
    lead = load(app, company, Lead, lead_id)
    assert (lead.status, lead.deal_status, lead.pool_status) == ("closed_won", "won", "closed")
    assert float(lead.deal_size) == 18250.0 and lead.closed_at is not None
    assert "deal_won" in timeline(app, company, contact_id)


def test_lost_no_show_and_rescheduled_outcomes(app, client, company, csr, manager):
    lead_id, _ = make_lead(app, company)
    lost = make_appointment(app, company, lead_id=lead_id)
    assert patch(client, csr, lost, outcome="lost").status_code == 200
    assert load(app, company, Lead, lead_id).status == "closed_lost"

    other_lead, _ = make_lead(app, company)
    no_show = make_appointment(app, company, lead_id=other_lead)
    response = patch(client, csr, no_show, outcome="no_show")
    assert response.get_json()["data"]["appointment"]["status"] == "no_show"
    assert load(app, company, Lead, other_lead).deal_status == "no-show"

    third_lead, _ = make_lead(app, company)
    moved = make_appointment(app, company, lead_id=third_lead, status="confirmed")
    new_start = "2031-03-01T15:00:00Z"
    response = patch(client, csr, moved, outcome="rescheduled", scheduled_start=new_start)
    appointment = response.get_json()["data"]["appointment"]
    assert (appointment["status"], appointment["scheduled_start"]) == ("scheduled", new_start)
    assert load(app, company, Lead, third_lead).deal_status == "rescheduled"

    # A final outcome is corrected by a manager only.
    assert patch(client, csr, lost, outcome="won", deal_size=100).status_code == 409
    corrected = patch(client, manager, lost, outcome="won", deal_size=100)
    assert corrected.status_code == 200
    assert load(app, company, Lead, lead_id).status == "closed_won"


def test_outcome_of_a_cancelled_appointment_cannot_change(app, client, company, csr):
    appointment_id = make_appointment(app, company, status="cancelled")
    response = patch(client, csr, appointment_id, outcome="lost")
    assert response.status_code == 409
    assert load(app, company, Appointment, appointment_id).outcome == "pending"


# --- PATCH: roles and fields ---------------------------------------------------------------------


def test_a_rep_edits_only_its_own_appointment_and_only_some_fields(
    app, client, company, rep, manager, make_user
):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    appointment_id = make_appointment(app, company, rep_id=rep.id)

    ok = patch(client, rep, appointment_id, status="confirmed", notes="gate code 1234")
    assert ok.status_code == 200
    assert ok.get_json()["data"]["appointment"]["notes"] == "gate code 1234"

    refused = patch(client, rep, appointment_id, location="1 New Rd", notes="x")
    assert refused.status_code == 403 and refused.get_json()["error_code"] == "FORBIDDEN"
    assert load(app, company, Appointment, appointment_id).location is None

    assert patch(client, other_rep, appointment_id, notes="mine?").status_code == 404


def test_reassigning_and_editing_fields(
    app, client, company, manager, rep, make_user, make_company
):
    new_rep = make_user(company, "sales_rep", manager_id=manager.id)
    other = make_company()
    foreign_rep = make_user(other, "sales_rep", manager_id=make_user(other, "manager").id)
    appointment_id = make_appointment(
        app,
        company,
        rep_id=rep.id,
        location="1 Old Rd",
        geo_lat=40.0,
        geo_lng=-74.0,
        location_lat=40.0,
        location_lng=-74.0,
    )

    assert patch(client, manager, appointment_id, assigned_rep_id=foreign_rep.id).status_code == 404
    response = patch(
        client,
        manager,
        appointment_id,
        assigned_rep_id=new_rep.id,
        location="2 New Rd",
        material_type="asphalt",
        financing_type="0% 18mo",
        scheduled_end=None,
        notes=None,
    )
    assert response.status_code == 200
    appointment = response.get_json()["data"]["appointment"]
    assert appointment["assigned_rep_id"] == new_rep.id and appointment["location"] == "2 New Rd"
    assert appointment["geo_lat"] is None and appointment["location_lat"] is None
    assert appointment["material_type"] == "asphalt"

    bad_end = patch(client, manager, appointment_id, scheduled_end="2000-01-01T00:00:00Z")
    assert bad_end.status_code == 422
    assert patch(client, manager, appointment_id, colour="red").status_code == 422
    assert patch(client, manager, appointment_id, status="finished").status_code == 422


def test_unknown_appointments_are_404(client, manager):
    response = patch(client, manager, str(uuid.uuid4()), notes="x")
    assert response.status_code == 404 and response.get_json()["detail"] == "Appointment not found"


# --- geocoding of the location (domain §5.12) ---------------------------------------------------


def test_the_location_is_geocoded_into_the_geofence_centre(app, client, company, manager,
                                                           monkeypatch):
    from jobs.worker import make_worker
    from local_http_stub import StubServer

    def answer(path, body):
        return 200, [{"lat": "40.7484", "lon": "-73.9857"}]

    geocoder = StubServer({("GET", "/search"): answer})
    with geocoder:
        monkeypatch.setenv("NOMINATIM_URL", f"{geocoder.url}/search")
        monkeypatch.setenv("EXPO_PUSH_URL", f"{geocoder.url}/push")
        lead_id, _ = make_lead(app, company)
        created = book(client, manager, lead_id, location="20 W 34th St, New York")
        appointment_id = created.get_json()["data"]["appointment"]["id"]
        assert created.get_json()["data"]["appointment"]["geo_lat"] is None  # not yet
        make_worker(app, ["default"], app.extensions["otto"].redis).work(burst=True)

        appointment = load(app, company, Appointment, appointment_id)
        assert (appointment.geo_lat, appointment.geo_lng) == (40.7484, -73.9857)
        assert (appointment.location_lat, appointment.location_lng) == (40.7484, -73.9857)

        patch(client, manager, appointment_id, location="1 Unknown Rd")
        geocoder.routes[("GET", "/search")] = (200, [])
        make_worker(app, ["default"], app.extensions["otto"].redis).work(burst=True)

    appointment = load(app, company, Appointment, appointment_id)
    assert appointment.location == "1 Unknown Rd"
    assert appointment.geo_lat is None and appointment.location_lat is None
    assert geocoder.hits("GET", "/search") >= 2
