"""The four queues and the one way to enqueue: after commit, with the company in job.meta."""

import logging

from flask import current_app, g, has_request_context
from rq import Queue, Retry

from otto.tenancy import current_company_id
from otto.transactions import on_commit

log = logging.getLogger(__name__)

QUEUE_NAMES = ("default", "ai", "ingest", "sms")
ACTIVE_STATES = ("queued", "started", "scheduled", "deferred")


def queue(name: str, connection=None) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection or current_app.extensions["otto"].redis)


def enqueue(queue_name: str, func, *args, job_id: str | None = None, retry: Retry | None = None,
            company_id: str | None = None, timeout: int | None = None, after_commit: bool = True,
            **kwargs):
    """Enqueue `func(*args, **kwargs)`; by default only once the current transaction commits.

    A deterministic `job_id` makes event-driven work single: a job that is already queued or
    running under that id is not enqueued again.
    """
    company_id = company_id or current_company_id()
    meta = {"company_id": company_id}
    if has_request_context():
        meta["request_id"] = g.get("request_id")
    target = queue(queue_name)

    def send():
        if job_id:
            existing = target.fetch_job(job_id)
            if existing is not None and existing.get_status(refresh=True) in ACTIVE_STATES:
                log.info("job %s already %s; not enqueued again", job_id, existing.get_status())
                return existing
        job = target.enqueue(func, args=args, kwargs=kwargs, job_id=job_id, retry=retry, meta=meta,
                             job_timeout=timeout, failure_ttl=30 * 24 * 3600, result_ttl=7 * 24 * 3600)
        log.info("job %s enqueued on %s for company %s", job.id, queue_name, company_id)
        return job

    if after_commit:
        on_commit(send)
        return None
    return send()
