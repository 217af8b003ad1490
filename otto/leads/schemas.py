"""Lead request and response schemas; the shared summary shapes live with appointments."""

from datetime import timezone

import marshmallow as ma
from marshmallow import validate

from otto import enums
from otto.appointments.schemas import (AppointmentSummarySchema, ContactCardBaseSchema,
                                       LeadSummarySchema)
from otto.fields import UtcDateTime

MAX_INT = 2**31 - 1


def _text(max_length: int, **kwargs):
    return ma.fields.String(validate=validate.Length(max=max_length), **kwargs)


def _choice(values, **kwargs):
    return ma.fields.String(validate=validate.OneOf(values), **kwargs)


class LeadDetailSchema(LeadSummarySchema):
    campaign = ma.fields.String(allow_none=True)
    pipeline_stage = ma.fields.String(allow_none=True)
    tags = ma.fields.Function(lambda lead: lead.tags or {})
    last_qualified_at = UtcDateTime(allow_none=True)
    deal_status = ma.fields.String(allow_none=True)
    deal_size = ma.fields.Float(allow_none=True)
    deal_summary = ma.fields.String(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    pool_status = ma.fields.String()
    assigned_rep_id = ma.fields.String(allow_none=True)
    assigned_at = UtcDateTime(allow_none=True)


def lead_view(lead) -> dict:
    """`{lead, contact, appointments}` as GET, POST and PATCH /leads return it."""
    return {
        "lead": LeadDetailSchema().dump(lead),
        "contact": ContactCardBaseSchema().dump(lead.contact_card) if lead.contact_card else None,
        "appointments": AppointmentSummarySchema(many=True).dump(lead.appointments),
    }


class LeadCreateArgs(ma.Schema):
    contact_card_id = _text(64, allow_none=True)
    primary_phone = _text(255, allow_none=True)
    status = _choice(enums.LEAD_STATUS, load_default="new")
    source = _choice(enums.LEAD_SOURCE, load_default="inbound_call")
    campaign = _text(255, allow_none=True)
    pipeline_stage = _text(255, allow_none=True)
    priority = _choice(enums.PRIORITY, allow_none=True)
    score = ma.fields.Integer(strict=True, allow_none=True,
                              validate=validate.Range(min=-MAX_INT, max=MAX_INT))
    tags = ma.fields.Dict(allow_none=True)


class LeadUpdateArgs(ma.Schema):
    """Every field optional; an absent or null field stays as it is."""

    status = _choice(enums.LEAD_STATUS, allow_none=True)
    source = _choice(enums.LEAD_SOURCE, allow_none=True)
    campaign = _text(255, allow_none=True)
    pipeline_stage = _text(255, allow_none=True)
    priority = _choice(enums.PRIORITY, allow_none=True)
    score = ma.fields.Integer(strict=True, allow_none=True,
                              validate=validate.Range(min=-MAX_INT, max=MAX_INT))
    tags = ma.fields.Dict(allow_none=True)
    # Naive times are UTC (domain §0: only appointment-type times are company-local).
    last_contacted_at = ma.fields.AwareDateTime(default_timezone=timezone.utc, allow_none=True)
    last_qualified_at = ma.fields.AwareDateTime(default_timezone=timezone.utc, allow_none=True)
    deal_summary = _text(10_000, allow_none=True)
    pool_status = _choice(("archived", "in_pool"), allow_none=True,
                          error="pool_status can only be set to archived or in_pool.")
