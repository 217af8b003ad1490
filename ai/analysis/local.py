"""The offline analyzer: rules and embedding similarity producing the whole normalized schema."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ai.analysis import scoring
from ai.analysis.actions import find_pending_actions
from ai.analysis.entities import extract_entities, rep_details
from ai.analysis.evidence import CallText
from ai.analysis.objections import detect_objections
from ai.analysis.qualification import qualify
from ai.analysis.sentiment import score_sentiment
from ai.analysis.sop import check_compliance, checklist_for
from ai.analysis.summary import segment, summarize
from ai.analysis.talk import engagement_score, talk_listen, talk_time_ratio
from ai.transcript import Transcript, TranscriptError

logger = logging.getLogger(__name__)


def analyze_transcript(
    transcript: Transcript,
    *,
    sop_checklist: Sequence[Any] | None = None,
    embedder: Any = None,
) -> dict[str, Any]:
    """Analyze a call offline. `sop_checklist` lists stage names (or `{stage, description}`);
    without it the default CSR or sales-visit stages apply. `embedder` defaults to local MiniLM."""
    if not any(turn.text.strip() for turn in transcript.turns):
        raise TranscriptError("transcript has no spoken text to analyze")
    started = time.perf_counter()
    created_at = datetime.now(UTC).isoformat()
    call = CallText(transcript, embedder)
    call_type = infer_call_type(transcript)

    pending_actions = find_pending_actions(call)
    objections = detect_objections(call)
    qualification = qualify(call, pending_actions)
    compliance = check_compliance(call, checklist_for(call_type, sop_checklist), call_type)
    sentiment, sentiment_evidence = score_sentiment(call)
    talk = talk_listen(transcript)
    ratio = talk_time_ratio(talk)

    compliance["outcome_score"] = {
        "overall_outcome_score": None,
        "has_critical_error": compliance.pop("has_critical_error"),
        "strengths": [b["behavior"] for b in compliance["positive_behaviors"]],
        "coaching_recommendations": [],
    }
    compliance["final_outcome"] = scoring.outcome_decision(compliance)
    compliance["final_reasoning"] = _outcome_reasoning(compliance)
    compliance["primary_factor"] = (
        "critical_error" if compliance["outcome_score"]["has_critical_error"] else "sop_compliance"
    )

    rehash = scoring.rehash(compliance, objections, call_type)
    missed = scoring.missed_opportunities(qualification)
    summary = summarize(call, call_type, objections, qualification, pending_actions)
    tips = scoring.coaching_tips(compliance, objections, missed, rehash, ratio, call_type)
    entities = extract_entities(call, qualification)

    analysis = {
        "call_id": None,
        "job_id": f"local_{uuid.uuid4().hex}",
        "provider": "local",
        "status": "completed",
        "created_at": created_at,
        "completed_at": datetime.now(UTC).isoformat(),
        "transcript": transcript_section(transcript),
        "summary": summary,
        "sentiment_score": sentiment,
        "sentiment_evidence": sentiment_evidence,
        "engagement_score": engagement_score(talk),
        "talk_time_ratio": ratio,
        "talk_listen": talk,
        "objections": objections,
        "qualification": qualification,
        "compliance": compliance,
        "opportunity_analysis": {
            "risk_assessment": scoring.risk_assessment(objections, qualification, sentiment),
            "missed_opportunities": missed,
            "upgrade_opportunities": scoring.upgrade_opportunities(call),
        },
        "rep_details": rep_details(call),
        "entities": entities,
        "segmentation": segment(call, call_type),
        "rehash": rehash,
        "lead_quality": qualification["qualification_status"],
        "conversion_probability": scoring.conversion_probability(qualification),
        "coaching_tips": tips,
        "followup_recommendations": followup_recommendations(summary, objections),
        "call_type": call_type,
        "outcome_decision": compliance["final_outcome"],
        "performance_score": scoring.performance_score(compliance),
        "processing_time_ms": None,
    }
    analysis["processing_time_ms"] = int((time.perf_counter() - started) * 1000)
    logger.info(
        "analysis %s: %d turns, %d objections, booking %s, %d ms",
        analysis["job_id"],
        len(transcript.turns),
        objections["total_objections"],
        qualification["booking_status"],
        analysis["processing_time_ms"],
    )
    return analysis


def infer_call_type(transcript: Transcript) -> str:
    """The caller's call type, else `csr_call` when a CSR speaks, else `sales_call`."""
    if transcript.call_type in ("sales_call", "csr_call"):
        return transcript.call_type
    if any(turn.speaker == "csr" for turn in transcript.turns):
        return "csr_call"
    return "sales_call"


def transcript_section(transcript: Transcript) -> dict[str, Any]:
    return {
        "transcript_text": transcript.text,
        "speaker_labels": [
            {"speaker": t.speaker, "text": t.text, "start_time": t.start, "end_time": t.end}
            for t in transcript.turns
        ],
        "confidence_score": transcript.confidence,
        "word_count": transcript.word_count,
        "language": transcript.language,
    }


def followup_recommendations(summary: dict[str, Any], objections: dict[str, Any]) -> dict:
    recommendations = [
        {
            "action": action["action_type"],
            "description": action["action"],
            "priority": action["priority"],
            "timing": action["due_at"],
            "reasoning": f'Promised in the call: "{action["raw_text"]}"',
        }
        for action in summary["pending_actions"]
    ]
    for objection in objections["objections"]:
        if not objection["overcome"] and objection["response_suggestions"]:
            recommendations.append(
                {
                    "action": "address_objection",
                    "description": objection["response_suggestions"][0],
                    "priority": "high" if objection["severity"] == "high" else "medium",
                    "timing": None,
                    "reasoning": f"{objection['category_text']} objection left open.",
                }
            )
    return {
        "recommendations": recommendations,
        "next_steps": summary["next_steps"],
        "priority_actions": [r["description"] for r in recommendations if r["priority"] == "high"],
        "confidence_score": 0.6 if recommendations else None,
    }


def _outcome_reasoning(compliance: dict[str, Any]) -> str:
    if compliance["outcome_score"]["has_critical_error"]:
        return "A required disclosure was missed in a call that took a commitment."
    followed, total = len(compliance["stages_followed"]), compliance["total_stages"]
    return f"{followed} of {total} SOP stages evidenced."
