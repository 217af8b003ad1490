"""Call request and response schemas, and the one reader of request datetimes for calls."""

from datetime import datetime
from decimal import Decimal

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto.calls.models import MAX_CALL_ID
from otto.errors import field_error
from otto.fields import UtcDateTime, utc_iso

MAX_MONEY = Decimal("9999999999.99")  # numeric(12, 2)


def _text(max_length: int, **kwargs):
    return ma.fields.String(validate=validate.Length(max=max_length), **kwargs)


def _money(**kwargs):
    return ma.fields.Decimal(places=2, allow_nan=False,
                             validate=validate.Range(min=0, max=MAX_MONEY), **kwargs)


def parse_request_datetime(value, field: str) -> datetime | None:
    """`YYYY-MM-DD HH:MM:SS` or ISO-8601 (offset optional); unparseable → 422 INVALID_INPUT.

    The result keeps its offset, or none: the caller decides what a naive time means.
    """
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise field_error(field, "Not a date and time (YYYY-MM-DD HH:MM:SS or ISO-8601).",
                          "invalid_datetime", error_code="INVALID_INPUT") from None


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def call_row(call) -> dict:
    """Every column of the call (dashboard CallRow): datetimes ISO UTC, money as numbers."""
    row = {}
    for column in call.__table__.columns:
        value = getattr(call, column.key)
        if isinstance(value, datetime):
            value = utc_iso(value)
        elif isinstance(value, Decimal):
            value = float(value)
        row[column.key] = value
    return row


class CallDetailSchema(ma.Schema):
    call_id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    quote_date = UtcDateTime(allow_none=True)
    price_if_bought = ma.fields.Float(allow_none=True)
    reason_for_lost_sale = ma.fields.String(allow_none=True)
    booked = ma.fields.Boolean()
    bought = ma.fields.Boolean()
    missed_call = ma.fields.Boolean()
    cancelled = ma.fields.Boolean()
    reason_for_cancellation = ma.fields.String(allow_none=True)
    transcript = ma.fields.String(allow_none=True)
    homeowner_followup_transcript = ma.fields.String(allow_none=True)
    in_person_transcript = ma.fields.String(allow_none=True)
    mobile_transcript = ma.fields.String(allow_none=True)
    mobile_calls_count = ma.fields.Function(lambda call: call.mobile_calls_count or 0)
    mobile_texts_count = ma.fields.Function(lambda call: call.mobile_texts_count or 0)
    assigned_rep_id = ma.fields.String(allow_none=True)
    reason_not_bought_homeowner = ma.fields.String(allow_none=True)
    transcript_discrepancies = ma.fields.String(allow_none=True)
    problem = ma.fields.String(allow_none=True)
    still_deciding = ma.fields.Boolean()
    reason_for_deciding = ma.fields.String(allow_none=True)
    call_sid = ma.fields.String(allow_none=True)
    last_call_status = ma.fields.String(allow_none=True)
    last_call_timestamp = ma.fields.String(allow_none=True)
    last_call_duration = ma.fields.Integer(allow_none=True)


class UnassignedCallSchema(ma.Schema):
    id = ma.fields.Integer(attribute="call_id")
    name = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)
    quote_date = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class AddCallArgs(ma.Schema):
    """The body form of add-call; every field may come from the query string instead."""

    phone_number = _text(255)
    name = _text(255, allow_none=True)
    address = _text(500, allow_none=True)
    # Parsed by parse_request_datetime: an unparseable date is INVALID_INPUT, not a schema error.
    quote_date = _text(64, allow_none=True)
    booked = ma.fields.Boolean()
    transcript = _text(1_000_000, allow_none=True)
    missed_call = ma.fields.Boolean()
    bland_call_id = _text(128, allow_none=True)


class AddCallQueryArgs(AddCallArgs):
    class Meta:
        unknown = EXCLUDE


class UpdateCallStatusArgs(ma.Schema):
    call_id = ma.fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_CALL_ID))
    bought = ma.fields.Boolean(allow_none=True)
    price_if_bought = _money(allow_none=True)
    reason_not_bought_homeowner = _text(10_000, allow_none=True)
    cancelled = ma.fields.Boolean(allow_none=True)
    reason_for_cancellation = _text(10_000, allow_none=True)
    rescheduled = ma.fields.Boolean(allow_none=True)
    quote_date = _text(64, allow_none=True)
    assigned_rep_id = _text(64, allow_none=True)
