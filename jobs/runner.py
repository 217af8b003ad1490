"""Helpers for job functions: commit the job's work, report progress."""

from rq import get_current_job

from otto.db import db


def report_progress(percent: int, message: str | None = None) -> None:
    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = max(0, min(100, int(percent)))
    if message:
        job.meta["message"] = message
    job.save_meta()


def commit() -> None:
    db.session.commit()
