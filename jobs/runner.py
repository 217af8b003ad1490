"""Progress reporting for long jobs (read by the API through job.meta)."""

from rq import get_current_job


def report_progress(percent: int, message: str | None = None) -> None:
    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = max(0, min(100, int(percent)))
    if message:
        job.meta["message"] = message
    job.save_meta()

