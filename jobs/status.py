"""The JobStatus shape the API reports for an RQ job (endpoints §0.3)."""

from rq.exceptions import NoSuchJobError
from rq.job import Job

from otto.fields import utc_iso


RQ_TO_API = {"queued": "queued", "deferred": "queued", "scheduled": "queued", "started": "processing",
             "finished": "completed", "failed": "failed", "stopped": "failed", "canceled": "failed"}


def job_status(job_id: str, connection, company_id: str) -> dict | None:
    """None when the job is unknown or belongs to another company."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    if job.meta.get("company_id") != company_id:
        return None
    status = RQ_TO_API.get(job.get_status(refresh=False), "queued")
    error = None
    if status == "failed":
        error = "The job failed; it is kept for inspection and retry."
    return {
        "job_id": job.id, "status": status,
        "progress": 100 if status == "completed" else job.meta.get("progress", 0),
        "message": job.meta.get("message"), "created_at": utc_iso(job.created_at),
        "started_at": utc_iso(job.started_at), "completed_at": utc_iso(job.ended_at), "error": error,
        "result": job.return_value() if status == "completed" else None,
    }
