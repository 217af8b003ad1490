"""Call analysis requests: who may see a call, queueing runs, their status, reading results."""

import logging
import os
from datetime import datetime, timezone

from flask import current_app
from rq import Retry
from sqlalchemy import select

from ai.providers import OpenAIClient, Usage
from jobs.status import job_status
from otto.analysis.models import CallAnalysis
from otto.analysis.versions import latest_analysis, latest_transcript, lock_call
from otto.auth.tokens import Identity
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import CallNotFound, InvalidRequest, NotFound
from otto.mobile.models import MobileRecording
from otto.users.models import SalesRep, User

log = logging.getLogger(__name__)

ANALYSIS_RETRY = Retry(max=3, interval=[30, 120, 600])
ANALYSIS_TIMEOUT_SECONDS = 900  # transcription of a long recording included
BATCH_LIMIT = 50


def visible_call(call_id, identity: Identity) -> Call:
    """The call if the caller may see it: company calls, a sales rep's own only (else 404)."""
    call = Call.get_for_company(call_id)
    if identity.role == "sales_rep" and call.assigned_rep_id != identity.user_id:
        raise CallNotFound()
    return call


def company_rep(rep_id: str) -> SalesRep:
    """A sales rep of the current company, else 404 NOT_FOUND."""
    rep = db.session.execute(
        select(SalesRep).where(SalesRep.user_id == rep_id)).scalar_one_or_none()
    if rep is None:
        raise NotFound("Sales rep not found", details={"rep_id": rep_id})
    return rep


def rep_names(rep_ids) -> dict[str, str | None]:
    ids = {rep_id for rep_id in rep_ids if rep_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def has_analysis_input(call: Call) -> bool:
    """A transcript row, the call's own transcript text, or a recording to transcribe."""
    if (call.transcript or "").strip() or call.recording_url:
        return True
    return latest_transcript(call.call_id) is not None


def analysis_job_id(call_id: int, version: int) -> str:
    return f"analyze-{call_id}-{version}"


# Requesting runs ----------------------------------------------------------------------------


def request_analysis(call: Call, *, force: bool = False) -> tuple[dict, int]:
    """Queue an analysis of `call` unless one exists (200) or is already queued/running (202)."""
    lock_call(call)
    latest = latest_analysis(call.call_id)
    if latest is not None and not force:
        return completed_status(latest), 200

    next_version = (latest.version_number if latest else 0) + 1
    job_id = analysis_job_id(call.call_id, next_version)
    if call.analysis_status == "in_progress":
        running = _job_status(job_id, call.company_id)
        if running is not None and running["status"] in ("queued", "processing"):
            return running, 202
    if not has_analysis_input(call):
        raise InvalidRequest("Nothing to analyze: the call has no transcript or recording.")

    from jobs.analysis import analyze_call
    from jobs.queues import enqueue

    call.analysis_status = "in_progress"
    call.analysis_error = None
    enqueue("ai", analyze_call, call.company_id, call.call_id, next_version, job_id=job_id,
            retry=ANALYSIS_RETRY, timeout=ANALYSIS_TIMEOUT_SECONDS)
    log.info("call %s: analysis v%d queued as %s", call.call_id, next_version, job_id)
    return queued_status(job_id, "Analysis queued"), 202


def request_batch(call_ids: list[int]) -> list[dict]:
    """One JobStatus per id, in input order; analysed calls are `completed` without a new job."""
    calls = {call.call_id: call for call in db.session.execute(
        select(Call).where(Call.call_id.in_(call_ids))).scalars()}
    missing = [call_id for call_id in call_ids if call_id not in calls]
    if missing:
        raise CallNotFound("Some calls were not found.", details={"missing_call_ids": missing})

    statuses = []
    for call_id in call_ids:
        try:
            status, _ = request_analysis(calls[call_id])
        except InvalidRequest as refused:
            status = {**queued_status(None, None), "status": "failed", "error": refused.detail}
        statuses.append(status)
    return statuses


def queued_status(job_id: str | None, message: str | None) -> dict:
    return {"job_id": job_id, "status": "queued", "progress": 0, "message": message,
            "created_at": iso(utcnow()), "started_at": None, "completed_at": None,
            "error": None, "result": None}


def completed_status(analysis: CallAnalysis) -> dict:
    return {"job_id": analysis.uwc_job_id, "status": "completed", "progress": 100,
            "message": "Analysis already complete", "created_at": iso(analysis.analyzed_at),
            "started_at": None, "completed_at": iso(analysis.analyzed_at), "error": None,
            "result": {"analysis_id": analysis.id, "analysis_version": analysis.analysis_version}}


def _job_status(job_id: str, company_id: str) -> dict | None:
    return job_status(job_id, current_app.extensions["otto"].redis, company_id)


# Providers -----------------------------------------------------------------------------------


def analysis_client() -> OpenAIClient | None:
    """The chat client AI_PROVIDER selects; it defaults to OpenAI when OPENAI_API_KEY is set."""
    provider = (os.environ.get("AI_PROVIDER") or "").strip().lower()
    if provider == "local":
        return None
    return OpenAIClient.from_env()


def provider_name() -> str:
    return "openai" if analysis_client() is not None else "local"


def analysis_context(call: Call) -> dict:
    company = db.session.get(Company, call.company_id)
    rep = db.session.get(User, call.assigned_rep_id) if call.assigned_rep_id else None
    return {
        "company_name": company.name if company else None,
        "company_timezone": company.timezone if company else "America/New_York",
        "rep_name": rep.name if rep else None,
        "customer_name": call.name,
        "customer_address": call.address,
        "quote_date": call.quote_date,
        "problem": call.problem,
    }


def local_usage(feature_model: str, started: float, ended: float) -> Usage:
    return Usage(provider="local", model=feature_model, latency_ms=int((ended - started) * 1000))


# Reading back --------------------------------------------------------------------------------


def analysis_view(call: Call) -> dict:
    """GET /calls/{id}/analysis: the newest version, or where the call's analysis stands."""
    latest = latest_analysis(call.call_id)
    if latest is None:
        state = {"not_started": "not_analyzed", "in_progress": "processing",
                 "failed": "failed", "completed": "not_analyzed"}[call.analysis_status]
        view = {"call_id": call.call_id, "analysis_id": "pending", "status": state,
                "transcript": call.transcript}
        if state == "failed":
            view["error"] = call.analysis_error
        return view

    payload = latest.normalized_payload or {}
    compliance = payload.get("compliance") or {}
    qualification = payload.get("qualification") or {}
    return {
        "call_id": call.call_id,
        "analysis_id": latest.id,
        "status": "complete",
        "transcript": (payload.get("transcript") or {}).get("transcript_text") or call.transcript,
        "objections": latest.objections or [],
        "objection_details": latest.objection_details or [],
        "coaching_tips": latest.coaching_tips or [],
        "sentiment_score": latest.sentiment_score,
        "engagement_score": latest.engagement_score,
        "sop_stages_completed": latest.sop_stages_completed or [],
        "sop_stages_missed": latest.sop_stages_missed or [],
        "sop_stage_results": compliance.get("stage_results") or [],
        "sop_compliance_score": latest.sop_compliance_score,
        "compliance_violations": latest.compliance_violations or [],
        "compliance_positive_behaviors": latest.compliance_positive_behaviors or [],
        "compliance_recommendations": latest.compliance_recommendations or [],
        "rehash_score": latest.rehash_score,
        "talk_time_ratio": latest.talk_time_ratio,
        "lead_quality": latest.lead_quality,
        "qualification_status": latest.qualification_status,
        "bant_scores": latest.bant_scores,
        "qualification_evidence": qualification.get("evidence") or {},
        "conversion_probability": latest.conversion_probability,
        "booking_status": latest.booking_status,
        "call_type": latest.call_type,
        "call_outcome_category": latest.call_outcome_category,
        "outcome_decision": latest.outcome_decision,
        "performance_score": latest.performance_score,
        "meeting_segments": latest.meeting_segments or [],
        "followup_recommendations": latest.followup_recommendations,
        "summary": (payload.get("summary") or {}).get("summary"),
        "provider": latest.provider,
        "degraded": payload.get("degraded"),
        "analysis_version": latest.analysis_version,
        "analyzed_at": iso(latest.analyzed_at),
    }


# Mobile recordings ---------------------------------------------------------------------------


def transcription_job_id(recording_id: str) -> str:
    return f"transcribe-{recording_id}"


def enqueue_transcription(recording: MobileRecording) -> None:
    """Queue the transcription (then v0 analysis) of an uploaded mobile recording."""
    from jobs.queues import enqueue
    from jobs.transcription import TRANSCRIPTION_RETRY, TRANSCRIPTION_TIMEOUT_SECONDS, \
        transcribe_recording

    enqueue("ai", transcribe_recording, recording.company_id, recording.id,
            job_id=transcription_job_id(recording.id), retry=TRANSCRIPTION_RETRY,
            timeout=TRANSCRIPTION_TIMEOUT_SECONDS)


def transcription_progress(recording: MobileRecording) -> dict:
    """`{stage, progress}` (+ `error`) of a mobile recording for the audio status route.

    Stages: `uploaded` → `transcribing` → `analyzing` → `done`; null while `pending`.
    """
    if recording.status == "pending":
        return {"stage": None, "progress": 0}
    if recording.status == "completed":
        return {"stage": "done", "progress": 100}

    meta = {}
    try:
        from rq.job import Job

        job = Job.fetch(transcription_job_id(recording.id),
                        connection=current_app.extensions["otto"].redis)
        if job.meta.get("company_id") == recording.company_id:
            meta = job.meta
    except Exception:  # no job (yet, or expired): the row's status is all there is to tell
        meta = {}
    progress = {"stage": meta.get("stage") or "uploaded", "progress": meta.get("progress", 5)}
    if recording.status == "error":
        progress["error"] = recording.error
    return progress


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
