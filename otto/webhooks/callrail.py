"""CallRail deliveries: company and key resolution, idempotency keys, and the call/SMS effects."""

import json
import logging
from datetime import datetime, timezone

from sqlalchemy import select

from otto.companies.models import Company
from otto.db import db
from otto.phones import normalize_phone
from otto.tenancy import tenant_scope
from otto.webhooks import call_events
from otto.webhooks.intake import body_digest
from otto.webhooks.processing import Ignored, Unmatched

log = logging.getLogger(__name__)

VOICE_EVENTS = ("call.incoming", "call.answered", "call.missed", "call.completed", "call.modified")
SMS_EVENTS = ("text_message_received", "text_message_sent")
HANDLED_EVENTS = VOICE_EVENTS + SMS_EVENTS

# Each meaning and the names CallRail (current and legacy payloads) uses for it, best first.
VOICE_FIELDS = {
    "call_id": ("resource_id", "call_id", "id"),
    "customer_phone": ("customer_phone_number", "caller_number", "callernum"),
    "tracking_phone": ("tracking_phone_number", "tracking_number", "trackingnum"),
    "customer_name": ("customer_name", "callername"),
    "started_at": ("start_time", "created_at", "timestamp"),
    "recording": ("recording", "recording_url"),
}
SMS_FIELDS = {
    "message_id": ("resource_id", "id", "message_id"),
    "from": ("source_number", "from_number", "caller_number"),
    "to": ("destination_number", "to_number", "tracking_number"),
    "body": ("content", "message", "text"),
}


def pick(payload: dict, names: tuple[str, ...]) -> str | None:
    """The first of `names` with a non-empty value, as text (numeric ids become strings)."""
    for name in names:
        value = payload.get(name)
        if value is None or isinstance(value, (dict, list)):
            continue
        text = str(value).strip()
        if text:
            return text
    return None


def as_bool(value) -> bool | None:
    """CallRail sends booleans as true/false or as the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_seconds(value) -> int | None:
    try:
        return max(0, int(float(str(value).strip())))
    except (TypeError, ValueError):
        return None

EARLIEST_CALL_YEAR, LATEST_CALL_YEAR = 1990, 2200


def plausible_time(moment: datetime) -> bool:
    """A provider time a call can really have; year 9999 in a payload is garbage, not data."""
    return EARLIEST_CALL_YEAR <= moment.year <= LATEST_CALL_YEAR


def parse_time(value) -> datetime | None:
    """An aware datetime from CallRail's ISO-8601 values (offsets kept; naive read as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return parsed if plausible_time(parsed) else None


def sent_at(payload: dict) -> datetime | None:
    """When CallRail says the event happened (`timestamp`, else `created_at`)."""
    return parse_time(payload.get("timestamp")) or parse_time(payload.get("created_at"))


def is_outbound_text(payload: dict) -> bool:
    """A sent text names the agent who wrote it; received texts have no agent."""
    return bool(payload.get("agent"))


def resolve_company(payload: dict, path_event: str) -> Company | None:
    """The company by the business-side number, else by CallRail account id; never created."""
    if path_event == "text_message":
        side = "from" if is_outbound_text(payload) else "to"
        numbers = [pick(payload, SMS_FIELDS[side])]
    else:
        numbers = [pick(payload, VOICE_FIELDS["tracking_phone"]),
                   pick(payload, ("business_phone_number",))]
    for number in numbers:
        e164 = normalize_phone(number).e164
        company = Company.by_routing_number(e164) if e164 else None
        if company is not None:
            return company

    for account_id in (pick(payload, ("company_resource_id",)), pick(payload, ("company_id",))):
        if account_id:
            company = db.session.execute(
                select(Company).where(Company.callrail_account_id == account_id)
                .order_by(Company.created_at).limit(1)).scalar_one_or_none()
            if company is not None:
                return company
    return None


def signing_key(company: Company | None, platform_key: str | None) -> str | None:
    """The company's signing key, else the platform's (the only key for unknown numbers)."""
    if company is not None and company.callrail_webhook_signing_key:
        return company.callrail_webhook_signing_key
    return platform_key


def classify(path_event: str, payload: dict, raw_body: bytes) -> tuple[str, str]:
    """(event_type, event_key) of a parsed delivery to `path_event`'s route."""
    if path_event == "text_message":
        event_type = "text_message_sent" if is_outbound_text(payload) else "text_message_received"
        message_id = pick(payload, SMS_FIELDS["message_id"])
        if message_id:
            return event_type, f"callrail_sms:{message_id}"
        return event_type, f"callrail:{event_type}:{body_digest(raw_body)}"

    if "form_data" in payload:
        return "form_submission", f"callrail:form_submission:{body_digest(raw_body)}"
    if path_event == "call.completed" and isinstance(payload.get("changes"), list):
        return "call.modified", modified_key(payload, raw_body)
    call_id = pick(payload, VOICE_FIELDS["call_id"])
    if call_id:
        return path_event, f"callrail:{path_event}:{call_id}"
    return path_event, f"callrail:{path_event}:{body_digest(raw_body)}"


def modified_key(payload: dict, raw_body: bytes) -> str:
    call_id = pick(payload, VOICE_FIELDS["call_id"]) or "unknown"
    return f"callrail:call.modified:{call_id}:{body_digest(raw_body)}"


def handle(event) -> str:
    """Apply one stored CallRail event inside its company; returns the company id."""
    payload = json.loads(event.raw_body)
    if not isinstance(payload, dict):
        raise Ignored("body is not a JSON object")
    if event.event_type not in HANDLED_EVENTS:
        raise Ignored(f"unsupported event {event.event_type}")

    path_event = "text_message" if event.event_type in SMS_EVENTS else event.event_type
    company = resolve_company(payload, path_event)
    if company is None:
        raise Unmatched("no company owns this tracking number or CallRail account")

    with tenant_scope(company.id):
        if event.event_type == "text_message_received":
            _text_received(company, payload)
        elif event.event_type == "text_message_sent":
            _text_sent(company, payload)
        else:
            _voice(company, event.event_type, payload)
        db.session.flush()  # tenant rows are written while the company's RLS setting holds
    return company.id


def _voice(company: Company, event_type: str, payload: dict) -> None:
    call_id = pick(payload, VOICE_FIELDS["call_id"])
    if call_id is None:
        raise Ignored("the call has no resource_id or id")

    direction = "outbound" if (str(payload.get("direction") or "").lower() == "outbound"
                               or payload.get("type") == "outboundpostcall") else "inbound"
    answered = as_bool(payload.get("answered"))
    outcome = {
        "call.incoming": "incoming",
        "call.answered": "answered",
        "call.missed": "missed",
    }.get(event_type)
    if outcome is None:  # post-call and call-modified: the final outcome
        if direction == "outbound":
            outcome = "completed"
        else:
            outcome = "completed" if answered else "missed"

    call_events.apply_call_event(
        company,
        provider="callrail",
        external_call_id=call_id,
        customer_phone=pick(payload, VOICE_FIELDS["customer_phone"]),
        customer_name=pick(payload, VOICE_FIELDS["customer_name"]),
        direction=direction,
        outcome=outcome,
        started_at=parse_time(pick(payload, VOICE_FIELDS["started_at"])),
        duration=as_seconds(payload.get("duration")),
        recording_url=pick(payload, VOICE_FIELDS["recording"]),
        transcript=pick(payload, ("transcription",)),
        csr_id=pick(payload, ("csr_id",)),
        final=event_type in ("call.completed", "call.modified"),
    )


def _text_received(company: Company, payload: dict) -> None:
    from otto.sms.inbound import receive_sms

    receive_sms(
        company,
        provider="callrail",
        from_number=pick(payload, SMS_FIELDS["from"]),
        body=pick(payload, SMS_FIELDS["body"]) or "",
        message_sid=pick(payload, SMS_FIELDS["message_id"]),
        media_urls=[url for url in payload.get("media_urls") or [] if isinstance(url, str)],
        received_at=parse_time(payload.get("timestamp")),
    )


def _text_sent(company: Company, payload: dict) -> None:
    from otto.sms.inbound import record_agent_text

    record_agent_text(
        company,
        provider="callrail",
        to_number=pick(payload, SMS_FIELDS["to"]),
        body=pick(payload, SMS_FIELDS["body"]) or "",
        message_sid=pick(payload, SMS_FIELDS["message_id"]),
        agent=str(payload.get("agent")),
        media_urls=[url for url in payload.get("media_urls") or [] if isinstance(url, str)],
        sent_at=parse_time(payload.get("timestamp")),
    )
