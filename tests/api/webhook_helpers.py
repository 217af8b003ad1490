"""Shared by the webhook and SMS tests: signing, unique numbers and ids, running queued jobs."""

import base64
import hashlib
import hmac
import json
import random
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import time_machine
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

WEBHOOK_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"


def fixture_bytes(relative_path: str) -> bytes:
    return (WEBHOOK_FIXTURES / relative_path).read_bytes()


def unique_number() -> str:
    """A fresh full-length +1 555 number: normalizable, never a real line, unique per test."""
    return f"+1555{random.randint(2000000, 9999999)}"


def unique_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def variant(raw: bytes, replacements: dict[str, str]) -> bytes:
    """The fixture's bytes with some values swapped (numbers, ids), everything else untouched."""
    for old, new in replacements.items():
        assert old.encode() in raw, f"{old} is not in the fixture"
        raw = raw.replace(old.encode(), new.encode())
    return raw


def callrail_signature(raw: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha1).digest()).decode()


def twilio_signature(url: str, raw: bytes, token: str) -> str:
    from urllib.parse import parse_qsl

    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw.decode(), keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return RequestValidator(token).compute_signature(url, _MultiDict(params))


class _MultiDict(dict):
    def getall(self, name):
        return self[name]


@contextmanager
def at_delivery_time(raw: bytes):
    """Travel to a few minutes after the payload's own timestamp (fixtures are years old)."""
    payload = json.loads(raw)
    stamp = payload.get("timestamp") or payload.get("created_at")
    moment = datetime.fromisoformat(stamp) + timedelta(minutes=3)
    with time_machine.travel(moment, tick=True):
        yield


def run_jobs(app, queues=("default", "sms")) -> None:
    from jobs.worker import make_worker

    make_worker(app, list(queues), app.extensions["otto"].redis).work(burst=True)


def count(app, model, company_id: str | None = None, *criteria) -> int:
    """Rows of `model` (in `company_id`'s tenant scope for tenant tables)."""
    from otto.db import db
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(company_id):
        total = db.session.execute(
            select(func.count()).select_from(model).where(*criteria)
        ).scalar()
        db.session.rollback()
        return total


def rows(app, model, company_id: str | None = None, *criteria, order_by=None) -> list:
    from otto.db import db
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(company_id):
        statement = select(model).where(*criteria)
        if order_by is not None:
            statement = statement.order_by(order_by)
        found = db.session.execute(statement).scalars().all()
        db.session.expunge_all()  # detached with their loaded values
        db.session.rollback()
        return found


def webhook_event(app, event_id: str):
    from otto.db import db
    from otto.webhooks.inbox import WebhookEvent

    with app.app_context():
        event = db.session.get(WebhookEvent, event_id, populate_existing=True)
        db.session.expunge_all()
        db.session.rollback()
        return event


def daytime_zone() -> str:
    """An IANA zone where it is early afternoon now, so automated texts are never deferred."""
    hour = datetime.now(timezone.utc).hour
    offset = (13 - hour + 12) % 24 - 12  # local = utc + offset, between -12 and +11
    # Etc/GMT zones have inverted signs: Etc/GMT-3 is UTC+3.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@contextmanager
def settings_changed(app, **changes):
    """Run with some settings replaced (platform keys, public URL, trusted proxy)."""
    state = app.extensions["otto"]
    original = state.settings
    state.settings = replace(original, **changes)
    try:
        yield
    finally:
        state.settings = original


def queued_functions(app, queue_name: str) -> list[str]:
    """The function names of the jobs waiting on a queue."""
    from rq import Queue

    return [
        job.func_name for job in Queue(queue_name, connection=app.extensions["otto"].redis).jobs
    ]


def empty_queue(app, queue_name: str) -> None:
    from rq import Queue

    Queue(queue_name, connection=app.extensions["otto"].redis).empty()
