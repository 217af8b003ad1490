"""Quiet hours: no automated text between 21:00 and 08:00 in the company's or customer's zone."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from otto.db import utcnow

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _quiet_end(zone: ZoneInfo, now: datetime) -> datetime | None:
    """The next 08:00 in `zone` when `now` is inside its quiet hours, else None."""
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    # Built from the wall clock, so a DST change overnight still lands on 08:00 local.
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


def send_not_before(company_timezone: str | None, customer_timezone: str | None = None,
                    now: datetime | None = None) -> datetime | None:
    """None when an automated text may go now; else the earliest moment both zones allow."""
    start = now or utcnow()
    zones = [zone for zone in (_zone(company_timezone) or ZoneInfo("America/New_York"),
                               _zone(customer_timezone)) if zone is not None]
    moment = start
    for _ in range(3):  # leaving one zone's night may land in the other's
        ends = [end for end in (_quiet_end(zone, moment) for zone in zones) if end is not None]
        if not ends:
            break
        moment = max(ends)
    return None if moment == start else moment
