"""Company-local time: "today", local wall times as UTC, and naive request times."""

import logging
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from otto.db import utcnow

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "America/New_York"


def company_zone(company) -> ZoneInfo:
    """The company's IANA zone; an unknown name falls back to the default zone."""
    name = getattr(company, "timezone", None) or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("company %s has unknown timezone %r; using %s",
                    getattr(company, "id", None), name, DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


def company_today(company, now: datetime | None = None) -> date:
    """The company-local calendar date at `now` (default: the current instant)."""
    return (now or utcnow()).astimezone(company_zone(company)).date()


def local_to_utc(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time on `day`.

    fold=0 picks the first of two repeated times when clocks go back; for a time skipped when
    clocks go forward it applies the offset from before the change, which moves it forward
    by the gap (02:30 on a spring-forward night is 03:30 local).
    """
    local = datetime.combine(day, wall_time.replace(tzinfo=None), tzinfo=zone).replace(fold=0)
    return local.astimezone(timezone.utc)


def parse_company_time(raw, company_id: str) -> datetime | None:
    """An ISO time from an analysis as UTC; a naive one is company-local; garbage is None."""
    from otto.companies.models import Company
    from otto.db import db

    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return as_utc(moment, db.session.get(Company, company_id))


def as_utc(value: datetime, company) -> datetime:
    """A request datetime as UTC; a naive one is read as company-local wall time."""
    if value.tzinfo is None:
        return local_to_utc(value.date(), value.time(), company_zone(company))
    return value.astimezone(timezone.utc)
