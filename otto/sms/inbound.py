"""Inbound texts (Twilio, CallRail): keywords, the contact's thread, the call log, the welcome."""

import json
import logging
from datetime import datetime

from sqlalchemy import func, select

from otto.calls.models import Call
from otto.companies.models import Company
from otto.contacts.models import ContactCard
from otto.contacts.service import ensure_contact, ensure_lead, find_contact_by_phone
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.fields import json_list
from otto.leads.models import Lead
from otto.messages.models import MessageThread
from otto.phones import PhoneNumber, normalize_phone
from otto.sms.optouts import is_opted_out, keyword_of, record_opt_in, record_opt_out
from otto.sms.quiet_hours import send_not_before
from otto.sms.service import send_sms_later
from otto.webhooks.processing import Ignored

log = logging.getLogger(__name__)

WELCOME = ("Thanks for texting {company}! Our team will reply shortly. Feel free to send your "
           "address, a good time to reach you, or any questions.")
STOP_CONFIRMATION = ("{company}: you are unsubscribed and will get no more texts. "
                     "Reply START to resubscribe.")
START_CONFIRMATION = "{company}: you are subscribed again. Reply STOP to opt out."
HELP_REPLY = "{company}: reply STOP to opt out. Call {phone} for help."


def receive_sms(company: Company, *, provider: str, from_number: str | None, body: str,
                message_sid: str | None, media_urls: list[str] | None = None,
                opt_out_type: str | None = None,
                received_at: datetime | None = None) -> MessageThread:
    """Apply one inbound text inside the company's tenant scope (the caller's transaction)."""
    number = normalize_phone(from_number)
    if not number.has_digits:
        raise Ignored("the sender has no phone number")
    opted_out = is_opted_out(company.id, number.e164)
    keyword = keyword_of(body, opt_out_type, opted_out=opted_out)
    first_contact = not _has_history(number)

    contact = ensure_contact(company.id, number.stored_form)
    if keyword is not None:
        # Keywords are consent instructions: recorded and answered, no lead, welcome or recovery.
        message = _store(company, contact, None, provider, number, body, message_sid, media_urls)
        _apply_keyword(company, keyword, number, provider_replied=bool(opt_out_type),
                       message_sid=message_sid)
        record_event(contact.id, "sms_received", actor_id=number.stored_form, actor_role=None,
                     metadata={"message_id": message.id, "provider": provider, "keyword": keyword})
        return message

    had_lead = _newest_lead_id(contact)
    lead = ensure_lead(contact)
    call = _log_on_newest_call(company, contact, lead, number, body, provider, message_sid,
                               received_at)
    message = _store(company, contact, call.call_id, provider, number, body, message_sid,
                     media_urls)
    if lead.id != had_lead:
        log.info("sms.lead.created: lead %s from a text by %s (call %s, company %s)", lead.id,
                 number.stored_form, call.call_id, company.id)
    record_event(contact.id, "sms_received", lead_id=lead.id, call_id=call.call_id,
                 actor_id=number.stored_form,
                 metadata={"message_id": message.id, "provider": provider})

    if first_contact and not opted_out and number.e164:
        send_sms_later(company.id, number.e164, WELCOME.format(company=_name(company)),
                       not_before=send_not_before(company.timezone), key=f"welcome-{message.id}",
                       contact_card_id=contact.id, call_id=call.call_id)
    return message


def record_agent_text(company: Company, *, provider: str, to_number: str | None, body: str,
                      message_sid: str | None, agent: str, media_urls: list[str] | None = None,
                      sent_at: datetime | None = None) -> MessageThread:
    """A text a person sent from the provider's own app: the contact's thread, as a CSR message."""
    number = normalize_phone(to_number)
    contact = ensure_contact(company.id, number.stored_form) if number.has_digits else None
    if contact is None:
        raise Ignored("the recipient has no phone number")
    message = MessageThread(
        company_id=company.id, contact_card_id=contact.id, sender=agent[:255] or "agent",
        sender_role="csr", body=body, message_type="manual", direction="outbound",
        provider=provider, message_sid=message_sid, media_urls=media_urls or None, delivered=True,
        delivered_at=sent_at)
    db.session.add(message)
    db.session.flush()
    record_event(contact.id, "sms_sent", actor_id=agent[:64], actor_role="csr",
                 metadata={"message_id": message.id, "provider": provider})
    log.info("%s text %s by %s to %s kept on contact %s", provider, message_sid, agent,
             number.stored_form, contact.id)
    return message


def _store(company: Company, contact: ContactCard, call_id: int | None, provider: str,
           number: PhoneNumber, body: str, message_sid: str | None,
           media_urls: list[str] | None) -> MessageThread:
    message = MessageThread(
        company_id=company.id, contact_card_id=contact.id, call_id=call_id,
        sender=number.stored_form, sender_role="customer", body=body, message_type="manual",
        direction="inbound", provider=provider, message_sid=message_sid,
        media_urls=media_urls or None, delivered=True, delivered_at=utcnow())
    db.session.add(message)
    db.session.flush()
    log.info("%s text %s from %s kept on contact %s", provider, message_sid, number.stored_form,
             contact.id)
    return message


def _apply_keyword(company: Company, keyword: str, number: PhoneNumber, *, provider_replied: bool,
                   message_sid: str | None) -> None:
    """Update the opt-out store; reply unless the provider already did (Twilio `OptOutType`)."""
    source = "provider_opt_out_type" if provider_replied else "inbound_keyword"
    if keyword == "stop":
        record_opt_out(company.id, number.stored_form, source=source, keyword=keyword.upper(),
                       message_sid=message_sid)
        reply = STOP_CONFIRMATION
    elif keyword == "start":
        record_opt_in(company.id, number.stored_form, source=source, keyword=keyword.upper(),
                      message_sid=message_sid)
        reply = START_CONFIRMATION
    else:
        reply = company.sms_help_text or HELP_REPLY
    if provider_replied or number.e164 is None:
        return
    text = reply.format(company=_name(company), phone=company.phone_number or "us")
    send_sms_later(company.id, number.e164, text, key=f"{keyword}-{company.id}-{message_sid}",
                   keyword_reply=True)


def _has_history(number: PhoneNumber) -> bool:
    """Whether this number ever called or texted the company (checked before anything is added)."""
    calls = db.session.execute(
        select(func.count()).select_from(Call).where(Call.phone_number == number.stored_form)
    ).scalar()
    if calls:
        return True
    contact = find_contact_by_phone(number.stored_form)
    if contact is None:
        return False
    messages = db.session.execute(
        select(func.count()).select_from(MessageThread)
        .where(MessageThread.contact_card_id == contact.id)).scalar()
    return bool(messages)


def _newest_lead_id(contact: ContactCard) -> str | None:
    return db.session.execute(
        select(Lead.id).where(Lead.contact_card_id == contact.id)
        .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(1)).scalar_one_or_none()


def _log_on_newest_call(company: Company, contact: ContactCard, lead: Lead, number: PhoneNumber,
                        body: str, provider: str, message_sid: str | None,
                        received_at: datetime | None) -> Call:
    """The legacy per-call SMS log: append to the newest call of this number, else open one."""
    entry = {"timestamp": (received_at or utcnow()).isoformat().replace("+00:00", "Z"),
             "message": body, "direction": "inbound", "provider": provider,
             "message_sid": message_sid}
    call = db.session.execute(
        select(Call).where(Call.phone_number == number.stored_form)
        .order_by(Call.created_at.desc(), Call.call_id.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if call is None:
        call = Call(company_id=company.id, provider="sms", direction="inbound", status=None,
                    phone_number=number.stored_form, phone_number_raw=number.raw,
                    contact_card_id=contact.id, lead_id=lead.id, text_messages=json.dumps([entry]),
                    mobile_texts_count=1)
        db.session.add(call)
        db.session.flush()
        log.info("call %s opened for a text from %s (company %s)", call.call_id,
                 number.stored_form, company.id)
        return call
    entries = json_list(call.text_messages)
    entries.append(entry)
    call.text_messages = json.dumps(entries)
    call.mobile_texts_count = (call.mobile_texts_count or 0) + 1
    return call


def _name(company: Company) -> str:
    return company.name or "our team"
