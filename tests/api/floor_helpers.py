"""Sales-floor rows for API tests: calls, contacts, leads and appointments written directly."""

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from otto.db import db
from otto.tenancy import tenant_scope


@contextmanager
def scope(app, company):
    """App context and tenant of `company`; commits what the block wrote."""
    with app.app_context(), tenant_scope(company.id):
        yield
        db.session.commit()


def unique_phone() -> str:
    """A valid New York number, practically never the same twice."""
    return f"+1212{2_000_000 + uuid.uuid4().int % 8_000_000}"


def make_call(app, company, **fields) -> int:
    from otto.calls.models import Call

    with scope(app, company):
        call = Call(company_id=company.id, **fields)
        db.session.add(call)
        db.session.flush()
        return call.call_id


def make_lead(app, company, phone: str | None = None, *, actor="test", **fields) -> tuple[str, str]:
    """(lead id, contact id) of a new lead for a new or existing contact with `phone`."""
    from otto.contacts.service import ensure_contact
    from otto.leads.service import create_lead

    contact_fields = {key: fields.pop(key) for key in ("address", "name") if key in fields}
    with scope(app, company):
        contact = ensure_contact(company.id, phone or unique_phone(),
                                 contact_fields.get("name"), address=contact_fields.get("address"))
        lead = create_lead(contact, actor=actor)
        for name, value in fields.items():
            setattr(lead, name, value)
        db.session.flush()
        return lead.id, contact.id


def make_appointment(app, company, lead_id: str, *, start: datetime | None = None,
                     **fields) -> str:
    from otto.appointments.models import Appointment
    from otto.leads.models import Lead

    with scope(app, company):
        lead = db.session.get(Lead, lead_id)
        appointment = Appointment(
            company_id=company.id, lead_id=lead.id, contact_card_id=lead.contact_card_id,
            scheduled_start=start or datetime.now(timezone.utc) + timedelta(days=1), **fields)
        db.session.add(appointment)
        db.session.flush()
        return appointment.id


def count_rows(app, company, model, *criteria) -> int:
    with scope(app, company):
        return db.session.execute(
            select(func.count()).select_from(model).where(*criteria)).scalar_one()


def load(app, company, model, key):
    """A detached copy of one row, read in the company's scope."""
    with scope(app, company):
        row = db.session.get(model, key)
        if row is not None:
            db.session.expunge(row)
        return row


def run_default_jobs(app) -> None:
    from jobs.worker import make_worker

    make_worker(app, ["default"], app.extensions["otto"].redis).work(burst=True)
