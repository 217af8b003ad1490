"""What every provider webhook does on request: capped raw body, refusal, store first, enqueue."""

import hashlib
import json
import logging
from urllib.parse import parse_qsl

from flask import current_app, request

from otto.errors import Unauthorized, ValidationFailed
from otto.webhooks.inbox import WebhookEvent, store_event
from otto.webhooks.processing import enqueue_processing

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 5 * 1024 * 1024


def read_body() -> bytes:
    """The exact bytes delivered; more than 5 MB is a 413 problem and nothing is stored."""
    request.max_content_length = MAX_WEBHOOK_BYTES
    return request.get_data(cache=True)


def body_digest(raw_body: bytes) -> str:
    return hashlib.sha256(raw_body).hexdigest()


def parse_fields(raw_body: bytes) -> dict | None:
    """A JSON object or a form-encoded body, told apart by content (never by Content-Type).

    Repeated form names keep their last value; None when the body is neither.
    """
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[0] in "{[":
        try:
            payload = json.loads(stripped)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            return None
        return payload if isinstance(payload, dict) else None
    if not all("=" in pair for pair in stripped.split("&") if pair):
        return None
    return dict(parse_qsl(stripped, keep_blank_values=True))


def refuse(provider: str, reason: str) -> Unauthorized:
    """The 401 for a delivery that failed its signature check; nothing of it is stored."""
    _count(provider, "rejected")
    log.warning("%s webhook to %s refused: %s", provider, request.path, reason)
    return Unauthorized(f"The {provider} webhook signature is missing or invalid.")


def keep_unparseable(provider: str, raw_body: bytes, headers: dict,
                     company_id: str | None = None) -> ValidationFailed:
    """Store a correctly signed body that cannot be parsed (status failed); the 422 to raise."""
    event, created = store_event(
        provider=provider, event_type="unparseable",
        event_key=f"{provider}:unparseable:{body_digest(raw_body)}", raw_body=raw_body,
        headers=headers, company_id=company_id, status="failed", last_error="unparseable_body")
    _count(provider, "unparseable")
    log.warning("%s webhook %s kept unparseable (%d bytes)", provider, event.id, len(raw_body))
    return ValidationFailed(
        "The signed body is neither a JSON object nor a form; it was kept for inspection.",
        validation_errors=[{"field": "body", "message": "Unparseable body.",
                            "code": "invalid_json"}],
    )


def accept(*, provider: str, event_type: str, event_key: str, raw_body: bytes, headers: dict,
           company_id: str | None, status: str = "received",
           last_error: str | None = None) -> tuple[WebhookEvent, bool]:
    """Store the delivery under its idempotency key and, when new and pending, enqueue it.

    The row is committed before the answer. If the queue cannot be reached the event stays
    `received` and the periodic sweep enqueues it later, so the sender still gets its 2xx.
    """
    event, created = store_event(
        provider=provider, event_type=event_type[:100], event_key=event_key[:512],
        raw_body=raw_body, headers=headers, company_id=company_id, status=status,
        last_error=last_error)
    _count(provider, status if created else "duplicate")
    if created and event.status == "received":
        try:
            enqueue_processing(event)
        except Exception as error:  # Redis down: the sweep picks the stored event up
            log.warning("%s webhook %s stored but not enqueued: %s", provider, event.id,
                        type(error).__name__)
    return event, created


def _count(provider: str, status: str) -> None:
    current_app.extensions["otto"].metrics.webhook_events.labels(provider, status).inc()
