"""Dashboard KPIs over the company's calls (domain §5.4), counted in one SQL statement."""

from sqlalchemy import and_, case, cast, func, literal_column, not_, select, text
from sqlalchemy.dialects.postgresql import JSONB

from otto.auth.roles import SALES_REP
from otto.calls.models import Call
from otto.db import db

# `transcript_discrepancies` is free text that usually holds JSON; text that does not parse
# counts as no discrepancy instead of failing the whole query.
_DISCREPANCY_JSON = cast(Call.transcript_discrepancies, JSONB)
HAS_DISCREPANCIES = case(
    (func.pg_input_is_valid(Call.transcript_discrepancies, text("'jsonb'")),
     func.coalesce(_DISCREPANCY_JSON["has_discrepancies"] == literal_column("'true'::jsonb"),
                   False)),
    else_=False,
)

STILL_DECIDING = and_(Call.booked, Call.still_deciding)
AWAITING_QUOTE = and_(Call.booked, not_(Call.bought), not_(Call.still_deciding),
                      not_(Call.cancelled), Call.reason_for_lost_sale.is_(None))
PURCHASED = and_(Call.bought, not_(Call.cancelled))
MISSED = and_(Call.missed_call, not_(Call.cancelled))
CANCELLED = Call.cancelled.is_(True)
LOST_QUOTE = and_(Call.booked, not_(Call.bought), Call.reason_for_lost_sale.is_not(None))

# The `status` filter of GET /dashboard/calls; `all` is no filter.
CALL_LIST_FILTERS = {
    "cancelled": CANCELLED, "awaiting_quote": AWAITING_QUOTE, "still_deciding": STILL_DECIDING,
    "purchased": PURCHASED, "missed": MISSED, "lost": LOST_QUOTE,
    "discrepancies": HAS_DISCREPANCIES, "all": None,
}


def visible_calls(role: str, user_id: str) -> list:
    """Criteria for the calls a dashboard counts: a sales rep's own assigned calls only."""
    return [Call.assigned_rep_id == user_id] if role == SALES_REP else []


def dashboard_metrics(role: str, user_id: str) -> dict:
    """The KPI counts over every visible call of the company (no date window)."""
    row = db.session.execute(
        select(
            func.count().filter(STILL_DECIDING).label("still_deciding"),
            func.count().filter(AWAITING_QUOTE).label("awaiting_quote"),
            func.count().filter(PURCHASED).label("purchased_service"),
            func.count().filter(MISSED).label("missed_calls"),
            func.count().filter(CANCELLED).label("cancelled_appointments"),
            func.count().filter(HAS_DISCREPANCIES).label("discrepancies"),
            func.count().filter(LOST_QUOTE).label("lost_total"),
            func.coalesce(func.sum(Call.price_if_bought).filter(LOST_QUOTE), 0).label("value_lost"),
            func.count().filter(Call.still_deciding).label("still_deciding_count"),
        ).select_from(Call).where(*visible_calls(role, user_id))
    ).one()
    return {
        "still_deciding": row.still_deciding,
        "awaiting_quote": row.awaiting_quote,
        "purchased_service": row.purchased_service,
        "missed_calls": row.missed_calls,
        "cancelled_appointments": row.cancelled_appointments,
        "discrepancies": row.discrepancies,
        "lost_quotes": {"total": row.lost_total, "value_lost": float(row.value_lost)},
        "still_deciding_count": row.still_deciding_count,
    }


def dashboard_calls(role: str, user_id: str, status: str, *, limit: int,
                    offset: int) -> tuple[list[Call], int]:
    """One page of visible calls matching the KPI `status`, newest first, and their total."""
    criteria = visible_calls(role, user_id)
    if CALL_LIST_FILTERS[status] is not None:
        criteria.append(CALL_LIST_FILTERS[status])
    total = db.session.execute(
        select(func.count()).select_from(Call).where(*criteria)).scalar_one()
    calls = list(db.session.execute(
        select(Call).where(*criteria).order_by(Call.created_at.desc(), Call.call_id.desc())
        .limit(limit).offset(offset)
    ).scalars())
    return calls, total
