"""Scores and advice derived from the findings: outcome, rehash, risk, opportunities, coaching."""

from __future__ import annotations

import re
from typing import Any

from ai.analysis.evidence import CallText, is_customer_side

IDEAL_VISIT_TALK_RATIO = (0.3, 0.4)
_PRIORITY_RANK = {"high": 3, "medium": 2, "low": 1}
_UPGRADE_INTEREST = re.compile(
    r"\b(interested (in|on)|i like the idea|we(?:'d| would) like|i want)\b", re.IGNORECASE
)


def outcome_decision(compliance: dict[str, Any]) -> str | None:
    """Critical error fails; otherwise the outcome score (else compliance × 100) decides."""
    if compliance["outcome_score"]["has_critical_error"]:
        return "fail"
    score = compliance["outcome_score"]["overall_outcome_score"]
    if score is None and compliance["compliance_score"] is not None:
        score = compliance["compliance_score"] * 100
    if score is None:
        return None
    if score >= 80:
        return "pass"
    return "needs_coaching" if score >= 60 else "fail"


def performance_score(compliance: dict[str, Any]) -> float | None:
    """The outcome score when a provider gave one, else compliance on a 0–100 scale."""
    outcome = compliance["outcome_score"]["overall_outcome_score"]
    if outcome is not None:
        return float(outcome)
    if compliance["compliance_score"] is None:
        return None
    return round(compliance["compliance_score"] * 100, 1)


def conversion_probability(qualification: dict[str, Any]) -> float:
    overall = qualification["overall_score"] or 0.0
    if qualification["booking_status"] == "booked":
        return round(max(overall, 0.7), 3)
    return round(overall, 3)


def rehash(compliance: dict[str, Any], objections: dict[str, Any], call_type: str) -> dict:
    """Local rehash: 10 × (1 − half the share of missed stages − half the unhandled objections)."""
    total_stages = compliance["total_stages"] or 1
    missed_share = len(compliance["stages_missed"]) / total_stages
    raised = objections["objections"]
    unhandled = [o for o in raised if not o["overcome"]]
    unhandled_share = len(unhandled) / len(raised) if raised else 0.0
    score = round(10 * (1 - 0.5 * missed_share - 0.5 * unhandled_share), 1)

    issues = [f"{o['category_text']} objection not overcome" for o in unhandled]
    issues += [f"missed stage: {stage}" for stage in compliance["stages_missed"]]
    return {
        "rehash_score": score,
        "what_went_wrong": "; ".join(issues[:3]) or None,
        "rehash_strategy": (
            f"Re-engage on {unhandled[0]['category_text'].lower()}: "
            f"{unhandled[0]['response_suggestions'][0]}"
            if unhandled
            else None
        ),
        "key_issues": issues,
        "improvement_areas": [r["recommendation"] for r in compliance["recommendations"]][:3],
        "next_steps": [],
        "confidence_score": 0.5,
        "call_type": call_type,
    }


def risk_assessment(
    objections: dict[str, Any], qualification: dict[str, Any], sentiment: float
) -> dict[str, Any]:
    """Deal risk 0–1 from unhandled objections, an unbooked call and negative sentiment."""
    risk_factors, positive_factors, mitigations = [], [], []
    score = 0.0
    for objection in objections["objections"]:
        if objection["overcome"]:
            positive_factors.append(f"{objection['category_text']} objection handled")
            continue
        score += 0.25 if objection["severity"] == "high" else 0.15
        risk_factors.append(f"{objection['category_text']} objection not overcome")
        mitigations += objection["response_suggestions"][:1]
    if qualification["booking_status"] == "booked":
        positive_factors.append("appointment booked")
    else:
        score += 0.2
        risk_factors.append("no appointment booked")
    if sentiment < 0.4:
        score += 0.2
        risk_factors.append("negative customer sentiment")
    elif sentiment > 0.6:
        positive_factors.append("positive customer sentiment")

    score = round(min(score, 1.0), 2)
    level = "high" if score >= 0.6 else "medium" if score >= 0.3 else "low"
    return {
        "level": level,
        "score": score,
        "risk_factors": risk_factors,
        "positive_factors": positive_factors,
        "mitigation_strategies": mitigations,
        "recommendation": mitigations[0] if mitigations else None,
    }


def missed_opportunities(qualification: dict[str, Any]) -> list[dict[str, Any]]:
    """Discovery or qualification the call skipped, judged from empty BANT evidence."""
    missed = []
    evidence = qualification["evidence"]
    if not evidence["need"]:
        missed.append(
            _missed(
                "discovery",
                "The customer's problem or need was never stated.",
                "Ask what prompted the call and what happens if nothing is done.",
            )
        )
    for dimension in ("budget", "authority", "timeline"):
        if not evidence[dimension]:
            missed.append(
                _missed(
                    "qualification",
                    f"{dimension.capitalize()} was not established.",
                    f"Ask about {dimension} before presenting options.",
                )
            )
    return missed


def upgrade_opportunities(call: CallText) -> list[dict[str, Any]]:
    """Customer sentences voicing interest in something more (a product, a better option)."""
    found = []
    for sentence in call.sentences:
        if is_customer_side(sentence.speaker) and _UPGRADE_INTEREST.search(sentence.text):
            found.append(
                {
                    "type": "upsell",
                    "description": sentence.text,
                    "confidence": 0.5,
                    **call.span(sentence),
                }
            )
    return found[:3]


def coaching_tips(
    compliance: dict[str, Any],
    objections: dict[str, Any],
    missed: list[dict[str, Any]],
    rehash_section: dict[str, Any],
    talk_ratio: float | None,
    call_type: str,
) -> list[dict[str, Any]]:
    """Tips from every source in §4.7, deduplicated by text, most urgent first."""
    tips = []
    for item in compliance["recommendations"]:
        tips.append(
            _tip(
                item["recommendation"], item["priority"], "sop_compliance", item["reasoning"], None
            )
        )
    for text in compliance["outcome_score"]["coaching_recommendations"]:
        tips.append(_tip(text, "medium", "outcome", text, None))
    for objection in objections["objections"]:
        if objection["overcome"]:
            continue
        priority = "high" if objection["severity"] == "high" else "medium"
        for suggestion in objection["response_suggestions"]:
            tips.append(
                _tip(
                    suggestion,
                    priority,
                    "objection_handling",
                    f'{objection["category_text"]}: "{objection["objection_text"]}"',
                    objection["timestamp"],
                    objection["turn_index"],
                )
            )
    for opportunity in missed:
        tips.append(
            _tip(
                opportunity["suggestion"],
                "medium",
                "missed_opportunity",
                opportunity["description"],
                None,
            )
        )
    for area in rehash_section["improvement_areas"]:
        tips.append(_tip(area, "low", "rehash", "Would raise the rehash score.", None))
    low, high = IDEAL_VISIT_TALK_RATIO
    if call_type == "sales_call" and talk_ratio is not None and not low <= talk_ratio <= high:
        tips.append(
            _tip(
                "Talk less and ask more questions."
                if talk_ratio > high
                else "Lead the conversation more.",
                "medium",
                "talk_time",
                f"The rep spoke {talk_ratio:.0%} of the time; 30–40% is the aim on visits.",
                None,
            )
        )

    unique = {}
    for tip in tips:
        unique.setdefault(tip["tip"], tip)
    return sorted(unique.values(), key=lambda tip: -_PRIORITY_RANK[tip["priority"]])


def _tip(tip, priority, category, description, timestamp, turn_index=None) -> dict[str, Any]:
    return {
        "tip": tip,
        "priority": priority,
        "category": category,
        "description": description,
        "timestamp": timestamp,
        "turn_index": turn_index,
    }


def _missed(kind: str, description: str, suggestion: str) -> dict[str, Any]:
    return {
        "type": kind,
        "description": description,
        "impact": "medium",
        "reasoning": description,
        "suggestion": suggestion,
        "severity": "medium",
        "timestamp": None,
    }
