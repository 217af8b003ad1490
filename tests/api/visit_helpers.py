"""Rows the appointment, recording, shift, rep and mobile tests build directly in the database."""

import random
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, select

from otto.appointments.models import Appointment
from otto.calls.models import Call
from otto.contacts.service import ensure_contact_and_lead
from otto.db import db, utcnow
from otto.leads.models import Lead
from otto.tenancy import tenant_scope


@contextmanager
def scope(app, company_id: str):
    """App context and tenant of the company; commits what the block wrote."""
    with app.app_context(), tenant_scope(company_id):
        yield db.session
        db.session.commit()
        db.session.close()


def phone() -> str:
    """A fresh, valid US number (555 exchange)."""
    return f"+1415555{random.randint(0, 9999):04d}"


def make_lead(app, company, name: str = "Pat Homeowner", **fields) -> tuple[str, str]:
    """(lead id, contact card id) of a new lead with its own contact."""
    with scope(app, company.id):
        contact, lead = ensure_contact_and_lead(company.id, phone(), name)
        for key, value in fields.items():
            setattr(lead, key, value)
        return lead.id, contact.id


def make_appointment(
    app,
    company,
    *,
    rep_id: str | None = None,
    start: datetime | None = None,
    lead_id: str | None = None,
    **fields,
) -> str:
    """An appointment (default: in 10 minutes, scheduled) for a new or given lead."""
    if lead_id is None:
        lead_id, _ = make_lead(app, company)
    with scope(app, company.id) as session:
        lead = session.get(Lead, lead_id)
        appointment = Appointment(
            company_id=company.id,
            lead_id=lead_id,
            contact_card_id=lead.contact_card_id,
            assigned_rep_id=rep_id,
            scheduled_start=start or utcnow() + timedelta(minutes=10),
            geofence_radius_start=200.0,
            geofence_radius_stop=500.0,
            **fields,
        )
        session.add(appointment)
        session.flush()
        return appointment.id


def make_call(app, company, **fields) -> int:
    """A call row with the given columns (a customer phone by default)."""
    fields.setdefault("phone_number", phone())
    with scope(app, company.id) as session:
        call = Call(company_id=company.id, **fields)
        session.add(call)
        session.flush()
        return call.call_id


def load(app, company, model, key):
    """A detached copy of one row, read in the company's tenant scope."""
    with app.app_context(), tenant_scope(company.id):
        row = db.session.get(model, key)
        if row is not None:
            db.session.expunge(row)
        db.session.rollback()
        return row


def count(app, company, model, *criteria) -> int:
    with app.app_context(), tenant_scope(company.id):
        value = db.session.execute(
            select(func.count()).select_from(model).where(*criteria)
        ).scalar_one()
        db.session.rollback()
        return value


def update(app, company, model, key, **fields) -> None:
    with scope(app, company.id) as session:
        row = session.get(model, key)
        for name, value in fields.items():
            setattr(row, name, value)
