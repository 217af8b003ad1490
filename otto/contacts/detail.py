"""ContactCardDetail (domain §5.8): all we know about one customer, in a fixed set of reads."""

from collections import Counter
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from otto.appointments.models import ACTIVE_APPOINTMENT_STATUSES, Appointment
from otto.appointments.schemas import (
    AppointmentSummarySchema,
    ContactCardBaseSchema,
    LeadSummarySchema,
)
from otto.calls.models import Call
from otto.contacts import activity
from otto.contacts.models import ContactCard, EventLog
from otto.contacts.property import property_intelligence
from otto.contacts.visit import middle_section
from otto.db import db, utcnow
from otto.fields import utc_iso
from otto.leads.models import Lead, LeadStatusHistory, RepAssignmentHistory
from otto.recordings.models import RecordingAnalysis
from otto.shifts.clock import company_zone
from otto.tasks.models import KeySignal, Task
from otto.tasks.service import reported_status
from otto.users.models import User

HISTORY_ROWS = 20
TASK_ROWS = 20
SIGNAL_ROWS = 10
RECENT_CALL_IDS = 10
CALL_ROWS = 20
MESSAGE_ROWS = 100
ALL_MESSAGE_ROWS = 50
TIMELINE_ROWS = 100
AUTOMATION_ROWS = 50
PENDING_ACTION_ROWS = 50
RECOVERY_EVENT_TYPES = ("automation_nurture", "automation_followup")
# top_section field -> the primary lead's attribute it shows.
PRIMARY_LEAD_FIELDS = (("lead_source", "source"), ("lead_status", "status"),
                       ("deal_status", "deal_status"), ("deal_summary", "deal_summary"),
                       ("assigned_rep_id", "assigned_rep_id"), ("rep_claimed", "rep_claimed"),
                       ("pool_status", "pool_status"))
SOURCE_SENTENCES = {"inbound_call": "Lead came in through a phone call.",
                    "inbound_web": "Lead came in through the website.",
                    "referral": "Lead came in through a referral."}


def rep_may_see_contact(contact_id: str, rep_id: str) -> bool:
    """A sales rep sees a contact with a lead, appointment or call that the rep may see."""
    return db.session.execute(select(or_(
        exists(select(Lead.id).where(
            Lead.contact_card_id == contact_id,
            or_(Lead.assigned_rep_id == rep_id, Lead.pool_status == "in_pool"))),
        exists(select(Appointment.id).where(Appointment.contact_card_id == contact_id,
                                            Appointment.assigned_rep_id == rep_id)),
        exists(select(Call.call_id).where(Call.contact_card_id == contact_id,
                                          Call.assigned_rep_id == rep_id)),
    ))).scalar_one()


def contact_card_detail(contact: ContactCard, company, now: datetime | None = None) -> dict:
    """The whole card. Every list is bounded, so the number of reads never grows with the data.

    AI insights read the newest analysis of each of the 20 newest calls and every visit analysis.
    """
    now = now or utcnow()
    leads = list(db.session.execute(
        select(Lead).where(Lead.contact_card_id == contact.id)
        .order_by(Lead.created_at.desc(), Lead.id)).scalars())
    appointments = list(db.session.execute(
        select(Appointment).where(Appointment.contact_card_id == contact.id)
        .order_by(Appointment.scheduled_start, Appointment.id)).scalars())
    primary = max(leads, key=lambda lead: (lead.updated_at, lead.created_at), default=None)
    active = max((row for row in appointments if row.status in ACTIVE_APPOINTMENT_STATUSES),
                 key=lambda row: row.scheduled_start, default=None)

    status_history, assignment_history = _histories(primary)
    rep_names = _user_names({primary.assigned_rep_id if primary else None,
                             active.assigned_rep_id if active else None,
                             *(row.rep_id for row in assignment_history)})
    facts = _facts(contact.id)
    calls = activity.newest_calls(contact.id, CALL_ROWS)
    call_ids = [call.call_id for call in calls]
    transcripts = activity.newest_transcripts(call_ids)
    analyses = activity.newest_analyses(call_ids)
    messages = activity.merged_messages(contact, MESSAGE_ROWS)
    events = activity.timeline(contact.id, TIMELINE_ROWS)
    visit_analyses = _visit_analyses([row.id for row in appointments])

    card = ContactCardBaseSchema().dump(contact)
    card["full_name"] = contact.full_name
    card["top_section"] = _top_section(contact, primary, appointments, status_history,
                                       assignment_history, rep_names, facts, now)
    card["middle_section"] = middle_section(contact, active, rep_names=rep_names,
                                            task_summary=lambda task: task_summary(task, now),
                                            now=now)
    card["bottom_section"] = {
        "narrative_summary": narrative(primary, appointments, facts, company),
        "booking_chips": booking_chips(facts, messages),
        "call_recordings": [activity.call_summary(call, transcripts.get(call.call_id),
                                                  analyses.get(call.call_id)) for call in calls],
        "text_messages": messages,
        "booking_timeline": [activity.event_summary(event) for event in reversed(events)],
    }
    card["global_blocks"] = {
        "all_calls": [activity.call_summary(call, with_ai=False) for call in calls],
        "all_messages": messages[:ALL_MESSAGE_ROWS],
        "automation_events": [activity.event_summary(event) for event in
                              activity.timeline(contact.id, AUTOMATION_ROWS, automation_only=True)],
        "pending_actions": [task_summary(task, now) for task in _open_tasks(contact.id)],
        "ai_insights": ai_insights(primary, list(analyses.values()), visit_analyses),
    }
    card["property_intelligence"] = property_intelligence(contact)
    card["leads"] = LeadSummarySchema(many=True).dump(leads)
    card["appointments"] = AppointmentSummarySchema(many=True).dump(appointments)
    card["recent_call_ids"] = call_ids[:RECENT_CALL_IDS]
    return card


def _top_section(contact, primary, appointments, status_history, assignment_history, rep_names,
                 facts, now) -> dict:
    latest = max(appointments, key=lambda row: row.scheduled_start, default=None)
    tasks = list(db.session.execute(
        select(Task).where(Task.contact_card_id == contact.id)
        .order_by(Task.due_at.asc().nulls_last(), Task.created_at.desc()).limit(TASK_ROWS)
    ).scalars())
    task_rows = [task_summary(task, now) for task in tasks]
    signals = db.session.execute(
        select(KeySignal).where(KeySignal.contact_card_id == contact.id,
                                KeySignal.acknowledged.is_(False))
        .order_by(KeySignal.created_at.desc()).limit(SIGNAL_ROWS)).scalars()
    activity_times = [facts["last_call_update"], facts["last_task_update"], facts["last_event"],
                      *(row.updated_at for row in appointments)]
    requested = list(primary.requested_by_rep_ids or []) if primary else []
    for row in assignment_history:
        if row.assignment_type in ("requested", "claimed") and row.rep_id not in requested:
            requested.append(row.rep_id)

    section = {name: getattr(primary, attribute) if primary else None
               for name, attribute in PRIMARY_LEAD_FIELDS}
    section.update({
        "deal_size": (float(primary.deal_size)
                      if primary and primary.deal_size is not None else None),
        "closed_at": utc_iso(primary.closed_at) if primary else None,
        "assigned_at": utc_iso(primary.assigned_at) if primary else None,
        "lead_age_days": (now - primary.created_at).days if primary else None,
        "last_activity_at": utc_iso(max((t for t in activity_times if t), default=None)),
        "lead_status_history": [{
            "from_status": row.from_status, "to_status": row.to_status, "reason": row.reason,
            "triggered_by": row.triggered_by, "created_at": utc_iso(row.created_at),
            "context": row.context} for row in status_history],
        "assigned_rep_name": rep_names.get(primary.assigned_rep_id) if primary else None,
        "route_position": latest.route_position if latest else None,
        "route_group": latest.route_group if latest else None,
        "distance_from_previous_stop": latest.distance_from_previous_stop if latest else None,
        "rep_assignment_history": [{
            "rep_id": row.rep_id, "rep_name": rep_names.get(row.rep_id),
            "assigned_by": row.assigned_by, "assignment_type": row.assignment_type,
            "status": row.status, "route_position": row.route_position,
            "route_group": row.route_group,
            "distance_from_previous_stop": row.distance_from_previous_stop,
            "rep_claimed": row.rep_claimed, "notes": row.notes,
            "requested_at": utc_iso(row.requested_at), "assigned_at": utc_iso(row.assigned_at),
            "created_at": utc_iso(row.created_at)} for row in assignment_history],
        "requested_by_reps": requested,
        "tasks": task_rows,
        "overdue_count": sum(1 for row in task_rows if row["status"] == "overdue"),
        "key_signals": [signal_summary(signal) for signal in signals],
    })
    return section


def _histories(primary: Lead | None) -> tuple[list, list]:
    """The primary lead's last 20 status changes and assignment rows, oldest first."""
    if primary is None:
        return [], []
    statuses = db.session.execute(
        select(LeadStatusHistory).where(LeadStatusHistory.lead_id == primary.id)
        .order_by(LeadStatusHistory.created_at.desc(), LeadStatusHistory.id).limit(HISTORY_ROWS)
    ).scalars()
    assignments = db.session.execute(
        select(RepAssignmentHistory).where(RepAssignmentHistory.lead_id == primary.id)
        .order_by(RepAssignmentHistory.created_at.desc(), RepAssignmentHistory.id)
        .limit(HISTORY_ROWS)
    ).scalars()
    return list(reversed(list(statuses))), list(reversed(list(assignments)))


def _user_names(user_ids: set) -> dict:
    user_ids = {user_id for user_id in user_ids if user_id}
    if not user_ids:
        return {}
    return dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_(user_ids))).all())


def _facts(contact_id: str) -> dict:
    """Single values about the contact's activity, read in one statement."""
    first_call = (select(Call.call_id, Call.missed_call).where(Call.contact_card_id == contact_id)
                  .order_by(Call.created_at, Call.call_id).limit(1))
    row = db.session.execute(select(
        select(func.max(Call.updated_at)).where(Call.contact_card_id == contact_id)
        .scalar_subquery().label("last_call_update"),
        select(func.max(Task.updated_at)).where(Task.contact_card_id == contact_id)
        .scalar_subquery().label("last_task_update"),
        select(func.max(EventLog.timestamp)).where(EventLog.contact_card_id == contact_id)
        .scalar_subquery().label("last_event"),
        select(func.count()).select_from(EventLog)
        .where(EventLog.contact_card_id == contact_id,
               EventLog.event_type.in_(RECOVERY_EVENT_TYPES))
        .scalar_subquery().label("automation_count"),
        exists(select(Call.call_id).where(Call.contact_card_id == contact_id,
                                          Call.missed_call.is_(True))).label("any_missed"),
        first_call.with_only_columns(Call.call_id).scalar_subquery().label("first_call_id"),
        first_call.with_only_columns(Call.missed_call).scalar_subquery().label("first_missed"),
    )).one()
    return row._asdict()


def _visit_analyses(appointment_ids: list[str]) -> list[RecordingAnalysis]:
    if not appointment_ids:
        return []
    return list(db.session.execute(
        select(RecordingAnalysis).where(RecordingAnalysis.appointment_id.in_(appointment_ids))
        .order_by(RecordingAnalysis.analyzed_at.desc())).scalars())


def _open_tasks(contact_id: str) -> list[Task]:
    return list(db.session.execute(
        select(Task).where(Task.contact_card_id == contact_id,
                           Task.status.in_(("open", "overdue")))
        .order_by(Task.due_at.asc().nulls_last(), Task.created_at).limit(PENDING_ACTION_ROWS)
    ).scalars())


def task_summary(task: Task, now: datetime) -> dict:
    return {"id": task.id, "description": task.description, "assigned_to": task.assigned_to,
            "source": task.source, "due_at": utc_iso(task.due_at),
            "status": reported_status(task, now), "completed_at": utc_iso(task.completed_at),
            "priority": task.priority, "contact_card_id": task.contact_card_id,
            "lead_id": task.lead_id, "appointment_id": task.appointment_id,
            "call_id": task.call_id, "created_at": utc_iso(task.created_at)}


def signal_summary(signal: KeySignal) -> dict:
    return {"id": signal.id, "signal_type": signal.signal_type, "severity": signal.severity,
            "title": signal.title, "description": signal.description,
            "acknowledged": signal.acknowledged, "acknowledged_at": utc_iso(signal.acknowledged_at),
            "acknowledged_by": signal.acknowledged_by, "contact_card_id": signal.contact_card_id,
            "lead_id": signal.lead_id, "appointment_id": signal.appointment_id,
            "created_at": utc_iso(signal.created_at)}


def narrative(primary: Lead | None, appointments: list, facts: dict, company) -> str:
    """A few template sentences: how the lead came in, a missed call, the visit, the rep."""
    sentences = []
    if primary is not None:
        sentences.append(SOURCE_SENTENCES.get(primary.source,
                                              f"Lead created from {primary.source}."))
    if facts["any_missed"]:
        sentences.append("A call from this customer was missed.")
    if appointments:
        local = appointments[0].scheduled_start.astimezone(company_zone(company))
        sentences.append(f"Appointment scheduled for {local.strftime('%B %d, %Y at %I:%M %p')}.")
    if primary is not None and primary.assigned_rep_id:
        sentences.append("Assigned to sales rep.")
    return " ".join(sentences) or "No activity recorded yet."


def booking_chips(facts: dict, messages: list[dict]) -> list[dict]:
    chips = []
    if facts["first_missed"]:
        chips.append({"label": "Missed initial call", "severity": "medium",
                      "metadata": {"call_id": facts["first_call_id"]}})
    inbound = sum(1 for message in messages if message["direction"] == "inbound")
    if inbound > 5:
        chips.append({"label": "High responsiveness", "severity": "low",
                      "metadata": {"message_count": inbound}})
    if facts["automation_count"]:
        chips.append({"label": "Otto booked majority", "severity": "low",
                      "metadata": {"automation_count": facts["automation_count"]}})
    return chips


def ai_insights(primary: Lead | None, call_analyses: list, visit_analyses: list) -> dict:
    """What the call and visit analyses say about this customer, taken together."""
    analyses = [*call_analyses, *visit_analyses]
    scores = [row.sop_compliance_score for row in analyses if row.sop_compliance_score is not None]
    objections = Counter(label for row in analyses for label in (row.objections or [])
                         if isinstance(label, str))
    missed, next_actions = [], []
    for row in analyses:
        payload = row.normalized_payload or {}
        opportunity = payload.get("opportunity_analysis") or {}
        missed.extend(opportunity.get("missed_opportunities") or payload.get("missed_opportunities")
                      or [])
        recommendations = getattr(row, "followup_recommendations", None) or {}
        for step in [*(recommendations.get("next_steps") or []),
                     *(item.get("action") for item in recommendations.get("recommendations") or []
                       if isinstance(item, dict))]:
            if isinstance(step, str) and step and step not in next_actions:
                next_actions.append(step)
    status = primary.status if primary else None
    return {
        "missed_opportunities": missed[:20],
        "sop_compliance_score": round(sum(scores) / len(scores), 2) if scores else None,
        "objection_clusters": dict(objections),
        "buying_signals": (["High conversion probability"]
                           if any((row.conversion_probability or 0) > 0.7 for row in analyses)
                           else []),
        "deal_risk_score": ("high" if status in ("dormant", "abandoned")
                            else "medium" if status == "nurturing" else "low"),
        "suggested_next_actions": next_actions[:10],
    }
