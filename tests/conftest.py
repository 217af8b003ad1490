"""Test harness: real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set).

Tables are created once per session by the real migrations. Tests do not roll back: each
test makes its own companies with fresh ids, so tenancy itself keeps tests apart, and jobs,
webhooks and concurrent writers see committed rows exactly as in production.
"""

import os
import socket
import uuid
from pathlib import Path

import psycopg
import pytest

from otto.config import Settings
from otto.runtime import start_embedded

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_SECRET = "test-jwt-secret-not-for-production"


def test_settings(**overrides) -> Settings:
    env = {
        "OTTO_DATA_DIR": os.environ.get("OTTO_TEST_DATA_DIR", str(ROOT / "var" / "test")),
        "OTTO_JWT_SECRET": TEST_SECRET,
        "OTTO_SECRET_KEY": "test-secret-key",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "DATABASE_OWNER_URL": os.environ.get("DATABASE_OWNER_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CLERK_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def servers():
    settings = test_settings()
    handles = start_embedded(settings, database="otto_test")
    owner = handles.database_owner_url.replace("+psycopg", "")
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    from otto.migrate import upgrade

    upgrade(handles.database_owner_url)
    yield handles
    handles.stop()


@pytest.fixture(scope="session")
def app(servers):
    from otto import create_app

    app = create_app(test_settings(), database_url=servers.database_url, redis_url=servers.redis_url)
    app.config["TESTING"] = True
    app.extensions["otto"].redis.flushdb()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Fail any test that opens a network connection outside this machine."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise AssertionError(f"test tried to reach {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def make_company(app):
    """Factory: a new company (fresh id) committed to the database."""
    from otto.companies.models import Company
    from otto.db import db

    def create(**fields) -> Company:
        company_id = fields.pop("id", None) or f"org_test_{uuid.uuid4().hex[:12]}"
        with app.app_context():
            company = Company(id=company_id, name=fields.pop("name", "Test Roofing"), **fields)
            db.session.add(company)
            db.session.commit()
            return company

    return create


@pytest.fixture
def company(make_company):
    return make_company()


@pytest.fixture
def make_user(app):
    """Factory: a user of `company` with its profile row; returns the user (detached)."""
    from otto.demo import ensure_user

    def create(company, role="manager", user_id=None, manager_id=None, **fields):
        user_id = user_id or f"user_{uuid.uuid4().hex[:12]}"
        with app.app_context():
            return ensure_user(company.id, user_id, role, manager_id=manager_id, **fields)

    return create


def bearer(user=None, *, company_id=None, user_id=None, role=None, secret=TEST_SECRET, **claims) -> dict:
    """Authorization header for a user (or explicit claims), minted by the local issuer."""
    import time

    import jwt

    from otto.auth.roles import CLERK_ROLE_FOR

    now = int(time.time())
    payload = {
        "sub": user_id or user.id, "org_id": company_id or user.company_id,
        "org_role": CLERK_ROLE_FOR.get(role or user.role, role or (user.role if user else None)),
        "iss": "otto-local", "iat": now, "exp": now + 600,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return {"Authorization": f"Bearer {jwt.encode(payload, secret, algorithm='HS256')}"}


@pytest.fixture
def manager(company, make_user):
    return make_user(company, "manager")


@pytest.fixture
def csr(company, make_user):
    return make_user(company, "csr")


@pytest.fixture
def rep(company, make_user, manager):
    return make_user(company, "sales_rep", manager_id=manager.id)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counted: ...; counted.n` to pin list endpoints."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from otto.db import db

    @contextmanager
    def counting():
        class Counter:
            n = 0

        def count(*_args):
            Counter.n += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield Counter
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    return counting
