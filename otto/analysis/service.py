"""Call analysis: who may see a call, asking for a run, storing versions, reading them back."""

import hashlib
import json
import logging
import os
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry
from sqlalchemy import select

from ai.providers import OpenAIClient, Usage
from ai.transcript import Transcript
from jobs.status import job_status
from otto import enums
from otto.analysis.models import CallAnalysis, CallTranscript
from otto.analysis.sources import parse_transcript, transcript_from_labels
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
# Run metadata, not findings: left out of the output hash so an identical re-run is a no-op.
_UNHASHED_KEYS = frozenset({
    "processed_at", "created_at", "analyzed_at", "timestamp", "completed_at", "job_id",
    "processing_time_ms", "status", "degraded", "fallback_reason",
})
DATE_RANGES = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90, "this_year": None}


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


def latest_analysis(call_id: int) -> CallAnalysis | None:
    return db.session.execute(
        select(CallAnalysis).where(CallAnalysis.call_id == call_id)
        .order_by(CallAnalysis.version_number.desc()).limit(1)
    ).scalar_one_or_none()


def latest_transcript(call_id: int) -> CallTranscript | None:
    return db.session.execute(
        select(CallTranscript).where(CallTranscript.call_id == call_id)
        .order_by(CallTranscript.created_at.desc(), CallTranscript.id.desc()).limit(1)
    ).scalar_one_or_none()


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
    _lock_call(call)
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


def call_job_status(call: Call) -> dict | None:
    """The status of the call's newest analysis job, told by the call row and the RQ job."""
    latest = latest_analysis(call.call_id)
    job_id = analysis_job_id(call.call_id, (latest.version_number if latest else 0) + 1)
    status = _job_status(job_id, call.company_id)
    if call.analysis_status == "failed":
        status = status or queued_status(job_id, None)
        return {**status, "status": "failed", "error": call.analysis_error}
    return status


def _job_status(job_id: str, company_id: str) -> dict | None:
    return job_status(job_id, current_app.extensions["otto"].redis, company_id)


def _lock_call(call: Call) -> None:
    db.session.execute(select(Call).where(Call.call_id == call.call_id).with_for_update()
                       .execution_options(populate_existing=True))


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


# Storing versions ----------------------------------------------------------------------------


def call_transcript_for(call: Call) -> tuple[Transcript | None, CallTranscript | None]:
    """The words to analyse: the newest transcript row, else `calls.transcript`, else none
    (the caller then transcribes the recording)."""
    row = latest_transcript(call.call_id)
    if row is not None:
        return transcript_from_labels(row.speaker_labels, row.transcript_text), row
    if (call.transcript or "").strip():
        return parse_transcript(call.transcript), None
    return None, None


def store_transcript(call: Call, transcript: Transcript, *, job_id: str, model: str | None,
                     processing_ms: int | None) -> CallTranscript:
    from otto.analysis.sources import speaker_labels

    row = CallTranscript(
        company_id=call.company_id, call_id=call.call_id, uwc_job_id=job_id,
        transcript_text=transcript.text, speaker_labels=speaker_labels(transcript),
        confidence_score=transcript.confidence, language=transcript.language,
        word_count=transcript.word_count, processing_time_ms=processing_ms, model_version=model)
    db.session.add(row)
    db.session.flush()
    log.info("call %s: transcript %s stored (%d words, %s)", call.call_id, row.id,
             row.word_count or 0, model)
    return row


def store_analysis(call: Call, analysis: dict, transcript_row: CallTranscript | None
                   ) -> tuple[CallAnalysis, bool]:
    """Add the analysis as the call's next version; (row, False) when it repeats the newest."""
    _lock_call(call)
    analysis = {**analysis, "call_id": call.call_id}
    digest = output_hash(analysis)
    latest = latest_analysis(call.call_id)
    if latest is not None and latest.processed_output_hash == digest:
        log.info("call %s: analysis unchanged from %s; no new version", call.call_id,
                 latest.analysis_version)
        return latest, False

    version = (latest.version_number if latest else 0) + 1
    row = CallAnalysis(company_id=call.company_id, call_id=call.call_id,
                       transcript_id=transcript_row.id if transcript_row else None,
                       processed_output_hash=digest, version_number=version,
                       analysis_version=f"v{version}", analyzed_at=utcnow(),
                       **persisted_columns(analysis))
    db.session.add(row)
    db.session.flush()
    log.info("call %s: analysis %s stored as %s (%s)", call.call_id, row.id, row.analysis_version,
             row.provider)
    return row, True


def persisted_columns(analysis: dict) -> dict:
    """The `call_analysis` columns of a normalized analysis (spec §4.8)."""
    objections = (analysis.get("objections") or {}).get("objections") or []
    qualification = analysis.get("qualification") or {}
    compliance = analysis.get("compliance") or {}
    segmentation = analysis.get("segmentation") or {}
    compliance_score = compliance.get("compliance_score")
    labels = list(dict.fromkeys(o.get("category_text") or o.get("objection_text")
                                for o in objections))
    return {
        "provider": _choice(analysis.get("provider"), enums.ANALYSIS_PROVIDER) or "local",
        "objections": [label for label in labels if label],
        "objection_details": [
            {"type": o.get("category_text"), "quote": o.get("objection_text"),
             "resolved": bool(o.get("overcome")), "category_id": o.get("category_id"),
             "severity": o.get("severity"), "timestamp": o.get("timestamp"),
             "turn_index": o.get("turn_index"), "response_quote": o.get("overcome_quote"),
             "response_turn_index": o.get("overcome_turn_index")}
            for o in objections],
        "sentiment_score": analysis.get("sentiment_score"),
        "engagement_score": analysis.get("engagement_score"),
        "talk_time_ratio": analysis.get("talk_time_ratio"),
        "coaching_tips": analysis.get("coaching_tips") or [],
        "sop_stages_completed": compliance.get("stages_followed") or [],
        "sop_stages_missed": compliance.get("stages_missed") or [],
        "sop_compliance_score": round(compliance_score * 10, 2) if compliance_score is not None
        else None,
        "compliance_violations": compliance.get("violations") or [],
        "compliance_positive_behaviors": compliance.get("positive_behaviors") or [],
        "compliance_recommendations": compliance.get("recommendations") or [],
        "rehash_score": (analysis.get("rehash") or {}).get("rehash_score"),
        "lead_quality": _choice(analysis.get("lead_quality"), enums.LEAD_QUALITY),
        "qualification_status": _choice(qualification.get("qualification_status"),
                                        enums.QUALIFICATION_STATUS),
        "bant_scores": qualification.get("bant_scores"),
        "conversion_probability": analysis.get("conversion_probability"),
        "booking_status": _choice(qualification.get("booking_status"), enums.BOOKING_STATUS),
        "call_type": _choice(analysis.get("call_type"), enums.CALL_TYPE),
        "call_outcome_category": _choice(qualification.get("call_outcome_category"),
                                         enums.CALL_OUTCOME_CATEGORY),
        "outcome_decision": _choice(analysis.get("outcome_decision"), enums.OUTCOME_DECISION),
        "performance_score": analysis.get("performance_score"),
        "meeting_segments": [
            {"phase": part.get("phase"), "start": part.get("start_time"),
             "end": part.get("end_time")}
            for part in (segmentation.get("part1"), segmentation.get("part2")) if part],
        "followup_recommendations": analysis.get("followup_recommendations"),
        "normalized_payload": analysis,
        "uwc_job_id": analysis.get("job_id") or f"local_{uuid.uuid4().hex}",
        "processing_time_ms": analysis.get("processing_time_ms"),
    }


def output_hash(analysis: dict) -> str:
    """sha256 of the findings (sorted keys), run metadata left out (domain spec §5.14)."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _UNHASHED_KEYS}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    canonical = json.dumps(strip(analysis), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _choice(value, allowed) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if value in allowed else None


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


def newest_analyses(since: datetime | None = None, *, rep_id: str | None = None,
                    until: datetime | None = None) -> list[tuple[CallAnalysis, Call]]:
    """The newest analysis of each company call analysed in the window, with its call."""
    newest = (
        select(CallAnalysis.id)
        .distinct(CallAnalysis.call_id)
        .order_by(CallAnalysis.call_id, CallAnalysis.version_number.desc())
    )
    query = (select(CallAnalysis, Call).join(Call, Call.call_id == CallAnalysis.call_id)
             .where(CallAnalysis.id.in_(newest.scalar_subquery())))
    if since is not None:
        query = query.where(CallAnalysis.analyzed_at >= since)
    if until is not None:
        query = query.where(CallAnalysis.analyzed_at < until)
    if rep_id is not None:
        query = query.where(Call.assigned_rep_id == rep_id)
    return list(db.session.execute(query.order_by(CallAnalysis.analyzed_at.desc())).tuples())


def objection_analytics(date_range: str, rep_id: str | None) -> dict:
    """Top objections of the window (spec: GET /calls/analytics/objections)."""
    if rep_id is not None:
        company_rep(rep_id)
    since = _range_start(date_range)
    rows = newest_analyses(since, rep_id=rep_id)

    counts: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    per_rep: dict[str, int] = {}
    for analysis, call in rows:
        labels = list(dict.fromkeys(analysis.objections or []))
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        for detail in analysis.objection_details or []:
            label, quote = detail.get("type"), detail.get("quote")
            if label in counts and quote and quote not in quotes.setdefault(label, []):
                quotes[label].append(quote)
        if call.assigned_rep_id:
            per_rep[call.assigned_rep_id] = per_rep.get(call.assigned_rep_id, 0) + len(labels)

    total = len(rows)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
    by_rep = None
    if rep_id is None:
        names = rep_names(per_rep)
        by_rep = [{"rep_id": rep, "rep_name": names.get(rep), "total_objections": count}
                  for rep, count in sorted(per_rep.items(), key=lambda item: -item[1])]
    return {
        "date_range": date_range,
        "total_calls_analyzed": total,
        "top_objections": [
            {"objection_type": label, "count": count,
             "percentage": round(count / total * 100, 1) if total else 0.0,
             "example_quotes": quotes.get(label, [])[:3]}
            for label, count in top],
        "objections_by_rep": by_rep,
    }


def _range_start(date_range: str) -> datetime:
    now = utcnow()
    days = DATE_RANGES[date_range]
    if days is not None:
        return now - timedelta(days=days)
    company = db.session.get(Company, _current_company())
    zone = ZoneInfo(company.timezone if company and company.timezone else "America/New_York")
    local_now = now.astimezone(zone)
    return local_now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _current_company() -> str | None:
    from otto.tenancy import current_company_id

    return current_company_id()


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
