"""The one scheduler process: RQ's scheduled jobs plus periodic ticks, each single-flight."""

import logging
import time

from rq.scheduler import RQScheduler

log = logging.getLogger(__name__)

class PeriodicTask:
    def __init__(self, name: str, every_seconds: int, func):
        self.name, self.every_seconds, self.func = name, every_seconds, func
        self.next_run = 0.0


def periodic_tasks() -> list[PeriodicTask]:
    """Ticks registered by feature areas; each enqueues its work and returns at once."""
    from otto.dashboard.broadcast import UPDATE_INTERVAL_SECONDS, broadcast_live_metrics
    from otto.post_call.service import queue_heuristic_analyses
    from otto.webhooks.processing import purge_settled_events, sweep_stuck_events

    return [
        PeriodicTask("live-metrics", UPDATE_INTERVAL_SECONDS, broadcast_live_metrics),
        PeriodicTask("post-call-heuristics", 60, queue_heuristic_analyses),
        PeriodicTask("webhook-sweep", 120, sweep_stuck_events),
        PeriodicTask("webhook-purge", 24 * 3600, purge_settled_events),
    ]


def run_scheduler(app, connection, stop_event=None) -> None:
    from jobs.queues import QUEUE_NAMES

    scheduler = RQScheduler(list(QUEUE_NAMES), connection=connection)
    tasks = periodic_tasks()
    log.info("scheduler started with %d periodic task(s)", len(tasks))
    while stop_event is None or not stop_event.is_set():
        if scheduler.acquire_locks():
            scheduler.enqueue_scheduled_jobs()
        now = time.monotonic()
        for task in tasks:
            if now < task.next_run:
                continue
            task.next_run = now + task.every_seconds
            # A Redis lock per tick: two schedulers never run the same tick twice.
            if connection.set(f"otto:tick:{task.name}", "1", nx=True, ex=task.every_seconds):
                with app.app_context():
                    try:
                        task.func()
                    except Exception:
                        log.exception("periodic task %s failed", task.name)
        if stop_event is not None:
            stop_event.wait(1.0)
        else:
            time.sleep(1.0)
