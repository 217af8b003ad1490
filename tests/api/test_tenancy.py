"""Tenant isolation: other companies' ids are 404s; Postgres RLS holds even without the ORM hook."""

import psycopg
import pytest
from sqlalchemy import func, select, text
from support import bearer

from otto.db import db
from otto.tenancy import tenant_scope

# Platform tables that carry company_id but no RLS (domain.md §1.7).
PLATFORM_TABLES = {"webhook_events"}


@pytest.fixture
def two_companies(make_company, make_user):
    """Company A (the caller's) and company B with a manager, a rep and phone numbers."""
    a = make_company(name="Alpha Roofing", phone_number="+15555550101")
    b = make_company(
        name="Bravo HVAC", phone_number="+15555550202", primary_tracking_number="+15555550203"
    )
    manager_a = make_user(a, "manager")
    manager_b = make_user(b, "manager")
    rep_b = make_user(b, "sales_rep", manager_id=manager_b.id)
    return {"a": a, "b": b, "manager_a": manager_a, "manager_b": manager_b, "rep_b": rep_b}


# Every company/user endpoint that takes an id, called by company A's manager with B's ids.
CROSS_COMPANY = [
    ("get", "/api/v1/companies/{b}", None, "COMPANY_NOT_FOUND"),
    ("put", "/api/v1/companies/{b}", {"name": "Hijacked"}, "COMPANY_NOT_FOUND"),
    (
        "post",
        "/api/v1/companies/{b}/set-callrail-api-key",
        {"api_key": "stolen-key"},
        "COMPANY_NOT_FOUND",
    ),
    (
        "post",
        "/api/v1/companies/{b}/set-callrail-account-id",
        {"account_id": "ACC666"},
        "COMPANY_NOT_FOUND",
    ),
    ("get", "/api/v1/companies/{b}/sales-managers", None, "COMPANY_NOT_FOUND"),
    (
        "post",
        "/api/v1/companies/organizations/{b}/memberships",
        {"user_id": "{manager_a}", "role": "org:admin"},
        "COMPANY_NOT_FOUND",
    ),
    ("get", "/api/v1/companies/by-phone/{b_phone}", None, "COMPANY_NOT_FOUND"),
    ("get", "/api/v1/companies/by-phone/{b_tracking}", None, "COMPANY_NOT_FOUND"),
    ("get", "/api/v1/companies/get-user-company/{rep_b_username}", None, "USER_NOT_FOUND"),
    ("get", "/api/v1/users/{rep_b}", None, "USER_NOT_FOUND"),
    ("put", "/api/v1/users/{rep_b}", {"name": "Hijacked"}, "USER_NOT_FOUND"),
    ("put", "/api/v1/users/{manager_b}", {"role": "csr"}, "USER_NOT_FOUND"),
    ("post", "/api/v1/users/{rep_b}/sync-to-clerk", None, "USER_NOT_FOUND"),
    (
        "patch",
        "/api/v1/users/metadata/{rep_b}",
        {"publicMetadata": {"team": "x"}},
        "USER_NOT_FOUND",
    ),
    ("get", "/api/v1/users/by-username/{rep_b_username}", None, "USER_NOT_FOUND"),
]


def _fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    "method,path,body,error_code",
    CROSS_COMPANY,
    ids=[f"{m.upper()} {p}" for m, p, _, _ in CROSS_COMPANY],
)
def test_other_companys_ids_are_not_found(
    client, app, two_companies, method, path, body, error_code
):
    t = two_companies
    ids = {
        "b": t["b"].id,
        "b_phone": t["b"].phone_number,
        "b_tracking": t["b"].primary_tracking_number,
        "rep_b": t["rep_b"].id,
        "rep_b_username": t["rep_b"].username,
        "manager_b": t["manager_b"].id,
        "manager_a": t["manager_a"].id,
    }
    kwargs = {"headers": bearer(t["manager_a"])}
    if body is not None:
        kwargs["json"] = _fill(body, ids)
    response = getattr(client, method)(_fill(path, ids), **kwargs)

    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.json["error_code"] == error_code
    leaked = {key: value for key, value in response.json.items() if key != "instance"}
    assert "Bravo" not in str(leaked) and t["rep_b"].id not in str(leaked)

    # Nothing of B changed.
    from otto.companies.models import Company
    from otto.users.models import User

    with app.app_context(), tenant_scope(t["b"].id):
        company = db.session.get(Company, t["b"].id)
        assert company.name == "Bravo HVAC"
        assert company.callrail_api_key is None and company.callrail_account_id is None
        users = {u.id: u for u in db.session.execute(select(User)).scalars()}
        assert users[t["rep_b"].id].name == t["rep_b"].name
        assert users[t["manager_b"].id].role == "manager"


def test_own_company_ids_are_found(client, two_companies):
    """The same requests with A's own ids succeed, so the 404s above are about tenancy."""
    t = two_companies
    headers = bearer(t["manager_a"])
    assert client.get(f"/api/v1/companies/{t['a'].id}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/v1/companies/{t['a'].id}/sales-managers", headers=headers).status_code
        == 200
    )
    assert client.get(f"/api/v1/users/{t['manager_a'].id}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/v1/companies/by-phone/{t['a'].phone_number}", headers=headers).status_code
        == 200
    )


def test_same_username_in_two_companies_resolves_to_the_callers(client, make_company, make_user):
    managers = [make_user(make_company(), "manager") for _ in range(2)]
    created = []
    for manager in managers:
        response = client.post(
            "/api/v1/users",
            headers=bearer(manager),
            json={
                "name": "Same Name",
                "email": "same@example.com",
                "username": "shared-name",
                "role": "csr",
            },
        )
        assert response.status_code == 201
        created.append(response.json["user_id"])
    for manager, user_id in zip(managers, created):
        response = client.get("/api/v1/users/by-username/shared-name", headers=bearer(manager))
        assert response.json["id"] == user_id
        response = client.get(
            "/api/v1/companies/get-user-company/shared-name", headers=bearer(manager)
        )
        assert response.json == {"company_id": manager.company_id}


# --- Postgres row-level security, without the ORM hook -------------------------------------------


@pytest.fixture
def populated(client, two_companies):
    """Rows of both companies in every tenant table (users, profiles, services, audit)."""
    for side in ("a", "b"):
        manager = two_companies[f"manager_{side}"]
        response = client.put(
            f"/api/v1/companies/{manager.company_id}",
            headers=bearer(manager),
            json={"services": [{"name": "Roof repair", "base_price": 100}]},
        )
        assert response.status_code == 200
        response = client.post(
            "/api/v1/users",
            headers={**bearer(manager), "Idempotency-Key": f"key-{side}-0123456"},
            json={
                "name": "New CSR",
                "email": f"csr-{side}@example.com",
                "username": f"csr-{side}",
                "role": "csr",
            },
        )
        assert response.status_code == 201
    return two_companies


def test_raw_sql_under_company_a_sees_no_row_of_company_b(app, populated):
    a, b = populated["a"].id, populated["b"].id
    with app.app_context(), tenant_scope(a):
        rows = db.session.execute(text("SELECT id, company_id FROM users")).all()
        assert rows and {company for _, company in rows} == {a}
        assert (
            db.session.execute(
                text("SELECT count(*) FROM users WHERE company_id = :b"), {"b": b}
            ).scalar()
            == 0
        )
        assert (
            db.session.execute(
                text("SELECT count(*) FROM sales_reps WHERE company_id = :b"), {"b": b}
            ).scalar()
            == 0
        )
        db.session.rollback()


def test_orm_with_hook_skipped_still_sees_only_company_a(app, populated):
    from otto.audit import AuditLog
    from otto.companies.models import Service
    from otto.users.models import SalesManager, SalesRep, User

    a = populated["a"].id
    with app.app_context(), tenant_scope(a):
        for model in (User, SalesManager, SalesRep, Service, AuditLog):
            statement = select(model.company_id).execution_options(skip_tenant_scope=True)
            companies = set(db.session.execute(statement).scalars())
            assert companies <= {a}, model.__tablename__
        users = (
            db.session.execute(select(User).execution_options(skip_tenant_scope=True))
            .scalars()
            .all()
        )
        assert {user.company_id for user in users} == {a}
        db.session.rollback()


@pytest.mark.parametrize("hook", ["with ORM hook", "hook skipped"])
def test_bulk_update_touches_only_the_current_company(app, populated, hook):
    from sqlalchemy import update

    from otto.users.models import User

    a, b = populated["a"].id, populated["b"].id
    options = {"skip_tenant_scope": True} if hook == "hook skipped" else {}
    with app.app_context():
        with tenant_scope(a):
            statement = update(User).values(territory=f"north-{hook}").execution_options(**options)
            db.session.execute(statement)
            db.session.commit()
        with tenant_scope(b):
            territories = set(db.session.execute(select(User.territory)).scalars())
            assert f"north-{hook}" not in territories
        with tenant_scope(a):
            territories = set(db.session.execute(select(User.territory)).scalars())
            assert territories == {f"north-{hook}"}
        db.session.close()


def test_rls_refuses_writes_into_another_company(app, populated):
    from sqlalchemy.exc import ProgrammingError

    a, b = populated["a"].id, populated["b"].id
    with app.app_context(), tenant_scope(a):
        updated = db.session.execute(
            text("UPDATE users SET name = 'x' WHERE company_id = :b"), {"b": b}
        )
        assert updated.rowcount == 0
        with pytest.raises(ProgrammingError):  # WITH CHECK: a row for B cannot be inserted as A
            db.session.execute(
                text(
                    "INSERT INTO users (id, company_id, role) VALUES ('user_smuggled', :b, 'csr')"
                ),
                {"b": b},
            )
        db.session.rollback()


def tenant_tables(owner_url: str) -> list[str]:
    with psycopg.connect(owner_url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'company_id'"
        ).fetchall()
    return sorted({name for (name,) in rows} - PLATFORM_TABLES)


def owner_url(servers) -> str:
    return servers.database_owner_url.replace("+psycopg", "")


def test_every_tenant_table_has_row_level_security(servers):
    with psycopg.connect(owner_url(servers)) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relrowsecurity, "
            "  (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
    security = {name: (enabled, policies) for name, enabled, policies in rows}
    tables = tenant_tables(owner_url(servers))
    assert {
        "users",
        "sales_reps",
        "sales_managers",
        "services",
        "audit_logs",
        "idempotency_keys",
    } <= set(tables)
    for table in tables:
        enabled, policies = security[table]
        assert enabled and policies >= 1, f"{table} has no row-level security"


def test_unset_company_sees_zero_rows_everywhere(app, servers, populated):
    tables = tenant_tables(owner_url(servers))
    with psycopg.connect(owner_url(servers)) as conn:
        for table in (
            "users",
            "sales_reps",
            "sales_managers",
            "services",
            "audit_logs",
            "idempotency_keys",
        ):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table

    with app.app_context(), tenant_scope(None):
        for table in tables:
            count = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 0, f"{table} leaks {count} rows without a company"
        db.session.rollback()


def test_orm_under_unset_company_sees_zero_rows(app, populated):
    from otto.users.models import User

    with app.app_context(), tenant_scope(None):
        assert db.session.execute(select(func.count()).select_from(User)).scalar() == 0
        skipped = select(func.count()).select_from(User).execution_options(skip_tenant_scope=True)
        assert db.session.execute(skipped).scalar() == 0
        db.session.rollback()


def test_app_database_role_cannot_bypass_rls(app):
    with app.app_context():
        superuser, bypass = db.session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owned = db.session.execute(
            text(
                "SELECT count(*) FROM pg_tables "
                "WHERE schemaname = 'public' AND tableowner = current_user"
            )
        ).scalar()
        user = db.session.execute(text("SELECT current_user")).scalar()
        db.session.rollback()
    assert user != "postgres"
    assert superuser is False and bypass is False
    assert owned == 0


def test_tenant_setting_does_not_outlive_the_transaction(app, populated):
    """SET LOCAL semantics: a pooled connection never carries a tenant into the next transaction."""
    from otto.tenancy import RLS_SETTING

    with app.app_context(), db.engine.connect() as conn:
        with conn.begin():
            conn.execute(
                text("SELECT set_config(:name, :value, true)"),
                {"name": RLS_SETTING, "value": populated["a"].id},
            )
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() > 0
        with conn.begin():
            assert conn.execute(
                text("SELECT current_setting(:name, true)"), {"name": RLS_SETTING}
            ).scalar() in (None, "")
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0


def test_a_request_leaves_no_tenant_behind(client, app, populated):
    """After a request as company A the thread has no company (for public routes, jobs, tests)."""
    from otto.tenancy import current_company_id

    assert (
        client.get("/api/v1/users/company", headers=bearer(populated["manager_a"])).status_code
        == 200
    )
    assert current_company_id() is None
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        db.session.rollback()
