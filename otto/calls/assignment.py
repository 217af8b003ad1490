"""Giving a call to a sales rep: follow-up reminder, geofences, push and the timeline."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete

from otto.calls import geofence, push
from otto.calls.models import Call, ScheduledCall
from otto.contacts.timeline import actor_role_of, record_event
from otto.db import db, utcnow
from otto.leads.service import require_sales_rep

log = logging.getLogger(__name__)

FOLLOWUP_DELAY = timedelta(hours=2)


def assign_call(call: Call, rep_id: str | None, *, actor: str, role: str | None = None,
                now: datetime | None = None) -> bool:
    """Give `call` to `rep_id` (None: take it away); True when the assignee changed.

    The rep must be an active sales rep of the company (404 otherwise). The call's pending
    follow-up is replaced, both reps' geofences are rebuilt, the new rep gets a push, and the
    contact's timeline records the move.
    """
    if rep_id is not None:
        require_sales_rep(rep_id)
    previous_rep_id = call.assigned_rep_id
    if rep_id == previous_rep_id:
        return False

    call.assigned_rep_id = rep_id
    schedule_rep_followup(call)
    db.session.flush()
    geofence.sync_rep_geofences(previous_rep_id)
    geofence.sync_rep_geofences(rep_id)
    if rep_id is not None and call.booked and geofence.needs_geofence(call):
        geofence.enqueue_call_geofence(call)
    if rep_id is not None:
        push.enqueue_assignment_push(call, rep_id)

    record_event(call.contact_card_id, "rep_assigned" if rep_id else "rep_unassigned",
                 lead_id=call.lead_id, call_id=call.call_id, actor_id=actor,
                 actor_role=actor_role_of(actor, role), at=now or utcnow(),
                 metadata={"rep_id": rep_id, "previous_rep_id": previous_rep_id})
    log.info("call %s assigned %s -> %s by %s", call.call_id, previous_rep_id, rep_id, actor)
    return True


def schedule_rep_followup(call: Call) -> ScheduledCall | None:
    """Replace the call's pending follow-up: due two hours after `quote_date`, when it has one."""
    db.session.execute(
        delete(ScheduledCall).where(ScheduledCall.call_id == call.call_id,
                                    ScheduledCall.is_completed.is_(False))
        .execution_options(synchronize_session=False))
    if call.assigned_rep_id is None or call.quote_date is None:
        return None
    followup = ScheduledCall(company_id=call.company_id, call_id=call.call_id,
                             scheduled_time=call.quote_date + FOLLOWUP_DELAY,
                             call_type="sales_followup")
    db.session.add(followup)
    return followup
