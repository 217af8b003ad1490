"""Appointment status and outcome machines (§4.3) and their coupling to the lead."""

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from otto.appointments.geocoding import enqueue_geocoding
from otto.appointments.models import Appointment
from otto.contacts.models import ContactCard
from otto.contacts.timeline import actor_role_of, record_event
from otto.db import db, utcnow
from otto.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from otto.leads.models import Lead, RepAssignmentHistory
from otto.leads.service import (apply_deal_status, close_lead, reopen_lead, require_sales_rep,
                                set_assignment_status, transition_lead)
from otto.shifts.clock import as_utc
from otto.tasks.service import complete_scheduling_tasks

log = logging.getLogger(__name__)

APPOINTMENT_STATUS_MOVES: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"confirmed", "completed", "cancelled", "no_show"}),
    "confirmed": frozenset({"scheduled", "completed", "cancelled", "no_show"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}
TERMINAL_STATUSES = ("completed", "cancelled", "no_show")
REOPEN_STATUS = "scheduled"  # a manager may reopen a terminal appointment

APPOINTMENT_OUTCOME_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"won", "lost", "no_show", "rescheduled"}),
    "rescheduled": frozenset({"pending", "won", "lost", "no_show"}),
    "won": frozenset(),
    "lost": frozenset(),
    "no_show": frozenset(),
}
FINAL_OUTCOMES = ("won", "lost", "no_show")  # a manager may correct these to any other outcome
CLOSING_OUTCOMES = {"won": "closed_won", "lost": "closed_lost"}
# Lead statuses that a booked appointment turns into qualified_booked.
BOOKABLE_LEAD_STATUSES = ("new", "warm", "hot", "nurturing", "qualified_unbooked")
CREATE_STATUSES = ("scheduled", "confirmed")
DEFAULT_RADIUS_START_FEET = 200.0
DEFAULT_RADIUS_STOP_FEET = 500.0


def appointment_status_allowed(current: str, new: str, *, role: str | None = None) -> bool:
    if new in APPOINTMENT_STATUS_MOVES.get(current, frozenset()):
        return True
    return current in TERMINAL_STATUSES and new == REOPEN_STATUS and role == "manager"


def appointment_outcome_allowed(current: str, new: str, *, role: str | None = None) -> bool:
    if new in APPOINTMENT_OUTCOME_MOVES.get(current, frozenset()):
        return True
    return current in FINAL_OUTCOMES and new != current and role == "manager"


def book_appointment(lead, *, scheduled_start: datetime, actor: str, role: str | None = None,
                     company=None, status: str = "scheduled", assigned_rep_id: str | None = None,
                     now: datetime | None = None, **fields) -> Appointment:
    """Insert an appointment for `lead`; the lead becomes qualified_booked and its deal `booked`.

    Company and contact come from the lead. Geofence radii default to the company's (feet).
    """
    now = now or utcnow()
    if status not in CREATE_STATUSES:
        raise field_error("body.status", "A new appointment is scheduled or confirmed.",
                          "invalid_choice")
    end = fields.get("scheduled_end")
    if end is not None and end <= scheduled_start:
        raise field_error("body.scheduled_end", "scheduled_end must be after scheduled_start.",
                          "invalid")

    appointment = Appointment(
        company_id=lead.company_id, lead_id=lead.id, contact_card_id=lead.contact_card_id,
        scheduled_start=scheduled_start, status=status, outcome="pending", **fields)
    if appointment.geofence_radius_start is None:
        appointment.geofence_radius_start = _company_radius(company, "start")
    if appointment.geofence_radius_stop is None:
        appointment.geofence_radius_stop = _company_radius(company, "stop")
    db.session.add(appointment)
    db.session.flush()
    if assigned_rep_id is not None:
        assign_appointment(appointment, assigned_rep_id, assigned_by=actor, now=now)

    if lead.status in BOOKABLE_LEAD_STATUSES:
        transition_lead(lead, "qualified_booked", actor, role=role, reason="appointment booked",
                        context={"appointment_id": appointment.id}, now=now)
    apply_deal_status(lead, "appointment_created")
    complete_scheduling_tasks(lead.id, now)
    record_event(lead.contact_card_id, "appointment_created", lead_id=lead.id,
                 appointment_id=appointment.id, actor_id=actor,
                 actor_role=actor_role_of(actor, role),
                 metadata={"scheduled_start": scheduled_start.isoformat()}, at=now)
    log.info("appointment %s booked for lead %s at %s by %s",
             appointment.id, lead.id, scheduled_start.isoformat(), actor)
    return appointment


def change_status(appointment: Appointment, new_status: str, *, actor: str,
                  role: str | None = None, now: datetime | None = None) -> bool:
    """Move the appointment's status (§4.3); True when it changed, 409 when refused."""
    current = appointment.status
    if new_status == current:
        return False
    if not appointment_status_allowed(current, new_status, role=role):
        raise Conflict(f"Appointment status cannot change from {current} to {new_status}.",
                       details={"current_status": current, "requested_status": new_status})
    now = now or utcnow()
    appointment.status = new_status

    lead = appointment.lead
    if new_status == "cancelled":
        _timeline(appointment, "appointment_cancelled", actor, role, now)
    elif new_status == "confirmed":
        _timeline(appointment, "appointment_confirmed", actor, role, now)
        complete_scheduling_tasks(appointment.lead_id, now)
    elif new_status == "no_show":
        apply_deal_status(lead, "no_show")
    log.info("appointment %s moved %s -> %s by %s", appointment.id, current, new_status, actor)
    return True


def set_outcome(appointment: Appointment, new_outcome: str, *, actor: str, role: str | None = None,
                deal_size: Decimal | None = None, scheduled_start: datetime | None = None,
                now: datetime | None = None) -> bool:
    """Set the visit outcome and apply its coupling to status and lead; True when it changed.

    won needs a deal size (given or stored, else 422) and closes the lead closed_won; lost closes
    it closed_lost; no_show and rescheduled move the status and the lead's deal status.
    """
    current = appointment.outcome
    if new_outcome == current:
        if deal_size is not None:
            set_deal_size(appointment, deal_size)
        return False
    if appointment.status == "cancelled":
        raise Conflict("The outcome of a cancelled appointment cannot change.",
                       details={"current_status": "cancelled", "requested_outcome": new_outcome})
    if not appointment_outcome_allowed(current, new_outcome, role=role):
        raise Conflict(f"Appointment outcome cannot change from {current} to {new_outcome}.",
                       details={"current_outcome": current, "requested_outcome": new_outcome})
    if new_outcome == "won":
        deal_size = deal_size if deal_size is not None else appointment.deal_size
        if deal_size is None:
            raise field_error("body.deal_size", "A deal size is required when the outcome is won.",
                              "required")
    now = now or utcnow()
    lead = appointment.lead
    appointment.outcome = new_outcome
    reason = f"appointment outcome {new_outcome}"
    context = {"appointment_id": appointment.id}

    if current in CLOSING_OUTCOMES and new_outcome not in CLOSING_OUTCOMES:
        reopen_lead(lead, actor, role=role, reason=reason, now=now)

    if new_outcome in CLOSING_OUTCOMES:
        appointment.status = "completed"
        if new_outcome == "won":
            appointment.deal_size = deal_size
            lead.deal_size = deal_size
        close_lead(lead, CLOSING_OUTCOMES[new_outcome], actor, role=role, reason=reason,
                   context=context, now=now)
    elif new_outcome == "no_show":
        appointment.status = "no_show"
        apply_deal_status(lead, "no_show")
    elif new_outcome == "rescheduled":
        appointment.status = "scheduled"
        if scheduled_start is not None:
            appointment.scheduled_start = scheduled_start
        apply_deal_status(lead, "appointment_rescheduled")
        _timeline(appointment, "appointment_rescheduled", actor, role, now,
                  {"scheduled_start": appointment.scheduled_start.isoformat()})

    _timeline(appointment, "appointment_outcome", actor, role, now,
              {"from": current, "to": new_outcome})
    log.info("appointment %s outcome %s -> %s by %s", appointment.id, current, new_outcome, actor)
    return True


def set_deal_size(appointment: Appointment, deal_size: Decimal | None) -> None:
    """Store the deal size; a won appointment's size is the lead's deal size too."""
    if deal_size is not None and deal_size < 0:
        raise field_error("body.deal_size", "deal_size cannot be negative.", "invalid")
    appointment.deal_size = deal_size
    if appointment.outcome == "won" and deal_size is not None:
        appointment.lead.deal_size = deal_size


def assign_appointment(appointment: Appointment, rep_id: str | None, *, assigned_by: str,
                       now: datetime | None = None) -> bool:
    """Give the appointment to `rep_id` (None: nobody) with a history row; True when it changed."""
    if rep_id == appointment.assigned_rep_id:
        return False
    if rep_id is not None:
        require_sales_rep(rep_id)
    now = now or utcnow()
    previous_rep_id = appointment.assigned_rep_id

    if previous_rep_id is not None:
        previous_rows = db.session.execute(
            select(RepAssignmentHistory).where(
                RepAssignmentHistory.appointment_id == appointment.id,
                RepAssignmentHistory.rep_id == previous_rep_id,
                RepAssignmentHistory.status == "assigned")
        ).scalars()
        for row in previous_rows:
            set_assignment_status(row, "revoked")
    if rep_id is not None:
        db.session.add(RepAssignmentHistory(
            company_id=appointment.company_id, lead_id=appointment.lead_id,
            appointment_id=appointment.id, rep_id=rep_id, assigned_by=assigned_by,
            assignment_type="assigned", status="assigned", assigned_at=now))

    appointment.assigned_rep_id = rep_id
    appointment.assigned_by = assigned_by
    appointment.assigned_at = now if rep_id else None
    appointment.rep_claimed = False
    _timeline(appointment, "rep_assigned" if rep_id else "rep_unassigned", assigned_by, None, now,
              {"rep_id": rep_id, "previous_rep_id": previous_rep_id})
    log.info("appointment %s assigned %s -> %s by %s", appointment.id, previous_rep_id, rep_id,
             assigned_by)
    return True


def record_arrival(appointment: Appointment, at: datetime | None = None) -> bool:
    """The rep entered the start radius: `arrival_at` (first entry only) and `rep_arrived`."""
    if appointment.arrival_at is not None:
        return False
    appointment.arrival_at = at or utcnow()
    _timeline(appointment, "rep_arrived", appointment.assigned_rep_id, "sales_rep",
              appointment.arrival_at)
    return True


def record_departure(appointment: Appointment, at: datetime | None = None) -> bool:
    """The rep left the stop radius: `departure_at`, `on_site_duration` (min), `rep_departed`."""
    at = at or utcnow()
    if appointment.arrival_at is None or at < appointment.arrival_at:
        raise ValidationFailed("A departure needs an earlier arrival.")
    appointment.departure_at = at
    appointment.on_site_duration = int((at - appointment.arrival_at).total_seconds() // 60)
    _timeline(appointment, "rep_departed", appointment.assigned_rep_id, "sales_rep", at,
              {"on_site_duration": appointment.on_site_duration})
    return True


def _company_radius(company, which: str) -> float:
    default = DEFAULT_RADIUS_START_FEET if which == "start" else DEFAULT_RADIUS_STOP_FEET
    value = getattr(company, f"default_geofence_radius_{which}", None) if company else None
    return float(value) if value is not None else default


def _timeline(appointment: Appointment, event_type: str, actor: str | None, role: str | None,
              at: datetime, metadata: dict | None = None) -> None:
    record_event(appointment.contact_card_id, event_type, lead_id=appointment.lead_id,
                 appointment_id=appointment.id, actor_id=actor,
                 actor_role=actor_role_of(actor, role), metadata=metadata, at=at)


# Request-level operations (the API routes) ---------------------------------------------------

# What a sales rep may change on its own appointment (endpoints §4).
REP_EDITABLE_FIELDS = frozenset({"status", "outcome", "notes", "deal_size"})
# Fields a create or update copies onto the appointment as given.
PLAIN_FIELDS = ("appointment_type", "location", "service_type", "notes", "external_id",
                "material_type", "financing_type")


def visible_appointment(appointment_id: str, *, user_id: str, role: str) -> Appointment:
    """The appointment if the caller may see it (a sales rep: only its own), else 404."""
    appointment = Appointment.get_for_company(appointment_id)
    if role == "sales_rep" and appointment.assigned_rep_id != user_id:
        raise NotFound("Appointment not found", details={"appointment_id": appointment_id})
    return appointment


def create_appointment(args: dict, *, company, actor: str, role: str) -> Appointment:
    """POST /appointments: book a visit for a lead of the company (endpoints §4)."""
    lead = Lead.get_for_company(args["lead_id"])
    contact_card_id = args.get("contact_card_id")
    if contact_card_id is not None and contact_card_id != lead.contact_card_id:
        ContactCard.get_for_company(contact_card_id)  # another company's card is a 404
        raise field_error("body.contact_card_id",
                          "contact_card_id must be the lead's contact card.", "mismatch")

    start = as_utc(args["scheduled_start"], company)
    end = as_utc(args["scheduled_end"], company) if args.get("scheduled_end") else None
    fields = {name: args[name] for name in PLAIN_FIELDS if args.get(name) is not None}
    if args.get("deal_size") is not None:
        fields["deal_size"] = args["deal_size"]
    appointment = book_appointment(
        lead, scheduled_start=start, scheduled_end=end, actor=actor, role=role, company=company,
        status=args["status"], assigned_rep_id=args.get("assigned_rep_id"), **fields)
    if appointment.location:
        enqueue_geocoding(appointment)
    return appointment


def update_appointment(appointment: Appointment, args: dict, *, company, actor: str,
                       role: str) -> Appointment:
    """PATCH /appointments/{id}: null or absent fields stay; state moves follow §4.3."""
    given = {name: value for name, value in args.items() if value is not None}
    if role == "sales_rep" and set(given) - REP_EDITABLE_FIELDS:
        refused = ", ".join(sorted(set(given) - REP_EDITABLE_FIELDS))
        raise Forbidden(f"A sales rep may change only status, outcome, notes and deal_size "
                        f"(not {refused}).")
    now = utcnow()

    start = as_utc(given["scheduled_start"], company) if "scheduled_start" in given else None
    end = as_utc(given["scheduled_end"], company) if "scheduled_end" in given else None
    new_start, new_end = start or appointment.scheduled_start, end or appointment.scheduled_end
    if new_end is not None and new_end <= new_start:
        raise field_error("body.scheduled_end", "scheduled_end must be after scheduled_start.",
                          "invalid")
    appointment.scheduled_start, appointment.scheduled_end = new_start, new_end

    if "assigned_rep_id" in given:
        assign_appointment(appointment, given["assigned_rep_id"], assigned_by=actor, now=now)
    relocated = given.get("location") not in (None, appointment.location)
    for name in PLAIN_FIELDS:
        if name in given:
            setattr(appointment, name, given[name])
    if relocated:
        # The old address's coordinates would be wrong until the new one is geocoded.
        appointment.geo_lat = appointment.geo_lng = None
        appointment.location_lat = appointment.location_lng = None
        enqueue_geocoding(appointment)

    if "status" in given:
        change_status(appointment, given["status"], actor=actor, role=role, now=now)
    if "outcome" in given:
        set_outcome(appointment, given["outcome"], actor=actor, role=role,
                    deal_size=given.get("deal_size"), now=now)
    elif "deal_size" in given:
        set_deal_size(appointment, given["deal_size"])
    appointment.updated_at = now
    db.session.flush()
    log.info("appointment %s updated by %s (%s)", appointment.id, actor, ", ".join(sorted(given)))
    return appointment
