"""The one outbound SMS path: opt-out check, Twilio or the local log transport, the thread row."""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from rq import Retry

from otto.companies.models import Company
from otto.contacts.service import find_contact_by_phone
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.messages.models import MessageThread
from otto.phones import normalize_phone
from otto.sms.optouts import is_opted_out, record_opt_out
from otto.sms.segments import encoding_and_segments
from otto.tenancy import tenant_scope
from otto.transactions import on_commit

log = logging.getLogger(__name__)

SEND_RETRY = Retry(max=3, interval=[30, 120, 600])

# Twilio error codes: the recipient replied STOP to the sender; the number cannot take SMS.
TWILIO_OPTED_OUT = "21610"
TWILIO_UNDELIVERABLE = frozenset({"21211", "21612", "21614", "21408", "21606"})


@dataclass(frozen=True)
class SmsResult:
    """What happened to one send. `status`: sent, opted_out, undeliverable or failed."""

    status: str
    encoding: str
    segments: int
    provider: str | None = None
    message_sid: str | None = None
    error_code: str | None = None
    retryable: bool = False
    message_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


class SmsSendError(Exception):
    def __init__(self, code: str, *, retryable: bool):
        super().__init__(code)
        self.code, self.retryable = code, retryable


class RetryableSmsError(Exception):
    """Raised by the send job so RQ retries a provider 429/5xx or network failure."""


class LocalTransport:
    """Offline transport: the message is logged and counts as sent."""

    name = "local"

    def __init__(self, from_number: str | None):
        self.from_number = from_number

    def send(self, to: str, body: str) -> str:
        sid = f"local_{uuid.uuid4().hex}"
        log.info("sms %s to %s logged by the local transport (%d chars)", sid, to, len(body))
        return sid


class TwilioTransport:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str):
        self.account_sid, self.auth_token, self.from_number = account_sid, auth_token, from_number

    def send(self, to: str, body: str) -> str:
        import requests
        from twilio.base.exceptions import TwilioException, TwilioRestException
        from twilio.rest import Client

        client = Client(self.account_sid, self.auth_token, http_client=twilio_http_client())
        try:
            return client.messages.create(to=to, from_=self.from_number, body=body).sid
        except TwilioRestException as error:
            status = error.status or 0
            raise SmsSendError(str(error.code or status), retryable=status == 429 or status >= 500)
        except (requests.RequestException, TwilioException) as error:
            raise SmsSendError(type(error).__name__, retryable=True)


def twilio_http_client():
    """The HTTP client the Twilio library uses (None: its default); tests point it at a stub."""
    return None


def transport_for(company: Company):
    """Twilio when credentials and a from-number exist (the company's, else the platform's)."""
    settings = current_app.extensions["otto"].settings
    if company.twilio_account_sid and company.twilio_auth_token:
        sid, token = company.twilio_account_sid, company.twilio_auth_token
        from_number = company.primary_tracking_number or settings.twilio_from_number
    else:
        sid, token = settings.twilio_account_sid, settings.twilio_auth_token
        from_number = settings.twilio_from_number
    if sid and token and from_number:
        return TwilioTransport(sid, token, from_number)
    return LocalTransport(company.primary_tracking_number or company.phone_number)


def send_sms(company_id: str, to: str, body: str, *, contact_card_id: str | None = None,
             call_id: int | None = None, sender_role: str = "otto",
             message_type: str = "automated", sender: str | None = None,
             keyword_reply: bool = False) -> SmsResult:
    """Send one SMS now and record it on the recipient's thread; never raises for provider errors.

    Call it from a job or after commit (it may wait on Twilio). Numbers that opted out are
    refused, except for `keyword_reply` (the answer to the customer's own STOP/START/HELP).
    Only numbers with an E.164 form are texted. The caller commits.
    """
    encoding, segments = encoding_and_segments(body)
    e164 = normalize_phone(to).e164
    if e164 is None:
        log.info("sms for company %s not sent: %r is not a dialable number", company_id, to)
        return SmsResult("undeliverable", encoding, segments, error_code="invalid_number")
    if not keyword_reply and is_opted_out(company_id, e164):
        log.info("sms for company %s to %s not sent: opted out", company_id, e164)
        return SmsResult("opted_out", encoding, segments, error_code="opted_out")

    company = db.session.get(Company, company_id)
    transport = transport_for(company)
    try:
        message_sid = transport.send(e164, body)
    except SmsSendError as error:
        return _failed(company_id, e164, error, encoding, segments, transport.name)

    with tenant_scope(company_id):
        contact_id = contact_card_id or getattr(find_contact_by_phone(e164), "id", None)
        message_id = None
        if contact_id is not None:
            message = MessageThread(
                company_id=company_id, contact_card_id=contact_id, call_id=call_id,
                sender=sender or transport.from_number or "otto", sender_role=sender_role,
                body=body, message_type=message_type, direction="outbound",
                provider=transport.name, message_sid=message_sid, encoding=encoding,
                segments=segments, delivered=transport.name == "local",
                delivered_at=utcnow() if transport.name == "local" else None)
            db.session.add(message)
            db.session.flush()
            message_id = message.id
            record_event(contact_id, "sms_sent", call_id=call_id, actor_id=sender or "otto",
                         actor_role="ai" if sender_role == "otto" else sender_role,
                         metadata={"message_id": message_id, "provider": transport.name,
                                   "message_type": message_type, "segments": segments})
            db.session.flush()  # while the company's RLS setting holds
    log.info("sms %s sent to %s for company %s via %s (%s, %d segment(s))", message_sid, e164,
             company_id, transport.name, encoding, segments)
    return SmsResult("sent", encoding, segments, provider=transport.name, message_sid=message_sid,
                     message_id=message_id)


def _failed(company_id: str, e164: str, error: SmsSendError, encoding: str, segments: int,
            provider: str) -> SmsResult:
    if error.code == TWILIO_OPTED_OUT:
        record_opt_out(company_id, e164, source="provider_error_21610")
        status = "opted_out"
    elif error.code in TWILIO_UNDELIVERABLE:
        status = "undeliverable"
    else:
        status = "failed"
    log.warning("sms for company %s to %s failed via %s: %s (%s)", company_id, e164, provider,
                error.code, "retryable" if error.retryable else "final")
    return SmsResult(status, encoding, segments, provider=provider, error_code=error.code,
                     retryable=error.retryable and status == "failed")


def send_sms_job(company_id: str, to: str, body: str, options: dict) -> str:
    """Job on the `sms` queue: send and commit; RQ retries provider 429/5xx and network errors."""
    result = send_sms(company_id, to, body, **options)
    db.session.commit()
    if result.retryable:
        raise RetryableSmsError(f"sms to {to} failed with {result.error_code}")
    return result.status


def send_sms_later(company_id: str, to: str, body: str, *, not_before: datetime | None = None,
                   key: str | None = None, **options) -> None:
    """Send from the `sms` queue once the current transaction commits (at `not_before` if set).

    `key` makes the send single: a second call with the same key while the first is pending
    does not queue another message.
    """
    from jobs.queues import enqueue, queue

    job_id = f"sms-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}" if key else None
    if not_before is None:
        enqueue("sms", send_sms_job, company_id, to, body, options, job_id=job_id,
                retry=SEND_RETRY, company_id=company_id)
        return

    def schedule():
        queue("sms").enqueue_at(not_before, send_sms_job, company_id, to, body, options,
                                job_id=job_id, retry=SEND_RETRY, meta={"company_id": company_id})
        log.info("sms to %s for company %s deferred to %s (quiet hours)", to, company_id,
                 not_before.isoformat())

    on_commit(schedule)
