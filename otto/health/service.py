"""Dependency checks and the metrics registry behind the health routes."""

import logging
import os
import time
from datetime import datetime, timezone

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from otto.db import db

log = logging.getLogger(__name__)

VERSION = "0.1.0"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def environment() -> str:
    return os.environ.get("OTTO_ENV", "development")


def basic() -> dict:
    return {"status": "healthy", "timestamp": now_iso(), "version": VERSION, "environment": environment()}


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as error:
        log.warning("health: database check failed: %s", type(error).__name__)
        db.session.rollback()
        return False


def redis_ok() -> bool:
    try:
        return bool(current_app.extensions["otto"].redis.ping())
    except Exception as error:
        log.warning("health: redis check failed: %s", type(error).__name__)
        return False


def workers_alive() -> bool | None:
    from rq import Worker

    try:
        workers = Worker.all(connection=current_app.extensions["otto"].redis)
    except Exception:
        return False
    # RQ drops a worker's key when its heartbeat lapses, so a listed worker is a live one; an
    # idle worker heartbeats only every few minutes, so the heartbeat's age says nothing more.
    return len(workers) > 0


def _timed(check) -> dict:
    started = time.perf_counter()
    ok = check()
    result = {"status": "healthy" if ok else "unhealthy",
              "response_time_ms": round((time.perf_counter() - started) * 1000, 1)}
    if not ok:
        result["error"] = "unavailable"
    return result


def storage_ok() -> bool:
    root = current_app.extensions["otto"].settings.storage_dir
    try:
        root.mkdir(parents=True, exist_ok=True)
        return os.access(root, os.W_OK)
    except OSError:
        return False


def detailed() -> dict:
    checks = {"database": _timed(database_ok), "redis": _timed(redis_ok), "storage": _timed(storage_ok),
              "uwc": {"status": "disabled", "response_time_ms": 0}}
    healthy = all(checks[name]["status"] == "healthy" for name in ("database", "redis", "storage"))
    return {"status": "healthy" if healthy else "unhealthy", "timestamp": now_iso(), "version": VERSION,
            "environment": environment(), "checks": checks}


class QueueCollector:
    """Queue depth and failed-job gauges, read from Redis at scrape time."""

    def __init__(self, connection):
        self.connection = connection

    def collect(self):
        from jobs.queues import QUEUE_NAMES, queue

        depth = GaugeMetricFamily("rq_queue_jobs", "Jobs waiting per queue", labels=["queue"])
        failed = GaugeMetricFamily("rq_failed_jobs", "Failed jobs kept per queue", labels=["queue"])
        for name in QUEUE_NAMES:
            try:
                q = queue(name, self.connection)
                depth.add_metric([name], q.count)
                failed.add_metric([name], q.failed_job_registry.count)
            except Exception:
                log.warning("metrics: redis unavailable for queue %s", name)
        yield depth
        yield failed


def metrics_registry():
    state = current_app.extensions["otto"]
    if not getattr(state.metrics, "_queues_registered", False):
        state.metrics.registry.register(QueueCollector(state.redis))
        state.metrics._queues_registered = True
    return state.metrics.registry
