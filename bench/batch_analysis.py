"""Batch call analysis through the `ai` queue: 200 transcripts, throughput and a failed item.

Creates a fresh company with 200 calls whose transcripts cycle through the fixture calls (one
call instead points at a recording that does not exist, so it fails), queues them with
POST /api/v1/calls/analyze-batch in chunks of 50, then runs `otto worker --queues ai --burst`
processes and prints progress until every call is analysed or failed.

Run: .venv/bin/python -m bench.batch_analysis [--calls 200] [--workers 2] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.support import drop_company, fresh_company

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = ROOT / "tests" / "fixtures" / "transcripts"
# Servers of its own (PostgreSQL, Redis, blobs): a running `otto run` never sees these jobs.
DATA_DIR = ROOT / "var" / "bench-analysis"
BIN = Path(sys.executable).parent
CHUNK = 50


def bench_app():
    """The Flask app on the benchmark's embedded servers, migrated to the latest revision."""
    from otto import create_app
    from otto.config import Settings
    from otto.migrate import upgrade
    from otto.runtime import start_embedded

    environ = {**os.environ, "OTTO_DATA_DIR": str(DATA_DIR), "LOG_LEVEL": "WARNING"}
    settings = Settings.from_env(environ)
    servers = start_embedded(settings, database="otto_bench")
    upgrade(servers.database_owner_url)
    app = create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)
    app.extensions["bench_servers"] = servers  # the embedded servers live as long as the app
    return app


def percentiles(values_ms: list[float]) -> str:
    p50, p95 = np.percentile(values_ms, [50, 95])
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"


def fixture_transcripts() -> list[tuple[str, str]]:
    """(name, stored transcript) of every fixture call: Otto's turns JSON, as a CRM would send."""
    return [(path.stem, path.read_text()) for path in sorted(TRANSCRIPTS.glob("*.json"))]


def create_calls(app, company_id: str, count: int) -> tuple[list[int], int]:
    """`count` calls with transcripts; the last one has only a missing recording."""
    from otto.calls.models import Call
    from otto.db import db
    from otto.tenancy import tenant_scope

    fixtures = fixture_transcripts()
    with app.app_context(), tenant_scope(company_id):
        calls = [Call(company_id=company_id, transcript=fixtures[index % len(fixtures)][1])
                 for index in range(count - 1)]
        broken = Call(company_id=company_id, recording_url="missing/recording.wav")
        db.session.add_all([*calls, broken])
        db.session.commit()
        return [call.call_id for call in calls] + [broken.call_id], broken.call_id


def counts(app, company_id: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from otto.calls.models import Call
    from otto.db import db
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(company_id):
        rows = db.session.execute(select(Call.analysis_status, func.count())
                                  .group_by(Call.analysis_status)).all()
        db.session.rollback()
    return {status: number for status, number in rows}


def finished_jobs(app, call_ids: list[int]) -> list:
    from rq.job import Job

    jobs = Job.fetch_many([f"analyze-{call_id}-1" for call_id in call_ids],
                          connection=app.extensions["otto"].redis)
    return [job for job in jobs if job is not None and job.started_at and job.ended_at]


def start_workers(app, number: int) -> list[subprocess.Popen]:
    from otto.db import db

    env = dict(os.environ, DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
               REDIS_URL=app.extensions["otto"].redis_url, LOG_LEVEL="WARNING")
    return [subprocess.Popen([str(BIN / "otto"), "worker", "--queues", "ai", "--burst"], env=env,
                             cwd=ROOT) for _ in range(number)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="`otto worker` processes")
    parser.add_argument("--keep", action="store_true", help="keep the company and its calls")
    options = parser.parse_args()

    from otto.auth.tokens import mint_local_token

    app = bench_app()
    company_id, user_id = fresh_company(app, "batch")
    headers = {"Authorization": "Bearer " + mint_local_token(
        app.extensions["otto"].settings.jwt_secret, user_id=user_id, company_id=company_id,
        role="manager", ttl_seconds=3600)}
    client = app.test_client()
    workers = []
    try:
        call_ids, broken = create_calls(app, company_id, options.calls)
        for start in range(0, len(call_ids), CHUNK):
            response = client.post("/api/v1/calls/analyze-batch", headers=headers,
                                   json=call_ids[start:start + CHUNK])
            assert response.status_code == 202, response.json
        print(f"queued {len(call_ids)} calls on the ai queue "
              f"({len(fixture_transcripts())} fixture transcripts, 1 broken recording)")

        started = time.perf_counter()
        workers = start_workers(app, options.workers)
        while True:
            state = counts(app, company_id)
            done = state.get("completed", 0) + state.get("failed", 0)
            print(f"  {time.perf_counter() - started:6.1f} s  {done}/{len(call_ids)} done "
                  f"({state.get('completed', 0)} completed, {state.get('failed', 0)} failed)",
                  flush=True)
            if done >= len(call_ids) or all(worker.poll() is not None for worker in workers):
                break
            time.sleep(5)
        elapsed = time.perf_counter() - started

        state = counts(app, company_id)
        failed = client.get(f"/api/v1/calls/{broken}/analysis", headers=headers).json["data"]
        print(f"{state.get('completed', 0)} analysed, {state.get('failed', 0)} failed in "
              f"{elapsed:.1f} s with {options.workers} worker(s): "
              f"{state.get('completed', 0) / elapsed:.2f} calls/s "
              f"({state.get('completed', 0) / elapsed * 3600:.0f} per hour)")
        jobs = finished_jobs(app, call_ids)
        busy = (max(job.ended_at for job in jobs) - min(job.started_at for job in jobs))
        print(f"steady state (first job start to last job end, worker start-up excluded): "
              f"{len(jobs) / busy.total_seconds():.2f} jobs/s over {busy.total_seconds():.1f} s")
        print(f"per-job time: "
              f"{percentiles([(j.ended_at - j.started_at).total_seconds() * 1000 for j in jobs])}")
        print(f"failed item: call {broken} {failed['status']}: {json.dumps(failed.get('error'))}")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        if not options.keep:
            drop_company(app, company_id)


if __name__ == "__main__":
    main()
