"""Company request and response schemas."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma
from marshmallow import EXCLUDE, ValidationError, validate, validates

from otto.fields import UtcDateTime


class QueryArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Not an IANA timezone.")


class CompanySchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    callrail_account_id = ma.fields.String(allow_none=True)
    industry = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()
    domain = ma.fields.String(allow_none=True)
    domain_verified = ma.fields.Boolean()
    call_provider = ma.fields.String(allow_none=True)
    primary_tracking_number = ma.fields.String(allow_none=True)
    onboarding_step = ma.fields.String()
    onboarding_completed = ma.fields.Boolean()
    onboarding_completed_at = UtcDateTime(allow_none=True)
    subscription_status = ma.fields.String()
    trial_ends_at = UtcDateTime(allow_none=True)
    max_seats = ma.fields.Integer()
    require_recording_consent = ma.fields.Boolean()
    allow_ghost_mode = ma.fields.Boolean()
    ghost_mode_retention = ma.fields.String()
    ghost_mode_storage = ma.fields.String()
    ghost_mode_ephemeral_ttl_minutes = ma.fields.Integer()
    default_shift_start = ma.fields.Time(allow_none=True)
    default_shift_end = ma.fields.Time(allow_none=True)
    require_clock_in = ma.fields.Boolean()
    default_geofence_radius_start = ma.fields.Float()
    default_geofence_radius_stop = ma.fields.Float()
    # Secrets are write-only: only whether they are set is ever shown.
    callrail_api_key_configured = ma.fields.Function(lambda c: bool(c.callrail_api_key))
    callrail_webhook_signing_key_configured = ma.fields.Function(
        lambda c: bool(c.callrail_webhook_signing_key))
    twilio_configured = ma.fields.Function(lambda c: bool(c.twilio_account_sid and c.twilio_auth_token))


class CompanyCreateArgs(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    phone_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = ma.fields.String(validate=validate.Length(max=500))
    timezone = ma.fields.String(validate=validate_timezone)


class ServiceArgs(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = ma.fields.String(allow_none=True)
    # numeric(12,2): larger prices would only fail in the database.
    base_price = ma.fields.Decimal(allow_none=True, places=2,
                                   validate=validate.Range(min=0, max=9_999_999_999.99))


class CompanyUpdateArgs(ma.Schema):
    name = ma.fields.String(validate=validate.Length(max=255))
    phone_number = ma.fields.String(validate=validate.Length(max=64))
    address = ma.fields.String(validate=validate.Length(max=500))
    timezone = ma.fields.String()
    primary_tracking_number = ma.fields.String(validate=validate.Length(max=64))
    sms_help_text = ma.fields.String(validate=validate.Length(max=640))
    twilio_account_sid = ma.fields.String(load_only=True, validate=validate.Length(max=64))
    twilio_auth_token = ma.fields.String(load_only=True, validate=validate.Length(max=128))
    services = ma.fields.List(ma.fields.Nested(ServiceArgs))

    @validates("timezone")
    def check_timezone(self, value, **_):
        if value:
            validate_timezone(value)


class CallRailKeyArgs(ma.Schema):
    api_key = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=255))
    webhook_signing_key = ma.fields.String(load_only=True, validate=validate.Length(min=1, max=255))


class CallRailAccountArgs(ma.Schema):
    account_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))


class OrganizationListArgs(QueryArgs):
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=200))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0))


class MembershipArgs(ma.Schema):
    user_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = ma.fields.String(required=True, validate=validate.OneOf(
        ["org:admin", "org:csr", "org:sales_rep", "manager", "csr", "sales_rep"]))
