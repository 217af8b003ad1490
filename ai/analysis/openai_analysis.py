"""Call analysis by an OpenAI-compatible chat model, held to the schema and to the transcript."""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ai.analysis import scoring
from ai.analysis.evidence import CallText, anchor
from ai.analysis.local import (
    analyze_transcript,
    followup_recommendations,
    infer_call_type,
    transcript_section,
)
from ai.analysis.qualification import call_outcome_category, qualification_status
from ai.analysis.schema import (
    MODEL_SECTIONS,
    AnalysisSchemaError,
    analysis_schema,
    validate_analysis,
)
from ai.analysis.sop import checklist_for
from ai.analysis.summary import segment
from ai.analysis.talk import engagement_score, talk_listen, talk_time_ratio
from ai.analysis.taxonomy import OBJECTION_CATEGORIES
from ai.providers import ProviderError, Usage
from ai.transcript import Transcript

logger = logging.getLogger(__name__)

# One retry after an invalid or failed reply, then the local analyzer takes over.
MAX_ATTEMPTS = 2

_INSTRUCTIONS = """You analyze sales and customer-service calls of a home-services company.
Reply with one JSON object holding exactly these keys: {sections}.
Rules:
- Every quote (objection_text, overcome_quote, evidence quote, stage_results quote, pending
  action quote and raw_text) is copied verbatim from ONE transcript turn, and turn_index is the
  number in brackets before that turn. Never paraphrase a quote.
- Objection categories (category_id: category_text): {categories}. Only customer turns raise
  objections, except "No Response" (a rep price or closing question left unanswered).
- Scores are 0-1 unless the schema says otherwise; bant_scores are 0-1 per dimension.
- compliance.stage_results has one entry per stage, in this order: {stages}. A missed stage
  has quote, turn_index, start and end null.
- Use null for unknown values and [] for empty lists.
JSON Schema of the reply:
{schema}"""


def analyze_transcript_openai(
    transcript: Transcript,
    client: Any,
    *,
    sop_checklist: Sequence[Any] | None = None,
    embedder: Any = None,
    on_usage: Callable[[Usage], None] | None = None,
) -> dict[str, Any]:
    """Analyze with `client` (an `ai.providers.OpenAIClient`); after two invalid or failed
    replies, return the local analysis marked `fallback_reason` and `degraded`."""
    call_type = infer_call_type(transcript)
    checklist = checklist_for(call_type, sop_checklist)
    messages = _messages(transcript, [item["stage"] for item in checklist])

    reason = "no attempt made"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            reply = client.chat_json(messages)
        except ProviderError as error:
            _report(on_usage, error.usage)
            reason = f"provider error: {error}"
            logger.warning("analysis via openai: attempt %d failed: %s", attempt, error)
            continue
        _report(on_usage, reply.usage)
        try:
            return complete_model_analysis(transcript, reply.data, call_type, model=client)
        except AnalysisSchemaError as error:
            reason = f"invalid analysis: {error}"
            logger.warning("analysis via openai: attempt %d invalid: %s", attempt, error)

    logger.warning("analysis via openai failed twice (%s); using the local analyzer", reason)
    analysis = analyze_transcript(transcript, sop_checklist=sop_checklist, embedder=embedder)
    analysis["degraded"] = {"from": "openai", "reason": reason}
    analysis["fallback_reason"] = reason
    return analysis


def complete_model_analysis(
    transcript: Transcript, model_output: Any, call_type: str, model: Any = None
) -> dict[str, Any]:
    """Check a model's sections, keep only verdicts whose quotes are in the transcript, and add
    what Otto measures itself. Raises AnalysisSchemaError on a reply that breaks the schema."""
    validate_analysis(model_output, sections=MODEL_SECTIONS)
    sections = copy.deepcopy({key: model_output[key] for key in MODEL_SECTIONS})
    _keep_anchored(transcript, sections)
    _derive(sections)

    call = CallText(transcript)
    talk = talk_listen(transcript)
    compliance, objections, qualification = (
        sections["compliance"],
        sections["objections"],
        sections["qualification"],
    )
    now = datetime.now(UTC).isoformat()
    analysis = {
        "call_id": None,
        "job_id": f"openai_{uuid.uuid4().hex}",
        "provider": "openai",
        "status": "completed",
        "created_at": now,
        "completed_at": now,
        "transcript": transcript_section(transcript),
        **sections,
        "sentiment_evidence": [],
        "engagement_score": engagement_score(talk),
        "talk_time_ratio": talk_time_ratio(talk),
        "talk_listen": talk,
        "segmentation": segment(call, call_type),
        "rehash": scoring.rehash(compliance, objections, call_type),
        "lead_quality": qualification["qualification_status"],
        "conversion_probability": scoring.conversion_probability(qualification),
        "followup_recommendations": followup_recommendations(sections["summary"], objections),
        "call_type": call_type,
        "outcome_decision": compliance["final_outcome"],
        "performance_score": scoring.performance_score(compliance),
    }
    validate_analysis(analysis)
    logger.info(
        "analysis %s via openai (%s): %d objections kept",
        analysis["job_id"],
        getattr(model, "chat_model", "model"),
        objections["total_objections"],
    )
    return analysis


def _messages(transcript: Transcript, stages: list[str]) -> list[dict[str, str]]:
    schema = json.dumps(analysis_schema(MODEL_SECTIONS), separators=(",", ":"))
    categories = "; ".join(f"{key}: {value}" for key, value in OBJECTION_CATEGORIES.items())
    instructions = _INSTRUCTIONS.format(
        sections=", ".join(MODEL_SECTIONS),
        categories=categories,
        stages=", ".join(stages),
        schema=schema,
    )
    lines = []
    for index, turn in enumerate(transcript.turns):
        timing = (
            f" ({turn.start:.1f}-{turn.end:.1f}s)" if turn.start is not None and turn.end else ""
        )
        lines.append(f"[{index}] {turn.speaker or 'unknown'}{timing}: {turn.text}")
    return [
        {"role": "system", "content": instructions},
        {"role": "user", "content": "Transcript:\n" + "\n".join(lines)},
    ]


def _keep_anchored(transcript: Transcript, sections: dict[str, Any]) -> None:
    """Drop verdicts whose quotes are not in the transcript; take turn times from the transcript."""
    kept = []
    for objection in sections["objections"]["objections"]:
        span = anchor(transcript, objection["objection_text"], objection["turn_index"])
        if span is None:
            logger.info("analysis via openai: dropped objection with unfound quote")
            continue
        objection.update(
            turn_index=span["turn_index"],
            start=span["start"],
            end=span["end"],
            timestamp=span["start"],
        )
        response = anchor(
            transcript, objection["overcome_quote"], objection.get("overcome_turn_index")
        )
        if response is None:
            objection.update(overcome=False, overcome_quote=None, overcome_turn_index=None)
        else:
            objection["overcome_turn_index"] = response["turn_index"]
        kept.append(objection)
    sections["objections"]["objections"] = kept

    evidence = sections["qualification"]["evidence"]
    for dimension, spans in evidence.items():
        anchored = (anchor(transcript, span["quote"], span["turn_index"]) for span in spans)
        evidence[dimension] = [span for span in anchored if span is not None]

    for result in sections["compliance"]["stage_results"]:
        span = anchor(transcript, result["quote"], result["turn_index"])
        if span is None:
            result.update(status="missed", quote=None, turn_index=None, start=None, end=None)
        else:
            result.update(span)

    actions = []
    for action in sections["summary"]["pending_actions"]:
        span = anchor(transcript, action["quote"], action["turn_index"])
        if span is not None:
            actions.append({**action, **span, "raw_text": span["quote"]})
    sections["summary"]["pending_actions"] = actions

    for upgrade in sections["opportunity_analysis"]["upgrade_opportunities"]:
        span = anchor(transcript, upgrade.get("quote"), upgrade.get("turn_index"))
        upgrade.update(span or {"quote": None, "turn_index": None, "start": None, "end": None})


def _derive(sections: dict[str, Any]) -> None:
    """Recompute the fields the schema derives from others (§4.3–4.7)."""
    objections = sections["objections"]
    for number, objection in enumerate(objections["objections"], start=1):
        objection["id"] = objection["id"] or f"obj_{number}"
    objections["total_objections"] = len(objections["objections"])
    breakdown = {"low": 0, "medium": 0, "high": 0}
    for objection in objections["objections"]:
        breakdown[objection["severity"]] += 1
    objections["severity_breakdown"] = breakdown

    qualification = sections["qualification"]
    if qualification["overall_score"] is None:
        scores = qualification["bant_scores"].values()
        qualification["overall_score"] = round(sum(scores) / len(scores), 3)
    if qualification["qualification_status"] is None:
        qualification["qualification_status"] = qualification_status(qualification["overall_score"])
    qualification["call_outcome_category"] = call_outcome_category(
        qualification["qualification_status"], qualification["booking_status"]
    )

    compliance = sections["compliance"]
    results = compliance["stage_results"]
    if results:
        compliance["stages_followed"] = [r["stage"] for r in results if r["status"] != "missed"]
        compliance["stages_missed"] = [r["stage"] for r in results if r["status"] == "missed"]
        compliance["total_stages"] = len(results)
        compliance["compliance_score"] = round(len(compliance["stages_followed"]) / len(results), 3)
        compliance["compliance_rate"] = round(compliance["compliance_score"] * 100, 1)
    if compliance["final_outcome"] is None:
        compliance["final_outcome"] = scoring.outcome_decision(compliance)


def _report(on_usage: Callable[[Usage], None] | None, usage: Usage) -> None:
    if on_usage is not None:
        on_usage(usage)
