"""Sales reps through the API: listing, agendas, creating and updating reps, assigning calls."""

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from support import bearer
from visit_helpers import count, load, make_appointment, make_call, phone, scope, update

from otto.calls.models import Call, ScheduledCall
from otto.contacts.models import EventLog
from otto.contacts.service import ensure_contact
from otto.db import utcnow
from otto.users.models import SalesRep, User

BASE = "/api/v1/sales-reps"
LOCAL_ID = re.compile(r"^local_[0-9a-f]{32}$")


def new_rep(manager_id: str, **fields) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Rita Rep{tag}",
        "email": f"rita{tag}@example.com",
        "phone_number": phone(),
        "manager_id": manager_id,
        **fields,
    }


# --- GET /api/v1/sales-reps -----------------------------------------------------------------------


def test_every_role_lists_the_active_reps(
    app, client, company, manager, csr, rep, make_user, make_company
):
    quiet = make_user(company, "sales_rep", manager_id=manager.id)
    update(app, company, User, quiet.id, is_active=False)
    update(app, company, User, rep.id, name=None)
    foreign = make_company()
    make_user(foreign, "sales_rep", manager_id=make_user(foreign, "manager").id)

    for user in (manager, csr, rep):
        response = client.get(BASE, headers=bearer(user))
        assert response.status_code == 200
        assert response.get_json() == {
            "sales_reps": [
                {
                    "id": rep.id,
                    "name": "Unknown",
                    "email": None,
                    "phone_number": None,
                    "manager_id": manager.id,
                }
            ]
        }
    mine = client.get(BASE, query_string={"company_id": company.id}, headers=bearer(csr))
    assert mine.status_code == 200
    other = client.get(BASE, query_string={"company_id": foreign.id}, headers=bearer(manager))
    assert (other.status_code, other.get_json()["error_code"]) == (403, "FORBIDDEN")


def test_the_rep_list_takes_a_fixed_number_of_queries(
    app, client, company, manager, make_user, count_queries
):
    make_user(company, "sales_rep", manager_id=manager.id)
    with count_queries() as few:
        client.get(BASE, headers=bearer(manager))
    for _ in range(5):
        make_user(company, "sales_rep", manager_id=manager.id)
    with count_queries() as many:
        response = client.get(BASE, headers=bearer(manager))
    assert len(response.get_json()["sales_reps"]) == 6
    assert many.n == few.n


# --- GET /api/v1/sales-reps/{rep_id}/appointments -------------------------------------------------


@pytest.fixture
def agenda(app, company, rep):
    """Two upcoming and two past items of `rep`, plus items that must never show."""
    now = utcnow()
    items = {
        "call_soon": make_call(
            app,
            company,
            booked=True,
            assigned_rep_id=rep.id,
            name="Cal Soon",
            address="1 Oak St",
            quote_date=now + timedelta(days=1),
            price_if_bought=9000,
        ),
        "appointment_later": make_appointment(
            app,
            company,
            rep_id=rep.id,
            start=now + timedelta(days=2),
            location="2 Elm St",
            scheduled_end=now + timedelta(days=2, minutes=90),
        ),
        "call_past": make_call(
            app,
            company,
            booked=True,
            assigned_rep_id=rep.id,
            name="Cal Past",
            quote_date=now - timedelta(days=1),
            bought=True,
        ),
        "appointment_past": make_appointment(
            app, company, rep_id=rep.id, status="confirmed", start=now - timedelta(days=2)
        ),
    }
    make_call(
        app,
        company,
        booked=True,
        cancelled=True,
        assigned_rep_id=rep.id,
        quote_date=now + timedelta(days=1),
    )
    make_call(
        app, company, booked=False, assigned_rep_id=rep.id, quote_date=now + timedelta(days=1)
    )
    make_appointment(app, company, rep_id=rep.id, status="cancelled", start=now + timedelta(days=1))
    make_appointment(
        app, company, rep_id=rep.id, status="completed", start=now - timedelta(hours=3)
    )
    make_appointment(app, company, rep_id=None, start=now + timedelta(days=1))
    return items


def test_a_reps_agenda_upcoming_past_and_all(app, client, company, rep, agenda):
    url = f"{BASE}/{rep.id}/appointments"

    upcoming = client.get(url, headers=bearer(rep)).get_json()
    assert [item["id"] for item in upcoming["appointments"]] == [
        agenda["call_soon"],
        agenda["appointment_later"],
    ]
    assert upcoming["total"] == 2 and upcoming["show_past"] is False
    assert upcoming["rep_name"] == rep.name
    call_item, appointment_item = upcoming["appointments"]
    assert call_item["source"] == "call" and call_item["title"] == "Appointment with Cal Soon"
    assert call_item["description"] == "1 Oak St" and call_item["price_quote"] == 9000.0
    assert call_item["status"] == "upcoming" and call_item["duration"] == 60
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", call_item["date"])
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", call_item["time"])
    assert appointment_item["source"] == "appointment" and appointment_item["duration"] == 90
    assert appointment_item["customer_name"] == "Pat Homeowner"
    assert appointment_item["description"] == "2 Elm St"

    past = client.get(url, query_string={"show_past": "true"}, headers=bearer(rep)).get_json()
    assert [item["id"] for item in past["appointments"]] == [
        agenda["call_past"],
        agenda["appointment_past"],
    ]
    assert past["appointments"][0]["status"] == "past" and past["appointments"][0]["bought"]

    everything = client.get(url, query_string={"show_all": "1"}, headers=bearer(rep)).get_json()
    assert [item["id"] for item in everything["appointments"]] == [
        agenda["appointment_later"],
        agenda["call_soon"],
        agenda["call_past"],
        agenda["appointment_past"],
    ]


def test_agenda_times_are_in_the_company_timezone(app, client, make_company, make_user):
    company = make_company(timezone="America/Chicago")
    rep = make_user(company, "sales_rep", manager_id=make_user(company, "manager").id)
    make_call(
        app,
        company,
        booked=True,
        assigned_rep_id=rep.id,
        quote_date=datetime(2031, 7, 1, 15, 30, tzinfo=timezone.utc),
    )
    item = client.get(f"{BASE}/{rep.id}/appointments", headers=bearer(rep)).get_json()[
        "appointments"
    ][0]
    assert (item["date"], item["time"]) == ("2031-07-01", "10:30:00")
    assert item["full_datetime"] == "2031-07-01T15:30:00Z"


def test_agenda_roles(app, client, company, manager, csr, rep, make_user, make_company):
    other_rep = make_user(company, "sales_rep", manager_id=manager.id)
    foreign = make_company()
    foreign_rep = make_user(foreign, "sales_rep", manager_id=make_user(foreign, "manager").id)

    assert client.get(f"{BASE}/{rep.id}/appointments", headers=bearer(manager)).status_code == 200
    forbidden = client.get(f"{BASE}/{other_rep.id}/appointments", headers=bearer(rep))
    assert (forbidden.status_code, forbidden.get_json()["error_code"]) == (403, "FORBIDDEN")
    by_role = client.get(f"{BASE}/{rep.id}/appointments", headers=bearer(csr))
    assert by_role.get_json()["error_code"] == "INSUFFICIENT_PERMISSIONS"
    assert (
        client.get(f"{BASE}/{foreign_rep.id}/appointments", headers=bearer(manager)).status_code
        == 404
    )
    assert (
        client.get(
            f"{BASE}/{rep.id}/appointments",
            query_string={"show_past": "maybe"},
            headers=bearer(rep),
        ).status_code
        == 422
    )


def test_the_agenda_takes_a_fixed_number_of_queries(app, client, company, rep, count_queries):
    url = f"{BASE}/{rep.id}/appointments"
    make_appointment(app, company, rep_id=rep.id, start=utcnow() + timedelta(days=1))
    with count_queries() as few:
        client.get(url, headers=bearer(rep))
    for days in range(2, 8):
        make_appointment(app, company, rep_id=rep.id, start=utcnow() + timedelta(days=days))
        make_call(
            app,
            company,
            booked=True,
            assigned_rep_id=rep.id,
            quote_date=utcnow() + timedelta(days=days),
        )
    with count_queries() as many:
        response = client.get(url, headers=bearer(rep))
    assert response.get_json()["total"] == 13
    assert many.n == few.n


# --- POST /api/v1/sales-reps ----------------------------------------------------------------------


def test_a_manager_creates_a_local_rep(app, client, company, manager):
    body = new_rep(manager.id, name="Rosa Lee Parks", phone_number="(415) 555-0142")

    response = client.post(BASE, json=body, headers=bearer(manager))

    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "success" and LOCAL_ID.match(data["rep_id"])
    assert data["user_id"] == data["rep_id"]
    assert (data["has_clerk_account"], data["clerk_user_id"], data["clerk_org_id"]) == (
        False,
        None,
        None,
    )
    user = load(app, company, User, data["user_id"])
    assert (user.role, user.username, user.phone_number) == (
        "sales_rep",
        "rosaleeparks",
        "+14155550142",
    )
    assert load(app, company, SalesRep, user.id).manager_id == manager.id


def test_rep_creation_refusals_write_nothing(
    app, client, company, manager, csr, rep, make_company, make_user
):
    foreign_manager = make_user(make_company(), "manager")
    existing = new_rep(manager.id)
    assert client.post(BASE, json=existing, headers=bearer(manager)).status_code == 201
    before = count(app, company, User)

    cases = [
        (csr, new_rep(manager.id), 403, "INSUFFICIENT_PERMISSIONS"),
        (manager, new_rep(manager.id, company_id=make_company().id), 403, "FORBIDDEN"),
        (manager, new_rep(foreign_manager.id), 404, "NOT_FOUND"),
        (
            manager,
            new_rep(manager.id, phone_number=existing["phone_number"]),
            409,
            "DUPLICATE_RESOURCE",
        ),
        (manager, new_rep(manager.id, email=existing["email"]), 409, "DUPLICATE_RESOURCE"),
        (manager, new_rep(manager.id, name=existing["name"]), 409, "DUPLICATE_RESOURCE"),
        (manager, new_rep(manager.id, phone_number="12345"), 422, "INVALID_INPUT"),
        (manager, new_rep(manager.id, email="not-an-email"), 422, "VALIDATION_ERROR"),
        (manager, new_rep(manager.id, role="manager"), 422, "VALIDATION_ERROR"),
        (
            manager,
            {"name": "No Phone", "email": "np@example.com", "manager_id": manager.id},
            422,
            "VALIDATION_ERROR",
        ),
    ]
    for user, body, status, code in cases:
        response = client.post(BASE, json=body, headers=bearer(user))
        assert (response.status_code, response.get_json()["error_code"]) == (status, code), body
    assert count(app, company, User) == before


def test_idempotent_rep_creation(app, client, company, manager):
    body = new_rep(manager.id)
    headers = {**bearer(manager), "Idempotency-Key": f"rep-{uuid.uuid4().hex}"}
    first = client.post(BASE, json=body, headers=headers)
    replay = client.post(BASE, json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    assert count(app, company, User, User.email == body["email"]) == 1


def test_with_clerk_the_rep_is_a_clerk_user(app, clerk_client, clerk_backend, company, manager):
    clerk_backend.down = False
    response = clerk_client.post(
        BASE, json=new_rep(manager.id, name="Cleo Clerk"), headers=bearer(manager)
    )

    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["has_clerk_account"] is True and data["clerk_org_id"] == company.id
    assert data["clerk_user_id"] == data["rep_id"] and data["rep_id"].startswith("user_")
    assert clerk_backend.memberships[(company.id, data["rep_id"])] == "org:sales_rep"
    assert clerk_backend.users[data["rep_id"]]["first_name"] == "Cleo"

    clerk_backend.down = True
    before = count(app, company, User)
    failed = clerk_client.post(BASE, json=new_rep(manager.id), headers=bearer(manager))
    assert (failed.status_code, failed.get_json()["error_code"]) == (502, "EXTERNAL_SERVICE_ERROR")
    assert count(app, company, User) == before
    clerk_backend.down = False


# --- PUT /api/v1/sales-reps/{rep_id} --------------------------------------------------------------


def test_updating_a_rep(app, client, company, manager, csr, rep, make_user, make_company):
    new_manager = make_user(company, "manager")
    response = client.put(
        f"{BASE}/{rep.id}",
        headers=bearer(manager),
        json={
            "name": "Renamed Rep",
            "phone_number": "415-555-0199",
            "username": f"renamed-{rep.id}",
            "manager_id": new_manager.id,
            "email": f"{rep.id}@example.com",
        },
    )

    assert response.status_code == 200
    assert response.get_json() == {"status": "success", "rep_id": rep.id}
    user = load(app, company, User, rep.id)
    assert (user.name, user.phone_number, user.username) == (
        "Renamed Rep",
        "+14155550199",
        f"renamed-{rep.id}",
    )
    assert load(app, company, SalesRep, rep.id).manager_id == new_manager.id

    other = make_user(company, "sales_rep", manager_id=manager.id, phone="+14155550177")
    foreign_manager = make_user(make_company(), "manager")
    for body, status in (
        ({"company_id": "org_elsewhere"}, 422),
        ({"colour": "red"}, 422),
        ({"username": other.username}, 409),
        ({"phone_number": "+14155550177"}, 409),
        ({"manager_id": foreign_manager.id}, 404),
        ({"name": ""}, 422),
    ):
        response = client.put(f"{BASE}/{rep.id}", json=body, headers=bearer(manager))
        assert response.status_code == status, body
    assert load(app, company, User, rep.id).name == "Renamed Rep"
    assert (
        client.put(f"{BASE}/{rep.id}", json={"name": "x"}, headers=bearer(csr)).status_code == 403
    )
    assert (
        client.put(f"{BASE}/{manager.id}", json={"name": "x"}, headers=bearer(manager)).status_code
        == 404
    )


# --- POST /api/v1/sales-reps/assign/{call_id} -----------------------------------------------------


def test_assigning_a_rep_to_a_call(app, client, company, manager, csr, rep, make_user):
    previous = make_user(company, "sales_rep", manager_id=manager.id)
    quote = utcnow() + timedelta(days=3)
    fence = {"latitude": 40.0, "longitude": -74.0, "radius": 250}
    with scope(app, company.id):
        contact = ensure_contact(company.id, phone(), "Gus Gutter")
        contact_id = contact.id
    call_id = make_call(
        app,
        company,
        booked=True,
        quote_date=quote,
        assigned_rep_id=previous.id,
        contact_card_id=contact_id,
        geofence={**fence},
    )
    with scope(app, company.id) as session:
        session.add(
            ScheduledCall(
                company_id=company.id,
                call_id=call_id,
                call_type="sales_followup",
                scheduled_time=quote,
            )
        )
        session.add(
            ScheduledCall(
                company_id=company.id,
                call_id=call_id,
                call_type="sales_followup",
                scheduled_time=quote - timedelta(days=9),
                is_completed=True,
                status="completed",
            )
        )
    update(app, company, SalesRep, previous.id, active_geofences=[{**fence, "call_id": call_id}])

    response = client.post(
        f"{BASE}/assign/{call_id}", json={"new_sales_rep_id": rep.id}, headers=bearer(csr)
    )

    assert response.status_code == 200
    assert response.get_json() == {"message": "Sales rep assigned and follow-up scheduled"}
    assert load(app, company, Call, call_id).assigned_rep_id == rep.id
    with scope(app, company.id) as session:
        rows = (
            session.execute(
                select(ScheduledCall)
                .where(ScheduledCall.call_id == call_id)
                .order_by(ScheduledCall.scheduled_time)
            )
            .scalars()
            .all()
        )
        pending = [row.scheduled_time for row in rows if not row.is_completed]
        kinds = [
            row.event_type
            for row in session.execute(
                select(EventLog).where(EventLog.call_id == call_id)
            ).scalars()
        ]
    assert len(rows) == 2 and pending == [quote + timedelta(hours=2)]
    assert kinds == ["rep_assigned"]
    assert load(app, company, SalesRep, rep.id).active_geofences == [fence]
    assert load(app, company, SalesRep, previous.id).active_geofences == []

    by_query = client.post(
        f"{BASE}/assign/{call_id}",
        query_string={"new_sales_rep_id": previous.id},
        headers=bearer(manager),
    )
    assert by_query.status_code == 200
    assert load(app, company, Call, call_id).assigned_rep_id == previous.id


def test_assignment_refusals(app, client, company, manager, rep, make_user, make_company):
    foreign = make_company()
    foreign_rep = make_user(foreign, "sales_rep", manager_id=make_user(foreign, "manager").id)
    foreign_call = make_call(app, foreign, booked=True)
    call_id = make_call(app, company, booked=True)

    def assign(target_call, body, user=manager):
        return client.post(f"{BASE}/assign/{target_call}", json=body, headers=bearer(user))

    assert (
        assign(foreign_call, {"new_sales_rep_id": rep.id}).get_json()["error_code"]
        == "CALL_NOT_FOUND"
    )
    assert (
        assign(call_id, {"new_sales_rep_id": foreign_rep.id}).get_json()["error_code"]
        == "NOT_FOUND"
    )
    assert assign(call_id, {"new_sales_rep_id": manager.id}).status_code == 404
    assert assign(call_id, {}).status_code == 422
    assert assign(call_id, {"new_sales_rep_id": rep.id, "extra": 1}).status_code == 422
    assert assign(call_id, {"new_sales_rep_id": rep.id}, user=rep).status_code == 403
    assert assign(2**40, {"new_sales_rep_id": rep.id}).status_code == 404
    assert load(app, company, Call, call_id).assigned_rep_id is None
