"""Calls entered and updated by staff through the API (add-call, update-call-status)."""

import logging
from datetime import datetime
from decimal import Decimal

from otto.calls import geofence, push
from otto.calls.assignment import assign_call, schedule_rep_followup
from otto.calls.models import Call
from otto.calls.service import set_call_status
from otto.contacts.property import enqueue_refresh, scrape_warranted
from otto.contacts.service import ensure_contact_and_lead
from otto.contacts.timeline import actor_role_of, record_event
from otto.db import db, utcnow
from otto.leads.service import apply_deal_status
from otto.phones import normalize_phone

log = logging.getLogger(__name__)


def add_call(company, *, phone_number: str, actor: str, role: str, name: str | None = None,
             address: str | None = None, quote_date: datetime | None = None, booked: bool = False,
             missed_call: bool = False, transcript: str | None = None,
             bland_call_id: str | None = None) -> Call:
    """Record a call a CSR or manager took: contact and lead ensured, the call linked to both.

    The caller checked that the number is dialable. A manual record describes a call that
    has ended, so its status is `missed` or `completed`.
    """
    number = normalize_phone(phone_number)
    contact, lead = ensure_contact_and_lead(company.id, number.stored_form, name, actor=actor,
                                            address=address)
    if contact is not None and address:
        _note_contact_address(contact, address)
    call = Call(
        company_id=company.id, contact_card_id=contact.id if contact else None,
        lead_id=lead.id if lead else None, provider="manual", phone_number=number.stored_form,
        phone_number_raw=phone_number, name=name, address=address, quote_date=quote_date,
        booked=booked, missed_call=missed_call, transcript=transcript, bland_call_id=bland_call_id,
        # CSR performance counts calls by their handler; managers enter calls for others.
        owner_id=actor if role == "csr" else None,
    )
    set_call_status(call, "missed" if missed_call else "completed")
    db.session.add(call)
    db.session.flush()

    record_event(call.contact_card_id, "call_missed" if missed_call else "call_received",
                 lead_id=call.lead_id, call_id=call.call_id, actor_id=actor,
                 actor_role=actor_role_of(actor, role), metadata={"provider": "manual"})
    if booked:
        if lead is not None:
            apply_deal_status(lead, "appointment_created")
        if geofence.needs_geofence(call):
            geofence.enqueue_call_geofence(call)
        push.enqueue_unassigned_call_push(call)
    log.info("call %s added by %s for company %s (booked=%s, missed=%s)",
             call.call_id, actor, company.id, booked, missed_call)
    return call


def _note_contact_address(contact, address: str) -> None:
    """Give an address-less contact the call's address; a newly known address is researched.

    A contact's own address is never replaced by a call's: the job site may be elsewhere.
    """
    if contact.address is None:
        contact.address = address
    if contact.address == address and scrape_warranted(contact):
        enqueue_refresh(contact, force=False)


def update_call_status(call: Call, changes: dict, *, actor: str, role: str) -> bool:
    """Apply the outcome flags of update-call-status; True when the call's geofence must go.

    Conditional fields follow the call's state after this update: a price only for a bought
    call, a not-bought reason only for one that is not, a cancellation reason only when
    cancelled. `assigned_rep_id` (when present) reassigns the call.
    """
    if changes.get("bought") is not None:
        call.bought = changes["bought"]
    if changes.get("cancelled") is not None:
        call.cancelled = changes["cancelled"]
    if changes.get("rescheduled") is not None:
        call.rescheduled = changes["rescheduled"]
    if changes.get("price_if_bought") is not None and call.bought:
        call.price_if_bought = Decimal(changes["price_if_bought"])
    not_bought_reason = changes.get("reason_not_bought_homeowner")
    if not_bought_reason is not None and not call.bought:
        call.reason_not_bought_homeowner = not_bought_reason
    if changes.get("reason_for_cancellation") is not None and call.cancelled:
        call.reason_for_cancellation = changes["reason_for_cancellation"]
    if changes.get("quote_date") is not None:
        call.quote_date = changes["quote_date"]
        schedule_rep_followup(call)

    geofence_removed = (changes.get("bought") is not None
                        or (not_bought_reason is not None and not call.bought)
                        or changes.get("cancelled") is True)
    if geofence_removed:
        geofence.remove_call_geofence(call)
    if "assigned_rep_id" in changes:
        assign_call(call, changes["assigned_rep_id"], actor=actor, role=role, now=utcnow())

    log.info("call %s status updated by %s (%s)", call.call_id, actor, ", ".join(sorted(changes)))
    return geofence_removed
