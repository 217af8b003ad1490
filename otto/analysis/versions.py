"""Analysis versions of a call: the words analysed, the stored rows and their §4.8 columns."""

import hashlib
import json
import logging
import uuid

from sqlalchemy import select

from ai.transcript import Transcript
from otto import enums
from otto.analysis.models import CallAnalysis, CallTranscript
from otto.analysis.sources import parse_transcript, speaker_labels, transcript_from_labels
from otto.calls.models import Call
from otto.db import db, utcnow

log = logging.getLogger(__name__)

# Run metadata, not findings: left out of the output hash so an identical re-run is a no-op.
_UNHASHED_KEYS = frozenset({
    "processed_at", "created_at", "analyzed_at", "timestamp", "completed_at", "job_id",
    "processing_time_ms", "status", "degraded", "fallback_reason",
})


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


def lock_call(call: Call) -> None:
    db.session.execute(select(Call).where(Call.call_id == call.call_id).with_for_update()
                       .execution_options(populate_existing=True))


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
    lock_call(call)
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

