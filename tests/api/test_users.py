"""Users: directory, local and Clerk-backed creation, role swaps, metadata, idempotent creates."""

import re
import uuid

import pytest
from support import bearer
from sqlalchemy import select

from otto.db import db
from otto.tenancy import tenant_scope

USER_VIEW_KEYS = {
    "id",
    "name",
    "email",
    "username",
    "phone_number",
    "role",
    "company_id",
    "has_clerk_account",
    "profile",
}
LOCAL_ID = re.compile(r"^local_[0-9a-f]{32}$")


def new_user(role="csr", **fields) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Person {tag}",
        "email": f"p{tag}@example.com",
        "username": f"person-{tag}",
        "role": role,
        **fields,
    }


def profiles(app, company_id: str, user_id: str) -> tuple:
    """(role, manager row exists, rep row's manager_id or "none") as stored."""
    from otto.users.models import SalesManager, SalesRep, User

    with app.app_context(), tenant_scope(company_id):
        user = db.session.get(User, user_id)
        manager_row = db.session.get(SalesManager, user_id)
        rep_row = db.session.get(SalesRep, user_id)
        result = (
            user.role if user else None,
            manager_row is not None,
            rep_row.manager_id if rep_row else "none",
        )
        db.session.close()
    return result


def audit_actions(app, company_id: str, resource_id: str) -> list:
    from otto.audit import AuditLog

    with app.app_context(), tenant_scope(company_id):
        rows = (
            db.session.execute(
                select(AuditLog)
                .where(AuditLog.resource_id == resource_id)
                .order_by(AuditLog.created_at)
            )
            .scalars()
            .all()
        )
        result = [(row.action, row.changes) for row in rows]
        db.session.close()
    return result


# --- GET /api/v1/users/{user_id} ---------------------------------------------------------------


def test_user_view(client, manager, rep, csr):
    response = client.get(f"/api/v1/users/{manager.id}", headers=bearer(rep))
    assert response.status_code == 200
    view = response.json
    assert set(view) == USER_VIEW_KEYS
    assert view["role"] == "manager" and view["company_id"] == manager.company_id
    assert view["profile"] == {"id": manager.id, "reps_count": 1}
    assert view["has_clerk_account"] is False  # Clerk's Backend API is not configured

    assert client.get(f"/api/v1/users/{rep.id}", headers=bearer(csr)).json["profile"] == {
        "id": rep.id,
        "manager_id": manager.id,
    }
    assert client.get(f"/api/v1/users/{csr.id}", headers=bearer(manager)).json["profile"] is None


def test_unknown_user(client, manager):
    response = client.get("/api/v1/users/user_nobody", headers=bearer(manager))
    assert response.status_code == 404 and response.json["error_code"] == "USER_NOT_FOUND"


# --- POST /api/v1/users ---------------------------------------------------------------------------


def test_create_local_csr(client, app, manager):
    body = new_user("csr", phone_number="(555) 555-0180", first_name="Casey", last_name="Doe")
    response = client.post("/api/v1/users", headers=bearer(manager), json=body)
    assert response.status_code == 201
    assert response.json["success"] is True
    user_id = response.json["user_id"]
    assert LOCAL_ID.match(user_id)

    view = client.get(f"/api/v1/users/{user_id}", headers=bearer(manager)).json
    assert view == {
        "id": user_id,
        "name": body["name"],
        "email": body["email"],
        "username": body["username"],
        "phone_number": "+15555550180",
        "role": "csr",
        "company_id": manager.company_id,
        "has_clerk_account": False,
        "profile": None,
    }
    assert profiles(app, manager.company_id, user_id) == ("csr", False, "none")
    assert audit_actions(app, manager.company_id, user_id) == [("user_created", {"role": "csr"})]


def test_create_manager_and_rep_get_profiles(client, app, manager):
    manager_id = client.post(
        "/api/v1/users", headers=bearer(manager), json=new_user("manager")
    ).json["user_id"]
    assert profiles(app, manager.company_id, manager_id) == ("manager", True, "none")

    rep_id = client.post(
        "/api/v1/users", headers=bearer(manager), json=new_user("sales_rep", manager_id=manager_id)
    ).json["user_id"]
    assert profiles(app, manager.company_id, rep_id) == ("sales_rep", False, manager_id)
    assert (
        client.get(f"/api/v1/users/{manager_id}", headers=bearer(manager)).json["profile"][
            "reps_count"
        ]
        == 1
    )


def test_create_with_own_company_id(client, manager):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), json=new_user(company_id=manager.company_id)
    )
    assert response.status_code == 201


def test_create_for_another_company_is_forbidden(client, manager, make_company):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), json=new_user(company_id=make_company().id)
    )
    assert response.status_code == 403 and response.json["error_code"] == "FORBIDDEN"


@pytest.mark.parametrize("field", ["email", "username"])
def test_duplicate_email_or_username(client, manager, field):
    first = new_user()
    assert client.post("/api/v1/users", headers=bearer(manager), json=first).status_code == 201
    second = {**new_user(), field: first[field]}
    response = client.post("/api/v1/users", headers=bearer(manager), json=second)
    assert response.status_code == 409 and response.json["error_code"] == "DUPLICATE_RESOURCE"


def test_sales_rep_needs_a_manager(client, manager):
    response = client.post("/api/v1/users", headers=bearer(manager), json=new_user("sales_rep"))
    assert response.status_code == 422
    assert response.json["error_code"] == "MISSING_REQUIRED_FIELD"
    assert response.json["validation_errors"][0]["field"] == "body.manager_id"


def test_rep_manager_must_be_a_manager_of_the_company(
    client, manager, csr, make_company, make_user
):
    other_manager = make_user(make_company(), "manager")
    for manager_id in ("user_nobody", csr.id, other_manager.id):
        response = client.post(
            "/api/v1/users",
            headers=bearer(manager),
            json=new_user("sales_rep", manager_id=manager_id),
        )
        assert response.status_code == 404 and response.json["error_code"] == "NOT_FOUND", (
            manager_id
        )


@pytest.mark.parametrize(
    "override,field",
    [
        ({"role": "admin"}, "body.role"),
        ({"email": "not-an-email"}, "body.email"),
        ({"password": "hunter2"}, "body.password"),
        ({"id": "user_chosen"}, "body.id"),
        ({"name": ""}, "body.name"),
    ],
)
def test_create_validation(client, manager, override, field):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), json={**new_user(), **override}
    )
    assert response.status_code == 422
    assert field in {item["field"] for item in response.json["validation_errors"]}


def test_create_with_bad_phone(client, manager):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), json=new_user(phone_number="call me")
    )
    assert response.status_code == 422 and response.json["error_code"] == "INVALID_INPUT"


# --- Idempotency-Key on POST /api/v1/users --------------------------------------------------------


def test_idempotent_replay_returns_the_stored_response(client, manager):
    headers = {**bearer(manager), "Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    body = new_user()
    first = client.post("/api/v1/users", headers=headers, json=body)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers

    replay = client.post("/api/v1/users", headers=headers, json=body)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json

    # One user exists, not two.
    found = client.get(f"/api/v1/users/by-username/{body['username']}", headers=bearer(manager))
    assert found.json["id"] == first.json["user_id"]


def test_idempotency_key_with_a_different_body_conflicts(client, manager):
    headers = {**bearer(manager), "Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    assert client.post("/api/v1/users", headers=headers, json=new_user()).status_code == 201
    response = client.post("/api/v1/users", headers=headers, json=new_user())
    assert response.status_code == 409 and response.json["error_code"] == "RESOURCE_CONFLICT"


def test_refused_request_does_not_consume_the_key(client, manager):
    headers = {**bearer(manager), "Idempotency-Key": f"create-{uuid.uuid4().hex}"}
    assert (
        client.post("/api/v1/users", headers=headers, json=new_user("sales_rep")).status_code == 422
    )
    response = client.post("/api/v1/users", headers=headers, json=new_user())
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_idempotency_keys_are_per_company(client, make_company, make_user):
    key = f"create-{uuid.uuid4().hex}"
    for _ in range(2):
        manager = make_user(make_company(), "manager")
        response = client.post(
            "/api/v1/users", headers={**bearer(manager), "Idempotency-Key": key}, json=new_user()
        )
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_idempotency_key_must_be_reasonable(client, manager):
    response = client.post(
        "/api/v1/users", headers={**bearer(manager), "Idempotency-Key": "short"}, json=new_user()
    )
    assert response.status_code == 422


# --- PUT /api/v1/users/{user_id} ------------------------------------------------------------------


def test_update_fields(client, app, manager, csr):
    response = client.put(
        f"/api/v1/users/{csr.id}",
        headers=bearer(manager),
        json={
            "name": "Casey Renamed",
            "email": "casey.new@example.com",
            "phone_number": "555.555.0181",
        },
    )
    assert response.status_code == 200
    assert response.json == {"success": True, "user_id": csr.id}
    view = client.get(f"/api/v1/users/{csr.id}", headers=bearer(manager)).json
    assert (view["name"], view["email"], view["phone_number"]) == (
        "Casey Renamed",
        "casey.new@example.com",
        "+15555550181",
    )
    assert audit_actions(app, manager.company_id, csr.id)[-1] == (
        "user_updated",
        {"fields": ["email", "name", "phone_number"]},
    )


def test_update_to_a_taken_email(client, manager, csr):
    taken = new_user()
    client.post("/api/v1/users", headers=bearer(manager), json=taken)
    response = client.put(
        f"/api/v1/users/{csr.id}", headers=bearer(manager), json={"email": taken["email"]}
    )
    assert response.status_code == 409 and response.json["error_code"] == "DUPLICATE_RESOURCE"


def test_role_swap_rep_to_manager(client, app, manager, rep):
    response = client.put(
        f"/api/v1/users/{rep.id}", headers=bearer(manager), json={"role": "manager"}
    )
    assert response.status_code == 200
    assert profiles(app, manager.company_id, rep.id) == ("manager", True, "none")
    assert audit_actions(app, manager.company_id, rep.id)[-1] == (
        "role_changed",
        {"from": "sales_rep", "to": "manager"},
    )
    assert client.get(f"/api/v1/users/{rep.id}", headers=bearer(manager)).json["profile"] == {
        "id": rep.id,
        "reps_count": 0,
    }


def test_role_swap_manager_to_rep_releases_its_reps(client, app, company, make_user):
    boss = make_user(company, "manager")
    other_boss = make_user(company, "manager")
    rep = make_user(company, "sales_rep", manager_id=other_boss.id)
    response = client.put(
        f"/api/v1/users/{other_boss.id}",
        headers=bearer(boss),
        json={"role": "sales_rep", "manager_id": boss.id},
    )
    assert response.status_code == 200
    assert profiles(app, company.id, other_boss.id) == ("sales_rep", False, boss.id)
    assert profiles(app, company.id, rep.id) == ("sales_rep", False, None)


def test_role_swap_to_csr_drops_profiles(client, app, manager, rep):
    assert (
        client.put(
            f"/api/v1/users/{rep.id}", headers=bearer(manager), json={"role": "csr"}
        ).status_code
        == 200
    )
    assert profiles(app, manager.company_id, rep.id) == ("csr", False, "none")


def test_last_manager_cannot_be_demoted(client, app, make_company, make_user):
    company = make_company()
    manager = make_user(company, "manager")
    response = client.put(
        f"/api/v1/users/{manager.id}", headers=bearer(manager), json={"role": "csr"}
    )
    assert response.status_code == 409 and response.json["error_code"] == "OPERATION_NOT_ALLOWED"
    assert profiles(app, company.id, manager.id) == ("manager", True, "none")

    second = make_user(company, "manager")
    response = client.put(
        f"/api/v1/users/{manager.id}", headers=bearer(second), json={"role": "csr"}
    )
    assert response.status_code == 200
    assert profiles(app, company.id, manager.id) == ("csr", False, "none")


def test_update_unknown_manager_id(client, manager, rep):
    response = client.put(
        f"/api/v1/users/{rep.id}", headers=bearer(manager), json={"manager_id": "user_nobody"}
    )
    assert response.status_code == 404


def test_update_unknown_user(client, manager):
    response = client.put("/api/v1/users/user_nobody", headers=bearer(manager), json={"name": "x"})
    assert response.status_code == 404 and response.json["error_code"] == "USER_NOT_FOUND"


# --- GET /api/v1/users/company and /by-username --------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "csr", "sales_rep"])
def test_caller_company(client, company, role):
    headers = bearer(company_id=company.id, user_id="user_whoever", role=role)
    response = client.get("/api/v1/users/company", headers=headers)
    assert response.json == {
        "company_id": company.id,
        "company_name": "Test Roofing",
        "user_role": role,
    }


def test_caller_company_unregistered(client):
    headers = bearer(
        company_id=f"org_unregistered_{uuid.uuid4().hex[:8]}", user_id="user_x", role="csr"
    )
    response = client.get("/api/v1/users/company", headers=headers)
    assert response.status_code == 404 and response.json["error_code"] == "COMPANY_NOT_FOUND"


def test_by_username(client, manager, rep):
    response = client.get(f"/api/v1/users/by-username/{manager.username}", headers=bearer(rep))
    assert response.status_code == 200
    assert response.json == {
        "id": manager.id,
        "name": manager.name,
        "email": None,
        "username": manager.username,
        "role": "manager",
        "company_id": manager.company_id,
    }
    missing = client.get("/api/v1/users/by-username/nobody-at-all", headers=bearer(rep))
    assert missing.status_code == 404 and missing.json["error_code"] == "USER_NOT_FOUND"


# --- Clerk not configured: never a fake success ---------------------------------------------------


def test_sync_to_clerk_without_clerk(client, manager, csr):
    response = client.post(f"/api/v1/users/{csr.id}/sync-to-clerk", headers=bearer(manager))
    assert response.status_code == 503
    assert response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"
    assert response.json["detail"] == "Clerk is not configured."
    missing = client.post("/api/v1/users/user_nobody/sync-to-clerk", headers=bearer(manager))
    assert missing.status_code == 404 and missing.json["error_code"] == "USER_NOT_FOUND"


def test_metadata_without_clerk(client, manager, csr):
    response = client.patch(
        f"/api/v1/users/metadata/{csr.id}",
        headers=bearer(manager),
        json={"publicMetadata": {"team": "north"}},
    )
    assert response.status_code == 503 and response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"


@pytest.mark.parametrize(
    "body",
    [
        {"publicMetadata": {"role": "manager"}},
        {"publicMetadata": {"team": "north", "company_id": "org_x"}},
        {"privateMetadata": {"org_id": "org_x"}},
        {"privateMetadata": {"tenant_id": "org_x"}},
    ],
)
def test_metadata_reserved_keys(client, manager, csr, body):
    response = client.patch(f"/api/v1/users/metadata/{csr.id}", headers=bearer(manager), json=body)
    assert response.status_code == 422
    assert response.json["validation_errors"][0]["code"] == "reserved_key"


def test_metadata_needs_something(client, manager, csr):
    response = client.patch(f"/api/v1/users/metadata/{csr.id}", headers=bearer(manager), json={})
    assert response.status_code == 422 and response.json["error_code"] == "MISSING_REQUIRED_FIELD"


def test_metadata_unknown_user(client, manager):
    response = client.patch(
        "/api/v1/users/metadata/user_nobody",
        headers=bearer(manager),
        json={"publicMetadata": {"team": "north"}},
    )
    assert response.status_code == 404 and response.json["error_code"] == "USER_NOT_FOUND"


# --- With Clerk's Backend API (a local stub) ------------------------------------------------------


def test_create_user_in_clerk_first(clerk_client, clerk, app, manager):
    body = new_user("csr", first_name="Casey", last_name="Clerk")
    response = clerk_client.post("/api/v1/users", headers=bearer(manager), json=body)
    assert response.status_code == 201
    user_id = response.json["user_id"]
    assert user_id in clerk.users and user_id.startswith("user_")
    assert clerk.users[user_id]["email_addresses"] == [{"email_address": body["email"]}]
    assert clerk.memberships[(manager.company_id, user_id)] == "org:csr"
    assert (
        clerk_client.get(f"/api/v1/users/{user_id}", headers=bearer(manager)).json[
            "has_clerk_account"
        ]
        is True
    )


def test_create_user_when_clerk_fails_persists_nothing(clerk_client, clerk, manager):
    clerk.down = True
    body = new_user()
    response = clerk_client.post("/api/v1/users", headers=bearer(manager), json=body)
    assert response.status_code == 502 and response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"
    missing = clerk_client.get(
        f"/api/v1/users/by-username/{body['username']}", headers=bearer(manager)
    )
    assert missing.status_code == 404


def test_role_change_updates_the_clerk_membership(clerk_client, clerk, company, make_user):
    boss = make_user(company, "manager")
    person = make_user(company, "csr", user_id=f"user_{uuid.uuid4().hex[:12]}")
    clerk.add_user(person.id)
    clerk.memberships[(company.id, person.id)] = "org:csr"
    response = clerk_client.put(
        f"/api/v1/users/{person.id}",
        headers=bearer(boss),
        json={"role": "sales_rep", "manager_id": boss.id, "first_name": "Pat"},
    )
    assert response.status_code == 200
    assert clerk.memberships[(company.id, person.id)] == "org:sales_rep"
    assert clerk.users[person.id]["first_name"] == "Pat"
    assert person.id in clerk.users  # never deleted


def test_sync_clerk_user(clerk_client, clerk, manager):
    clerk.add_user(manager.id)
    response = clerk_client.post(
        f"/api/v1/users/{manager.id}/sync-to-clerk", headers=bearer(manager)
    )
    assert response.status_code == 200
    assert response.json == {"success": True, "user_id": manager.id}
    assert clerk.users[manager.id]["username"] == manager.username


def test_metadata_merges_and_hides_private_values(clerk_client, clerk, app, manager, csr):
    clerk.add_user(csr.id, public_metadata={"team": "south"}, private_metadata={"badge": "1234"})
    response = clerk_client.patch(
        f"/api/v1/users/metadata/{csr.id}",
        headers=bearer(manager),
        json={"publicMetadata": {"territory": "north"}, "privateMetadata": {"ssn_last4": "9876"}},
    )
    assert response.status_code == 200
    assert response.json == {
        "id": csr.id,
        "public_metadata": {"team": "south", "territory": "north"},
        "private_metadata_keys": ["badge", "ssn_last4"],
    }
    assert "9876" not in response.get_data(as_text=True)
    assert clerk.users[csr.id]["private_metadata"] == {"badge": "1234", "ssn_last4": "9876"}
    assert audit_actions(app, manager.company_id, csr.id)[-1] == (
        "metadata_updated",
        {"public_keys": ["territory"], "private_keys": ["ssn_last4"]},
    )
