"""The rep shift machine (§4.5): planner, clock-in, clock-out and the nightly closer."""

import logging
import uuid
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otto.db import db, utcnow
from otto.errors import Conflict, NotFound
from otto.recordings.service import stop_open_session
from otto.shifts.clock import company_today, company_zone, local_to_utc
from otto.shifts.models import RepShift
from otto.users.models import SalesRep, User

log = logging.getLogger(__name__)

DEFAULT_WINDOW = (time(7, 0), time(20, 0))
# What each event does to a shift, by its current status (absent = refused).
CLOCK_IN_MOVES = {"planned": "active", "skipped": "active", "completed": "active"}
CLOCK_OUT_MOVES = {"active": "completed"}
DAY_END_MOVES = {"planned": "skipped", "active": "completed"}


def shift_window(company, rep: SalesRep) -> tuple[time, time]:
    """The company-local window of a new shift: the rep's custom times when the rep uses them,
    else the company default, else 07:00–20:00."""
    if rep.shift_config_source == "custom" and rep.default_shift_start and rep.default_shift_end:
        return rep.default_shift_start, rep.default_shift_end
    company_start = getattr(company, "default_shift_start", None)
    company_end = getattr(company, "default_shift_end", None)
    if company_start and company_end:
        return company_start, company_end
    return DEFAULT_WINDOW


def effective_end_time(shift: RepShift, company) -> datetime | None:
    """shift_date + scheduled_end in the company's zone, as a UTC instant."""
    if shift.scheduled_end is None:
        return None
    return local_to_utc(shift.shift_date, shift.scheduled_end, company_zone(company))


def todays_shift(company, rep_id: str, now: datetime | None = None) -> RepShift | None:
    """The rep's shift on the company-local date of `now`, if there is one."""
    return db.session.execute(
        select(RepShift).where(RepShift.rep_id == rep_id,
                               RepShift.shift_date == company_today(company, now))
    ).scalar_one_or_none()


def active_shift_today(company, rep_id: str, now: datetime | None = None) -> RepShift | None:
    shift = todays_shift(company, rep_id, now)
    return shift if shift is not None and shift.status == "active" else None


def clock_in(company, rep: SalesRep, *, desired_start: datetime | None = None,
             notes: str | None = None, now: datetime | None = None) -> RepShift:
    """Start (or reopen) today's shift. 409 when the rep is already clocked in.

    Today's row is created with the rep's window when the planner has not made it; a reopened
    `completed` shift keeps its first clock-in and loses its clock-out.
    """
    now = now or utcnow()
    day = company_today(company, now)
    _insert_planned(company, rep, day)
    shift = _lock_shift(rep.user_id, day)
    if shift.status not in CLOCK_IN_MOVES:
        raise Conflict("Rep is already clocked in", details={"shift_id": shift.id})

    previous = shift.status
    if previous == "completed":
        shift.clock_out_at = None
    else:
        shift.clock_in_at = desired_start or now
    shift.status = CLOCK_IN_MOVES[previous]
    if notes is not None:
        shift.notes = notes
    log.info("shift %s of rep %s on %s: %s -> active (clock-in)",
             shift.id, rep.user_id, day, previous)
    return shift


def clock_out(company, rep: SalesRep, *, now: datetime | None = None):
    """End today's active shift and stop the rep's open recording session.

    Returns (shift, (session, processing_started) | None); 404 without a shift today, 409 when
    it is not active.
    """
    now = now or utcnow()
    day = company_today(company, now)
    shift = _lock_shift(rep.user_id, day)
    if shift is None:
        raise NotFound("No active shift found for today")
    if shift.status not in CLOCK_OUT_MOVES:
        raise Conflict(f"Cannot clock out from shift with status: {shift.status}")

    shift.clock_out_at = now
    shift.status = CLOCK_OUT_MOVES[shift.status]
    stopped = stop_open_session(rep.user_id, now=now)
    log.info("shift %s of rep %s on %s: active -> completed (clock-out)",
             shift.id, rep.user_id, day)
    return shift, stopped


def plan_shifts(company, day: date | None = None) -> int:
    """Today's `planned` row for every active sales rep (idempotent); returns rows created."""
    day = day or company_today(company)
    reps = db.session.execute(
        select(SalesRep).join(User, User.id == SalesRep.user_id).where(User.is_active.is_(True))
    ).scalars()
    created = sum(_insert_planned(company, rep, day) for rep in reps)
    log.info("company %s: %d shift(s) planned for %s", company.id, created, day)
    return created


def close_day(company, day: date, *, now: datetime | None = None) -> int:
    """Nightly: `planned` shifts of `day` → skipped, `active` ones → completed at their window's end
    (now when that is before the clock-in), each open recording stopped. Returns shifts closed."""
    now = now or utcnow()
    shifts = db.session.execute(
        select(RepShift)
        .where(RepShift.shift_date == day, RepShift.status.in_(tuple(DAY_END_MOVES)))
        .with_for_update()
    ).scalars().all()
    for shift in shifts:
        previous = shift.status
        if previous == "active":
            end = effective_end_time(shift, company) or now
            if shift.clock_in_at is not None and end < shift.clock_in_at:
                end = now
            shift.clock_out_at = end
            stop_open_session(shift.rep_id, now=end)
        shift.status = DAY_END_MOVES[previous]
        log.info("shift %s of rep %s on %s: %s -> %s (day end)",
                 shift.id, shift.rep_id, day, previous, shift.status)
    return len(shifts)


def _insert_planned(company, rep: SalesRep, day: date) -> int:
    start, end = shift_window(company, rep)
    result = db.session.execute(
        insert(RepShift).values(
            id=str(uuid.uuid4()), company_id=rep.company_id, rep_id=rep.user_id, shift_date=day,
            scheduled_start=start, scheduled_end=end, status="planned")
        .on_conflict_do_nothing(index_elements=["company_id", "rep_id", "shift_date"])
        .returning(RepShift.id)
    )
    return len(result.all())


def _lock_shift(rep_id: str, day: date) -> RepShift | None:
    return db.session.execute(
        select(RepShift).where(RepShift.rep_id == rep_id, RepShift.shift_date == day)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
