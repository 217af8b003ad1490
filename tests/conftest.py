"""Test harness: real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set).

Tables are created once per session by the real migrations. Tests do not roll back: each
test makes its own companies with fresh ids, so tenancy itself keeps tests apart, and jobs,
webhooks and concurrent writers see committed rows exactly as in production.
"""

import os
import socket
import uuid

import psycopg
import pytest

from otto.runtime import start_embedded
from support import FIXTURES, ROOT, TEST_SECRET, bearer, settings_for_tests  # noqa: F401

# Fixtures shared by the AI test folders (the local embedder, transcript paths, a stub OpenAI).
pytest_plugins = ["analysis_fixtures"]

@pytest.fixture(scope="session")
def servers():
    """Embedded servers with a database of this run's own (set OTTO_TEST_DATA_DIR per concurrent run)."""
    settings = settings_for_tests()
    own_database = settings.embedded_database
    database = f"otto_test_{os.getpid()}" if own_database else None
    handles = start_embedded(settings, database=database or "otto_test")
    owner = handles.database_owner_url.replace("+psycopg", "")
    if own_database:
        _drop_stale_test_databases(owner)
    else:
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    if settings.embedded_redis:
        handles.redis_url += f"?db={1 + os.getpid() % 15}"
    from otto.migrate import upgrade

    upgrade(handles.database_owner_url)
    yield handles
    if own_database:
        with psycopg.connect(_maintenance_url(owner), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    # Stopped for good: a run that shares OTTO_TEST_DATA_DIR with another live run would lose
    # its Redis here, so give concurrent runs their own data dirs.
    handles.stop()


def _maintenance_url(owner_url: str) -> str:
    return owner_url.replace(owner_url.split("?")[0].rsplit("/", 1)[1] + "?", "postgres?", 1)


def _drop_stale_test_databases(owner_url: str) -> None:
    """Remove databases of earlier runs whose process is gone (a crashed run leaves one)."""
    with psycopg.connect(_maintenance_url(owner_url), autocommit=True) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'otto_test_%'")]
        for name in names:
            pid = name.rsplit("_", 1)[1]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(servers):
    from otto import create_app

    app = create_app(settings_for_tests(), database_url=servers.database_url, redis_url=servers.redis_url)
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
