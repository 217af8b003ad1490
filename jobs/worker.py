"""The RQ worker: every job runs inside the app context and its company's tenant scope."""

import logging

from rq import SimpleWorker

from otto.db import db
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)


class OttoWorker(SimpleWorker):
    """Runs jobs in-process (no fork) so the app, its engine and the embedder load once.

    Job timeouts still apply: RQ's death penalty uses SIGALRM in this main thread.
    """

    app = None

    def perform_job(self, job, queue) -> bool:
        with self.app.app_context(), tenant_scope(job.meta.get("company_id")):
            try:
                log.info("job %s started (%s) company=%s", job.id, job.func_name, job.meta.get("company_id"))
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def make_worker(app, queue_names, connection, name: str | None = None) -> OttoWorker:
    from jobs.queues import queue

    worker = OttoWorker([queue(n, connection) for n in queue_names], connection=connection, name=name)
    worker.app = app
    return worker
