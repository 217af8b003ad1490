"""Call management: one call, unassigned calls, add-call and update-call-status."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from floor_helpers import count_rows, load, make_call, run_default_jobs, scope, unique_phone
from local_http_stub import StubServer
from sqlalchemy import select
from support import bearer, run_concurrently

from otto.calls.models import Call, ScheduledCall
from otto.contacts.models import ContactCard, EventLog
from otto.db import db
from otto.leads.models import Lead
from otto.users.models import SalesRep

CALL_KEYS = {
    "call_id", "name", "phone_number", "address", "created_at", "quote_date", "price_if_bought",
    "reason_for_lost_sale", "booked", "bought", "missed_call", "cancelled",
    "reason_for_cancellation", "transcript", "homeowner_followup_transcript",
    "in_person_transcript", "mobile_transcript", "mobile_calls_count", "mobile_texts_count",
    "assigned_rep_id", "reason_not_bought_homeowner", "transcript_discrepancies", "problem",
    "still_deciding", "reason_for_deciding", "call_sid", "last_call_status",
    "last_call_timestamp", "last_call_duration",
}


def add_call(client, user, headers=None, **body):
    return client.post("/api/v1/calls/add-call", json=body,
                       headers={**bearer(user), **(headers or {})})


def update_status(client, user, **body):
    return client.post("/api/v1/calls/update-call-status", json=body, headers=bearer(user))


def events_of(app, company, contact_id) -> list[str]:
    with scope(app, company):
        return list(db.session.execute(
            select(EventLog.event_type).where(EventLog.contact_card_id == contact_id)
            .order_by(EventLog.timestamp)).scalars())


def queued_job(app, job_id):
    from jobs.queues import queue

    with app.app_context():
        return queue("default").fetch_job(job_id)


# Roles ----------------------------------------------------------------------------------------

ROLE_MATRIX = [
    ("GET", "/api/v1/calls/unassigned-calls", {"manager": 200, "csr": 403, "sales_rep": 403}),
    ("POST", "/api/v1/calls/add-call", {"manager": 201, "csr": 201, "sales_rep": 403}),
]


@pytest.mark.parametrize("method,path,expected", ROLE_MATRIX)
def test_roles_follow_the_capability_matrix(client, company, make_user, method, path, expected):
    for role, status in expected.items():
        user = make_user(company, role)
        body = {"phone_number": unique_phone()} if method == "POST" else None
        response = client.open(path, method=method, json=body, headers=bearer(user))
        assert response.status_code == status, (role, response.get_json())
        if status == 403:
            assert response.get_json()["error_code"] == "INSUFFICIENT_PERMISSIONS"


def test_a_sales_rep_sees_and_updates_only_its_own_calls(app, client, company, rep, make_user):
    other_rep = make_user(company, "sales_rep")
    own = make_call(app, company, phone_number=unique_phone(), assigned_rep_id=rep.id, booked=True)
    foreign = make_call(app, company, phone_number=unique_phone(), assigned_rep_id=other_rep.id)

    assert client.get(f"/api/v1/calls/call/{own}", headers=bearer(rep)).status_code == 200
    hidden = client.get(f"/api/v1/calls/call/{foreign}", headers=bearer(rep))
    assert (hidden.status_code, hidden.get_json()["error_code"]) == (404, "CALL_NOT_FOUND")

    assert update_status(client, rep, call_id=own, bought=True).status_code == 200
    assert update_status(client, rep, call_id=foreign, bought=True).status_code == 404
    reassign = update_status(client, rep, call_id=own, assigned_rep_id=other_rep.id)
    assert (reassign.status_code, reassign.get_json()["error_code"]) == (403, "FORBIDDEN")
    assert load(app, company, Call, own).assigned_rep_id == rep.id


def test_csr_and_manager_see_every_call_of_the_company(app, client, company, csr, manager):
    call_id = make_call(app, company, phone_number=unique_phone())
    for user in (csr, manager):
        assert client.get(f"/api/v1/calls/call/{call_id}", headers=bearer(user)).status_code == 200


# Cross-company --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["get", "update", "update_rep"])
def test_another_companys_call_or_rep_is_a_404(app, client, make_company, make_user, route):
    home, away = make_company(), make_company()
    manager = make_user(home, "manager")
    own_call = make_call(app, home, phone_number=unique_phone())
    away_call = make_call(app, away, phone_number=unique_phone())
    away_rep = make_user(away, "sales_rep")

    if route == "get":
        response = client.get(f"/api/v1/calls/call/{away_call}", headers=bearer(manager))
        expected = "CALL_NOT_FOUND"
    elif route == "update":
        response = update_status(client, manager, call_id=away_call, cancelled=True)
        expected = "CALL_NOT_FOUND"
    else:
        response = update_status(client, manager, call_id=own_call, assigned_rep_id=away_rep.id)
        expected = "NOT_FOUND"
    assert (response.status_code, response.get_json()["error_code"]) == (404, expected)
    assert load(app, away, Call, away_call).cancelled is False
    assert load(app, home, Call, own_call).assigned_rep_id is None


# GET call, unassigned calls ---------------------------------------------------------------------


def test_get_call_returns_the_documented_fields(app, client, company, manager):
    call_id = make_call(app, company, phone_number="+14155552671", name="Dana Roe",
                        price_if_bought=Decimal("1234.50"), bought=True,
                        quote_date=datetime(2026, 5, 1, 14, 0, tzinfo=timezone.utc))
    body = client.get(f"/api/v1/calls/call/{call_id}", headers=bearer(manager)).get_json()
    assert set(body) == CALL_KEYS
    assert body["price_if_bought"] == 1234.5
    assert body["quote_date"] == "2026-05-01T14:00:00Z"
    assert body["created_at"].endswith("Z")
    assert (body["mobile_calls_count"], body["mobile_texts_count"]) == (0, 0)


@pytest.mark.parametrize("call_id", ["999999999", "4294967296", "abc"])
def test_unknown_call_ids_are_a_404(client, manager, call_id):
    response = client.get(f"/api/v1/calls/call/{call_id}", headers=bearer(manager))
    assert response.status_code == 404


def test_unassigned_calls_are_booked_open_and_without_a_rep(app, client, company, manager, rep):
    base = datetime(2026, 3, 1, tzinfo=timezone.utc)
    older = make_call(app, company, name="Older", booked=True, created_at=base)
    newer = make_call(app, company, name="Newer", booked=True, created_at=base + timedelta(hours=1))
    make_call(app, company, booked=True, cancelled=True)
    make_call(app, company, booked=True, assigned_rep_id=rep.id)
    make_call(app, company, booked=False)

    body = client.get("/api/v1/calls/unassigned-calls", headers=bearer(manager)).get_json()
    assert [row["id"] for row in body["calls"]] == [newer, older]
    assert set(body["calls"][0]) == {"id", "name", "phone_number", "quote_date", "created_at"}


def test_unassigned_calls_take_the_same_queries_for_many_rows(app, client, company, manager,
                                                             count_queries):
    make_call(app, company, booked=True)
    with count_queries() as few:
        client.get("/api/v1/calls/unassigned-calls", headers=bearer(manager))
    for _ in range(15):
        make_call(app, company, booked=True)
    with count_queries() as many:
        response = client.get("/api/v1/calls/unassigned-calls", headers=bearer(manager))
    assert len(response.get_json()["calls"]) == 16
    assert many.n == few.n


# add-call -------------------------------------------------------------------------------------


def test_add_call_links_a_new_contact_and_lead(app, client, company, csr):
    response = add_call(client, csr, phone_number="(415) 555-2671", name="Jane van Dyke",
                        address="1 Main St, Springfield", transcript="Hello")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "success" and body["message"] == "Call record created successfully"

    call = load(app, company, Call, body["call_id"])
    assert (call.phone_number, call.phone_number_raw) == ("+14155552671", "(415) 555-2671")
    assert (call.provider, call.status, call.owner_id) == ("manual", "completed", csr.id)
    contact = load(app, company, ContactCard, call.contact_card_id)
    assert (contact.primary_phone, contact.first_name, contact.last_name) == (
        "+14155552671", "Jane", "van Dyke")
    lead = load(app, company, Lead, call.lead_id)
    assert (lead.status, lead.source, lead.pool_status, lead.deal_status) == (
        "new", "inbound_call", "in_pool", "new")
    assert events_of(app, company, contact.id) == ["call_received"]


def test_add_call_reads_the_query_string_too(app, client, company, manager):
    response = client.post("/api/v1/calls/add-call?phone_number=%2B14155550142&missed_call=true",
                           headers=bearer(manager))
    assert response.status_code == 201
    call = load(app, company, Call, response.get_json()["call_id"])
    assert (call.phone_number, call.missed_call, call.status, call.owner_id) == (
        "+14155550142", True, "missed", None)
    assert events_of(app, company, call.contact_card_id) == ["call_missed"]


def test_a_booked_call_books_the_lead_and_queues_geofence_and_push(app, client, company, csr):
    response = add_call(client, csr, phone_number=unique_phone(), booked=True,
                        address="10 Elm St", quote_date="2026-07-01 10:00:00")
    call_id = response.get_json()["call_id"]
    call = load(app, company, Call, call_id)
    assert load(app, company, Lead, call.lead_id).deal_status == "booked"
    assert queued_job(app, f"call-geofence-{company.id}-{call_id}") is not None
    assert queued_job(app, f"push-unassigned-{company.id}-{call_id}") is not None


def test_a_call_address_fills_an_address_less_contact_and_queues_research(app, client, company,
                                                                         csr):
    phone = unique_phone()
    first = add_call(client, csr, phone_number=phone).get_json()["call_id"]
    contact_id = load(app, company, Call, first).contact_card_id
    assert load(app, company, ContactCard, contact_id).address is None

    add_call(client, csr, phone_number=phone, address="7 Pine St")
    assert load(app, company, ContactCard, contact_id).address == "7 Pine St"
    assert queued_job(app, f"property-{company.id}-{contact_id}") is not None

    add_call(client, csr, phone_number=phone, address="99 Job Site Rd")
    assert load(app, company, ContactCard, contact_id).address == "7 Pine St"


def test_a_naive_quote_date_is_company_local_time(app, client, make_company, make_user):
    company = make_company(timezone="America/Los_Angeles")
    csr = make_user(company, "csr")
    response = add_call(client, csr, phone_number=unique_phone(), quote_date="2026-07-01 10:00:00")
    call = load(app, company, Call, response.get_json()["call_id"])
    assert call.quote_date == datetime(2026, 7, 1, 17, 0, tzinfo=timezone.utc)

    response = add_call(client, csr, phone_number=unique_phone(),
                        quote_date="2026-07-01T10:00:00+02:00")
    call = load(app, company, Call, response.get_json()["call_id"])
    assert call.quote_date == datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("body,status,error_code,field", [
    ({}, 422, "VALIDATION_ERROR", "body.phone_number"),
    ({"phone_number": "   "}, 422, "VALIDATION_ERROR", "body.phone_number"),
    ({"phone_number": "555-0132"}, 422, "VALIDATION_ERROR", "body.phone_number"),
    ({"phone_number": "call me maybe"}, 422, "VALIDATION_ERROR", "body.phone_number"),
    ({"phone_number": "+14155552671", "quote_date": "next tuesday"}, 422, "INVALID_INPUT",
     "body.quote_date"),
    ({"phone_number": "+14155552671", "company_id": "org_other"}, 422, "VALIDATION_ERROR",
     "body.company_id"),
    ({"phone_number": "+14155552671", "booked": "perhaps"}, 422, "VALIDATION_ERROR",
     "body.booked"),
    ({"phone_number": "1" * 300}, 422, "VALIDATION_ERROR", "body.phone_number"),
])
def test_bad_add_call_input_is_refused_and_writes_nothing(app, client, company, csr, body, status,
                                                          error_code, field):
    response = add_call(client, csr, **body)
    problem = response.get_json()
    assert (response.status_code, problem["error_code"]) == (status, error_code)
    assert field in [error["field"] for error in problem["validation_errors"]]
    assert count_rows(app, company, Call) == 0
    assert count_rows(app, company, ContactCard) == 0


def test_add_call_replays_an_idempotency_key(app, client, company, csr):
    key = {"Idempotency-Key": "add-call-replay-0001"}
    body = {"phone_number": unique_phone(), "name": "Replay"}
    first = add_call(client, csr, key, **body)
    second = add_call(client, csr, key, **body)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert count_rows(app, company, Call) == 1

    changed = add_call(client, csr, key, **{**body, "name": "Someone else"})
    assert (changed.status_code, changed.get_json()["error_code"]) == (409, "RESOURCE_CONFLICT")
    assert count_rows(app, company, Call) == 1


def test_concurrent_add_calls_for_one_number_share_one_contact_and_lead(app, company, csr):
    spellings = ["+1 (415) 555-0199", "+14155550199", "415.555.0199", "(415) 555 0199"] * 2
    statuses = []

    def post(phone):
        with app.test_client() as client:
            statuses.append(add_call(client, csr, phone_number=phone).status_code)

    run_concurrently(post, spellings)

    assert statuses == [201] * len(spellings)
    assert count_rows(app, company, Call) == len(spellings)
    assert count_rows(app, company, ContactCard) == 1
    assert count_rows(app, company, Lead) == 1
    with scope(app, company):
        linked = set(db.session.execute(select(Call.contact_card_id, Call.lead_id)).all())
    assert len(linked) == 1


# update-call-status ----------------------------------------------------------------------------


def test_price_applies_only_to_a_bought_call(app, client, company, csr):
    call_id = make_call(app, company, phone_number=unique_phone(), booked=True)
    update_status(client, csr, call_id=call_id, price_if_bought=999)
    assert load(app, company, Call, call_id).price_if_bought is None

    response = update_status(client, csr, call_id=call_id, bought=True, price_if_bought=15250.75,
                             reason_not_bought_homeowner="too pricey")
    assert response.get_json() == {"status": "success", "geofence_removed": True,
                                   "message": f"Call {call_id} status updated successfully"}
    call = load(app, company, Call, call_id)
    assert (call.bought, call.price_if_bought, call.reason_not_bought_homeowner) == (
        True, Decimal("15250.75"), None)


def test_conditional_reasons_follow_the_state_after_the_update(app, client, company, csr):
    call_id = make_call(app, company, phone_number=unique_phone(), booked=True)
    response = update_status(client, csr, call_id=call_id, reason_not_bought_homeowner="waiting",
                             reason_for_cancellation="moved away")
    assert response.get_json()["geofence_removed"] is True
    call = load(app, company, Call, call_id)
    assert (call.reason_not_bought_homeowner, call.reason_for_cancellation) == ("waiting", None)

    update_status(client, csr, call_id=call_id, cancelled=True,
                  reason_for_cancellation="moved away", rescheduled=True)
    call = load(app, company, Call, call_id)
    assert (call.cancelled, call.reason_for_cancellation, call.rescheduled) == (
        True, "moved away", True)


def test_a_quote_date_change_alone_keeps_the_geofence(app, client, company, csr):
    fence = {"latitude": 1.0, "longitude": 2.0, "radius": 250}
    call_id = make_call(app, company, phone_number=unique_phone(), booked=True, geofence=fence)
    response = update_status(client, csr, call_id=call_id, quote_date="2026-08-01T15:00:00Z")
    assert response.get_json()["geofence_removed"] is False
    call = load(app, company, Call, call_id)
    assert call.geofence == fence
    assert call.quote_date == datetime(2026, 8, 1, 15, 0, tzinfo=timezone.utc)


def test_cancelling_removes_the_geofence_from_the_call_and_its_rep(app, client, company, csr, rep):
    call_id = make_call(app, company, phone_number=unique_phone(), booked=True,
                        assigned_rep_id=rep.id)
    other_id = make_call(app, company, phone_number=unique_phone(), booked=True,
                         assigned_rep_id=rep.id)
    with scope(app, company):
        fences = [{"latitude": 1.0, "longitude": 2.0, "radius": 250, "call_id": call_id},
                  {"latitude": 3.0, "longitude": 4.0, "radius": 250, "call_id": other_id}]
        db.session.get(Call, call_id).geofence = fences[0]
        db.session.get(Call, other_id).geofence = fences[1]
        db.session.get(SalesRep, rep.id).active_geofences = fences

    response = update_status(client, csr, call_id=call_id, cancelled=True)
    assert response.get_json()["geofence_removed"] is True
    assert load(app, company, Call, call_id).geofence is None
    assert load(app, company, SalesRep, rep.id).active_geofences == [fences[1]]


def test_assigning_a_rep_schedules_the_follow_up_and_logs_it(app, client, company, manager, rep,
                                                            make_user):
    quote = datetime(2026, 9, 1, 15, 0, tzinfo=timezone.utc)
    response = add_call(client, manager, phone_number=unique_phone(), booked=True,
                        quote_date="2026-09-01T15:00:00Z")
    call_id = response.get_json()["call_id"]

    response = update_status(client, manager, call_id=call_id, assigned_rep_id=rep.id)
    assert response.status_code == 200
    call = load(app, company, Call, call_id)
    assert call.assigned_rep_id == rep.id
    with scope(app, company):
        followups = db.session.execute(
            select(ScheduledCall.scheduled_time, ScheduledCall.call_type)
            .where(ScheduledCall.call_id == call_id)).all()
    assert followups == [(quote + timedelta(hours=2), "sales_followup")]
    assert events_of(app, company, call.contact_card_id) == ["call_received", "rep_assigned"]
    assert client.get("/api/v1/calls/unassigned-calls",
                      headers=bearer(manager)).get_json()["calls"] == []

    other = make_user(company, "sales_rep")
    update_status(client, manager, call_id=call_id, assigned_rep_id=other.id)
    assert count_rows(app, company, ScheduledCall, ScheduledCall.call_id == call_id) == 1
    update_status(client, manager, call_id=call_id, assigned_rep_id=None)
    assert load(app, company, Call, call_id).assigned_rep_id is None
    assert count_rows(app, company, ScheduledCall, ScheduledCall.call_id == call_id) == 0
    assert events_of(app, company, call.contact_card_id)[-1] == "rep_unassigned"


CALL = "<the call>"


@pytest.mark.parametrize("body,error_code", [
    ({"call_id": "12", "bought": True}, "VALIDATION_ERROR"),
    ({"call_id": -1, "bought": True}, "VALIDATION_ERROR"),
    ({"bought": True}, "VALIDATION_ERROR"),
    ({"call_id": CALL, "bought": True, "quote_date": "soon"}, "INVALID_INPUT"),
    ({"call_id": CALL, "bought": True, "price_if_bought": "NaN"}, "VALIDATION_ERROR"),
    ({"call_id": CALL, "bought": True, "price_if_bought": 1e13}, "VALIDATION_ERROR"),
    ({"call_id": CALL, "bought": True, "status": "completed"}, "VALIDATION_ERROR"),
])
def test_bad_update_input_is_refused_and_writes_nothing(app, client, company, csr, body,
                                                        error_code):
    call_id = make_call(app, company, phone_number=unique_phone(), booked=True)
    body = {name: call_id if value == CALL else value for name, value in body.items()}
    response = update_status(client, csr, **body)
    assert (response.status_code, response.get_json()["error_code"]) == (422, error_code)
    assert load(app, company, Call, call_id).bought is False


# Jobs -------------------------------------------------------------------------------------------


def test_geofence_and_push_jobs_use_the_configured_services(app, client, company, manager, rep,
                                                            monkeypatch):
    geocoder = StubServer({("GET", "/search"): (200, [{"lat": "40.7128", "lon": "-74.0060"}])})
    expo = StubServer({("POST", "/push"): (200, {"data": [{"status": "ok", "id": "ticket-1"}]})})
    with geocoder, expo:
        monkeypatch.setenv("NOMINATIM_URL", f"{geocoder.url}/search")
        monkeypatch.setenv("EXPO_PUSH_URL", f"{expo.url}/push")
        with scope(app, company):
            db.session.get(SalesRep, rep.id).expo_push_token = "ExponentPushToken[rep]"
        response = add_call(client, manager, phone_number=unique_phone(), booked=True,
                            address="20 W 34th St, New York")
        call_id = response.get_json()["call_id"]
        update_status(client, manager, call_id=call_id, assigned_rep_id=rep.id)
        run_default_jobs(app)

    call = load(app, company, Call, call_id)
    assert call.geofence == {"latitude": 40.7128, "longitude": -74.006, "radius": 250,
                             "call_id": call_id}
    assert load(app, company, SalesRep, rep.id).active_geofences == [call.geofence]
    assert geocoder.hits("GET", "/search") >= 1
    sent = [body for method, path, body in expo.requests if path == "/push"]
    assert [message["to"] for batch in sent for message in batch] == ["ExponentPushToken[rep]"]
