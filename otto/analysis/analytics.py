"""Reports over the newest analysis of each call: objection analytics and its building block."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from otto.analysis.models import CallAnalysis
from otto.analysis.service import company_rep, rep_names
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.tenancy import current_company_id

DATE_RANGES = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90, "this_year": None}


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
    company = db.session.get(Company, current_company_id())
    zone = ZoneInfo(company.timezone if company and company.timezone else "America/New_York")
    local_now = now.astimezone(zone)
    return local_now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)

