"""Lead management: read with contact and appointments, create by phone or contact, edit."""

from datetime import datetime, timedelta, timezone

import pytest
from floor_helpers import count_rows, load, make_appointment, make_lead, scope, unique_phone
from sqlalchemy import select
from support import bearer, run_concurrently

from otto.contacts.models import ContactCard
from otto.db import db
from otto.leads.models import Lead, LeadStatusHistory

LEAD_DETAIL_KEYS = {
    "id", "company_id", "contact_card_id", "status", "source", "priority", "score",
    "last_contacted_at", "created_at", "updated_at", "campaign", "pipeline_stage", "tags",
    "last_qualified_at", "deal_status", "deal_size", "deal_summary", "closed_at", "pool_status",
    "assigned_rep_id", "assigned_at",
}
CONTACT_KEYS = {
    "id", "company_id", "primary_phone", "secondary_phone", "email", "first_name", "last_name",
    "address", "city", "state", "postal_code", "metadata", "property_snapshot", "created_at",
    "updated_at",
}


def create(client, user, headers=None, **body):
    return client.post("/api/v1/leads", json=body, headers={**bearer(user), **(headers or {})})


def patch(client, user, lead_id, **body):
    return client.patch(f"/api/v1/leads/{lead_id}", json=body, headers=bearer(user))


def history(app, company, lead_id) -> list[tuple]:
    with scope(app, company):
        return [tuple(row) for row in db.session.execute(
            select(LeadStatusHistory.from_status, LeadStatusHistory.to_status,
                   LeadStatusHistory.triggered_by)
            .where(LeadStatusHistory.lead_id == lead_id).order_by(LeadStatusHistory.created_at))]


# Roles and visibility ---------------------------------------------------------------------------


def test_roles_follow_the_capability_matrix(app, client, company, make_user):
    lead_id, _ = make_lead(app, company)
    for role, expected in (("manager", (200, 201, 200)), ("csr", (200, 201, 200)),
                           ("sales_rep", (200, 403, 403))):
        user = make_user(company, role)
        got = (client.get(f"/api/v1/leads/{lead_id}", headers=bearer(user)).status_code,
               create(client, user, primary_phone=unique_phone()).status_code,
               patch(client, user, lead_id, campaign="spring").status_code)
        assert got == expected, role


def test_a_sales_rep_sees_its_own_and_pooled_leads_only(app, client, company, rep, make_user):
    other = make_user(company, "sales_rep")
    pooled, _ = make_lead(app, company)
    own, _ = make_lead(app, company, assigned_rep_id=rep.id, pool_status="assigned")
    foreign, _ = make_lead(app, company, assigned_rep_id=other.id, pool_status="assigned")
    archived, _ = make_lead(app, company, pool_status="archived")

    for lead_id in (pooled, own):
        assert client.get(f"/api/v1/leads/{lead_id}", headers=bearer(rep)).status_code == 200
    for lead_id in (foreign, archived):
        response = client.get(f"/api/v1/leads/{lead_id}", headers=bearer(rep))
        assert response.status_code == 404
        assert response.get_json()["details"] == {"lead_id": lead_id}


@pytest.mark.parametrize("route", ["get", "patch", "create_for_contact"])
def test_another_companys_lead_or_contact_is_a_404(app, client, make_company, make_user, route):
    home, away = make_company(), make_company()
    manager = make_user(home, "manager")
    away_lead, away_contact = make_lead(app, away)
    if route == "get":
        response = client.get(f"/api/v1/leads/{away_lead}", headers=bearer(manager))
    elif route == "patch":
        response = patch(client, manager, away_lead, status="hot")
    else:
        response = create(client, manager, contact_card_id=away_contact)
    assert (response.status_code, response.get_json()["error_code"]) == (404, "NOT_FOUND")
    assert load(app, away, Lead, away_lead).status == "new"
    assert count_rows(app, home, Lead) == 0


# GET ------------------------------------------------------------------------------------------


def test_get_returns_lead_contact_and_appointments_soonest_first(app, client, company, manager):
    lead_id, contact_id = make_lead(app, company, address="5 Oak Ave", campaign="spring")
    later = make_appointment(app, company, lead_id,
                             start=datetime(2026, 7, 2, 15, 0, tzinfo=timezone.utc))
    sooner = make_appointment(app, company, lead_id,
                              start=datetime(2026, 7, 1, 15, 0, tzinfo=timezone.utc))

    body = client.get(f"/api/v1/leads/{lead_id}", headers=bearer(manager)).get_json()
    assert body["success"] is True and body["meta"]["version"] == "v1"
    data = body["data"]
    assert set(data["lead"]) == LEAD_DETAIL_KEYS
    assert data["lead"]["tags"] == {} and data["lead"]["campaign"] == "spring"
    assert set(data["contact"]) == CONTACT_KEYS
    assert data["contact"]["id"] == contact_id and data["contact"]["address"] == "5 Oak Ave"
    assert [row["id"] for row in data["appointments"]] == [sooner, later]
    assert data["appointments"][0]["scheduled_start"] == "2026-07-01T15:00:00Z"


# POST -------------------------------------------------------------------------------------------


def test_create_by_phone_makes_the_contact_and_one_lead(app, client, company, csr):
    response = create(client, csr, primary_phone="+1 (212) 555-0147", campaign="radio",
                      priority="high", score=40, tags={"roof": "metal"})
    assert response.status_code == 201
    data = response.get_json()["data"]
    lead = data["lead"]
    assert (lead["status"], lead["source"], lead["pool_status"], lead["deal_status"]) == (
        "new", "inbound_call", "in_pool", "new")
    assert (lead["priority"], lead["score"], lead["tags"]) == ("high", 40, {"roof": "metal"})
    assert data["contact"]["primary_phone"] == "+12125550147"
    assert data["appointments"] == []
    assert history(app, company, lead["id"]) == [(None, "new", csr.id)]

    again = create(client, csr, primary_phone="212.555.0147", status="hot", source="referral")
    assert again.get_json()["data"]["contact"]["id"] == data["contact"]["id"]
    assert count_rows(app, company, ContactCard) == 1
    assert count_rows(app, company, Lead) == 2


def test_create_for_an_existing_contact_card(app, client, company, manager):
    _, contact_id = make_lead(app, company)
    response = create(client, manager, contact_card_id=contact_id, status="closed_won")
    lead = response.get_json()["data"]["lead"]
    assert lead["contact_card_id"] == contact_id
    assert (lead["status"], lead["deal_status"], lead["pool_status"]) == (
        "closed_won", "won", "closed")
    assert lead["closed_at"] is not None


@pytest.mark.parametrize("body,error_code,field", [
    ({}, "MISSING_REQUIRED_FIELD", "body.primary_phone"),
    ({"primary_phone": None, "contact_card_id": None}, "MISSING_REQUIRED_FIELD",
     "body.primary_phone"),
    ({"primary_phone": "555-0132"}, "VALIDATION_ERROR", "body.primary_phone"),
    ({"primary_phone": "+12125550111", "status": "won"}, "VALIDATION_ERROR", "body.status"),
    ({"primary_phone": "+12125550111", "source": "billboard"}, "VALIDATION_ERROR", "body.source"),
    ({"primary_phone": "+12125550111", "priority": "urgent"}, "VALIDATION_ERROR", "body.priority"),
    ({"primary_phone": "+12125550111", "score": "high"}, "VALIDATION_ERROR", "body.score"),
    ({"primary_phone": "+12125550111", "tags": ["a"]}, "VALIDATION_ERROR", "body.tags"),
    ({"primary_phone": "+12125550111", "pool_status": "assigned"}, "VALIDATION_ERROR",
     "body.pool_status"),
    ({"primary_phone": "+12125550111", "company_id": "org_other"}, "VALIDATION_ERROR",
     "body.company_id"),
])
def test_bad_create_input_is_refused_and_writes_nothing(app, client, company, csr, body,
                                                        error_code, field):
    response = create(client, csr, **body)
    problem = response.get_json()
    assert (response.status_code, problem["error_code"]) == (422, error_code)
    assert field in [error["field"] for error in problem["validation_errors"]]
    assert count_rows(app, company, Lead) == 0
    assert count_rows(app, company, ContactCard) == 0


def test_missing_contact_and_phone_says_which_fields(client, csr):
    problem = create(client, csr).get_json()
    assert problem["detail"] == "Either contact_card_id or primary_phone must be provided"


def test_create_replays_an_idempotency_key(app, client, company, csr):
    key = {"Idempotency-Key": "lead-create-replay-01"}
    body = {"primary_phone": unique_phone(), "campaign": "fall"}
    first = create(client, csr, key, **body)
    second = create(client, csr, key, **body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json()["data"] == first.get_json()["data"]
    assert count_rows(app, company, Lead) == 1
    conflict = create(client, csr, key, **{**body, "campaign": "winter"})
    assert (conflict.status_code, conflict.get_json()["error_code"]) == (409, "RESOURCE_CONFLICT")


def test_concurrent_creates_for_one_number_share_one_contact(app, company, csr):
    spellings = ["+1 212 555 0163", "(212) 555-0163", "2125550163", "+12125550163"] * 2
    statuses = []

    def post(phone):
        with app.test_client() as client:
            statuses.append(create(client, csr, primary_phone=phone).status_code)

    run_concurrently(post, spellings)

    assert statuses == [201] * len(spellings)
    assert count_rows(app, company, ContactCard) == 1
    assert count_rows(app, company, Lead) == len(spellings)  # one lead per request


# PATCH: the lead status machine ----------------------------------------------------------------


def test_allowed_moves_write_history_and_same_status_is_a_no_op(app, client, company, csr):
    lead_id, _ = make_lead(app, company)
    assert patch(client, csr, lead_id, status="hot").status_code == 200
    assert patch(client, csr, lead_id, status="hot").status_code == 200
    assert patch(client, csr, lead_id, status="dormant").status_code == 200
    assert patch(client, csr, lead_id, status="abandoned").status_code == 200
    assert patch(client, csr, lead_id, status="new").status_code == 200
    assert [row[:2] for row in history(app, company, lead_id)] == [
        (None, "new"), ("new", "hot"), ("hot", "dormant"), ("dormant", "abandoned"),
        ("abandoned", "new")]
    assert history(app, company, lead_id)[1][2] == csr.id


@pytest.mark.parametrize("path,refused", [
    (["dormant"], "qualified_service_not_offered"),
    (["dormant", "abandoned"], "hot"),
    (["closed_lost"], "hot"),
    (["closed_won"], "closed_lost"),
])
def test_refused_moves_are_a_409_and_change_nothing(app, client, company, manager, path, refused):
    lead_id, _ = make_lead(app, company)
    for status in path:
        assert patch(client, manager, lead_id, status=status).status_code == 200
    response = patch(client, manager, lead_id, status=refused, campaign="changed")
    problem = response.get_json()
    assert (response.status_code, problem["error_code"]) == (409, "RESOURCE_CONFLICT")
    assert problem["details"] == {"current_status": path[-1], "requested_status": refused}
    lead = load(app, company, Lead, lead_id)
    assert (lead.status, lead.campaign) == (path[-1], None)


def test_closing_and_reopening(app, client, company, csr, manager):
    lead_id, contact_id = make_lead(app, company)
    data = patch(client, csr, lead_id, status="closed_won").get_json()["data"]["lead"]
    assert (data["deal_status"], data["pool_status"]) == ("won", "closed")
    assert data["closed_at"] is not None

    reopen = patch(client, csr, lead_id, status="nurturing")
    assert (reopen.status_code, reopen.get_json()["error_code"]) == (
        403, "INSUFFICIENT_PERMISSIONS")
    data = patch(client, manager, lead_id, status="nurturing").get_json()["data"]["lead"]
    assert (data["status"], data["deal_status"], data["pool_status"], data["closed_at"]) == (
        "nurturing", "nurturing", "in_pool", None)


def test_archiving_is_for_managers(app, client, company, csr, manager):
    lead_id, _ = make_lead(app, company)
    refused = patch(client, csr, lead_id, pool_status="archived")
    assert (refused.status_code, refused.get_json()["error_code"]) == (
        403, "INSUFFICIENT_PERMISSIONS")
    assert patch(client, manager, lead_id, pool_status="archived").get_json()[
        "data"]["lead"]["pool_status"] == "archived"
    assert patch(client, manager, lead_id, pool_status="in_pool").get_json()[
        "data"]["lead"]["pool_status"] == "in_pool"
    invalid = patch(client, manager, lead_id, pool_status="assigned")
    assert (invalid.status_code, invalid.get_json()["error_code"]) == (422, "VALIDATION_ERROR")


def test_patch_copies_fields_and_null_leaves_them(app, client, company, csr):
    lead_id, _ = make_lead(app, company, campaign="radio")
    contacted = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
    response = patch(client, csr, lead_id, campaign=None, pipeline_stage="quote", score=7,
                     tags={"hoa": True}, last_contacted_at="2026-04-01T12:00:00",
                     deal_summary="Wants metal roof")
    lead = response.get_json()["data"]["lead"]
    assert (lead["campaign"], lead["pipeline_stage"], lead["score"], lead["tags"]) == (
        "radio", "quote", 7, {"hoa": True})
    assert lead["last_contacted_at"] == "2026-04-01T12:00:00Z"
    assert load(app, company, Lead, lead_id).last_contacted_at == contacted
    assert lead["deal_summary"] == "Wants metal roof"


@pytest.mark.parametrize("body", [
    {"status": "done"}, {"score": 2**40}, {"last_contacted_at": "yesterday"},
    {"deal_status": "won"}, {"assigned_rep_id": "user_x"}, {"tags": "x"},
])
def test_bad_patch_input_is_refused_and_writes_nothing(app, client, company, csr, body):
    lead_id, _ = make_lead(app, company)
    before = load(app, company, Lead, lead_id)
    response = patch(client, csr, lead_id, **body)
    assert (response.status_code, response.get_json()["error_code"]) == (422, "VALIDATION_ERROR")
    after = load(app, company, Lead, lead_id)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)


def test_get_takes_the_same_queries_with_many_appointments(app, client, company, manager,
                                                          count_queries):
    lead_id, _ = make_lead(app, company)
    start = datetime.now(timezone.utc) + timedelta(days=3)
    make_appointment(app, company, lead_id, start=start)
    with count_queries() as few:
        client.get(f"/api/v1/leads/{lead_id}", headers=bearer(manager))
    for day in range(1, 9):
        make_appointment(app, company, lead_id, start=start + timedelta(days=day))
    with count_queries() as many:
        response = client.get(f"/api/v1/leads/{lead_id}", headers=bearer(manager))
    assert len(response.get_json()["data"]["appointments"]) == 9
    assert many.n == few.n
