"""Publishing live metrics to companies with listeners, and the service's status."""

import json
import logging
from datetime import datetime

from rq.scheduler import RQScheduler
from sqlalchemy import select

from otto.companies.models import Company
from otto.dashboard.live import snapshot
from otto.db import db, utcnow
from otto.extensions import otto_state
from otto.fields import utc_iso
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

UPDATE_INTERVAL_SECONDS = 30


def tenant_channel(company_id: str) -> str:
    return f"tenant:{company_id}:events"


def last_update_key(company_id: str) -> str:
    return f"otto:live-metrics:last-update:{company_id}"


def broadcast_live_metrics(now: datetime | None = None) -> int:
    """Scheduler tick: publish `metrics.live_updated` to every company channel with listeners.

    Each company's snapshot is read under that company's tenant setting. Returns how many
    companies were sent an update.
    """
    redis = otto_state().redis
    company_ids = list(db.session.execute(select(Company.id)).scalars())
    if not company_ids:
        return 0
    listeners = dict(redis.pubsub_numsub(*(tenant_channel(cid) for cid in company_ids)))
    sent = 0
    for company_id in company_ids:
        channel = tenant_channel(company_id)
        if not listeners.get(channel.encode()) and not listeners.get(channel):
            continue
        with tenant_scope(company_id):
            data = snapshot(db.session.get(Company, company_id), now)
        published_at = utc_iso(now or utcnow())
        event = {"version": "1", "event": "metrics.live_updated", "ts": published_at,
                 "severity": "info", "trace_id": None, "tenant_id": company_id, "data": data}
        redis.publish(channel, json.dumps(event))
        redis.set(last_update_key(company_id), published_at)
        sent += 1
    db.session.rollback()  # read-only work; ends the transaction the reads opened
    if sent:
        log.info("live metrics published to %d company channel(s)", sent)
    return sent


def service_status(company_id: str) -> dict:
    """Whether the scheduler that broadcasts is alive, and this company's last broadcast."""
    redis = otto_state().redis
    # The scheduler refreshes its queue lock every few seconds; the lock expires a minute after
    # the scheduler stops, so an existing lock means a scheduler heartbeat within ~90 s.
    running = bool(redis.exists(RQScheduler.get_locking_key("default")))
    last_update = redis.get(last_update_key(company_id))
    return {"running": running, "update_interval": UPDATE_INTERVAL_SECONDS,
            "last_update": last_update.decode() if last_update else None}
