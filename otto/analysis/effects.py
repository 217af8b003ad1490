"""What a new call analysis changes outside itself: lead, appointment, contact, tasks, signals,
timeline (spec §4.6 for CSR calls) and SOP results (sales calls)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from otto import enums
from otto.analysis.models import CallAnalysis, SopComplianceResult
from otto.appointments.models import OPEN_APPOINTMENT_STATUSES, Appointment
from otto.calls.models import Call
from otto.companies.models import Company
from otto.contacts.models import ContactCard
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.leads.models import CLOSED_LEAD_STATUSES, Lead
from otto.leads.service import transition_lead
from otto.shifts.clock import parse_company_time
from otto.tasks.service import create_signal, create_task

log = logging.getLogger(__name__)

OTTO = "otto"
CLASSIFICATION_REASON = "Otto classification"
PRIORITY_BY_QUALIFICATION = {"hot": "high", "warm": "medium"}
QUALIFIED = ("hot", "warm", "cold", "qualified")


def apply_analysis(call: Call, row: CallAnalysis) -> None:
    """Apply a newly stored analysis version (never a repeated one) to the rest of the domain."""
    analysis = row.normalized_payload or {}
    if row.booking_status == "booked" and not call.booked:
        call.booked = True
        log.info("call %s marked booked by analysis %s", call.call_id, row.id)
    if row.call_type == "csr_call":
        _apply_csr_call(call, row, analysis)
    else:
        _store_sop_results(call, row, analysis)


def _apply_csr_call(call: Call, row: CallAnalysis, analysis: dict) -> None:
    qualification = analysis.get("qualification") or {}
    lead = db.session.get(Lead, call.lead_id) if call.lead_id else None
    contact_id = call.contact_card_id
    if lead is not None:
        _classify_lead(lead, row)
        _book_appointment(call, lead, qualification)
    if contact_id is None:
        log.info("call %s has no contact card: tasks, signals and timeline skipped", call.call_id)
        return
    _fill_contact_address(contact_id, qualification)
    _create_tasks(call, lead, analysis)
    _raise_signals(call, lead, row, analysis)
    for objection in (analysis.get("objections") or {}).get("objections") or []:
        if objection.get("severity") == "high":
            record_event(contact_id, "objection_moment", lead_id=call.lead_id, call_id=call.call_id,
                         actor_id=OTTO, actor_role="ai",
                         description=objection.get("objection_text"),
                         metadata={"category": objection.get("category_text"),
                                   "timestamp": objection.get("timestamp")})


def lead_status_for(booking_status: str | None, qualification_status: str | None) -> str | None:
    """The lead status a CSR-call classification asks for (spec §4.6 table), or None."""
    if booking_status == "booked":
        return "qualified_booked"
    if booking_status == "service_not_offered":
        return "qualified_service_not_offered"
    if qualification_status == "unqualified":
        return "closed_lost"
    if booking_status == "not_booked" and qualification_status in QUALIFIED:
        return "qualified_unbooked"
    return None


def _classify_lead(lead: Lead, row: CallAnalysis) -> None:
    if lead.status in CLOSED_LEAD_STATUSES:
        log.info("lead %s is closed; analysis %s does not reopen it", lead.id, row.id)
        return
    target = lead_status_for(row.booking_status, row.qualification_status)
    if target is None or target == lead.status:
        return
    now = utcnow()
    changed = transition_lead(lead, target, OTTO, reason=CLASSIFICATION_REASON, automatic=True,
                              context={"call_id": row.call_id, "analysis_id": row.id}, now=now)
    if changed:
        lead.last_qualified_at = now
        priority = PRIORITY_BY_QUALIFICATION.get(row.qualification_status or "")
        if priority:
            lead.priority = priority


def _book_appointment(call: Call, lead: Lead, qualification: dict) -> None:
    if qualification.get("booking_status") != "booked" or call.contact_card_id is None:
        return
    start = parse_company_time(qualification.get("appointment_date"), call.company_id)
    if start is None:
        return
    open_one = db.session.execute(
        select(Appointment.id).where(Appointment.lead_id == lead.id,
                                     Appointment.status.in_(OPEN_APPOINTMENT_STATUSES)).limit(1)
    ).scalar_one_or_none()
    if open_one is not None:
        return

    from otto.appointments.service import book_appointment

    address = qualification.get("service_address_raw") or call.address
    appointment_type = qualification.get("appointment_type")
    book_appointment(lead, scheduled_start=start, actor=OTTO,
                     company=db.session.get(Company, call.company_id),
                     appointment_type=appointment_type if appointment_type in enums.APPOINTMENT_TYPE
                     else None,
                     location=address, location_address=address)


def _fill_contact_address(contact_id: str, qualification: dict) -> None:
    # Speech recognition garbles addresses: a heard one fills a blank, never replaces a typed one.
    address = qualification.get("service_address_raw")
    contact = db.session.get(ContactCard, contact_id)
    if address and contact is not None and not contact.address:
        contact.address = address
        structured = qualification.get("service_address_structured") or {}
        contact.city = contact.city or structured.get("city")
        contact.state = contact.state or structured.get("state")
        contact.postal_code = contact.postal_code or structured.get("zip")
        log.info("contact %s address filled from call analysis", contact_id)


def _create_tasks(call: Call, lead: Lead | None, analysis: dict) -> None:
    for action in (analysis.get("summary") or {}).get("pending_actions") or []:
        description = action.get("action")
        if not description:
            continue
        action_type = action.get("action_type")
        task = create_task(
            description=description, source=OTTO, contact_card_id=call.contact_card_id,
            lead_id=lead.id if lead else None, call_id=call.call_id,
            action_type=action_type if action_type in enums.ACTION_TYPE else "custom",
            due_at=parse_company_time(action.get("due_at"), call.company_id),
            priority=action.get("priority") if action.get("priority") in enums.PRIORITY else None,
            metadata={"quote": action.get("quote"), "turn_index": action.get("turn_index")})
        if task is not None:
            record_event(call.contact_card_id, "automation_task_created",
                         lead_id=call.lead_id, call_id=call.call_id, actor_id=OTTO,
                         actor_role="ai", description=description, metadata={"task_id": task.id})


def _raise_signals(call: Call, lead: Lead | None, row: CallAnalysis, analysis: dict) -> None:
    qualification = analysis.get("qualification") or {}
    risk = ((analysis.get("opportunity_analysis") or {}).get("risk_assessment") or {})
    objection_count = len((analysis.get("objections") or {}).get("objections") or [])
    urgency = qualification.get("urgency_signals") or []
    wanted = []
    if urgency:
        wanted.append(("opportunity", "high", "High urgency detected", "; ".join(urgency[:3])))
    if objection_count >= 3:
        wanted.append(("risk", "medium", f"{objection_count} objections raised", None))
    if row.booking_status == "service_not_offered":
        wanted.append(("opportunity", "high", "Service not offered",
                       qualification.get("service_requested")))
    if risk.get("level") == "high":
        wanted.append(("risk", "high", "High deal risk", risk.get("recommendation")))
    for signal_type, severity, title, description in wanted:
        create_signal(contact_card_id=call.contact_card_id, signal_type=signal_type, title=title,
                      severity=severity, description=description,
                      lead_id=lead.id if lead else None,
                      metadata={"call_id": call.call_id, "analysis_id": row.id})


def _store_sop_results(call: Call, row: CallAnalysis, analysis: dict) -> None:
    """One sop_compliance_results row per checklist item the analysis judged."""
    stage_results = (analysis.get("compliance") or {}).get("stage_results") or []
    base = call.started_at or call.created_at
    for result in stage_results:
        item = result.get("stage")
        status = result.get("status")
        if item not in enums.SOP_CHECKLIST_ITEM or status not in enums.SOP_ITEM_STATUS:
            continue  # a company's own stage names have no checklist enum value
        start = result.get("start")
        db.session.add(SopComplianceResult(
            company_id=call.company_id, call_id=call.call_id, call_analysis_id=row.id,
            checklist_item=item, status=result["status"], notes=result.get("quote"),
            timestamp=_offset(base, start), detected_by=OTTO,
            confidence_score=None if result["status"] == "missed" else 0.7))


def _offset(base: datetime | None, seconds) -> datetime | None:
    if base is None or not isinstance(seconds, (int, float)):
        return None
    return base + timedelta(seconds=seconds)
