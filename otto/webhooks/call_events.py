"""Provider call events (CallRail, Twilio) applied to the call row, its contact card and lead."""

import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otto.calls.models import Call
from otto.calls.service import set_call_status
from otto.companies.models import Company
from otto.contacts.service import ensure_contact_and_lead
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.fields import json_list
from otto.phones import normalize_phone
from otto.users.models import User

log = logging.getLogger(__name__)

# The timeline row written when a call reaches each of these statuses.
TIMELINE_EVENT_BY_STATUS = {"incoming": "call_received", "missed": "call_missed",
                            "completed": "call_completed"}


def locked_call(company_id: str, provider: str, external_call_id: str) -> tuple[Call, bool]:
    """The one call row for a provider's call id, locked; (call, created).

    Deliveries for one call (pre-call, answered, post-call, status callbacks) may be processed
    at the same moment: they meet at the unique (company, provider, external_call_id).
    """
    inserted = db.session.execute(
        insert(Call)
        .values(company_id=company_id, provider=provider, external_call_id=external_call_id)
        .on_conflict_do_nothing(index_elements=["company_id", "provider", "external_call_id"])
        .returning(Call.call_id)
    ).scalar_one_or_none()
    call = db.session.execute(
        select(Call).where(Call.provider == provider, Call.external_call_id == external_call_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    return call, inserted is not None


def apply_call_event(company: Company, *, provider: str, external_call_id: str,
                     customer_phone: str | None, direction: str, outcome: str | None,
                     customer_name: str | None = None, started_at: datetime | None = None,
                     duration: int | None = None, recording_url: str | None = None,
                     transcript: str | None = None, csr_id: str | None = None,
                     call_sid: str | None = None, final: bool = False) -> Call:
    """Create or merge the call for one provider event; later deliveries only fill and advance.

    `outcome` is the call status the event reports (None: no status news). Status moves are
    forward-only (provider events out of order are ignored); recording and transcript are
    filled when they first appear, never duplicated.
    """
    call, created = locked_call(company.id, provider, external_call_id)
    number = normalize_phone(customer_phone)
    if created or call.contact_card_id is None:
        contact, lead = ensure_contact_and_lead(company.id, customer_phone, customer_name)
        call.contact_card_id = contact.id if contact else None
        call.lead_id = lead.id if lead else None
    if call.phone_number is None and number.stored_form:
        call.phone_number, call.phone_number_raw = number.stored_form, number.raw
    call.name = call.name or customer_name
    call.direction = call.direction or direction
    call.call_type = call.call_type or "csr_call"
    call.started_at = call.started_at or started_at
    call.call_sid = call.call_sid or call_sid

    if outcome is not None:
        _advance(call, outcome, direction)
    if duration is not None and (final or outcome in ("answered", "completed")):
        call.last_call_duration = duration
    new_input = False
    if recording_url and call.recording_url != recording_url:
        call.recording_url, new_input = recording_url, True
        log.info("call %s recording from %s", call.call_id, provider)
    if transcript and not call.transcript:
        call.transcript, new_input = transcript, True
    if csr_id and _is_company_csr(csr_id):
        call.owner_id = csr_id
    if created:
        log.info("call %s created from %s call %s for company %s", call.call_id, provider,
                 external_call_id, company.id)
    if new_input:
        request_analysis_of(call)
    return call


def request_analysis_of(call: Call) -> None:
    """Queue transcription + analysis (after commit) now that the call has words or audio."""
    from otto.analysis.service import request_analysis

    db.session.flush()
    request_analysis(call)


def _advance(call: Call, outcome: str, direction: str) -> None:
    if not set_call_status(call, outcome, from_provider=True):
        return
    if outcome == "missed":
        call.missed_call = True  # the missed-call queue picks calls up by this flag and status
    elif outcome in ("answered", "completed") and direction == "inbound":
        call.missed_call = False
    timeline_event = TIMELINE_EVENT_BY_STATUS.get(outcome)
    if timeline_event:
        record_event(call.contact_card_id, timeline_event, lead_id=call.lead_id,
                     call_id=call.call_id, actor_id=call.provider, actor_role="system",
                     metadata={"provider": call.provider,
                               "external_call_id": call.external_call_id})


def add_recording(call: Call, *, recording_sid: str, recording_url: str, duration: int | None,
                  call_sid: str | None) -> bool:
    """Append the legacy `mobile_transcript` entry for a finished recording once; True if new."""
    entries = json_list(call.mobile_transcript)
    if any(entry.get("recording_sid") == recording_sid for entry in entries):
        return False
    minutes, seconds = divmod(duration or 0, 60)
    entries.append({"timestamp": utcnow().isoformat().replace("+00:00", "Z"),
                    "duration": f"{minutes}:{seconds:02d}", "call_sid": call_sid,
                    "recording_sid": recording_sid, "recording_url": recording_url,
                    "transcript": None})
    call.mobile_transcript = json.dumps(entries)
    call.recording_url = recording_url
    request_analysis_of(call)
    return True


def _is_company_csr(user_id: str) -> bool:
    user = db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()
    return user is not None and user.role == "csr" and user.is_active
