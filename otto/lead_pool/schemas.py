"""Lead pool request and response schemas."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto import enums
from otto.fields import UtcDateTime

POOL_STATUS_ERROR = ("Invalid pool status {input}. Valid values: " + ", ".join(enums.POOL_STATUS))


class PoolListArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    status = ma.fields.String(validate=validate.OneOf(enums.POOL_STATUS, error=POOL_STATUS_ERROR))
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


class PoolAssignArgs(ma.Schema):
    rep_id = ma.fields.String(required=True, allow_none=True, validate=validate.Length(max=64))
    notes = ma.fields.String(allow_none=True, validate=validate.Length(max=10_000))


class PoolLeadSchema(ma.Schema):
    lead_id = ma.fields.String()
    contact_card_id = ma.fields.String()
    contact_name = ma.fields.String(allow_none=True)
    primary_phone = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    lead_status = ma.fields.String()
    deal_status = ma.fields.String(allow_none=True)
    pool_status = ma.fields.String()
    signals = ma.fields.List(ma.fields.String())
    last_activity = UtcDateTime(allow_none=True)
    assigned_rep_id = ma.fields.String(allow_none=True)
    requested_by_rep_ids = ma.fields.List(ma.fields.String())
    created_at = UtcDateTime()
