"""Helpers tests import by name: settings for the test app and bearer tokens."""

import os
from pathlib import Path

from otto.config import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_SECRET = "test-jwt-secret-not-for-production"

def settings_for_tests(**overrides) -> Settings:
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


def run_concurrently(action, arguments: list) -> None:
    """Call `action(argument)` for every argument, each on its own thread, and wait for all."""
    import threading

    threads = [threading.Thread(target=action, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
