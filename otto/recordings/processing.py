"""Handing recorded visit audio to its background job, where that job is installed."""

import importlib
import logging

from rq import Retry

from otto.recordings.models import RecordingSession
from otto.recordings.service import set_processing_status

log = logging.getLogger(__name__)

VISIT_JOB = ("jobs.analysis", "analyze_visit")
VISIT_RETRY = Retry(max=3, interval=[30, 120, 600])
VISIT_TIMEOUT_SECONDS = 1800
NO_VISIT_ANALYSIS = "Visit analysis is not available in this installation; the audio is kept."


def optional_job(module_name: str, function_name: str):
    """The job function `module_name.function_name`, or None when it is not installed."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    return getattr(module, function_name, None)


def start_visit_analysis(session: RecordingSession) -> bool:
    """Queue `analyze_visit` once per session (its job id is the session's).

    Without the job the session says so: transcription `failed` with a message, which a later
    upload-audio-complete may retry once the job exists.
    """
    from jobs.queues import enqueue

    job = optional_job(*VISIT_JOB)
    if job is None:
        set_processing_status(session, "transcription_status", "failed", error=NO_VISIT_ANALYSIS)
        log.warning("recording session %s: no visit analysis job installed", session.id)
        return False
    # An hour-long visit transcribed on a CPU takes minutes, not RQ's default three.
    enqueue("ai", job, session.company_id, session.id, job_id=f"analyze_visit-{session.id}",
            retry=VISIT_RETRY, timeout=VISIT_TIMEOUT_SECONDS)
    log.info("recording session %s: visit analysis queued", session.id)
    return True
