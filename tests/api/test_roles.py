"""Role hierarchy: manager passes every list except exact ones; csr and sales_rep are siblings."""

import pytest
from support import bearer

from otto.auth.roles import (
    CLERK_ALIASES,
    CLERK_ROLE_FOR,
    CSR,
    MANAGER,
    ROLES,
    SALES_REP,
    normalize_declared,
    otto_role,
    role_allows,
)


@pytest.mark.parametrize(
    "caller,declared,exact,allowed",
    [
        (MANAGER, {MANAGER}, False, True),
        (MANAGER, {CSR}, False, True),
        (MANAGER, {SALES_REP}, False, True),
        (MANAGER, {CSR, SALES_REP}, False, True),
        (MANAGER, {SALES_REP}, True, False),
        (MANAGER, {MANAGER, SALES_REP}, True, True),
        (CSR, {CSR}, False, True),
        (CSR, {SALES_REP}, False, False),
        (CSR, {MANAGER}, False, False),
        (CSR, {CSR, SALES_REP}, False, True),
        (SALES_REP, {SALES_REP}, False, True),
        (SALES_REP, {CSR}, False, False),
        (SALES_REP, {MANAGER}, False, False),
        (SALES_REP, {SALES_REP}, True, True),
        (CSR, {SALES_REP}, True, False),
    ],
)
def test_role_allows(caller, declared, exact, allowed):
    assert role_allows(caller, frozenset(declared), exact) is allowed


def test_declaration_aliases_normalize_to_otto_roles():
    assert normalize_declared(["admin", "leadership", "exec", "executive"]) == {MANAGER}
    assert normalize_declared(["rep"]) == {SALES_REP}
    assert normalize_declared(["csr", "rep", "admin"]) == {CSR, SALES_REP, MANAGER}


def test_every_clerk_alias_maps_into_the_three_roles():
    assert set(CLERK_ALIASES.values()) == set(ROLES)
    assert otto_role(None) is None
    assert otto_role("owner") is None


def test_clerk_role_for_each_otto_role_maps_back():
    assert CLERK_ROLE_FOR == {MANAGER: "org:admin", CSR: "org:csr", SALES_REP: "org:sales_rep"}
    for role, clerk_role in CLERK_ROLE_FOR.items():
        assert otto_role(clerk_role) == role


# --- Through endpoints -------------------------------------------------------------------------

NEW_COMPANY = {"name": "Rooftop Pros", "phone_number": "+15555550123"}


@pytest.mark.parametrize("role", ["csr", "sales_rep"])
def test_manager_only_endpoint_refuses_csr_and_rep(client, make_company, role):
    company = make_company()
    headers = bearer(company_id=company.id, user_id="user_roles", role=role)
    response = client.post("/api/v1/companies", headers=headers, json=NEW_COMPANY)
    assert response.status_code == 403
    assert response.json["error_code"] == "INSUFFICIENT_PERMISSIONS"
    assert "manager" in response.json["detail"] and role in response.json["detail"]


def test_refused_role_changes_nothing(client, app, make_company):
    from otto.companies.models import Company
    from otto.db import db

    company_id = "org_roles_unregistered_" + make_company().id[-8:]
    headers = bearer(company_id=company_id, user_id="user_roles", role="csr")
    assert client.post("/api/v1/companies", headers=headers, json=NEW_COMPANY).status_code == 403
    with app.app_context():
        assert db.session.get(Company, company_id) is None


@pytest.mark.parametrize("role", ["manager", "csr", "sales_rep"])
def test_all_roles_endpoint_admits_every_role(client, company, role):
    headers = bearer(company_id=company.id, user_id="user_roles", role=role)
    assert client.get(f"/api/v1/companies/{company.id}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "method,path",
    [
        ("put", "/api/v1/companies/{company}"),
        ("post", "/api/v1/companies/{company}/set-callrail-api-key"),
        ("post", "/api/v1/companies/{company}/set-callrail-account-id"),
        ("get", "/api/v1/companies/by-phone/+15555550123"),
        ("get", "/api/v1/companies/list-organizations"),
        ("post", "/api/v1/companies/organizations/{company}/memberships"),
        ("post", "/api/v1/users"),
        ("put", "/api/v1/users/{user}"),
        ("post", "/api/v1/users/{user}/sync-to-clerk"),
        ("patch", "/api/v1/users/metadata/{user}"),
    ],
)
@pytest.mark.parametrize("role", ["csr", "sales_rep"])
def test_manager_only_endpoints_refuse_other_roles(client, manager, make_user, method, path, role):
    from otto.companies.models import Company

    caller = make_user(
        Company(id=manager.company_id), role, manager_id=manager.id if role == "sales_rep" else None
    )
    url = path.format(company=manager.company_id, user=manager.id)
    response = getattr(client, method)(url, headers=bearer(caller), json={})
    assert response.status_code == 403
    assert response.json["error_code"] == "INSUFFICIENT_PERMISSIONS"


# --- Acting for someone else ---------------------------------------------------------------------


def _as(app, role: str, user_id: str = "user_me", company_id: str = "org_me"):
    from flask import g

    from otto.auth.tokens import Identity

    context = app.test_request_context()
    context.push()
    g.identity = Identity(user_id=user_id, company_id=company_id, role=role, clerk_role=role)
    return context


@pytest.mark.parametrize(
    "role,target,allowed",
    [
        ("sales_rep", "user_me", True),
        ("sales_rep", "user_other", False),
        ("manager", "user_other", True),
        ("csr", "user_other", True),
    ],
)
def test_ensure_acting_for(app, role, target, allowed):
    from otto.auth.identity import ensure_acting_for
    from otto.errors import Forbidden

    context = _as(app, role)
    try:
        if allowed:
            ensure_acting_for(target)
        else:
            with pytest.raises(Forbidden) as refused:
                ensure_acting_for(target)
            assert refused.value.error_code == "FORBIDDEN" and refused.value.status == 403
    finally:
        context.pop()


@pytest.mark.parametrize("asserted,allowed", [(None, True), ("org_me", True), ("org_other", False)])
def test_ensure_own_company(app, asserted, allowed):
    from otto.auth.identity import ensure_own_company
    from otto.errors import Forbidden

    context = _as(app, "manager")
    try:
        if allowed:
            ensure_own_company(asserted)
        else:
            with pytest.raises(Forbidden):
                ensure_own_company(asserted)
    finally:
        context.pop()
