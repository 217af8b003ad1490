"""Fixtures for API tests that talk to a stub of Clerk's Backend API."""

import pytest
from local_http_stub import ClerkBackend
from support import settings_for_tests


@pytest.fixture(scope="module")
def clerk_backend():
    with ClerkBackend() as backend:
        yield backend


@pytest.fixture
def clerk(clerk_backend):
    """The module's stub Clerk, answering again (a test may have taken it down)."""
    clerk_backend.down = False
    return clerk_backend


@pytest.fixture(scope="module")
def clerk_client(servers, clerk_backend):
    """A client of an app configured with the stub as its Clerk Backend API."""
    import otto

    settings = settings_for_tests(CLERK_SECRET_KEY="sk_test_stub", CLERK_API_URL=clerk_backend.url)
    app = otto.create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)
    return app.test_client()
