"""STOP / START / HELP keywords and the opt-out store every outbound SMS consults first."""

import logging
import string
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otto.db import db, utcnow
from otto.phones import normalize_phone
from otto.sms.models import SmsOptOut
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT",
                           "REVOKE"})
START_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})


def keyword_of(body: str | None, provider_opt_out_type: str | None = None, *,
               opted_out: bool = False) -> str | None:
    """"stop", "start", "help" or None for an inbound message.

    The whole message must be the keyword (case and trailing punctuation aside); Twilio's
    `OptOutType` decides when present. "YES" re-subscribes only a number that opted out.
    """
    provider_type = (provider_opt_out_type or "").strip().upper()
    if provider_type in ("STOP", "START", "HELP"):
        return provider_type.lower()
    word = (body or "").strip().rstrip(string.punctuation + " ").upper()
    if word in STOP_KEYWORDS:
        return "stop"
    if word in START_KEYWORDS or (word == "YES" and opted_out):
        return "start"
    if word in HELP_KEYWORDS:
        return "help"
    return None


def is_opted_out(company_id: str, phone: str | None) -> bool:
    """Whether `phone` told this company to stop (numbers compared in E.164)."""
    e164 = normalize_phone(phone).e164
    if e164 is None:
        return False
    with tenant_scope(company_id):
        status = db.session.execute(
            select(SmsOptOut.status).where(SmsOptOut.phone == e164)).scalar_one_or_none()
    return status == "opted_out"


def record_opt_out(company_id: str, phone: str, *, source: str, keyword: str | None = None,
                   message_sid: str | None = None) -> SmsOptOut | None:
    """Mark `phone` opted out for the company (idempotent); None when it has no E.164 form."""
    return _upsert(company_id, phone, "opted_out", source=source, keyword=keyword,
                   message_sid=message_sid)


def record_opt_in(company_id: str, phone: str, *, source: str, keyword: str | None = None,
                  message_sid: str | None = None) -> SmsOptOut | None:
    """Mark `phone` opted back in (START, UNSTOP, YES after a STOP)."""
    return _upsert(company_id, phone, "opted_in", source=source, keyword=keyword,
                   message_sid=message_sid)


def _upsert(company_id: str, phone: str, status: str, *, source: str, keyword: str | None,
            message_sid: str | None) -> SmsOptOut | None:
    e164 = normalize_phone(phone).e164
    if e164 is None:
        log.info("opt-out %s for %r skipped: not a dialable number", status, phone)
        return None
    now = utcnow()
    moment = {"opted_out_at": now} if status == "opted_out" else {"opted_in_at": now}
    values = dict(status=status, keyword=keyword, source=source, last_message_sid=message_sid,
                  updated_at=now, **moment)
    with tenant_scope(company_id):
        db.session.execute(
            insert(SmsOptOut)
            .values(id=str(uuid.uuid4()), company_id=company_id, phone=e164, **values)
            .on_conflict_do_update(index_elements=["company_id", "phone"], set_=values))
        row = db.session.execute(
            select(SmsOptOut).where(SmsOptOut.phone == e164)
            .execution_options(populate_existing=True)).scalar_one()
    log.info("sms consent of %s for company %s: %s (%s)", e164, company_id, status, source)
    return row
