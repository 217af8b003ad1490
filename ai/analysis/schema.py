"""The normalized analysis schema as JSON Schema, and the validator all provider output meets."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from jsonschema import Draft202012Validator

from ai.analysis import taxonomy as t


class AnalysisSchemaError(ValueError):
    """An analysis does not match the schema; `errors` lists every problem as "path: message"."""

    def __init__(self, errors: list[str]):
        super().__init__(
            "; ".join(errors[:5]) + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        )
        self.errors = errors


def _obj(properties: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object needing every key of `properties`; `optional` keys are typed when present."""
    return {
        "type": "object",
        "properties": {**properties, **(optional or {})},
        "required": list(properties),
    }


def _enum(values: Collection[str], nullable: bool = True) -> dict[str, Any]:
    return {"enum": [*values, None] if nullable else list(values)}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _maybe(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _range(low: float, high: float, nullable: bool = True) -> dict[str, Any]:
    kind = ["number", "null"] if nullable else "number"
    return {"type": kind, "minimum": low, "maximum": high}


TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
NUMBER_OR_NULL = {"type": ["number", "null"]}
PROBABILITY = _range(0, 1)
COUNT = {"type": "integer", "minimum": 0}
TEXTS = _list(TEXT)
DATETIME = {"type": ["string", "null"], "format": "date-time"}
TURN_INDEX = {"type": "integer", "minimum": 0}

SPAN = {"quote": TEXT, "turn_index": TURN_INDEX, "start": NUMBER_OR_NULL, "end": NUMBER_OR_NULL}

PENDING_ACTION = _obj(
    {
        "action": TEXT,
        "action_type": _enum(t.ACTION_TYPES),
        "due_at": DATETIME,
        "contact_method": _enum(t.CONTACT_METHODS),
        "priority": _enum(t.PRIORITIES, nullable=False),
        "confidence": PROBABILITY,
        "raw_text": TEXT,
        **SPAN,
    }
)
OBJECTION = _obj(
    {
        "id": TEXT_OR_NULL,
        "category_id": {"type": "integer", "minimum": 1, "maximum": 10},
        "category_text": _enum(t.OBJECTION_CATEGORIES.values(), nullable=False),
        "objection_text": TEXT,
        "turn_index": TURN_INDEX,
        "overcome": {"type": "boolean"},
        "overcome_quote": TEXT_OR_NULL,
        "speaker_id": TEXT_OR_NULL,
        "timestamp": NUMBER_OR_NULL,
        "severity": _enum(t.SEVERITIES, nullable=False),
        "confidence_score": PROBABILITY,
        "response_suggestions": TEXTS,
    },
    optional={
        "start": NUMBER_OR_NULL,
        "end": NUMBER_OR_NULL,
        "overcome_turn_index": {"type": ["integer", "null"], "minimum": 0},
        "occurrences": COUNT,
    },
)
MEETING_PART = _obj(
    {
        "start_time": NUMBER_OR_NULL,
        "end_time": NUMBER_OR_NULL,
        "duration": NUMBER_OR_NULL,
        "content": TEXT,
        "key_points": TEXTS,
        "phase": _enum(t.MEETING_PHASES),
    }
)

SECTIONS: dict[str, dict[str, Any]] = {
    "call_id": {"type": ["integer", "null"]},
    "job_id": TEXT,
    "provider": _enum(t.PROVIDERS, nullable=False),
    "status": _enum(t.ANALYSIS_STATUSES, nullable=False),
    "created_at": DATETIME,
    "completed_at": DATETIME,
    "transcript": _obj(
        {
            "transcript_text": TEXT,
            "speaker_labels": _list(
                _obj(
                    {
                        "speaker": _enum(("rep", "customer", "csr")),
                        "text": TEXT,
                        "start_time": NUMBER_OR_NULL,
                        "end_time": NUMBER_OR_NULL,
                    }
                )
            ),
            "confidence_score": PROBABILITY,
            "word_count": COUNT,
            "language": TEXT,
        }
    ),
    "summary": _obj(
        {
            "summary": TEXT,
            "key_points": TEXTS,
            "action_items": TEXTS,
            "next_steps": TEXTS,
            "pending_actions": _list(PENDING_ACTION),
            "confidence_score": PROBABILITY,
        }
    ),
    "sentiment_score": PROBABILITY,
    "engagement_score": PROBABILITY,
    "talk_time_ratio": PROBABILITY,
    "talk_listen": _maybe(
        _obj(
            {
                "rep_talk_seconds": {"type": "number", "minimum": 0},
                "customer_talk_seconds": {"type": "number", "minimum": 0},
                "longest_monologue": _maybe(
                    _obj(
                        {
                            "speaker": TEXT_OR_NULL,
                            "turn_index": TURN_INDEX,
                            "start": NUMBER_OR_NULL,
                            "end": NUMBER_OR_NULL,
                            "seconds": {"type": "number", "minimum": 0},
                        }
                    )
                ),
            }
        )
    ),
    "objections": _obj(
        {
            "objections": _list(OBJECTION),
            "total_objections": COUNT,
            "severity_breakdown": _obj({"low": COUNT, "medium": COUNT, "high": COUNT}),
            "no_objections_reason": TEXT_OR_NULL,
        }
    ),
    "qualification": _obj(
        {
            "qualification_status": _enum(t.QUALIFICATION_STATUSES),
            "bant_scores": _obj(
                {
                    d: _range(0, 1, nullable=False)
                    for d in ("budget", "authority", "need", "timeline")
                }
            ),
            "overall_score": PROBABILITY,
            "evidence": _obj(
                {
                    d: _list(_obj(SPAN))
                    for d in ("budget", "authority", "need", "timeline", "booking")
                }
            ),
            "confidence_score": PROBABILITY,
            "decision_makers": TEXTS,
            "urgency_signals": TEXTS,
            "budget_indicators": TEXTS,
            "booking_status": _enum(t.BOOKING_STATUSES),
            "call_outcome_category": _enum(t.CALL_OUTCOME_CATEGORIES),
            "appointment_confirmed": {"type": "boolean"},
            "appointment_date": DATETIME,
            "appointment_type": _enum(t.APPOINTMENT_TYPES),
            "appointment_timezone": TEXT_OR_NULL,
            "appointment_time_confidence": PROBABILITY,
            "preferred_time_window": _enum(t.TIME_WINDOWS),
            "service_address_raw": TEXT_OR_NULL,
            "service_address_structured": _maybe(
                _obj({key: TEXT_OR_NULL for key in ("street", "city", "state", "zip", "country")})
            ),
            "address_confidence": PROBABILITY,
            "appointment_intent": _enum(t.APPOINTMENT_INTENTS),
            "original_appointment_datetime": DATETIME,
            "new_requested_time": DATETIME,
            "service_requested": TEXT_OR_NULL,
            "service_not_offered_reason": TEXT_OR_NULL,
            "follow_up_required": {"type": "boolean"},
            "follow_up_reason": TEXT_OR_NULL,
        }
    ),
    "compliance": _obj(
        {
            "evaluation_mode": _enum(("simple", "two_layer")),
            "target_role": _enum(t.TARGET_ROLES),
            "compliance_score": PROBABILITY,
            "compliance_rate": _range(0, 100),
            "total_stages": COUNT,
            "stage_results": _list(
                _obj(
                    {
                        "stage": TEXT,
                        "status": _enum(t.SOP_ITEM_STATUSES, nullable=False),
                        "quote": TEXT_OR_NULL,
                        "turn_index": {"type": ["integer", "null"]},
                        "start": NUMBER_OR_NULL,
                        "end": NUMBER_OR_NULL,
                    }
                )
            ),
            "stages_followed": TEXTS,
            "stages_missed": TEXTS,
            "violations": _list(
                _obj(
                    {
                        "stage": TEXT_OR_NULL,
                        "violation_type": TEXT_OR_NULL,
                        "description": TEXT,
                        "severity": _enum(t.SEVERITIES),
                        "timestamp": NUMBER_OR_NULL,
                    }
                )
            ),
            "positive_behaviors": _list(
                _obj(
                    {
                        "stage": TEXT_OR_NULL,
                        "behavior": TEXT,
                        "description": TEXT_OR_NULL,
                        "timestamp": NUMBER_OR_NULL,
                    }
                )
            ),
            "recommendations": _list(
                _obj(
                    {
                        "stage": TEXT_OR_NULL,
                        "recommendation": TEXT,
                        "priority": _enum(t.PRIORITIES),
                        "reasoning": TEXT_OR_NULL,
                    }
                )
            ),
            "compliance_issues": TEXTS,
            "sop_references": {"type": "object"},
            "final_outcome": _enum(t.OUTCOME_DECISIONS),
            "final_reasoning": TEXT_OR_NULL,
            "primary_factor": TEXT_OR_NULL,
            "outcome_score": _obj(
                {
                    "overall_outcome_score": _range(0, 100),
                    "has_critical_error": {"type": "boolean"},
                    "strengths": TEXTS,
                    "coaching_recommendations": TEXTS,
                }
            ),
        }
    ),
    "opportunity_analysis": _obj(
        {
            "risk_assessment": _obj(
                {
                    "level": _enum(t.SEVERITIES),
                    "score": PROBABILITY,
                    "risk_factors": TEXTS,
                    "positive_factors": TEXTS,
                    "mitigation_strategies": TEXTS,
                    "recommendation": TEXT_OR_NULL,
                }
            ),
            "missed_opportunities": _list(
                _obj(
                    {
                        "type": _enum(t.MISSED_OPPORTUNITY_TYPES),
                        "description": TEXT,
                        "impact": TEXT_OR_NULL,
                        "reasoning": TEXT_OR_NULL,
                        "suggestion": TEXT_OR_NULL,
                        "severity": _enum(t.SEVERITIES),
                        "timestamp": NUMBER_OR_NULL,
                    }
                )
            ),
            "upgrade_opportunities": _list(
                _obj(
                    {"type": TEXT_OR_NULL, "description": TEXT, "confidence": PROBABILITY},
                    optional={
                        "quote": TEXT_OR_NULL,
                        "turn_index": {"type": ["integer", "null"]},
                        "start": NUMBER_OR_NULL,
                        "end": NUMBER_OR_NULL,
                    },
                )
            ),
        }
    ),
    "rep_details": _obj({"rep_name": TEXT_OR_NULL, "rep_name_confidence": PROBABILITY}),
    "entities": _obj(
        {
            "name": TEXT_OR_NULL,
            "phone": TEXT_OR_NULL,
            "email": TEXT_OR_NULL,
            "address": TEXT_OR_NULL,
            "appointment_date": DATETIME,
            "scheduled_time": DATETIME,
        }
    ),
    "segmentation": _obj(
        {
            "part1": _maybe(MEETING_PART),
            "part2": _maybe(MEETING_PART),
            "segmentation_confidence": PROBABILITY,
            "transition_point": NUMBER_OR_NULL,
            "transition_indicators": TEXTS,
            "meeting_structure_score": PROBABILITY,
            "call_type": _enum(t.CALL_TYPES),
            "outcome": TEXT_OR_NULL,
        }
    ),
    "rehash": _obj(
        {
            "rehash_score": _range(0, 10),
            "what_went_wrong": TEXT_OR_NULL,
            "rehash_strategy": TEXT_OR_NULL,
            "key_issues": TEXTS,
            "improvement_areas": TEXTS,
            "next_steps": TEXTS,
            "confidence_score": PROBABILITY,
            "call_type": _enum(t.CALL_TYPES),
        }
    ),
    "lead_quality": _enum(t.LEAD_QUALITIES),
    "conversion_probability": PROBABILITY,
    "coaching_tips": _list(
        _obj(
            {
                "tip": TEXT,
                "priority": _enum(t.PRIORITIES, nullable=False),
                "category": TEXT_OR_NULL,
                "description": TEXT_OR_NULL,
                "timestamp": NUMBER_OR_NULL,
            }
        )
    ),
    "followup_recommendations": _obj(
        {
            "recommendations": _list(
                _obj(
                    {
                        "action": TEXT,
                        "description": TEXT,
                        "priority": _enum(t.PRIORITIES),
                        "timing": TEXT_OR_NULL,
                        "reasoning": TEXT_OR_NULL,
                    }
                )
            ),
            "next_steps": TEXTS,
            "priority_actions": TEXTS,
            "confidence_score": PROBABILITY,
        }
    ),
    "call_type": _enum(t.CALL_TYPES),
    "outcome_decision": _enum(t.OUTCOME_DECISIONS),
    "performance_score": _range(0, 100),
}
# Keys outside the contract that Otto's analyzers add; typed when present.
EXTRA_SECTIONS: dict[str, dict[str, Any]] = {
    "sentiment_evidence": _list(
        _obj({**SPAN, "polarity": _enum(("positive", "negative"), nullable=False)})
    ),
    "processing_time_ms": {"type": ["integer", "null"], "minimum": 0},
    "degraded": _maybe(_obj({"from": TEXT, "reason": TEXT})),
    "fallback_reason": TEXT_OR_NULL,
}

# What a model writes; Otto measures or derives the rest (talk time, scores, segmentation).
MODEL_SECTIONS = (
    "summary",
    "sentiment_score",
    "objections",
    "qualification",
    "compliance",
    "opportunity_analysis",
    "coaching_tips",
    "rep_details",
    "entities",
)


def analysis_schema(sections: Collection[str] | None = None) -> dict[str, Any]:
    """The JSON Schema of a full analysis, or of just `sections` (all of them then required)."""
    chosen = SECTIONS if sections is None else {key: SECTIONS[key] for key in sections}
    extras = EXTRA_SECTIONS if sections is None else {}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **_obj(chosen, optional=extras),
    }


def validate_analysis(
    analysis: Mapping[str, Any], *, sections: Collection[str] | None = None
) -> None:
    """Raise AnalysisSchemaError unless `analysis` matches the schema (of `sections` if given)."""
    validator = Draft202012Validator(_schema_for(tuple(sections) if sections else None))
    errors = [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(analysis), key=lambda e: list(e.path))
    ]
    if not errors and isinstance(analysis, Mapping):
        errors = _category_mismatches(analysis)
    if errors:
        raise AnalysisSchemaError(errors)


_SCHEMAS: dict[tuple[str, ...] | None, dict[str, Any]] = {}


def _schema_for(sections: tuple[str, ...] | None) -> dict[str, Any]:
    if sections not in _SCHEMAS:
        _SCHEMAS[sections] = analysis_schema(sections)
    return _SCHEMAS[sections]


def _category_mismatches(analysis: Mapping[str, Any]) -> list[str]:
    """category_id and category_text must name the same category of the fixed taxonomy."""
    errors = []
    objections = (analysis.get("objections") or {}).get("objections") or []
    for number, objection in enumerate(objections):
        expected = t.OBJECTION_CATEGORIES.get(objection["category_id"])
        if expected != objection["category_text"]:
            errors.append(
                f"$.objections.objections[{number}]: category_id {objection['category_id']} "
                f"is {expected!r}, not {objection['category_text']!r}"
            )
    return errors
