"""Contact and lead resolution by phone ("ensure", §5.3), safe under concurrent inserts."""

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otto.contacts.models import ContactCard
from otto.db import db
from otto.leads.models import ACTIVE_LEAD_STATUSES, Lead
from otto.leads.service import create_lead
from otto.phones import normalize_phone
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)


def phone_key(phone: str | None) -> str | None:
    """The value a contact's phone column holds for `phone`; None when it has no digit."""
    number = normalize_phone(phone)
    return number.stored_form if number.has_digits else None


def find_contact_by_phone(phone: str | None) -> ContactCard | None:
    """The current company's contact for `phone`: by primary phone, then by secondary phone."""
    key = phone_key(phone)
    if key is None:
        return None
    contact = db.session.execute(
        select(ContactCard).where(ContactCard.primary_phone == key)
    ).scalar_one_or_none()
    if contact is None:
        contact = db.session.execute(
            select(ContactCard).where(ContactCard.secondary_phone == key)
            .order_by(ContactCard.created_at, ContactCard.id).limit(1)
        ).scalar_one_or_none()
    return contact


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """"Jane van Dyke" → ("Jane", "van Dyke"); one word is a first name."""
    parts = (name or "").split(maxsplit=1)
    if not parts:
        return None, None
    return parts[0], (parts[1] if len(parts) > 1 else None)


def ensure_contact(company_id: str, phone: str | None, name: str | None = None, *,
                   email: str | None = None, address: str | None = None) -> ContactCard | None:
    """The company's contact for `phone`, created when absent; None when `phone` has no digit.

    Concurrent callers with the same number meet at the unique (company_id, primary_phone):
    INSERT … ON CONFLICT DO NOTHING, then read back, so they all get the one row. Name, email and
    address are written on creation; a later name only fills a contact that has none.
    """
    key = phone_key(phone)
    if key is None:
        log.info("phone %r has no digits: no contact for company %s", phone, company_id)
        return None
    first_name, last_name = split_name(name)

    with tenant_scope(company_id):
        contact = find_contact_by_phone(key)
        if contact is None:
            inserted = db.session.execute(
                insert(ContactCard).values(
                    id=str(uuid.uuid4()), company_id=company_id, primary_phone=key,
                    first_name=first_name, last_name=last_name, email=email, address=address)
                .on_conflict_do_nothing(index_elements=["company_id", "primary_phone"])
                .returning(ContactCard.id)
            ).scalar_one_or_none()
            contact = db.session.execute(
                select(ContactCard).where(ContactCard.primary_phone == key)
            ).scalar_one()
            if inserted:
                log.info("contact %s created for %s in company %s", contact.id, key, company_id)
        elif first_name and not (contact.first_name or contact.last_name):
            contact.first_name, contact.last_name = first_name, last_name
    return contact


def ensure_lead(contact: ContactCard, *, actor: str = "otto", source: str = "inbound_call") -> Lead:
    """The contact's newest lead when it is active, else a new lead (`new`, in the pool).

    The contact row is locked first, so two callers for one contact create at most one lead.
    """
    db.session.execute(
        select(ContactCard.id).where(ContactCard.id == contact.id).with_for_update())
    newest = db.session.execute(
        select(Lead).where(Lead.contact_card_id == contact.id)
        .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(1)
    ).scalar_one_or_none()
    if newest is not None and newest.status in ACTIVE_LEAD_STATUSES:
        return newest
    return create_lead(contact, actor=actor, status="new", source=source)


def ensure_contact_and_lead(company_id: str, phone: str | None, name: str | None = None, *,
                            actor: str = "otto", source: str = "inbound_call",
                            **contact_fields) -> tuple[ContactCard | None, Lead | None]:
    """§5.3 for add-call, inbound call/SMS webhooks and missed-call enqueue: (contact, lead),
    or (None, None) when the number has no digit (the call itself is still written)."""
    contact = ensure_contact(company_id, phone, name, **contact_fields)
    if contact is None:
        return None, None
    with tenant_scope(company_id):
        lead = ensure_lead(contact, actor=actor, source=source)
        db.session.flush()  # while the company's row-level security setting is in force
    return contact, lead
