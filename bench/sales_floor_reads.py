"""Sales-floor reads against a real server: dashboard, one call, one lead, one contact card.

Seeds one company with 100,000 calls, 20,000 contacts and leads and 10,000 appointments (bulk
inserts through the ORM tables, done once and kept under var/bench-sales-floor), starts
gunicorn on 127.0.0.1 with 2 workers against the same database, sends a fixed number of
authenticated GETs per endpoint from concurrent clients and prints requests/s and p50/p95.

Run: .venv/bin/python -m bench.sales_floor_reads [--requests 400] [--clients 8] [--reseed]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPANY_ID = "org_bench_sales_floor"
CALLS, LEADS, APPOINTMENTS = 100_000, 20_000, 10_000
BATCH = 5_000
SEED = 20260617


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def seeded_counts(app) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from otto.appointments.models import Appointment
    from otto.calls.models import Call
    from otto.db import db
    from otto.leads.models import Lead
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(COMPANY_ID):
        counts = tuple(db.session.execute(select(func.count()).select_from(model)).scalar_one()
                       for model in (Call, Lead, Appointment))
        db.session.remove()
    return counts


def seed(app) -> dict:
    """Insert the company, its users, contacts, leads, appointments and calls in batches."""
    from sqlalchemy import delete, insert

    from otto.appointments.models import Appointment
    from otto.calls.models import Call
    from otto.contacts.models import ContactCard
    from otto.db import db
    from otto.demo import ensure_user
    from otto.leads.models import Lead
    from otto.tenancy import tenant_scope

    rng = random.Random(SEED)
    now = datetime.now(timezone.utc)
    with app.app_context():
        manager = ensure_user(COMPANY_ID, "user_bench_manager", "manager", name="Bench Manager")
        csrs = [ensure_user(COMPANY_ID, f"user_bench_csr_{n}", "csr", name=f"CSR {n}").id
                for n in range(3)]
        reps = [ensure_user(COMPANY_ID, f"user_bench_rep_{n}", "sales_rep", name=f"Rep {n}",
                            manager_id=manager.id).id for n in range(10)]
        with tenant_scope(COMPANY_ID):
            for model in (Call, Appointment, Lead, ContactCard):  # children first
                db.session.execute(delete(model))
            db.session.commit()

            contact_ids = [str(uuid.uuid4()) for _ in range(LEADS)]
            lead_ids = [str(uuid.uuid4()) for _ in range(LEADS)]
            phones = [f"+1212{2_000_000 + n}" for n in range(LEADS)]
            contacts = [{"id": contact_ids[n], "company_id": COMPANY_ID, "primary_phone": phones[n],
                         "first_name": f"Customer{n}", "last_name": "Bench",
                         "address": f"{n} Bench St", "created_at": now - timedelta(days=200)}
                        for n in range(LEADS)]
            leads = []
            for n in range(LEADS):
                assigned = rng.random() < 0.4
                status = rng.choice(("new", "warm", "hot", "nurturing", "qualified_booked",
                                     "dormant", "closed_won", "closed_lost"))
                pool_status = "assigned" if assigned else "in_pool"
                leads.append({
                    "id": lead_ids[n], "company_id": COMPANY_ID, "contact_card_id": contact_ids[n],
                    "status": status, "source": "inbound_call", "deal_status": "new",
                    "pool_status": "closed" if status.startswith("closed") else pool_status,
                    "assigned_rep_id": rng.choice(reps) if assigned else None,
                    "requested_by_rep_ids": [],
                    "created_at": now - timedelta(days=rng.uniform(0, 180))})
            appointments = []
            for n in range(APPOINTMENTS):
                lead = leads[n * 2]
                appointments.append({
                    "id": str(uuid.uuid4()), "company_id": COMPANY_ID, "lead_id": lead["id"],
                    "contact_card_id": lead["contact_card_id"],
                    "assigned_rep_id": lead["assigned_rep_id"],
                    "scheduled_start": now + timedelta(hours=rng.uniform(-2000, 500)),
                    "status": rng.choice(("scheduled", "confirmed", "completed", "cancelled")),
                    "outcome": "pending", "location": f"{n * 2} Bench St"})
            calls = []
            for n in range(CALLS):
                index = rng.randrange(LEADS)
                booked = rng.random() < 0.4
                bought = booked and rng.random() < 0.25
                calls.append({
                    "company_id": COMPANY_ID, "contact_card_id": contact_ids[index],
                    "lead_id": lead_ids[index], "provider": "callrail",
                    "phone_number": phones[index], "name": f"Customer{index} Bench",
                    "address": f"{index} Bench St", "status": rng.choice(("completed", "missed")),
                    "booked": booked, "bought": bought,
                    "price_if_bought": Decimal(rng.randrange(2000, 40000)) if bought else None,
                    "missed_call": rng.random() < 0.15, "cancelled": rng.random() < 0.05,
                    "still_deciding": booked and rng.random() < 0.1,
                    "reason_for_lost_sale": "price" if booked and rng.random() < 0.1 else None,
                    "transcript_discrepancies": ('{"has_discrepancies": true}'
                                                 if rng.random() < 0.02 else None),
                    "assigned_rep_id": rng.choice(reps) if booked else None,
                    "owner_id": rng.choice(csrs), "last_call_duration": rng.randrange(20, 900),
                    "created_at": now - timedelta(minutes=rng.uniform(0, 180 * 24 * 60))})

            for model, rows in ((ContactCard, contacts), (Lead, leads),
                                (Appointment, appointments), (Call, calls)):
                for start in range(0, len(rows), BATCH):
                    db.session.execute(insert(model.__table__), rows[start:start + BATCH])
                db.session.commit()
                print(f"seeded {len(rows):>7} {model.__tablename__}", flush=True)
            db.session.remove()
    return {"manager": manager.id}


def sample_ids(app, count: int) -> dict[str, list]:
    """Random existing ids for the per-object reads (same sample for every run of a seed)."""
    from sqlalchemy import select

    from otto.calls.models import Call
    from otto.contacts.models import ContactCard
    from otto.db import db
    from otto.leads.models import Lead
    from otto.tenancy import tenant_scope

    rng = random.Random(SEED + 1)
    with app.app_context(), tenant_scope(COMPANY_ID):
        ids = {name: list(db.session.execute(select(column)).scalars())
               for name, column in (("call", Call.call_id), ("lead", Lead.id),
                                    ("contact", ContactCard.id))}
        db.session.remove()
    return {name: rng.sample(values, min(count, len(values))) for name, values in ids.items()}


def token(settings) -> str:
    now = int(time.time())
    claims = {"sub": "user_bench_manager", "org_id": COMPANY_ID, "org_role": "org:admin",
              "iss": "otto-local", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def hammer(urls: list[str], headers: dict, clients: int) -> tuple[list[float], Counter, float]:
    """GET every url once from `clients` threads; (latencies, status counts, wall seconds)."""
    latencies, statuses, lock = [], Counter(), threading.Lock()
    pending = iter(urls)

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                url = next(pending, None)
            if url is None:
                return
            started = time.perf_counter()
            response = session.get(url, headers=headers, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--reseed", action="store_true", help="seed again even if data exists")
    args = parser.parse_args()

    data_dir = os.environ.get("OTTO_BENCH_DATA_DIR") or str(ROOT / "var" / "bench-sales-floor")
    os.environ["OTTO_DATA_DIR"] = data_dir
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from otto import create_app
    from otto.config import Settings
    from otto.migrate import upgrade
    from otto.runtime import start_embedded

    settings = Settings.from_env()
    servers = start_embedded(settings, database="otto_sales_floor_bench")
    upgrade(servers.database_owner_url)
    app = create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)

    if args.reseed or seeded_counts(app) != (CALLS, LEADS, APPOINTMENTS):
        started = time.perf_counter()
        seed(app)
        print(f"seed time             {time.perf_counter() - started:.1f} s")
    calls, leads, appointments = seeded_counts(app)
    ids = sample_ids(app, args.requests)

    port = free_port()
    env = dict(os.environ, DATABASE_URL=servers.database_url,
               DATABASE_OWNER_URL=servers.database_owner_url, REDIS_URL=servers.redis_url,
               OTTO_DATA_DIR=data_dir)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token(settings)}"}
    results = {}
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/health/live", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        endpoints = {
            "GET dashboard/metrics": [f"{base}/api/v1/dashboard/metrics"] * args.requests,
            "GET dashboard/calls": [f"{base}/api/v1/dashboard/calls?status=awaiting_quote"
                                    f"&limit=100&offset={(n % 10) * 100}"
                                    for n in range(args.requests)],
            "GET calls/call/{id}": [f"{base}/api/v1/calls/call/{call_id}"
                                    for call_id in ids["call"]],
            "GET leads/{id}": [f"{base}/api/v1/leads/{lead_id}" for lead_id in ids["lead"]],
            "GET contact-cards/{id}": [f"{base}/api/v1/contact-cards/{contact_id}"
                                       for contact_id in ids["contact"]],
        }
        for name, urls in endpoints.items():
            hammer(urls[: min(20, len(urls))], headers, args.clients)  # warm both workers
            results[name] = hammer(urls, headers, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
        servers.stop()

    print(f"dataset               {calls} calls, {leads} leads and contacts, "
          f"{appointments} appointments (one company)")
    print(f"server                gunicorn, 2 workers x 4 threads; {args.clients} clients, "
          f"{args.requests} requests per endpoint")
    print(f"{'endpoint':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}  statuses")
    ok = True
    for name, (latencies, statuses, wall) in results.items():
        ok = ok and set(statuses) == {200}
        print(f"{name:<26}{len(latencies) / wall:>8.0f}{percentile(latencies, 0.5) * 1000:>9.1f}"
              f"{percentile(latencies, 0.95) * 1000:>9.1f}"
              f"{statistics.mean(latencies) * 1000:>9.1f}  {dict(statuses)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
