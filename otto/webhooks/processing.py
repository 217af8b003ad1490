"""Processing stored webhook events: one job per event, handlers per provider, replay."""

import logging
from datetime import timedelta

from rq import Retry
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DataError

from otto.db import db, utcnow
from otto.errors import ApiError
from otto.tenancy import tenant_scope
from otto.webhooks.inbox import WebhookEvent, mark

log = logging.getLogger(__name__)

# Five retries, 10 s to 30 min apart; the sweep below takes over after that, a few times more.
RETRY = Retry(max=5, interval=[10, 60, 300, 900, 1800])
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_MAX_ATTEMPTS = 8
SWEEP_BATCH = 500
KEEP_SETTLED = timedelta(days=90)


class Unmatched(Exception):
    """No company owns this event (yet); it is kept for replay after configuration."""


class Ignored(Exception):
    """A valid event Otto has no use for."""


def handler_for(provider: str):
    """The function that applies one provider's event: handler(event) -> company_id or None."""
    if provider == "clerk":
        from otto.webhooks.clerk import handle
        return handle
    from importlib import import_module

    return import_module(f"otto.webhooks.{provider}").handle


def enqueue_processing(event: WebhookEvent) -> None:
    from jobs.queues import enqueue

    enqueue("default", process_webhook, event.id, job_id=event.job_id, retry=RETRY,
            company_id=event.company_id, after_commit=False)


def failure_summary(error: Exception) -> str:
    """The error's class and first line, without the SQL statement a database error carries."""
    first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[:1]
    return f"{type(error).__name__}: {first_line[0] if first_line else ''}"[:300]


def process_webhook(event_id: str) -> str:
    """Job: apply a stored event once. Failures stay on the row and are retried by RQ."""
    event = db.session.get(WebhookEvent, event_id, with_for_update=True)
    if event is None or event.status in ("processed", "ignored"):
        db.session.rollback()
        return "skipped"
    event.status = "processing"
    event.attempts += 1
    try:
        company_id = handler_for(event.provider)(event)
        if company_id:
            event.company_id = company_id
        mark(event, "processed")
    except Unmatched as reason:
        mark(event, "unmatched", str(reason) or "no company matches this event")
    except Ignored as reason:
        mark(event, "ignored", str(reason) or None)
    except Exception as error:
        db.session.rollback()
        failed = db.session.get(WebhookEvent, event_id)
        failed.attempts += 1
        mark(failed, "failed", failure_summary(error))
        db.session.commit()
        log.exception("%s webhook %s failed", failed.provider, failed.id)
        if isinstance(error, (DataError, ApiError)):
            return "failed"  # the payload itself cannot be stored: retrying would fail the same way
        raise
    with tenant_scope(event.company_id):  # pending tenant rows flush under their company
        db.session.commit()
    log.info("%s webhook %s %s", event.provider, event.id, event.status)
    return event.status


def replay(event_id: str) -> str:
    """Re-run a failed or unmatched event now, through the same idempotent handler."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None:
        return f"no webhook event {event_id}"
    if event.status not in ("failed", "unmatched"):
        return f"event {event_id} is {event.status}; only failed or unmatched events are replayed"
    event.status = "received"
    db.session.commit()
    with tenant_scope(None):
        return f"event {event_id}: {process_webhook(event_id)}"


def sweep_stuck_events() -> int:
    """Tick: enqueue events left `received` or `failed` for a few minutes (bounded attempts).

    Covers deliveries stored while the queue was unreachable and failures whose RQ retries
    ran out. Events whose job is still queued, scheduled or running are not enqueued twice.
    """
    stuck = db.session.execute(
        select(WebhookEvent)
        .where(WebhookEvent.status.in_(("received", "failed")),
               WebhookEvent.received_at < utcnow() - SWEEP_AFTER,
               WebhookEvent.attempts < SWEEP_MAX_ATTEMPTS)
        .order_by(WebhookEvent.received_at).limit(SWEEP_BATCH)
    ).scalars().all()
    db.session.rollback()
    for event in stuck:
        enqueue_processing(event)
    if stuck:
        log.info("webhook sweep enqueued %d stuck event(s)", len(stuck))
    return len(stuck)


def purge_settled_events() -> int:
    """Tick: delete processed and ignored deliveries 90 days after they settled."""
    settled_at = func.coalesce(WebhookEvent.processed_at, WebhookEvent.received_at)
    deleted = db.session.execute(
        delete(WebhookEvent).where(WebhookEvent.status.in_(("processed", "ignored")),
                                   settled_at < utcnow() - KEEP_SETTLED)).rowcount
    db.session.commit()
    if deleted:
        log.info("purged %d settled webhook event(s)", deleted)
    return deleted
