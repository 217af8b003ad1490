"""Post-call performance from stored analyses (spec §5.3), and the heuristic provider's tick."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import inspect as sa_inspect, select

from otto.analysis.models import CallAnalysis, CallTranscript
from otto.analysis.analytics import newest_analyses
from otto.analysis.service import company_rep, iso, provider_name, rep_names
from otto.analysis.versions import latest_analysis
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import NotFound
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

PRIORITY_RANK = {"high": 3, "medium": 2, "low": 1}
ANALYSIS_INTERVAL_SECONDS = 60
HEURISTIC_BATCH = 10
TOP_SCORE, LOW_SCORE = 80, 60


def call_analysis_record(call: Call) -> dict:
    """The newest `call_analysis` row of the call: every column but the payload (404 if none)."""
    row = latest_analysis(call.call_id)
    if row is None:
        raise NotFound("No analysis found for this call", details={"call_id": call.call_id})
    record = {}
    for column in sa_inspect(CallAnalysis).columns:
        if column.key in ("normalized_payload", "processed_output_hash"):
            continue
        value = getattr(row, column.key)
        record[column.key] = iso(value) if hasattr(value, "isoformat") else value
    return record


def rep_performance(rep_id: str, days: int) -> tuple[dict, str]:
    company_rep(rep_id)
    rows = newest_analyses(utcnow() - timedelta(days=days), rep_id=rep_id)
    breakdown: dict[str, int] = {}
    for analysis, _ in rows:
        for tip in analysis.coaching_tips or []:
            category = tip.get("category") or "other"
            breakdown[category] = breakdown.get(category, 0) + 1
    data = {
        "sales_rep_id": rep_id,
        "period_days": days,
        "total_calls_analyzed": len(rows),
        "average_score": _mean(analysis.performance_score for analysis, _ in rows),
        "recommendation_breakdown": breakdown,
        "recent_analyses": [
            {"call_id": analysis.call_id, "analysis_id": analysis.id,
             "performance_score": analysis.performance_score, "lead_quality": analysis.lead_quality,
             "analyzed_at": iso(analysis.analyzed_at)}
            for analysis, _ in rows[:5]],
    }
    message = ("Sales rep performance retrieved successfully" if rows
               else "No analyses found for the period")
    return data, message


def coaching_recommendations(rep_id: str | None, category: str | None, priority: str | None,
                             days: int) -> dict:
    if rep_id is not None:
        company_rep(rep_id)
    rows = newest_analyses(utcnow() - timedelta(days=days), rep_id=rep_id)
    names = rep_names(call.assigned_rep_id for _, call in rows)
    items = []
    for analysis, call in rows:
        for tip in analysis.coaching_tips or []:
            if category is not None and tip.get("category") != category:
                continue
            if priority is not None and tip.get("priority") != priority:
                continue
            items.append({
                **tip,
                "call_id": call.call_id,
                "sales_rep_id": call.assigned_rep_id,
                "sales_rep_name": names.get(call.assigned_rep_id),
                "analyzed_at": iso(analysis.analyzed_at),
                "call_duration": call.last_call_duration,
                "call_status": call.status,
            })
    # Newest first, then a stable sort by priority rank keeps that order inside each rank.
    items.sort(key=lambda item: item["analyzed_at"] or "", reverse=True)
    items.sort(key=lambda item: PRIORITY_RANK.get(item.get("priority"), 0), reverse=True)
    return {
        "recommendations": items,
        "total_count": len(items),
        "filters_applied": {"sales_rep_id": rep_id, "category": category, "priority": priority,
                            "days": days},
    }


def performance_summary(days: int) -> dict:
    rows = newest_analyses(utcnow() - timedelta(days=days))
    by_rep: dict[str, list] = {}
    for analysis, call in rows:
        if call.assigned_rep_id:
            by_rep.setdefault(call.assigned_rep_id, []).append((analysis, call))
    names = rep_names(by_rep)

    reps = []
    for rep_id, rep_rows in by_rep.items():
        durations = [call.last_call_duration / 60 for _, call in rep_rows
                     if call.last_call_duration is not None]
        reps.append({
            "sales_rep_id": rep_id,
            "sales_rep_name": names.get(rep_id),
            "total_calls": len(rep_rows),
            "avg_score": _mean(analysis.performance_score for analysis, _ in rep_rows),
            "avg_duration_minutes": _mean(durations),
            "success_rate": _success_rate(call for _, call in rep_rows),
        })
    reps.sort(key=lambda rep: (rep["avg_score"] is None, -(rep["avg_score"] or 0)))
    top = [rep for rep in reps if rep["avg_score"] is not None and rep["avg_score"] >= TOP_SCORE]
    low = [rep for rep in reps if rep["avg_score"] is not None and rep["avg_score"] < LOW_SCORE]
    return {
        "period_days": days,
        "company_metrics": {
            "total_calls_analyzed": len(rows),
            "average_score": _mean(analysis.performance_score for analysis, _ in rows),
            "success_rate": _success_rate(call for _, call in rows),
        },
        "sales_reps": reps,
        "top_performers": top[:3],
        "needs_improvement": low,
        "insights": {"total_sales_reps": len(reps), "high_performers": len(top),
                     "coaching_opportunities": len(low)},
    }


def analysis_status() -> dict:
    from rq.scheduler import RQScheduler

    redis = current_app.extensions["otto"].redis
    # The scheduler refreshes its `ai` queue lock every second; the lock expires after ~60 s.
    running = bool(redis.exists(RQScheduler.get_locking_key("ai")))
    provider = provider_name()
    return {"running": running, "analysis_interval": ANALYSIS_INTERVAL_SECONDS,
            "openai_available": provider == "openai", "provider": provider}


def heuristic_candidate(call: Call) -> bool:
    """A completed call with nothing to listen to and no analysis run or running (§5.1)."""
    if call.status != "completed" or call.analysis_status == "in_progress":
        return False
    if (call.transcript or "").strip() or call.recording_url:
        return False
    has_transcript = db.session.execute(
        select(CallTranscript.id).where(CallTranscript.call_id == call.call_id).limit(1)
    ).scalar_one_or_none()
    return has_transcript is None


def queue_heuristic_analyses() -> int:
    """Scheduler tick: per company, up to 10 completed calls 1–24 h old with nothing to analyse
    get a heuristic score. Returns how many jobs were queued."""
    from jobs.analysis import heuristic_post_call
    from jobs.queues import enqueue

    now = utcnow()
    queued = 0
    company_ids = list(db.session.execute(select(Company.id)).scalars())
    for company_id in company_ids:
        with tenant_scope(company_id):
            calls = db.session.execute(
                select(Call).where(
                    Call.status == "completed", Call.analysis_status != "in_progress",
                    Call.created_at >= now - timedelta(hours=24),
                    Call.created_at <= now - timedelta(hours=1),
                    Call.recording_url.is_(None),
                    ~Call.call_id.in_(select(CallAnalysis.call_id)))
                .order_by(Call.created_at).limit(HEURISTIC_BATCH * 3)
            ).scalars()
            candidates = [call for call in calls if heuristic_candidate(call)][:HEURISTIC_BATCH]
            for call in candidates:
                enqueue("ai", heuristic_post_call, company_id, call.call_id,
                        job_id=f"heuristic-{call.call_id}", company_id=company_id,
                        after_commit=False)
            queued += len(candidates)
        db.session.commit()
    if queued:
        log.info("heuristic post-call: %d call(s) queued", queued)
    return queued


def _mean(values) -> float | None:
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 1) if present else None


def _success_rate(calls) -> float:
    calls = list(calls)
    if not calls:
        return 0.0
    return round(sum(1 for call in calls if call.status == "completed") / len(calls) * 100, 1)
