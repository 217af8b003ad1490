"""Twilio deliveries: routing by fields, tenant and token resolution, TwiML, and their effects."""

import logging
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from sqlalchemy import or_, select, text
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from otto.calls.models import Call
from otto.calls.service import set_call_status
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.messages.models import MessageThread
from otto.phones import normalize_phone
from otto.tenancy import tenant_scope
from otto.webhooks import call_events
from otto.webhooks.intake import body_digest, parse_fields
from otto.webhooks.processing import Ignored, Unmatched

log = logging.getLogger(__name__)

HANDLED_EVENTS = ("voice.incoming", "call.status", "dial.action", "recording", "sms.inbound",
                  "message.status")

# Twilio CallStatus → calls.status; None: the status is recorded on the leg only.
CALL_STATUS = {"ringing": "ringing", "in-progress": "in_progress", "answered": "answered",
               "completed": "completed"}
NOT_CONNECTED = ("no-answer", "busy", "failed", "canceled")

UNKNOWN_NUMBER_MESSAGE = "Sorry, this number cannot take calls right now. Goodbye."


def message_sid_of(fields: dict) -> str | None:
    return fields.get("MessageSid") or fields.get("SmsSid") or fields.get("SmsMessageSid") or None


def signed_params(raw_body: bytes) -> list[tuple[str, str]]:
    """The POST parameters as Twilio signed them: every pair, repeated names included."""
    return parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True)


def classify(route: str, fields: dict, raw_body: bytes) -> tuple[str, str]:
    """(event_type, event_key) by the fields present; unknown shapes are kept as `unrecognised`."""
    call_sid, message_sid = fields.get("CallSid"), message_sid_of(fields)
    if route == "voice":
        if call_sid:
            return "voice.incoming", f"{call_sid}:incoming"
    elif fields.get("RecordingSid") and fields.get("RecordingStatus"):
        return "recording", f"{fields['RecordingSid']}:{fields['RecordingStatus']}"
    elif call_sid and fields.get("DialCallStatus"):
        return "dial.action", f"{call_sid}:dial"
    elif message_sid and "Body" in fields:
        return "sms.inbound", message_sid
    elif message_sid and fields.get("MessageStatus"):
        return "message.status", f"{message_sid}:{fields['MessageStatus']}"
    elif call_sid and fields.get("CallStatus") and route == "router":
        sequence = fields.get("SequenceNumber") or body_digest(raw_body)[:16]
        return "call.status", f"{call_sid}:{fields['CallStatus']}:{sequence}"
    return "unrecognised", f"unrecognised:{body_digest(raw_body)}"


def resolve_company(fields: dict) -> Company | None:
    """The company by the number called (or, for outbound legs, calling), or by a known sid."""
    outbound = str(fields.get("Direction") or "").startswith("outbound") or (
        "Body" not in fields and bool(fields.get("MessageStatus")))
    candidates = [fields.get("To"), fields.get("Called")]
    if outbound:
        candidates += [fields.get("From"), fields.get("Caller")]
    for number in candidates:
        e164 = normalize_phone(number).e164
        company = Company.by_routing_number(e164) if e164 else None
        if company is not None:
            return company

    # AccountSid alone never routes: account sids are stored encrypted (compared in auth_token).
    # Calls and messages are tenant rows: these functions disclose only the owning company id.
    company_id = None
    if fields.get("CallSid"):
        company_id = db.session.execute(text("SELECT otto_call_company(:sid)"),
                                        {"sid": fields["CallSid"]}).scalar()
    if company_id is None and message_sid_of(fields):
        company_id = db.session.execute(text("SELECT otto_message_company(:sid)"),
                                        {"sid": message_sid_of(fields)}).scalar()
    return db.session.get(Company, company_id) if company_id else None


def auth_token(company: Company | None, fields: dict, platform_token: str | None) -> str | None:
    """The company's token for deliveries from its own Twilio account, else the platform's."""
    if (company is not None and company.twilio_auth_token and company.twilio_account_sid
            and fields.get("AccountSid") == company.twilio_account_sid):
        return company.twilio_auth_token
    return platform_token


def empty_twiml() -> str:
    return str(MessagingResponse())


def dial_twiml(company: Company | None, fields: dict, base_url: str) -> str:
    """Forward an inbound call to the company's main line, recording from answer."""
    response = VoiceResponse()
    called = normalize_phone(fields.get("To")).e164
    forward_to = company.phone_number if company is not None else None
    if not forward_to or forward_to == called:
        response.say(UNKNOWN_NUMBER_MESSAGE)
        response.hangup()
        return str(response)
    callback = f"{base_url.rstrip('/')}/twilio-webhook"
    dial = response.dial(action=callback, timeout=20, record="record-from-answer",
                         recording_status_callback=callback)
    dial.number(forward_to)
    return str(response)


def handle(event) -> str:
    """Apply one stored Twilio event inside its company; returns the company id."""
    fields = parse_fields(event.raw_body)
    if fields is None:
        raise Ignored("body is neither a form nor a JSON object")
    if event.event_type not in HANDLED_EVENTS:
        raise Ignored(f"unsupported event {event.event_type}")
    company = resolve_company(fields)
    if company is None:
        raise Unmatched("no company owns this number, call or message")

    with tenant_scope(company.id):
        {
            "voice.incoming": _voice_incoming,
            "call.status": _call_status,
            "dial.action": _dial_action,
            "recording": _recording,
            "sms.inbound": _sms_inbound,
            "message.status": _message_status,
        }[event.event_type](company, fields)
        db.session.flush()  # tenant rows are written while the company's RLS setting holds
    return company.id


def _customer_number(fields: dict) -> str | None:
    if str(fields.get("Direction") or "").startswith("outbound"):
        return fields.get("To") or fields.get("Called")
    return fields.get("From") or fields.get("Caller")


def _direction(fields: dict) -> str:
    return "outbound" if str(fields.get("Direction") or "").startswith("outbound") else "inbound"


def _seconds(value) -> int | None:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def _call(company: Company, fields: dict, outcome: str | None, **extra) -> Call:
    return call_events.apply_call_event(
        company, provider="twilio", external_call_id=fields["CallSid"], call_sid=fields["CallSid"],
        customer_phone=_customer_number(fields), direction=_direction(fields), outcome=outcome,
        **extra)


def _voice_incoming(company: Company, fields: dict) -> None:
    _call(company, fields, "incoming")


def _call_status(company: Company, fields: dict) -> None:
    """Every status is applied to the leg; calls.status only moves forward."""
    status = str(fields.get("CallStatus") or "").lower()
    outcome = CALL_STATUS.get(status)
    if status in NOT_CONNECTED and _direction(fields) == "inbound":
        outcome = "missed"
    duration = _seconds(fields.get("CallDuration")) if status == "completed" else None
    call = _call(company, fields, outcome, duration=duration)
    call.last_call_status = status
    call.last_call_timestamp = _iso(fields.get("Timestamp"))
    _attach_recording(call, fields)


def _dial_action(company: Company, fields: dict) -> None:
    """The forwarded leg's outcome: answered then completed, or a missed call."""
    status = str(fields.get("DialCallStatus") or "").lower()
    if status in ("completed", "answered"):
        call = _call(company, fields, "answered")
        set_call_status(call, "completed", from_provider=True)
        call.last_call_duration = _seconds(fields.get("DialCallDuration"))
    elif status in NOT_CONNECTED:
        call = _call(company, fields, "missed")
    else:
        raise Ignored(f"dial status {status!r}")
    _attach_recording(call, fields)


def _attach_recording(call, fields: dict) -> None:
    """A recording that rides on a status or dial callback (Record=true on the call)."""
    if fields.get("RecordingSid") and fields.get("RecordingUrl"):
        call_events.add_recording(call, recording_sid=fields["RecordingSid"],
                                  recording_url=fields["RecordingUrl"],
                                  duration=_seconds(fields.get("RecordingDuration")),
                                  call_sid=fields["CallSid"])


def _recording(company: Company, fields: dict) -> None:
    if fields.get("RecordingStatus") != "completed" or not fields.get("RecordingUrl"):
        raise Ignored(f"recording {fields.get('RecordingSid')} is {fields.get('RecordingStatus')}")
    call_sid = fields.get("CallSid")
    call = db.session.execute(
        select(Call).where(or_(Call.call_sid == call_sid, (Call.provider == "twilio")
                               & (Call.external_call_id == call_sid)))
        .order_by(Call.created_at).limit(1).with_for_update()).scalar_one_or_none()
    if call is None:
        raise Ignored(f"no call for recording {fields.get('RecordingSid')}")
    call_events.add_recording(call, recording_sid=fields["RecordingSid"],
                              recording_url=fields["RecordingUrl"],
                              duration=_seconds(fields.get("RecordingDuration")),
                              call_sid=fields.get("CallSid"))


def _sms_inbound(company: Company, fields: dict) -> None:
    from otto.sms.inbound import receive_sms

    media_count = _seconds(fields.get("NumMedia")) or 0
    media_urls = [fields[f"MediaUrl{index}"] for index in range(media_count)
                  if fields.get(f"MediaUrl{index}")]
    receive_sms(company, provider="twilio", from_number=fields.get("From"),
                body=fields.get("Body") or "", message_sid=message_sid_of(fields),
                media_urls=media_urls, opt_out_type=fields.get("OptOutType"))


def _message_status(company: Company, fields: dict) -> None:
    """Delivery receipts for texts Otto sent; a 21610 refusal records the opt-out."""
    from otto.sms.optouts import record_opt_out
    from otto.sms.service import TWILIO_OPTED_OUT

    status = str(fields.get("MessageStatus") or "").lower()
    message = db.session.execute(
        select(MessageThread).where(MessageThread.provider == "twilio",
                                    MessageThread.message_sid == message_sid_of(fields))
    ).scalar_one_or_none()
    if str(fields.get("ErrorCode") or "") == TWILIO_OPTED_OUT and fields.get("To"):
        record_opt_out(company.id, fields["To"], source="provider_error_21610",
                       message_sid=message_sid_of(fields))
    if message is None:
        raise Ignored(f"no message {message_sid_of(fields)}")
    if status == "delivered":
        message.delivered, message.delivered_at = True, utcnow()
    elif status in ("undelivered", "failed"):
        message.delivered = False


def _iso(value: str | None) -> str | None:
    """Twilio's RFC 2822 `Timestamp` as ISO-8601 UTC."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat().replace("+00:00", "Z")
    except (TypeError, ValueError):
        return value
