"""Helpers for the call-analysis API tests: calls with transcripts, and running the `ai` queue."""

import json
from contextlib import contextmanager

from otto.calls.models import Call
from otto.contacts.service import ensure_contact_and_lead
from otto.db import db
from otto.tenancy import tenant_scope
from support import FIXTURES

TRANSCRIPTS = FIXTURES / "transcripts"


@contextmanager
def scope(app, company_id: str):
    """App context + tenant; commits what the block wrote."""
    with app.app_context(), tenant_scope(company_id):
        yield
        db.session.commit()


def fixture_text(name: str) -> str:
    """A fixture transcript as the labelled plain text a CRM would store (`Rep: …` lines)."""
    data = json.loads((TRANSCRIPTS / f"{name}.json").read_text())
    labels = {"rep": "Rep", "customer": "Customer", "csr": "CSR"}
    return "\n".join(f"{labels[turn['speaker']]}: {turn['text']}" for turn in data["turns"])


def fixture_turns(name: str) -> list[dict]:
    return json.loads((TRANSCRIPTS / f"{name}.json").read_text())["turns"]


def make_call(app, company_id: str, *, phone: str | None = None, **fields) -> int:
    """A call of the company (with contact and lead when `phone` is given); returns its id."""
    with scope(app, company_id):
        contact_id = lead_id = None
        if phone:
            contact, lead = ensure_contact_and_lead(company_id, phone, fields.get("name"))
            contact_id, lead_id = contact.id, lead.id
        call = Call(company_id=company_id, contact_card_id=contact_id, lead_id=lead_id,
                    phone_number=phone, **fields)
        db.session.add(call)
        db.session.flush()
        return call.call_id


def run_ai_queue(app) -> None:
    from jobs.worker import make_worker

    make_worker(app, ["ai"], app.extensions["otto"].redis).work(burst=True)


def load_call(app, company_id: str, call_id: int) -> Call:
    with scope(app, company_id):
        return db.session.get(Call, call_id)
