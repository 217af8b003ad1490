"""What the benchmarks share: their own servers, a throwaway company, percentiles."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Separate servers (PostgreSQL, Redis, blobs) so a running `otto run` never sees bench jobs.
BENCH_DATA_DIR = ROOT / "var" / "bench"


def bench_app():
    """The Flask app on the benchmark's servers, migrated; returns (app, owner database url)."""
    from otto import create_app
    from otto.config import Settings
    from otto.migrate import upgrade
    from otto.runtime import start_embedded

    data_dir = os.environ.get("OTTO_BENCH_DATA_DIR", str(BENCH_DATA_DIR))
    environ = {**os.environ, "OTTO_DATA_DIR": data_dir,
               "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    settings = Settings.from_env(environ)
    servers = start_embedded(settings, database="otto_bench")
    upgrade(servers.database_owner_url)
    app = create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)
    return app, servers.database_owner_url


def fresh_company(app, label: str) -> tuple[str, str]:
    """A new company with one manager; returns (company_id, manager user id)."""
    from otto.demo import ensure_user

    company_id = f"org_bench_{label}_{uuid.uuid4().hex[:8]}"
    user_id = f"user_bench_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        ensure_user(company_id, user_id, "manager")
    return company_id, user_id


def drop_company(app, company_id: str) -> None:
    """Remove the company with every row it owns (foreign keys cascade) and its files."""
    from sqlalchemy import text

    from otto.db import db

    with app.app_context():
        db.session.execute(text("DELETE FROM companies WHERE id = :id"), {"id": company_id})
        db.session.commit()
        shutil.rmtree(app.extensions["otto"].settings.storage_dir / company_id, ignore_errors=True)


def percentiles(values_ms: list[float]) -> str:
    p50, p95 = np.percentile(values_ms, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
