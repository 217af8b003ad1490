"""Facts for Ask Otto: the caller's scoped call and analysis aggregates as numbered sentences."""

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from otto.analysis.analytics import newest_analyses
from otto.analysis.effects import QUALIFIED
from otto.analysis.service import rep_names
from otto.appointments.models import Appointment
from otto.auth.tokens import Identity
from otto.calls.models import Call
from otto.companies.models import Company
from otto.dashboard.service import MISSED, visible_calls
from otto.db import db, utcnow
from otto.shifts.clock import company_today, company_zone, local_to_utc

log = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 30
TOP_OBJECTIONS = 3
TOP_REPS = 5
_LAST_N_DAYS = re.compile(r"\b(?:last|past)\s+(\d{1,3})\s+days?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One aggregate in words ("12 calls this week, 3 of them missed") and its main number."""

    name: str
    text: str
    value: float | int | None


@dataclass(frozen=True)
class Window:
    """A time window in UTC and how the question said it."""

    label: str
    since: datetime
    until: datetime


def company_facts(identity: Identity, question: str, intent: str) -> list[Fact]:
    """The caller's company data behind an analytical question, in the caller's role scope.

    A manager sees the whole company, a CSR calls without rep visits or rep breakdowns, a sales
    rep only its own calls and appointments. A scope holding no calls at all has no facts.
    """
    if not _has_calls(identity):
        return []
    window = question_window(question, db.session.get(Company, identity.company_id))
    facts = [_call_totals(identity, window)]
    facts.extend(_analysis_facts(identity, window))
    if identity.role == "manager":
        facts.extend(_calls_by_rep(window))
    if identity.role != "csr":
        facts.extend(_appointment_facts(identity, window))
    log.info("ask otto: %d fact(s) %s for %s (%s)", len(facts), window.label, identity.user_id,
             intent)
    return facts


def question_window(question: str, company, now: datetime | None = None) -> Window:
    """The window a question names ("today", "this week", "last 30 days"…), company-local.

    Without one it is the last 30 days.
    """
    now = now or utcnow()
    zone = company_zone(company)
    today = company_today(company, now)
    text = question.lower()

    def local_day(day: date) -> datetime:
        return local_to_utc(day, time(0), zone)

    days = _LAST_N_DAYS.search(text)
    if days and int(days.group(1)) > 0:
        count = int(days.group(1))
        return Window(f"in the last {count} days", now - timedelta(days=count), now)
    if "yesterday" in text:
        return Window("yesterday", local_day(today - timedelta(days=1)), local_day(today))
    if "today" in text:
        return Window("today", local_day(today), now)
    monday = today - timedelta(days=today.weekday())
    if "last week" in text:
        return Window("last week", local_day(monday - timedelta(days=7)), local_day(monday))
    if "this week" in text:
        return Window("this week", local_day(monday), now)
    first = today.replace(day=1)
    if "last month" in text:
        previous = (first - timedelta(days=1)).replace(day=1)
        return Window("last month", local_day(previous), local_day(first))
    if "this month" in text:
        return Window("this month", local_day(first), now)
    return Window(f"in the last {DEFAULT_WINDOW_DAYS} days",
                  now - timedelta(days=DEFAULT_WINDOW_DAYS), now)


def _call_scope(identity: Identity) -> list:
    criteria = visible_calls(identity.role, identity.user_id)
    if identity.role == "csr":
        # Sales calls are rep visits, which a CSR's answers leave out.
        criteria.append(Call.call_type.is_distinct_from("sales_call"))
    return criteria


def _has_calls(identity: Identity) -> bool:
    return db.session.execute(
        select(Call.call_id).where(*_call_scope(identity)).limit(1)).first() is not None


def _call_totals(identity: Identity, window: Window) -> Fact:
    row = db.session.execute(
        select(func.count().label("total"), func.count().filter(MISSED).label("missed"),
               func.count().filter(Call.booked).label("booked"))
        .where(*_call_scope(identity), Call.created_at >= window.since,
               Call.created_at < window.until)
    ).one()
    text = f"{_plural(row.total, 'call')} {window.label}"
    if row.total:
        text += f", {row.missed} of them missed and {row.booked} booked"
    return Fact("calls", text + ".", row.total)


def _analysis_facts(identity: Identity, window: Window) -> list[Fact]:
    """Outcomes, objections and mean scores over the newest analysis of each call (§5.6)."""
    rep_id = identity.user_id if identity.role == "sales_rep" else None
    rows = newest_analyses(window.since, rep_id=rep_id, until=window.until)
    if identity.role == "csr":
        rows = [(analysis, call) for analysis, call in rows if call.call_type != "sales_call"]
    if not rows:
        return []
    analyses = [analysis for analysis, _ in rows]
    facts = [Fact("analyzed_calls", f"{_plural(len(rows), 'call')} analyzed {window.label}.",
                  len(rows))]

    csr_calls = [analysis for analysis in analyses if analysis.call_type == "csr_call"]
    qualified = [analysis for analysis in csr_calls
                 if (analysis.lead_quality or "").lower() in QUALIFIED]
    booked = [analysis for analysis in qualified if analysis.booking_status == "booked"]
    if csr_calls:
        text = (f"{len(qualified)} of {_plural(len(csr_calls), 'CSR call')} analyzed "
                f"{window.label} were qualified ({_percent(len(qualified), len(csr_calls))})")
        if qualified:
            text += (f" and {len(booked)} of the qualified were booked "
                     f"({_percent(len(booked), len(qualified))})")
        facts.append(Fact("qualified_rate", text + ".", len(qualified)))

    outcomes = Counter(analysis.call_outcome_category for analysis in analyses
                       if analysis.call_outcome_category)
    if outcomes:
        listed = ", ".join(f"{label.replace('_', ' ')} {count}"
                           for label, count in outcomes.most_common())
        facts.append(Fact("outcomes", f"Call outcomes {window.label}: {listed}.",
                          sum(outcomes.values())))

    objections = Counter(label for analysis in analyses
                         for label in dict.fromkeys(analysis.objections or []))
    if objections:
        listed = ", ".join(f"{label} ({_plural(count, 'call')})"
                           for label, count in objections.most_common(TOP_OBJECTIONS))
        facts.append(Fact("objections", f"Most common objections {window.label}: {listed}.",
                          sum(objections.values())))

    sentiment = _mean(analysis.sentiment_score for analysis in analyses)
    if sentiment is not None:
        facts.append(Fact("sentiment", f"Mean customer sentiment {window.label} was "
                          f"{sentiment:.2f} on a 0–1 scale.", sentiment))
    sop = _mean(analysis.sop_compliance_score for analysis in analyses)
    if sop is not None:
        facts.append(Fact("sop_score", f"Mean SOP compliance score {window.label} was "
                          f"{sop:.1f} out of 10.", sop))
    return facts


def _calls_by_rep(window: Window) -> list[Fact]:
    rows = db.session.execute(
        select(Call.assigned_rep_id, func.count())
        .where(Call.assigned_rep_id.is_not(None), Call.created_at >= window.since,
               Call.created_at < window.until)
        .group_by(Call.assigned_rep_id).order_by(func.count().desc()).limit(TOP_REPS)
    ).all()
    if not rows:
        return []
    names = rep_names(rep_id for rep_id, _ in rows)
    listed = ", ".join(f"{names.get(rep_id) or rep_id} {count}" for rep_id, count in rows)
    return [Fact("calls_by_rep", f"Calls by rep {window.label}: {listed}.", len(rows))]


def _appointment_facts(identity: Identity, window: Window) -> list[Fact]:
    criteria = [Appointment.scheduled_start >= window.since,
                Appointment.scheduled_start < window.until]
    if identity.role == "sales_rep":
        criteria.append(Appointment.assigned_rep_id == identity.user_id)
    row = db.session.execute(
        select(func.count().label("total"),
               func.count().filter(Appointment.status == "completed").label("completed"),
               func.count().filter(Appointment.outcome == "won").label("won"))
        .where(*criteria)
    ).one()
    if not row.total:
        return []
    return [Fact("appointments", f"{_plural(row.total, 'appointment')} {window.label}, "
                 f"{row.completed} completed and {row.won} won.", row.total)]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}"


def _mean(values) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None
