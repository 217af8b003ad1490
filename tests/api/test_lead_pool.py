"""Lead pool: visibility per role, rep requests, manager assignment and unassignment."""

from datetime import datetime, timedelta, timezone

import pytest
from floor_helpers import count_rows, load, make_appointment, make_lead, scope
from sqlalchemy import select
from support import bearer

from otto.appointments.models import Appointment
from otto.contacts.models import EventLog
from otto.db import db
from otto.leads.models import Lead, RepAssignmentHistory
from otto.tasks.models import KeySignal

POOL_KEYS = {"lead_id", "contact_card_id", "contact_name", "primary_phone", "address",
             "lead_status", "deal_status", "pool_status", "signals", "last_activity",
             "assigned_rep_id", "requested_by_rep_ids", "created_at"}


def pool(client, user, **query):
    return client.get("/api/v1/lead-pool", query_string=query, headers=bearer(user))


def request_lead(client, user, lead_id):
    return client.post(f"/api/v1/lead-pool/{lead_id}/request", headers=bearer(user))


def assign(client, user, lead_id, headers=None, **body):
    return client.post(f"/api/v1/lead-pool/{lead_id}/assign", json=body,
                       headers={**bearer(user), **(headers or {})})


def assignment_rows(app, company, lead_id) -> list[tuple]:
    with scope(app, company):
        return [tuple(row) for row in db.session.execute(
            select(RepAssignmentHistory.rep_id, RepAssignmentHistory.assignment_type,
                   RepAssignmentHistory.status)
            .where(RepAssignmentHistory.lead_id == lead_id)
            .order_by(RepAssignmentHistory.created_at))]


@pytest.fixture
def floor(app, company, make_user, manager):
    """Two reps and leads in every pool status, created oldest first."""
    rep_a = make_user(company, "sales_rep", manager_id=manager.id)
    rep_b = make_user(company, "sales_rep", manager_id=manager.id)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    leads = {}
    for offset, (name, fields) in enumerate([
        ("pooled", {}),
        ("mine", {"pool_status": "assigned", "assigned_rep_id": rep_a.id}),
        ("theirs", {"pool_status": "assigned", "assigned_rep_id": rep_b.id}),
        ("closed", {"pool_status": "closed", "status": "closed_lost"}),
        ("archived", {"pool_status": "archived"}),
    ]):
        leads[name], _ = make_lead(app, company, created_at=base + timedelta(hours=offset),
                                   **fields)
    return {"rep_a": rep_a, "rep_b": rep_b, "leads": leads}


# Listing --------------------------------------------------------------------------------------


def test_visibility_per_role_also_with_a_status_filter(client, company, manager, csr, floor):
    leads, rep_a = floor["leads"], floor["rep_a"]

    def ids(user, **query):
        return [row["lead_id"] for row in pool(client, user, **query).get_json()["data"]["leads"]]

    assert ids(manager) == [leads[name] for name in
                            ("archived", "closed", "theirs", "mine", "pooled")]
    assert ids(manager, status="closed") == [leads["closed"]]
    assert ids(csr) == [leads["pooled"]]
    assert ids(rep_a) == [leads["mine"], leads["pooled"]]
    assert ids(rep_a, status="assigned") == [leads["mine"]]
    assert ids(rep_a, status="archived") == []
    assert ids(floor["rep_b"], status="assigned") == [leads["theirs"]]


def test_counts_and_paging(client, company, manager, floor):
    data = pool(client, manager, limit=2, offset=1).get_json()["data"]
    assert [row["lead_id"] for row in data["leads"]] == [floor["leads"]["closed"],
                                                        floor["leads"]["theirs"]]
    assert (data["total_count"], data["in_pool_count"], data["assigned_count"]) == (5, 1, 2)
    rep_view = pool(client, floor["rep_a"]).get_json()["data"]
    assert (rep_view["total_count"], rep_view["in_pool_count"], rep_view["assigned_count"]) == (
        2, 1, 2)


def test_a_pool_row_carries_signals_and_last_activity(app, client, company, manager):
    contacted = datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc)
    lead_id, contact_id = make_lead(app, company, name="Ada Lovelace", address="9 Elm St",
                                    last_contacted_at=contacted)
    make_appointment(app, company, lead_id, start=contacted + timedelta(days=3))
    make_appointment(app, company, lead_id, start=contacted - timedelta(days=3))
    with scope(app, company):
        for number in range(5):
            db.session.add(KeySignal(company_id=company.id, contact_card_id=contact_id,
                                     lead_id=lead_id, signal_type="risk", title=f"Signal {number}",
                                     acknowledged=number == 4,
                                     created_at=contacted + timedelta(minutes=number)))

    row = pool(client, manager).get_json()["data"]["leads"][0]
    assert set(row) == POOL_KEYS
    assert (row["contact_name"], row["address"], row["lead_status"]) == (
        "Ada Lovelace", "9 Elm St", "new")
    assert row["signals"] == ["Signal 3", "Signal 2", "Signal 1"]
    assert row["last_activity"] == "2026-02-04T12:00:00Z"
    assert row["requested_by_rep_ids"] == []


def test_listing_takes_the_same_queries_for_a_full_page(app, client, company, manager,
                                                        count_queries):
    make_lead(app, company)
    with count_queries() as few:
        pool(client, manager)
    for _ in range(12):
        lead_id, contact_id = make_lead(app, company)
        make_appointment(app, company, lead_id)
        with scope(app, company):
            db.session.add(KeySignal(company_id=company.id, contact_card_id=contact_id,
                                     lead_id=lead_id, signal_type="risk", title="Price"))
    with count_queries() as many:
        response = pool(client, manager)
    assert len(response.get_json()["data"]["leads"]) == 13
    assert many.n == few.n


@pytest.mark.parametrize("query", [{"status": "pending"}, {"limit": 0}, {"limit": 201},
                                   {"offset": -1}, {"limit": "ten"}])
def test_bad_list_arguments_are_a_422(client, manager, query):
    response = pool(client, manager, **query)
    assert (response.status_code, response.get_json()["error_code"]) == (422, "VALIDATION_ERROR")


def test_an_invalid_status_lists_the_valid_ones(client, manager):
    problem = pool(client, manager, status="pending").get_json()
    assert "Valid values: in_pool, assigned, closed, archived" in str(problem["validation_errors"])


# Request --------------------------------------------------------------------------------------


def test_a_rep_request_is_recorded_once(app, client, company, floor):
    rep_a, lead_id = floor["rep_a"], floor["leads"]["pooled"]
    response = request_lead(client, rep_a, lead_id)
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["lead_id"], data["rep_id"], data["status"]) == (lead_id, rep_a.id, "requested")
    assert data["message"] == "Lead request recorded successfully"
    assert data["requested_at"].endswith("Z")

    again = request_lead(client, rep_a, lead_id)
    assert (again.status_code, again.get_json()["error_code"]) == (409, "DUPLICATE_RESOURCE")
    lead = load(app, company, Lead, lead_id)
    assert (lead.pool_status, lead.requested_by_rep_ids) == ("in_pool", [rep_a.id])
    assert assignment_rows(app, company, lead_id) == [(rep_a.id, "requested", "requested")]


def test_only_pooled_leads_can_be_requested(client, floor):
    response = request_lead(client, floor["rep_a"], floor["leads"]["closed"])
    assert (response.status_code, response.get_json()["error_code"]) == (409, "RESOURCE_CONFLICT")
    assert response.get_json()["detail"] == "Lead is not in pool. Current status: closed"


def test_request_is_for_sales_reps_only(client, manager, csr, floor):
    for user in (manager, csr):
        response = request_lead(client, user, floor["leads"]["pooled"])
        assert (response.status_code, response.get_json()["error_code"]) == (
            403, "INSUFFICIENT_PERMISSIONS")


# Assign ---------------------------------------------------------------------------------------


def test_assignment_moves_requests_appointments_and_the_timeline(app, client, company, manager,
                                                                 floor):
    rep_a, rep_b, lead_id = floor["rep_a"], floor["rep_b"], floor["leads"]["pooled"]
    open_visit = make_appointment(app, company, lead_id)
    done_visit = make_appointment(app, company, lead_id, status="completed")
    request_lead(client, rep_a, lead_id)
    request_lead(client, rep_b, lead_id)

    response = assign(client, manager, lead_id, rep_id=rep_b.id, notes="closest rep")
    data = response.get_json()["data"]
    assert (data["rep_id"], data["assigned_by"], data["pool_status"]) == (
        rep_b.id, manager.id, "assigned")
    assert data["message"] == f"Lead assigned to rep {rep_b.id} successfully"
    assert load(app, company, Appointment, open_visit).assigned_rep_id == rep_b.id
    assert load(app, company, Appointment, done_visit).assigned_rep_id is None
    assert sorted(assignment_rows(app, company, lead_id)) == sorted([
        (rep_a.id, "requested", "declined"), (rep_b.id, "requested", "assigned"),
        (rep_b.id, "assigned", "assigned")])

    assign(client, manager, lead_id, rep_id=rep_a.id)
    assert (rep_b.id, "assigned", "revoked") in assignment_rows(app, company, lead_id)
    back = assign(client, manager, lead_id, rep_id=None).get_json()["data"]
    assert (back["rep_id"], back["pool_status"]) == (None, "in_pool")
    assert back["message"] == "Lead returned to the pool successfully"
    contact_id = load(app, company, Lead, lead_id).contact_card_id
    assert count_rows(app, company, EventLog, EventLog.contact_card_id == contact_id,
                      EventLog.event_type == "rep_assigned") == 2


@pytest.mark.parametrize("lead,status", [("closed", "closed"), ("archived", "archived")])
def test_closed_or_archived_leads_cannot_be_assigned(client, manager, floor, lead, status):
    response = assign(client, manager, floor["leads"][lead], rep_id=floor["rep_a"].id)
    assert (response.status_code, response.get_json()["error_code"]) == (409, "RESOURCE_CONFLICT")
    assert response.get_json()["detail"] == f"Cannot assign lead with status: {status}"


def test_assign_is_for_managers_and_needs_a_company_rep(app, client, company, csr, manager,
                                                        make_company, make_user, floor):
    lead_id = floor["leads"]["pooled"]
    for user in (csr, floor["rep_a"]):
        assert assign(client, user, lead_id, rep_id=floor["rep_a"].id).status_code == 403
    stranger = make_user(make_company(), "sales_rep")
    for rep_id in (stranger.id, csr.id, "user_missing"):
        response = assign(client, manager, lead_id, rep_id=rep_id)
        assert (response.status_code, response.get_json()["error_code"]) == (404, "NOT_FOUND")
    assert load(app, company, Lead, lead_id).pool_status == "in_pool"


@pytest.mark.parametrize("body", [{}, {"rep_id": 7}, {"rep_id": "x", "pool_status": "closed"}])
def test_bad_assign_bodies_are_a_422(app, company, client, manager, floor, body):
    response = assign(client, manager, floor["leads"]["pooled"], **body)
    assert (response.status_code, response.get_json()["error_code"]) == (422, "VALIDATION_ERROR")
    assert load(app, company, Lead, floor["leads"]["pooled"]).pool_status == "in_pool"


def test_assign_replays_an_idempotency_key(app, client, company, manager, floor):
    lead_id, rep_a = floor["leads"]["pooled"], floor["rep_a"]
    key = {"Idempotency-Key": "pool-assign-replay-1"}
    first = assign(client, manager, lead_id, key, rep_id=rep_a.id)
    second = assign(client, manager, lead_id, key, rep_id=rep_a.id)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["data"] == first.get_json()["data"]
    assert assignment_rows(app, company, lead_id) == [(rep_a.id, "assigned", "assigned")]
    conflict = assign(client, manager, lead_id, key, rep_id=floor["rep_b"].id)
    assert conflict.status_code == 409


@pytest.mark.parametrize("route", ["request", "assign"])
def test_another_companys_lead_is_a_404(app, client, make_company, make_user, route):
    home, away = make_company(), make_company()
    away_lead, _ = make_lead(app, away)
    if route == "request":
        response = request_lead(client, make_user(home, "sales_rep"), away_lead)
    else:
        home_manager = make_user(home, "manager")
        home_rep = make_user(home, "sales_rep", manager_id=home_manager.id)
        response = assign(client, home_manager, away_lead, rep_id=home_rep.id)
    assert (response.status_code, response.get_json()["error_code"]) == (404, "NOT_FOUND")
    lead = load(app, away, Lead, away_lead)
    assert (lead.pool_status, lead.requested_by_rep_ids) == ("in_pool", [])
