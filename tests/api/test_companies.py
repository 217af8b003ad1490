"""Companies: registering the caller's organization, settings, write-only credentials, members."""

import json
import logging
import re
import uuid

import psycopg
import pytest
from sqlalchemy import select
from support import bearer

from otto.db import db
from otto.tenancy import tenant_scope

COMPANY_VIEW_KEYS = {
    "id",
    "name",
    "address",
    "phone_number",
    "created_at",
    "updated_at",
    "callrail_account_id",
    "industry",
    "timezone",
    "domain",
    "domain_verified",
    "call_provider",
    "primary_tracking_number",
    "onboarding_step",
    "onboarding_completed",
    "onboarding_completed_at",
    "subscription_status",
    "trial_ends_at",
    "max_seats",
    "require_recording_consent",
    "allow_ghost_mode",
    "ghost_mode_retention",
    "ghost_mode_storage",
    "ghost_mode_ephemeral_ttl_minutes",
    "default_shift_start",
    "default_shift_end",
    "require_clock_in",
    "default_geofence_radius_start",
    "default_geofence_radius_stop",
    "callrail_api_key_configured",
    "callrail_webhook_signing_key_configured",
    "twilio_configured",
}
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def new_org_id() -> str:
    return f"org_new_{uuid.uuid4().hex[:12]}"


def audit_rows(app, company_id: str, action: str | None = None) -> list:
    from otto.audit import AuditLog

    with app.app_context(), tenant_scope(company_id):
        statement = select(AuditLog).order_by(AuditLog.created_at)
        if action:
            statement = statement.where(AuditLog.action == action)
        rows = db.session.execute(statement).scalars().all()
        db.session.close()
        return rows


def load_company(app, company_id: str):
    from otto.companies.models import Company

    with app.app_context():
        company = db.session.get(Company, company_id)
        db.session.close()
        return company


# --- POST /api/v1/companies ----------------------------------------------------------------------


def test_register_own_organization(client, app):
    org_id = new_org_id()
    headers = bearer(company_id=org_id, user_id="user_founder", role="manager")
    response = client.post(
        "/api/v1/companies",
        headers=headers,
        json={
            "name": "Summit Roofing",
            "phone_number": "(555) 555-0142",
            "address": "1 Main St",
            "timezone": "America/Denver",
        },
    )
    assert response.status_code == 201
    assert response.json == {"status": "success", "company_id": org_id, "clerk_org_id": org_id}

    view = client.get(f"/api/v1/companies/{org_id}", headers=headers).json
    assert view["name"] == "Summit Roofing" and view["address"] == "1 Main St"
    assert view["phone_number"] == "+15555550142"
    assert view["timezone"] == "America/Denver"
    assert [row.action for row in audit_rows(app, org_id)] == ["company_created"]


def test_register_defaults(client):
    org_id = new_org_id()
    headers = bearer(company_id=org_id, user_id="user_founder", role="manager")
    client.post(
        "/api/v1/companies", headers=headers, json={"name": "Plain", "phone_number": "+15555550143"}
    )
    view = client.get(f"/api/v1/companies/{org_id}", headers=headers).json
    assert view["timezone"] == "America/New_York"
    assert view["subscription_status"] == "trialing" and view["onboarding_step"] == "company_basics"
    assert view["default_shift_start"] == "07:00:00" and view["default_shift_end"] == "20:00:00"
    assert view["max_seats"] == 5 and view["require_clock_in"] is True


def test_register_twice_is_a_duplicate(client):
    headers = bearer(company_id=new_org_id(), user_id="user_founder", role="manager")
    body = {"name": "Twice", "phone_number": "+15555550144"}
    assert client.post("/api/v1/companies", headers=headers, json=body).status_code == 201
    response = client.post("/api/v1/companies", headers=headers, json=body)
    assert response.status_code == 409 and response.json["error_code"] == "DUPLICATE_RESOURCE"


def test_company_names_need_not_be_unique(client):
    for _ in range(2):
        headers = bearer(company_id=new_org_id(), user_id="user_founder", role="manager")
        response = client.post(
            "/api/v1/companies",
            headers=headers,
            json={"name": "Same Name LLC", "phone_number": "+15555550145"},
        )
        assert response.status_code == 201


@pytest.mark.parametrize(
    "body,field,error_code",
    [
        ({"phone_number": "+15555550146"}, "body.name", "VALIDATION_ERROR"),
        ({"name": "X"}, "body.phone_number", "VALIDATION_ERROR"),
        ({"name": "", "phone_number": "+15555550146"}, "body.name", "VALIDATION_ERROR"),
        (
            {"name": "X", "phone_number": "+15555550146", "timezone": "Mars/Olympus"},
            "body.timezone",
            "VALIDATION_ERROR",
        ),
        ({"name": "X", "phone_number": "not a phone"}, "body.phone_number", "INVALID_INPUT"),
        (
            {"name": "X", "phone_number": "+15555550146", "id": "org_other"},
            "body.id",
            "VALIDATION_ERROR",
        ),
    ],
)
def test_register_validation(client, app, body, field, error_code):
    org_id = new_org_id()
    response = client.post(
        "/api/v1/companies",
        headers=bearer(company_id=org_id, user_id="u", role="manager"),
        json=body,
    )
    assert response.status_code == 422
    assert response.json["error_code"] == error_code
    assert field in {item["field"] for item in response.json["validation_errors"]}
    assert load_company(app, org_id) is None


# --- GET /api/v1/companies/{company_id} -----------------------------------------------------------


def test_company_view_has_exactly_the_documented_fields(client, manager):
    response = client.get(f"/api/v1/companies/{manager.company_id}", headers=bearer(manager))
    assert response.status_code == 200
    view = response.json
    assert set(view) == COMPANY_VIEW_KEYS
    assert UTC_Z.match(view["created_at"]) and UTC_Z.match(view["updated_at"])
    assert view["callrail_api_key_configured"] is False and view["twilio_configured"] is False


def test_unregistered_own_company_is_not_found(client):
    org_id = new_org_id()
    response = client.get(
        f"/api/v1/companies/{org_id}", headers=bearer(company_id=org_id, user_id="u", role="csr")
    )
    assert response.status_code == 404 and response.json["error_code"] == "COMPANY_NOT_FOUND"


# --- PUT /api/v1/companies/{company_id} -----------------------------------------------------------


def test_update_settings(client, app, manager):
    path = f"/api/v1/companies/{manager.company_id}"
    response = client.put(
        path,
        headers=bearer(manager),
        json={
            "name": "Renamed Roofing",
            "phone_number": "555-555-0150",
            "primary_tracking_number": "(555) 555-0151",
            "timezone": "America/Chicago",
            "sms_help_text": "Reply STOP to opt out.",
            "address": "",
        },
    )
    assert response.status_code == 200
    assert response.json == {"status": "success", "company_id": manager.company_id}

    view = client.get(path, headers=bearer(manager)).json
    assert view["name"] == "Renamed Roofing" and view["timezone"] == "America/Chicago"
    assert (
        view["phone_number"] == "+15555550150" and view["primary_tracking_number"] == "+15555550151"
    )
    company = load_company(app, manager.company_id)
    assert company.sms_help_text == "Reply STOP to opt out."

    (row,) = audit_rows(app, manager.company_id, "company_updated")
    assert row.changes == {
        "fields": ["name", "phone_number", "primary_tracking_number", "sms_help_text", "timezone"]
    }
    assert row.user_id == manager.id


def test_update_with_empty_values_changes_nothing(client, manager):
    path = f"/api/v1/companies/{manager.company_id}"
    before = client.get(path, headers=bearer(manager)).json
    assert (
        client.put(path, headers=bearer(manager), json={"name": "", "timezone": ""}).status_code
        == 200
    )
    after = client.get(path, headers=bearer(manager)).json
    assert after["name"] == before["name"] and after["timezone"] == before["timezone"]


def test_update_replaces_services(client, app, manager):
    from otto.companies.models import Service

    path = f"/api/v1/companies/{manager.company_id}"
    first = [
        {"name": "Roof repair", "base_price": 450},
        {"name": "Gutter cleaning", "description": "Both sides"},
    ]
    assert client.put(path, headers=bearer(manager), json={"services": first}).status_code == 200
    second = [{"name": "Full replacement", "base_price": "12500.50"}]
    assert client.put(path, headers=bearer(manager), json={"services": second}).status_code == 200

    with app.app_context(), tenant_scope(manager.company_id):
        services = db.session.execute(select(Service)).scalars().all()
        assert [(s.name, float(s.base_price)) for s in services] == [("Full replacement", 12500.50)]
        db.session.rollback()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"timezone": "Nowhere/Land"}, "body.timezone"),
        ({"services": [{"name": "A"}, {"name": "A"}]}, "body.services"),
        ({"services": [{"description": "no name"}]}, "body.services.0.name"),
        ({"services": [{"name": "A", "base_price": -1}]}, "body.services.0.base_price"),
        ({"phone_number": "12"}, "body.phone_number"),
        ({"company_id": "org_other"}, "body.company_id"),
        ({"callrail_api_key": "sneaky"}, "body.callrail_api_key"),
    ],
)
def test_update_validation(client, manager, body, field):
    response = client.put(
        f"/api/v1/companies/{manager.company_id}", headers=bearer(manager), json=body
    )
    assert response.status_code == 422
    assert field in {item["field"] for item in response.json["validation_errors"]}


def test_failed_update_changes_nothing(client, app, manager):
    path = f"/api/v1/companies/{manager.company_id}"
    response = client.put(
        path, headers=bearer(manager), json={"name": "Half Done", "phone_number": "12"}
    )
    assert response.status_code == 422
    assert load_company(app, manager.company_id).name == "Test Roofing"


# --- CallRail settings ----------------------------------------------------------------------------


def test_set_callrail_account_id(client, app, manager):
    path = f"/api/v1/companies/{manager.company_id}/set-callrail-account-id"
    response = client.post(
        path, headers=bearer(manager), json={"account_id": "ACC8154748ae6bd4e278a7cddd38a662f4f"}
    )
    assert response.status_code == 200
    assert response.json == {"success": True, "message": "CallRail account ID updated successfully"}
    view = client.get(f"/api/v1/companies/{manager.company_id}", headers=bearer(manager)).json
    assert view["callrail_account_id"] == "ACC8154748ae6bd4e278a7cddd38a662f4f"
    assert client.post(path, headers=bearer(manager), json={}).status_code == 422


def test_set_callrail_api_key_requires_the_key(client, manager):
    path = f"/api/v1/companies/{manager.company_id}/set-callrail-api-key"
    response = client.post(path, headers=bearer(manager), json={"webhook_signing_key": "only-this"})
    assert response.status_code == 422
    assert "body.api_key" in {item["field"] for item in response.json["validation_errors"]}


def test_secrets_are_write_only_encrypted_and_never_echoed(client, app, servers, manager, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = {
        "api_key": "crk_live_5e3c1d9a8b7f",
        "webhook_signing_key": "whk_9f8e7d6c5b4a",
        "twilio_account_sid": "AC0123456789abcdef0123456789abcdef",
        "twilio_auth_token": "tw_tok_77aa88bb99cc",
    }
    base = f"/api/v1/companies/{manager.company_id}"
    responses = [
        client.post(
            f"{base}/set-callrail-api-key",
            headers=bearer(manager),
            json={
                "api_key": secrets["api_key"],
                "webhook_signing_key": secrets["webhook_signing_key"],
            },
        ),
        client.put(
            base,
            headers=bearer(manager),
            json={
                "twilio_account_sid": secrets["twilio_account_sid"],
                "twilio_auth_token": secrets["twilio_auth_token"],
            },
        ),
    ]
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json == {
        "success": True,
        "message": "CallRail API key updated successfully",
    }

    view = client.get(base, headers=bearer(manager))
    assert view.json["callrail_api_key_configured"] is True
    assert view.json["callrail_webhook_signing_key_configured"] is True
    assert view.json["twilio_configured"] is True
    responses.append(view)
    responses.append(client.get("/api/v1/companies/list-organizations", headers=bearer(manager)))
    responses.append(client.get(f"{base}/sales-managers", headers=bearer(manager)))

    audit = [
        json.dumps(
            {"changes": row.changes, "context": row.context_data, "error": row.error_message}
        )
        for row in audit_rows(app, manager.company_id)
    ]
    assert any(
        "callrail_credentials_updated" in row.action for row in audit_rows(app, manager.company_id)
    )
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for value in secrets.values():
        for response in responses:
            assert value not in response.get_data(as_text=True)
        assert not any(value in row for row in audit)
        assert value not in logs

    # At rest: ciphertext in every secret column, and the app reads the plain value back.
    owner = servers.database_owner_url.replace("+psycopg", "")
    with psycopg.connect(owner) as conn:
        stored = conn.execute(
            "SELECT callrail_api_key, callrail_webhook_signing_key, "
            "twilio_account_sid, twilio_auth_token "
            "FROM companies WHERE id = %s",
            (manager.company_id,),
        ).fetchone()
    for column_value, plain in zip(
        stored,
        [
            secrets[k]
            for k in ("api_key", "webhook_signing_key", "twilio_account_sid", "twilio_auth_token")
        ],
    ):
        assert column_value and plain not in column_value
    company = load_company(app, manager.company_id)
    assert company.callrail_api_key == secrets["api_key"]
    assert company.twilio_auth_token == secrets["twilio_auth_token"]


# --- GET /api/v1/companies/by-phone/{phone_number} -----------------------------------------------


@pytest.mark.parametrize(
    "number", ["+15555550160", "5555550160", "(555) 555-0160", "+1 555-555-0160", "+15555550161"]
)
def test_by_phone_matches_own_main_or_tracking_number(client, make_company, make_user, number):
    company = make_company(
        name="Phone Co", phone_number="+15555550160", primary_tracking_number="+15555550161"
    )
    manager = make_user(company, "manager")
    response = client.get(f"/api/v1/companies/by-phone/{number}", headers=bearer(manager))
    assert response.status_code == 200
    assert response.json == {"company_name": "Phone Co"}


@pytest.mark.parametrize("number", ["+15555550199", "garbage", "0", "+"])
def test_by_phone_unknown_number(client, manager, number):
    response = client.get(f"/api/v1/companies/by-phone/{number}", headers=bearer(manager))
    assert response.status_code == 404
    assert response.json["error_code"] == "COMPANY_NOT_FOUND"
    assert response.json["detail"] == "No company found with this phone number"


# --- GET /api/v1/companies/get-user-company/{username} --------------------------------------------


@pytest.mark.parametrize("role", ["manager", "csr", "sales_rep"])
def test_get_user_company(client, manager, role):
    headers = bearer(company_id=manager.company_id, user_id="user_any", role=role)
    response = client.get(f"/api/v1/companies/get-user-company/{manager.username}", headers=headers)
    assert response.status_code == 200
    assert response.json == {"company_id": manager.company_id}


def test_get_user_company_unknown_username(client, manager):
    response = client.get("/api/v1/companies/get-user-company/nobody-here", headers=bearer(manager))
    assert response.status_code == 404 and response.json["error_code"] == "USER_NOT_FOUND"


# --- GET /api/v1/companies/list-organizations ---------------------------------------------------


def test_list_organizations_without_clerk_uses_the_company_row(client, manager):
    response = client.get(
        "/api/v1/companies/list-organizations?limit=5&offset=0&unknown=1", headers=bearer(manager)
    )
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 1 and UTC_Z.match(body["timestamp"])
    (org,) = body["organizations"]
    assert org["id"] == manager.company_id and org["name"] == "Test Roofing" and org["slug"] is None
    assert UTC_Z.match(org["created_at"])


def test_list_organizations_bad_paging(client, manager):
    response = client.get("/api/v1/companies/list-organizations?limit=0", headers=bearer(manager))
    assert response.status_code == 422
    assert response.json["validation_errors"][0]["field"] == "query.limit"


def test_list_organizations_unregistered_without_clerk(client):
    headers = bearer(company_id=new_org_id(), user_id="u", role="manager")
    response = client.get("/api/v1/companies/list-organizations", headers=headers)
    assert response.status_code == 502 and response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"


# --- GET /api/v1/companies/{company_id}/sales-managers -------------------------------------------


def test_sales_managers(client, company, make_user):
    first = make_user(company, "manager", name="Avery Boss", phone="+15555550170")
    second = make_user(company, "manager", name="Blake Lead")
    rep = make_user(company, "sales_rep", manager_id=first.id)
    make_user(company, "csr")
    response = client.get(f"/api/v1/companies/{company.id}/sales-managers", headers=bearer(rep))
    assert response.status_code == 200
    assert response.json == {
        "company": {"id": company.id, "name": "Test Roofing", "phone_number": None},
        "sales_managers": [
            {"id": first.id, "name": "Avery Boss", "phone_number": "+15555550170"},
            {"id": second.id, "name": "Blake Lead", "phone_number": None},
        ],
        "total_managers": 2,
    }


# --- POST /api/v1/companies/organizations/{org_id}/memberships -----------------------------------


def test_memberships_without_clerk_are_503(client, manager):
    response = client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": "user_someone", "role": "org:csr"},
    )
    assert response.status_code == 503
    assert response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"
    assert response.json["detail"] == "Clerk is not configured."


def test_membership_role_must_be_known(client, manager):
    response = client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": "user_someone", "role": "org:member"},
    )
    assert response.status_code == 422


def test_membership_adds_a_clerk_user_to_the_company(clerk_client, clerk, app, manager):
    clerk.add_user("user_newcomer_" + manager.id[-6:])
    user_id = "user_newcomer_" + manager.id[-6:]
    response = clerk_client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": user_id, "role": "sales_rep"},
    )
    assert response.status_code == 200
    assert response.json == {
        "status": "success",
        "message": "Membership updated",
        "data": {
            "organization_id": manager.company_id,
            "user_id": user_id,
            "role": "org:sales_rep",
        },
    }
    assert clerk.memberships[(manager.company_id, user_id)] == "org:sales_rep"

    view = clerk_client.get(f"/api/v1/users/{user_id}", headers=bearer(manager)).json
    assert view["role"] == "sales_rep" and view["has_clerk_account"] is True
    assert view["profile"] == {"id": user_id, "manager_id": None}
    assert [row.action for row in audit_rows(app, manager.company_id, "membership_added")] == [
        "membership_added"
    ]

    # Promote: Clerk's POST says "already a member", so Otto updates the membership instead.
    response = clerk_client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": user_id, "role": "org:admin"},
    )
    assert response.status_code == 200 and response.json["data"]["role"] == "org:admin"
    assert clerk.memberships[(manager.company_id, user_id)] == "org:admin"
    view = clerk_client.get(f"/api/v1/users/{user_id}", headers=bearer(manager)).json
    assert view["role"] == "manager" and view["profile"] == {"id": user_id, "reps_count": 0}
    (changed,) = audit_rows(app, manager.company_id, "role_changed")
    assert changed.changes == {"from": "sales_rep", "to": "manager"}


def test_membership_for_an_unknown_clerk_user(clerk_client, manager):
    response = clerk_client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": "user_ghost", "role": "csr"},
    )
    assert response.status_code == 404 and response.json["error_code"] == "USER_NOT_FOUND"


def test_membership_cannot_demote_the_last_admin(clerk_client, clerk, app, make_company, make_user):
    company = make_company()
    manager = make_user(company, "manager")
    clerk.add_user(manager.id)
    response = clerk_client.post(
        f"/api/v1/companies/organizations/{company.id}/memberships",
        headers=bearer(manager),
        json={"user_id": manager.id, "role": "org:csr"},
    )
    assert response.status_code == 409 and response.json["error_code"] == "OPERATION_NOT_ALLOWED"
    assert (company.id, manager.id) not in clerk.memberships


def test_membership_when_clerk_fails(clerk_client, clerk, manager):
    clerk.down = True
    response = clerk_client.post(
        f"/api/v1/companies/organizations/{manager.company_id}/memberships",
        headers=bearer(manager),
        json={"user_id": "user_x", "role": "csr"},
    )
    assert response.status_code == 502 and response.json["error_code"] == "EXTERNAL_SERVICE_ERROR"


def test_list_organizations_from_clerk(clerk_client, clerk, manager):
    clerk.organizations[manager.company_id] = {
        "id": manager.company_id,
        "name": "From Clerk",
        "slug": "from-clerk",
        "created_at": 1654013202977,
    }
    body = clerk_client.get("/api/v1/companies/list-organizations", headers=bearer(manager)).json
    assert body["organizations"] == [
        {
            "id": manager.company_id,
            "name": "From Clerk",
            "slug": "from-clerk",
            "created_at": "2022-05-31T16:06:42.977000Z",
        }
    ]


@pytest.mark.parametrize("clerk_state", ["down", "org_unknown_to_clerk"])
def test_list_organizations_falls_back_to_the_company_row(
    clerk_client, clerk, manager, clerk_state
):
    clerk.down = clerk_state == "down"
    response = clerk_client.get("/api/v1/companies/list-organizations", headers=bearer(manager))
    assert response.status_code == 200
    assert response.json["organizations"][0]["name"] == "Test Roofing"
