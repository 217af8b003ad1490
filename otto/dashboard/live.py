"""Live sales-floor metrics (domain §5.5): revenue, calls, leads and CSR performance.

Windows are company-local: today from local midnight, the week from Monday, the month from
the 1st; each ends where the next period begins. Rates are percentages with one decimal.
"""

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import and_, exists, func, select, union_all

from otto.calls.models import Call
from otto.calls.service import LIVE_STATUSES
from otto.db import db, utcnow
from otto.fields import utc_iso
from otto.leads.models import ACTIVE_LEAD_STATUSES, Lead
from otto.shifts.clock import company_zone, local_to_utc
from otto.users.models import User

log = logging.getLogger(__name__)

ACTIVE_CALL_WINDOW = timedelta(hours=4)  # a call whose end event never came stops counting
SECTION_ERROR = {"error": "This section could not be computed."}


class Windows:
    """The UTC bounds of today, this week and this month in the company's timezone."""

    def __init__(self, company, now: datetime):
        zone = company_zone(company)
        today = now.astimezone(zone).date()
        week_start = today - timedelta(days=today.weekday())
        month_start = today.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        midnight = time(0, 0)
        self.now = now
        self.today = (local_to_utc(today, midnight, zone),
                      local_to_utc(today + timedelta(days=1), midnight, zone))
        self.week = (local_to_utc(week_start, midnight, zone),
                     local_to_utc(week_start + timedelta(days=7), midnight, zone))
        self.month = (local_to_utc(month_start, midnight, zone),
                      local_to_utc(next_month, midnight, zone))


def within(column, window: tuple[datetime, datetime]):
    return and_(column >= window[0], column < window[1])


def percent(part: int, whole: int) -> float:
    return round(part / whole * 100, 1) if whole else 0.0


def revenue_items():
    """Revenue (domain §5.7): bought calls with a price, plus won leads no such call covers."""
    from_calls = (select(Call.price_if_bought.label("amount"), Call.created_at.label("dated_at"))
                  .where(Call.bought.is_(True), Call.price_if_bought.is_not(None)))
    covered_by_call = exists(select(Call.call_id).where(
        Call.lead_id == Lead.id, Call.bought.is_(True), Call.price_if_bought.is_not(None)))
    from_leads = select(Lead.deal_size.label("amount"), Lead.closed_at.label("dated_at")).where(
        Lead.status == "closed_won", Lead.deal_size.is_not(None), Lead.closed_at.is_not(None),
        ~covered_by_call)
    return union_all(from_calls, from_leads).subquery("revenue_items")


def revenue_section(windows: Windows) -> dict:
    items = revenue_items()
    this_week = within(items.c.dated_at, windows.week)
    row = db.session.execute(select(
        func.coalesce(func.sum(items.c.amount).filter(within(items.c.dated_at, windows.today)), 0),
        func.coalesce(func.sum(items.c.amount).filter(this_week), 0),
        func.coalesce(func.sum(items.c.amount).filter(within(items.c.dated_at, windows.month)), 0),
        func.coalesce(func.avg(items.c.amount).filter(this_week, items.c.amount > 0), 0),
    )).one()
    today, week, month, average = (float(value) for value in row)
    return {"today": today, "this_week": week, "this_month": month,
            "avg_deal_size": round(average, 2)}


def calls_section(windows: Windows) -> dict:
    today = within(Call.created_at, windows.today)
    completed_today = and_(today, Call.status == "completed")
    row = db.session.execute(select(
        func.count().filter(Call.status.in_(LIVE_STATUSES),
                            Call.created_at >= windows.now - ACTIVE_CALL_WINDOW),
        func.count().filter(today),
        func.count().filter(completed_today),
        func.avg(Call.last_call_duration).filter(completed_today, Call.last_call_duration > 0),
    ).select_from(Call)).one()
    active, calls_today, successful, mean_seconds = row
    return {
        "active_calls": active, "calls_today": calls_today, "successful_calls": successful,
        "success_rate": percent(successful, calls_today),
        "avg_duration_minutes": round(float(mean_seconds) / 60, 1) if mean_seconds else 0.0,
    }


def leads_section(windows: Windows) -> dict:
    today = within(Call.created_at, windows.today)
    active_leads = db.session.execute(
        select(func.count()).select_from(Lead).where(Lead.status.in_(ACTIVE_LEAD_STATUSES))
    ).scalar_one()
    new_today, converted = db.session.execute(select(
        func.count(Call.phone_number.distinct()).filter(today),
        func.count().filter(today, Call.booked.is_(True)),
    ).select_from(Call)).one()
    return {"active_leads": active_leads, "new_leads_today": new_today,
            "converted_leads": converted, "conversion_rate": percent(converted, new_today)}


def csr_performance_section(windows: Windows) -> dict:
    """CSRs (users with role csr) by the calls they handled today (`calls.owner_id`)."""
    handled = func.count(Call.call_id)
    successful = func.count(Call.call_id).filter(Call.status == "completed")
    rows = db.session.execute(
        select(User.id, User.name, handled, successful)
        .join(Call, and_(Call.owner_id == User.id, within(Call.created_at, windows.today)))
        .where(User.role == "csr").group_by(User.id, User.name)
    ).all()
    total = sum(row[2] for row in rows)
    total_successful = sum(row[3] for row in rows)
    top = {"name": "N/A", "calls_handled": 0, "success_rate": 0}
    if rows:
        # Most calls, then the better success rate; the user id settles exact ties for good.
        best = max(rows, key=lambda row: (row[2], percent(row[3], row[2]), row[0]))
        top = {"name": best[1] or best[0], "calls_handled": best[2],
               "success_rate": percent(best[3], best[2])}
    return {"top_performer": top,
            "overall": {"total_calls": total, "successful_calls": total_successful,
                        "success_rate": percent(total_successful, total)}}


SECTIONS = {
    "revenue": revenue_section,
    "calls": calls_section,
    "leads": leads_section,
    "csr_performance": csr_performance_section,
}


def snapshot(company, now: datetime | None = None) -> dict:
    """Every section for the current company; a section that fails is replaced by an error."""
    windows = Windows(company, now or utcnow())
    result = {"timestamp": utc_iso(windows.now)}
    for name, compute in SECTIONS.items():
        try:
            with db.session.begin_nested():
                result[name] = compute(windows)
        except Exception:
            log.exception("live metrics: %s section failed for company %s",
                          name, getattr(company, "id", None))
            result[name] = dict(SECTION_ERROR)
    return result


def section(company, name: str, now: datetime | None = None) -> dict:
    return SECTIONS[name](Windows(company, now or utcnow()))
