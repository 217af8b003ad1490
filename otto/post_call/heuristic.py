"""The heuristic provider: a call scored from its metadata when there is nothing to listen to."""

import uuid

from otto.calls.models import Call
from otto.db import utcnow

LEVEL_SCORES = {"high": 0.8, "medium": 0.5, "low": 0.2}


def heuristic_analysis(call: Call) -> dict:
    """A normalized-analysis dict built by the rules of spec §5.1 (no model call)."""
    seconds = call.last_call_duration or 0
    minutes = seconds / 60
    successful = call.status == "completed"
    quality = "good" if minutes > 5 else "needs_improvement"
    engagement = "high" if minutes > 10 else "medium"
    recommendations = coaching_recommendations(minutes, successful)
    score = performance_score(minutes, successful, quality)

    metrics = {
        "duration_seconds": seconds,
        "duration_minutes": round(minutes, 2),
        "duration_category": "short" if minutes < 5 else "medium" if minutes < 15 else "long",
        "is_successful": successful,
        "call_type": "inbound" if call.phone_number else "outbound",
    }
    insights = {
        "call_quality": quality,
        "engagement_level": engagement,
        "follow_up_needed": not successful or minutes < 2,
        "key_insights": _key_insights(metrics, successful),
    }
    overall = score["overall_score"]
    return {
        "call_id": call.call_id,
        "job_id": f"legacy_analysis_{uuid.uuid4().hex}",
        "provider": "heuristic",
        "status": "completed",
        "call_metrics": metrics,
        "ai_insights": insights,
        "coaching_recommendations": recommendations,
        "performance": score,
        "sentiment_score": LEVEL_SCORES["high" if quality == "good" else "medium"],
        "engagement_score": LEVEL_SCORES[engagement],
        "coaching_tips": [{"tip": r["title"], "priority": r["priority"], "category": r["category"],
                           "description": r["description"], "timestamp": None}
                          for r in recommendations],
        "conversion_probability": round(overall / 100, 2),
        "lead_quality": ("hot" if overall >= 80 else "warm" if overall >= 60
                         else "qualified" if overall >= 40 else "cold"),
        "call_type": call.call_type,
        "performance_score": overall,
    }


def coaching_recommendations(minutes: float, successful: bool) -> list[dict]:
    recommendations = []
    if minutes < 2:
        recommendations.append(_recommendation(
            "call_duration", "high", "Call too short",
            "The call ended in under two minutes.",
            "Ask open questions about the problem before offering a time."))
    if minutes > 30:
        recommendations.append(_recommendation(
            "call_duration", "medium", "Call too long",
            "The call ran over thirty minutes.",
            "Agree on the next step sooner and move details to a follow-up."))
    if not successful:
        recommendations.append(_recommendation(
            "call_outcome", "high", "Call not completed",
            "The call did not complete.",
            "Call the customer back and confirm what they need."))
    if minutes > 5 and successful:
        recommendations.append(_recommendation(
            "positive_feedback", "low", "Good call length",
            "A completed call with time for discovery.",
            "Keep giving customers room to explain the job."))
    return recommendations


def performance_score(minutes: float, successful: bool, quality: str) -> dict:
    duration_points = min(30.0, 3 * minutes) if minutes >= 5 else 0.0
    outcome_points = 40.0 if successful else 0.0
    quality_points = 30.0 if quality == "good" else 15.0
    overall = round(duration_points + outcome_points + quality_points, 1)
    if overall >= 80:
        level = "excellent"
    elif overall >= 60:
        level = "good"
    elif overall >= 40:
        level = "fair"
    else:
        level = "needs_improvement"
    return {
        "overall_score": overall,
        "max_score": 100,
        "performance_level": level,
        "scoring_factors": [
            {"factor": "duration", "points": round(duration_points, 1)},
            {"factor": "outcome", "points": outcome_points},
            {"factor": "quality", "points": quality_points},
        ],
        "calculated_at": utcnow().isoformat().replace("+00:00", "Z"),
    }


def _recommendation(category, priority, title, description, suggestion) -> dict:
    return {"category": category, "priority": priority, "title": title,
            "description": description, "suggestion": suggestion}


def _key_insights(metrics: dict, successful: bool) -> list[str]:
    insights = [f"{metrics['duration_category'].capitalize()} call of "
                f"{metrics['duration_minutes']:.1f} minutes."]
    insights.append("The call completed." if successful else "The call did not complete.")
    return insights
