"""Lead machines: status (§4.2), deal status (§5.9), lead pool (§4.6) and rep requests (§4.7)."""

import logging
from datetime import datetime

from sqlalchemy import func, inspect, select

from otto import enums
from otto.appointments.models import OPEN_APPOINTMENT_STATUSES, Appointment
from otto.contacts.models import ContactCard
from otto.contacts.timeline import actor_role_of, record_event
from otto.db import db, utcnow
from otto.errors import Conflict, DuplicateResource, InsufficientPermissions, NotFound, field_error
from otto.leads.models import (ACTIVE_LEAD_STATUSES, CLOSED_LEAD_STATUSES, Lead, LeadStatusHistory,
                               RepAssignmentHistory)
from otto.tasks.service import close_lead_work
from otto.tenancy import current_company_id
from otto.users.models import SalesRep, User

log = logging.getLogger(__name__)

# Lead status (§4.2): from a status to the statuses it may move to. Reopening a closed lead
# (→ nurturing) is listed here but is a manager's move only (checked in transition_lead).
_OPEN_LEAD_STATUSES = ACTIVE_LEAD_STATUSES + ("qualified_service_not_offered",)
LEAD_STATUS_MOVES: dict[str, frozenset[str]] = {
    **{status: frozenset(enums.LEAD_STATUS) - {status} for status in _OPEN_LEAD_STATUSES},
    "dormant": frozenset(ACTIVE_LEAD_STATUSES + ("abandoned", "closed_lost")),
    "abandoned": frozenset({"new", "nurturing", "closed_lost"}),
    "closed_won": frozenset({"nurturing"}),
    "closed_lost": frozenset({"nurturing"}),
}
REOPEN_STATUS = "nurturing"

# deal_status (§5.9) by the event that sets it.
DEAL_STATUS_BY_EVENT = {
    "lead_created": "new",
    "appointment_created": "booked",
    "nurturing": "nurturing",
    "appointment_rescheduled": "rescheduled",
    "no_show": "no-show",
    "recording_started": "in-progress",
    "closed_won": "won",
    "closed_lost": "lost",
    "reopened": "nurturing",
}
_EVENTS_FOR_CLOSED_LEADS = ("closed_won", "closed_lost", "reopened")

# Rep assignment request (§4.7): rows only ever move forward.
ASSIGNMENT_STATUS_MOVES: dict[str, frozenset[str]] = {
    "requested": frozenset({"assigned", "declined", "revoked"}),
    "assigned": frozenset({"revoked"}),
    "declined": frozenset(),
    "revoked": frozenset(),
}


def lead_status_allowed(current: str, new: str) -> bool:
    return new in LEAD_STATUS_MOVES.get(current, frozenset())


def create_lead(contact: ContactCard, *, actor: str, status: str = "new",
                source: str = "inbound_call", reason: str | None = None, **fields) -> Lead:
    """Insert one lead for `contact` (in the pool, deal status `new`) with its first history row."""
    lead = Lead(company_id=contact.company_id, contact_card_id=contact.id, status=status,
                source=source, pool_status="in_pool",
                deal_status=DEAL_STATUS_BY_EVENT["lead_created"], requested_by_rep_ids=[], **fields)
    db.session.add(lead)
    db.session.flush()
    _write_history(lead, None, status, actor, reason=reason)
    if status in CLOSED_LEAD_STATUSES:
        _enter_closed(lead, status, actor, None, utcnow())
    db.session.flush()
    log.info("lead %s created for contact %s (%s, %s) by %s",
             lead.id, contact.id, status, source, actor)
    return lead


def transition_lead(lead: Lead, new_status: str, actor: str, *, role: str | None = None,
                    reason: str | None = None, context: dict | None = None,
                    automatic: bool = False, now: datetime | None = None) -> bool:
    """Move `lead` to `new_status` with its side effects and a history row; True when it changed.

    `actor` is a user id, `otto` or `shunya`; `role` is the user's request role. A refused move
    raises 409 RESOURCE_CONFLICT; reopening a closed lead as anyone but a manager raises 403.
    Automatic moves (analysis, inactivity) are skipped and logged instead of raising.
    """
    if new_status not in enums.LEAD_STATUS:
        raise field_error("body.status", f"Unknown lead status: {new_status}", "invalid_choice")
    _lock(lead)
    current = lead.status
    if new_status == current:
        return False

    refusal = None
    if not lead_status_allowed(current, new_status):
        refusal = Conflict(f"Lead status cannot change from {current} to {new_status}.",
                           details={"current_status": current, "requested_status": new_status})
    elif current in CLOSED_LEAD_STATUSES and role != "manager":
        refusal = InsufficientPermissions("Only a manager can reopen a closed lead.")
    if refusal is not None:
        if automatic:
            log.info("lead %s: automatic move %s -> %s by %s skipped",
                     lead.id, current, new_status, actor)
            return False
        raise refusal

    _move(lead, new_status, actor, role, reason=reason, context=context, now=now or utcnow())
    return True


def close_lead(lead: Lead, closed_status: str, actor: str, *, role: str | None = None,
               reason: str | None = None, context: dict | None = None,
               now: datetime | None = None) -> bool:
    """Make sure the lead ends `closed_won`/`closed_lost` (appointment outcomes always close it).

    A lead closed the other way is reopened first, so the history shows both moves.
    """
    now = now or utcnow()
    _lock(lead)
    if lead.status == closed_status:
        return False
    if lead.status in CLOSED_LEAD_STATUSES:
        _move(lead, REOPEN_STATUS, actor, role, reason=reason, context=context, now=now)
    if not lead_status_allowed(lead.status, closed_status):
        # dormant/abandoned leads cannot be won directly; an outcome passes through nurturing.
        _move(lead, REOPEN_STATUS, actor, role, reason=reason, context=context, now=now)
    _move(lead, closed_status, actor, role, reason=reason, context=context, now=now)
    return True


def reopen_lead(lead: Lead, actor: str, *, role: str | None = None, reason: str | None = None,
                now: datetime | None = None) -> bool:
    """Reopen a closed lead as `nurturing` (an outcome correction took its close away)."""
    _lock(lead)
    if lead.status not in CLOSED_LEAD_STATUSES:
        return False
    _move(lead, REOPEN_STATUS, actor, role, reason=reason, context=None, now=now or utcnow())
    return True


def apply_deal_status(lead: Lead, event: str) -> bool:
    """Set `deal_status` for one of DEAL_STATUS_BY_EVENT's events; True when it changed.

    A closed lead keeps won/lost until it is reopened: later visit events do not touch it.
    """
    deal_status = DEAL_STATUS_BY_EVENT[event]
    if lead.status in CLOSED_LEAD_STATUSES and event not in _EVENTS_FOR_CLOSED_LEADS:
        return False
    if lead.deal_status == deal_status:
        return False
    lead.deal_status = deal_status
    log.info("lead %s deal status -> %s (%s)", lead.id, deal_status, event)
    return True


def request_lead(lead: Lead, rep_id: str, *, now: datetime | None = None) -> RepAssignmentHistory:
    """Record a rep's interest in a pooled lead; it never assigns the lead."""
    now = now or utcnow()
    require_sales_rep(rep_id)
    _lock(lead)
    if lead.pool_status != "in_pool":
        raise Conflict(f"Lead is not in pool. Current status: {lead.pool_status}")
    pending = db.session.execute(
        select(RepAssignmentHistory.id).where(
            RepAssignmentHistory.lead_id == lead.id, RepAssignmentHistory.rep_id == rep_id,
            RepAssignmentHistory.status == "requested").limit(1)
    ).scalar_one_or_none()
    if pending is not None:
        raise DuplicateResource("You have already requested this lead")

    request = RepAssignmentHistory(
        company_id=lead.company_id, lead_id=lead.id, rep_id=rep_id, assignment_type="requested",
        status="requested", requested_at=now)
    db.session.add(request)
    if rep_id not in (lead.requested_by_rep_ids or []):
        lead.requested_by_rep_ids = [*(lead.requested_by_rep_ids or []), rep_id]
    log.info("lead %s requested by rep %s", lead.id, rep_id)
    return request


def assign_lead(lead: Lead, rep_id: str | None, *, assigned_by: str, notes: str | None = None,
                now: datetime | None = None) -> bool:
    """Assign the lead to `rep_id` (None: back to the pool); True when the assignment changed.

    Moves the lead's open appointments with it; that rep's requests become `assigned`, other
    reps' requests `declined`, and the previous rep's assignment `revoked`.
    """
    now = now or utcnow()
    _lock(lead)
    if lead.pool_status not in ("in_pool", "assigned"):
        raise Conflict(f"Cannot assign lead with status: {lead.pool_status}")
    if rep_id is not None:
        require_sales_rep(rep_id)
    previous_rep_id = lead.assigned_rep_id
    target_pool_status = "assigned" if rep_id else "in_pool"
    if rep_id == previous_rep_id and lead.pool_status == target_pool_status:
        return False

    if previous_rep_id and previous_rep_id != rep_id:
        for row in _assignment_rows(lead.id, "assigned", rep_id=previous_rep_id):
            set_assignment_status(row, "revoked")
        if rep_id is None:
            db.session.add(RepAssignmentHistory(
                company_id=lead.company_id, lead_id=lead.id, rep_id=previous_rep_id,
                assigned_by=assigned_by, assignment_type="unassigned", status="revoked",
                notes=notes))
    if rep_id is not None:
        for row in _assignment_rows(lead.id, "requested"):
            set_assignment_status(row, "assigned" if row.rep_id == rep_id else "declined")
        db.session.add(RepAssignmentHistory(
            company_id=lead.company_id, lead_id=lead.id, rep_id=rep_id, assigned_by=assigned_by,
            assignment_type="assigned", status="assigned", assigned_at=now, notes=notes))

    lead.assigned_rep_id = rep_id
    lead.assigned_at = now if rep_id else None
    lead.assigned_by = assigned_by
    lead.rep_claimed = False
    lead.pool_status = target_pool_status
    for appointment in _open_appointments(lead.id):
        appointment.assigned_rep_id = rep_id
        appointment.assigned_by = assigned_by
        appointment.assigned_at = now if rep_id else None
        appointment.rep_claimed = False

    record_event(lead.contact_card_id, "rep_assigned" if rep_id else "rep_unassigned",
                 lead_id=lead.id, actor_id=assigned_by, actor_role=actor_role_of(assigned_by, None),
                 metadata={"rep_id": rep_id, "previous_rep_id": previous_rep_id}, at=now)
    log.info("lead %s assigned %s -> %s by %s", lead.id, previous_rep_id, rep_id, assigned_by)
    return True


def set_pool_status(lead: Lead, pool_status: str) -> bool:
    """A manager archives a lead (`archived`) or restores it (`in_pool`); True when it changed."""
    if pool_status not in ("archived", "in_pool"):
        raise field_error("body.pool_status", "pool_status can only be set to archived or in_pool.",
                          "invalid_choice")
    _lock(lead)
    current = lead.pool_status
    if pool_status == "archived":
        restored = "archived"
    elif current == "archived":
        restored = "closed" if lead.is_closed else "assigned" if lead.assigned_rep_id else "in_pool"
    elif current == "in_pool":
        return False
    else:
        raise Conflict(f"Pool status cannot change from {current} to in_pool.",
                       details={"current_status": current, "requested_status": pool_status})
    if restored == current:
        return False
    lead.pool_status = restored
    log.info("lead %s pool status %s -> %s", lead.id, current, restored)
    return True


def set_assignment_status(row: RepAssignmentHistory, new_status: str) -> bool:
    """Move an assignment row forward (§4.7); True when it changed."""
    if new_status == row.status:
        return False
    if new_status not in ASSIGNMENT_STATUS_MOVES.get(row.status, frozenset()):
        raise Conflict(f"Assignment status cannot change from {row.status} to {new_status}.",
                       details={"current_status": row.status, "requested_status": new_status})
    log.info("assignment %s (rep %s, lead %s) %s -> %s",
             row.id, row.rep_id, row.lead_id, row.status, new_status)
    row.status = new_status
    return True


def require_sales_rep(rep_id: str) -> SalesRep:
    """The active sales rep `rep_id` of the current company, else 404."""
    rep = db.session.execute(
        select(SalesRep).join(User, User.id == SalesRep.user_id)
        .where(SalesRep.user_id == rep_id, SalesRep.company_id == current_company_id(),
               User.is_active.is_(True))
    ).scalar_one_or_none()
    if rep is None:
        raise NotFound(f"Sales rep {rep_id} not found", details={"rep_id": rep_id})
    return rep


def has_open_appointment(lead_id: str) -> bool:
    count = db.session.execute(
        select(func.count()).select_from(Appointment)
        .where(Appointment.lead_id == lead_id, Appointment.status.in_(OPEN_APPOINTMENT_STATUSES))
    ).scalar_one()
    return count > 0


def _move(lead: Lead, new_status: str, actor: str, role: str | None, *, reason: str | None,
          context: dict | None, now: datetime) -> None:
    """Apply one status change with its side effects; the caller has checked it is allowed."""
    current = lead.status
    lead.status = new_status
    _write_history(lead, current, new_status, actor, reason=reason, context=context)

    if new_status in CLOSED_LEAD_STATUSES:
        _enter_closed(lead, new_status, actor, role, now)
    elif current in CLOSED_LEAD_STATUSES:
        lead.closed_at = None
        apply_deal_status(lead, "reopened")
        if lead.pool_status == "closed":
            lead.pool_status = "assigned" if lead.assigned_rep_id else "in_pool"
    elif new_status in ("nurturing", "qualified_unbooked") and not has_open_appointment(lead.id):
        apply_deal_status(lead, "nurturing")
    log.info("lead %s moved %s -> %s by %s", lead.id, current, new_status, actor)


def _enter_closed(lead: Lead, closed_status: str, actor: str, role: str | None,
                  now: datetime) -> None:
    lead.closed_at = now
    apply_deal_status(lead, closed_status)
    if lead.pool_status in ("in_pool", "assigned"):
        lead.pool_status = "closed"
    for row in _assignment_rows(lead.id, "requested"):
        set_assignment_status(row, "declined")
    close_lead_work(lead.id, now)
    record_event(lead.contact_card_id, "deal_won" if closed_status == "closed_won" else "deal_lost",
                 lead_id=lead.id, actor_id=actor, actor_role=actor_role_of(actor, role), at=now,
                 metadata={"deal_size": None if lead.deal_size is None else float(lead.deal_size)})


def _write_history(lead: Lead, from_status: str | None, to_status: str, actor: str, *,
                   reason: str | None = None, context: dict | None = None) -> None:
    db.session.add(LeadStatusHistory(
        company_id=lead.company_id, lead_id=lead.id, from_status=from_status, to_status=to_status,
        reason=reason, triggered_by=actor, context=context))


def _lock(lead: Lead) -> None:
    """Re-read the lead under a row lock so concurrent moves apply one after the other."""
    if not inspect(lead).persistent:
        return
    db.session.execute(
        select(Lead).where(Lead.id == lead.id).with_for_update()
        .execution_options(populate_existing=True)
    )


def _assignment_rows(lead_id: str, status: str, *, rep_id: str | None = None) -> list:
    query = select(RepAssignmentHistory).where(
        RepAssignmentHistory.lead_id == lead_id, RepAssignmentHistory.status == status)
    if rep_id is not None:
        query = query.where(RepAssignmentHistory.rep_id == rep_id)
    return list(db.session.execute(query).scalars())


def _open_appointments(lead_id: str) -> list[Appointment]:
    return list(db.session.execute(
        select(Appointment).where(Appointment.lead_id == lead_id,
                                  Appointment.status.in_(OPEN_APPOINTMENT_STATUSES))
    ).scalars())
