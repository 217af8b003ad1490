"""A burst of signed CallRail post-call webhooks against a real server: intake rate, exactly-once.

Starts embedded PostgreSQL/Redis (under var/bench unless DATABASE_URL/REDIS_URL are set),
gunicorn on 127.0.0.1 with 2 workers and separate `otto worker` processes, then posts the
deliveries from concurrent clients, waits for processing and checks every row.

Run: .venv/bin/python -m bench.webhook_burst [--deliveries 5000] [--clients 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import queue
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "webhooks" / "callrail"
TEMPLATE = FIXTURES / "post_call_inbound_abandoned_captured.json"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha1).digest()).decode()


def make_bodies(count: int, tracking: str, customers: list[str]) -> list[bytes]:
    """Post-call deliveries from the captured fixture, each for its own call, stamped now."""
    template = json.loads(TEMPLATE.read_bytes())
    now = datetime.now(timezone.utc).isoformat()
    bodies = []
    for index in range(count):
        payload = dict(template, resource_id=f"CAL{uuid.uuid4().hex}",
                       tracking_phone_number=tracking, trackingnum=tracking,
                       customer_phone_number=customers[index % len(customers)],
                       answered=index % 3 != 0, duration=str(30 + index % 300), timestamp=now,
                       start_time=now, created_at=now)
        bodies.append(json.dumps(payload).encode())
    return bodies


def post_all(url: str, bodies: list[bytes], key: str,
             clients: int) -> tuple[list[float], dict, float]:
    """(latencies, status counts, wall seconds) for posting every body once."""
    work: queue.Queue = queue.Queue()
    for body in bodies:
        work.put(body)
    latencies, statuses, lock = [], {}, threading.Lock()

    def client():
        session = requests.Session()
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            response = session.post(url, data=body, timeout=30, headers={
                "Signature": sign(body, key), "Content-Type": "application/json"})
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def wait_until_processed(app, company_id: str, expected: int,
                         timeout_s: float) -> tuple[dict, float]:
    from sqlalchemy import func, select

    from otto.db import db
    from otto.webhooks.inbox import WebhookEvent

    started = time.perf_counter()
    while True:
        with app.app_context():
            by_status = dict(db.session.execute(
                select(WebhookEvent.status, func.count())
                .where(WebhookEvent.company_id == company_id)
                .group_by(WebhookEvent.status)).all())
            db.session.remove()
        settled = sum(n for status, n in by_status.items()
                      if status not in ("received", "processing"))
        if settled >= expected or time.perf_counter() - started > timeout_s:
            return by_status, time.perf_counter() - started
        time.sleep(0.5)


def table_counts(app, company_id: str) -> dict:
    from sqlalchemy import func, select

    from otto.calls.models import Call
    from otto.contacts.models import ContactCard, EventLog
    from otto.db import db
    from otto.leads.models import Lead
    from otto.tenancy import tenant_scope
    from otto.webhooks.inbox import WebhookEvent

    with app.app_context(), tenant_scope(company_id):
        counts = {
            "events": db.session.execute(select(func.count()).select_from(WebhookEvent)
                                         .where(WebhookEvent.company_id == company_id)).scalar(),
            "calls": db.session.execute(select(func.count()).select_from(Call)).scalar(),
            "distinct_call_ids": db.session.execute(
                select(func.count(func.distinct(Call.external_call_id)))).scalar(),
            "contacts": db.session.execute(select(func.count()).select_from(ContactCard)).scalar(),
            "leads": db.session.execute(select(func.count()).select_from(Lead)).scalar(),
            "timeline": db.session.execute(select(func.count()).select_from(EventLog)).scalar(),
        }
        db.session.remove()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="otto worker processes")
    parser.add_argument("--customers", type=int, default=500, help="distinct caller numbers")
    parser.add_argument("--duplicates", type=int, default=250, help="deliveries re-sent afterwards")
    args = parser.parse_args()

    os.environ.setdefault("OTTO_DATA_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from otto import create_app
    from otto.companies.models import Company
    from otto.config import Settings
    from otto.db import db
    from otto.migrate import upgrade
    from otto.runtime import start_embedded

    settings = Settings.from_env()
    servers = start_embedded(settings, database="otto_bench")
    upgrade(servers.database_owner_url)
    app = create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)

    key, tracking = uuid.uuid4().hex, f"+1555{random.randint(2000000, 9999999)}"
    company_id = f"org_bench_{uuid.uuid4().hex[:10]}"
    with app.app_context():
        db.session.add(Company(id=company_id, name="Burst Roofing",
                               primary_tracking_number=tracking, callrail_webhook_signing_key=key))
        db.session.commit()
        db.session.remove()

    port = free_port()
    env = dict(os.environ, DATABASE_URL=servers.database_url,
               DATABASE_OWNER_URL=servers.database_owner_url, REDIS_URL=servers.redis_url,
               OTTO_DATA_DIR=str(settings.data_dir))
    children = [subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)]
    children += [subprocess.Popen([str(BIN / "otto"), "worker", "--queues", "default,sms"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for _ in range(args.workers)]
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if requests.get(f"{base}/health/live", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)

        customers = [f"+1555{random.randint(2000000, 9999999)}" for _ in range(args.customers)]
        bodies = make_bodies(args.deliveries, tracking, customers)
        url = f"{base}/callrail/call.completed"
        latencies, statuses, wall = post_all(url, bodies, key, args.clients)
        by_status, settle = wait_until_processed(app, company_id, args.deliveries, timeout_s=900)
        before = table_counts(app, company_id)

        repeat = random.sample(bodies, min(args.duplicates, len(bodies)))
        _, repeat_statuses, _ = post_all(url, repeat, key, args.clients)
        time.sleep(3)  # a second effect, were there one, would be enqueued and applied by now
        after = table_counts(app, company_id)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)

    distinct_customers = len(set(customers[: args.deliveries]))
    print(f"deliveries            {args.deliveries} from {args.clients} clients "
          f"(gunicorn 2 workers x 4 threads, {args.workers} otto workers)")
    print(f"answers               {statuses}")
    print(f"accepted/s            {statuses.get(200, 0) / wall:.0f}  ({wall:.1f} s)")
    print(f"answer time           p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms")
    print(f"processing            {by_status} settled {settle:.1f} s after the last answer")
    print(f"rows                  {before}")
    print(f"duplicates re-sent    {len(repeat)} -> answers {repeat_statuses}; rows after {after}")

    checks = {
        "every delivery answered 200": statuses.get(200, 0) == args.deliveries,
        "every delivery stored once": before["events"] == args.deliveries,
        "every event processed": by_status.get("processed", 0) == args.deliveries,
        "one call per delivery": before["calls"] == before["distinct_call_ids"] == args.deliveries,
        "one contact and one lead per caller":
            before["contacts"] == before["leads"] == distinct_customers,
        "one timeline row per call": before["timeline"] == args.deliveries,
        "duplicates answered 200": repeat_statuses.get(200, 0) == len(repeat),
        "duplicates changed nothing": after == before,
    }
    for name, passed in checks.items():
        print(f"{'ok  ' if passed else 'FAIL'}  {name}")
    servers.stop()
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
