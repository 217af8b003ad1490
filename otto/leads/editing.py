"""Creating and editing leads on a user's request (POST and PATCH /api/v1/leads)."""

import logging

from otto.auth.roles import MANAGER
from otto.contacts.models import ContactCard
from otto.contacts.service import ensure_contact
from otto.db import utcnow
from otto.errors import InsufficientPermissions, NotFound
from otto.leads.models import Lead
from otto.leads.service import create_lead, set_pool_status, transition_lead

log = logging.getLogger(__name__)

# Fields PATCH copies as given; status and pool_status go through their machines.
PLAIN_FIELDS = ("source", "campaign", "pipeline_stage", "priority", "score", "tags",
                "last_contacted_at", "last_qualified_at", "deal_summary")


def create_lead_from_request(company_id: str, args: dict, *, actor: str) -> Lead:
    """One new lead for a contact given by id, or by phone (found or created).

    The caller checked that a phone is dialable; a contact id must belong to the company.
    """
    contact_card_id = args.pop("contact_card_id", None)
    phone = args.pop("primary_phone", None)
    if contact_card_id is not None:
        contact = ContactCard.get_for_company(contact_card_id, lambda: NotFound(
            "Contact card not found", details={"contact_card_id": contact_card_id}))
    else:
        contact = ensure_contact(company_id, phone)

    fields = {name: value for name, value in args.items() if value is not None}
    return create_lead(contact, actor=actor, **fields)


def update_lead(lead: Lead, changes: dict, *, actor: str, role: str) -> dict:
    """Apply a PATCH: plain fields, then the status machine, then archive/restore.

    Null means unchanged. Returns the fields that changed with their new values.
    """
    changes = {name: value for name, value in changes.items() if value is not None}
    pool_status = changes.pop("pool_status", None)
    if pool_status is not None and role != MANAGER:
        raise InsufficientPermissions("Only a manager can archive or restore a lead.")

    changed = {}
    for name in PLAIN_FIELDS:
        if name in changes and getattr(lead, name) != changes[name]:
            setattr(lead, name, changes[name])
            changed[name] = changes[name]
    if "status" in changes and transition_lead(lead, changes["status"], actor, role=role):
        changed["status"] = lead.status
    if pool_status is not None and set_pool_status(lead, pool_status):
        changed["pool_status"] = lead.pool_status
    if changed:
        lead.updated_at = utcnow()
        log.info("lead %s updated by %s: %s", lead.id, actor, ", ".join(sorted(changed)))
    return changed
