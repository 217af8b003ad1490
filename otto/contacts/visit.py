"""The contact card's middle section: the active appointment and how its visit is going."""

from datetime import datetime

from sqlalchemy import select

from otto.appointments.models import OPEN_APPOINTMENT_STATUSES, Appointment
from otto.appointments.schemas import AppointmentSummarySchema
from otto.contacts.activity import analysis_summary, event_summary
from otto.contacts.models import ContactCard, EventLog
from otto.contacts.property import property_intelligence
from otto.db import db
from otto.fields import utc_iso
from otto.recordings.models import RecordingAnalysis, RecordingSession
from otto.tasks.models import Task

try:  # SOP verdicts exist when the analysis area is installed
    from otto.analysis.models import SopComplianceResult
except ImportError:
    SopComplianceResult = None

VISIT_EVENT_TYPES = ("rep_en_route", "rep_arrived", "recording_started", "inspection_milestone",
                     "objection_moment", "decision_moment", "recording_ended", "rep_departed",
                     "appointment_outcome")
APPOINTMENT_EXTRA_FIELDS = ("notes", "external_id", "material_type", "financing_type",
                            "rep_claimed", "route_position", "route_group", "on_site_duration")


def middle_section(contact: ContactCard, appointment: Appointment | None, *, rep_names: dict,
                   task_summary, now: datetime) -> dict | None:
    """Null without an active appointment; else the visit with sessions, SOP and warnings."""
    if appointment is None:
        return None
    sessions = db.session.execute(
        select(RecordingSession, RecordingAnalysis)
        .outerjoin(RecordingAnalysis, RecordingAnalysis.recording_session_id == RecordingSession.id)
        .where(RecordingSession.appointment_id == appointment.id)
        .order_by(RecordingSession.started_at.desc())
    ).all()
    session_rows = [_session_summary(session, analysis) for session, analysis in sessions]
    sop = _sop_compliance(appointment.id)
    visit_events = db.session.execute(
        select(EventLog).where(EventLog.appointment_id == appointment.id,
                               EventLog.event_type.in_(VISIT_EVENT_TYPES))
        .order_by(EventLog.timestamp, EventLog.id)
    ).scalars()
    tasks = list(db.session.execute(
        select(Task).where(Task.appointment_id == appointment.id)
        .order_by(Task.due_at.asc().nulls_last(), Task.created_at.desc())
    ).scalars())
    task_rows = [task_summary(task) for task in tasks]

    active = AppointmentSummarySchema().dump(appointment)
    active.update({name: getattr(appointment, name) for name in APPOINTMENT_EXTRA_FIELDS})
    active.update({
        "deal_size": None if appointment.deal_size is None else float(appointment.deal_size),
        "assigned_rep_name": rep_names.get(appointment.assigned_rep_id),
        "assigned_at": utc_iso(appointment.assigned_at),
        "arrival_at": utc_iso(appointment.arrival_at),
        "departure_at": utc_iso(appointment.departure_at),
        "recording_sessions": session_rows, "sop_compliance": sop,
    })
    newest_analysis = next((analysis for _, analysis in sessions if analysis is not None), None)
    return {
        "active_appointment": active,
        "property_intelligence": property_intelligence(contact),
        "sop_compliance": sop,
        "visit_timeline": [event_summary(event) for event in visit_events],
        "recording_sessions": session_rows,
        "appointment_tasks": task_rows,
        "escalation_warnings": escalation_warnings(contact, appointment, task_rows,
                                                   bool(session_rows), now),
        "transcript_intelligence": analysis_summary(newest_analysis),
    }


def escalation_warnings(contact: ContactCard, appointment: Appointment, task_rows: list[dict],
                        has_session: bool, now: datetime) -> list[str]:
    warnings = []
    overdue = sum(1 for task in task_rows if task["status"] == "overdue")
    if overdue:
        warnings.append(f"{overdue} task(s) overdue")
    if (appointment.status in OPEN_APPOINTMENT_STATUSES and appointment.scheduled_start < now
            and appointment.arrival_at is None):
        warnings.append("Rep late to appointment")
    if appointment.location and not contact.property_snapshot:
        warnings.append("Property intelligence not fetched")
    if appointment.arrival_at is not None and not has_session:
        warnings.append("Recording not started (manual override may be needed)")
    return warnings


def _session_summary(session: RecordingSession, analysis: RecordingAnalysis | None) -> dict:
    duration = session.audio_duration_seconds
    if duration is None and session.ended_at is not None:
        duration = (session.ended_at - session.started_at).total_seconds()
    hidden = session.audio_storage_mode == "not_stored"
    return {
        "id": session.id, "appointment_id": session.appointment_id,
        "started_at": utc_iso(session.started_at), "ended_at": utc_iso(session.ended_at),
        "duration_seconds": duration, "mode": session.mode,
        "audio_url": None if hidden else session.audio_url,
        "transcription_status": session.transcription_status,
        "analysis_status": session.analysis_status,
        "outcome_classification": analysis.outcome if analysis else None,
        "sentiment_score": analysis.sentiment_score if analysis else None,
    }


def _sop_compliance(appointment_id: str) -> list[dict]:
    if SopComplianceResult is None:
        return []
    rows = db.session.execute(
        select(SopComplianceResult).where(SopComplianceResult.appointment_id == appointment_id)
        .order_by(SopComplianceResult.timestamp.asc().nulls_last(), SopComplianceResult.id)
    ).scalars()
    return [{"checklist_item": row.checklist_item, "status": row.status, "notes": row.notes,
             "timestamp": utc_iso(row.timestamp)} for row in rows]
