"""Appointment request and response schemas, and the catalog's envelope shape."""

import marshmallow as ma
from marshmallow import validate

from otto import enums
from otto.appointments.service import CREATE_STATUSES
from otto.fields import UtcDateTime

MAX_DEAL_SIZE = 9_999_999_999.99  # numeric(12, 2)


def _text(max_length: int, **kwargs):
    return ma.fields.String(validate=validate.Length(max=max_length), **kwargs)


def _deal_size(**kwargs):
    return ma.fields.Decimal(places=2, allow_nan=False,
                             validate=validate.Range(min=0, max=MAX_DEAL_SIZE), **kwargs)


class LeadSummarySchema(ma.Schema):
    id = ma.fields.String()
    company_id = ma.fields.String()
    contact_card_id = ma.fields.String()
    status = ma.fields.String()
    source = ma.fields.String()
    priority = ma.fields.String(allow_none=True)
    score = ma.fields.Integer(allow_none=True)
    last_contacted_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ContactCardBaseSchema(ma.Schema):
    id = ma.fields.String()
    company_id = ma.fields.String()
    primary_phone = ma.fields.String()
    secondary_phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    state = ma.fields.String(allow_none=True)
    postal_code = ma.fields.String(allow_none=True)
    metadata = ma.fields.Raw(attribute="contact_metadata", allow_none=True)
    property_snapshot = ma.fields.Raw(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class AppointmentSummarySchema(ma.Schema):
    id = ma.fields.String()
    lead_id = ma.fields.String()
    contact_card_id = ma.fields.String()
    company_id = ma.fields.String()
    assigned_rep_id = ma.fields.String(allow_none=True)
    scheduled_start = UtcDateTime()
    scheduled_end = UtcDateTime(allow_none=True)
    status = ma.fields.String()
    outcome = ma.fields.String()
    location = ma.fields.String(allow_none=True)
    service_type = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class AppointmentDetailSchema(AppointmentSummarySchema):
    notes = ma.fields.String(allow_none=True)
    external_id = ma.fields.String(allow_none=True)
    deal_size = ma.fields.Float(allow_none=True)
    appointment_type = ma.fields.String(allow_none=True)
    location_address = ma.fields.String(allow_none=True)
    geo_lat = ma.fields.Float(allow_none=True)
    geo_lng = ma.fields.Float(allow_none=True)
    location_lat = ma.fields.Float(allow_none=True)
    location_lng = ma.fields.Float(allow_none=True)
    geofence_radius_start = ma.fields.Float(allow_none=True)
    geofence_radius_stop = ma.fields.Float(allow_none=True)
    material_type = ma.fields.String(allow_none=True)
    financing_type = ma.fields.String(allow_none=True)
    arrival_at = UtcDateTime(allow_none=True)
    departure_at = UtcDateTime(allow_none=True)


def appointment_view(appointment) -> dict:
    """`{appointment, lead, contact}` as the GET, POST and PATCH routes return it."""
    return {
        "appointment": AppointmentDetailSchema().dump(appointment),
        "lead": LeadSummarySchema().dump(appointment.lead) if appointment.lead else None,
        "contact": (ContactCardBaseSchema().dump(appointment.contact_card)
                    if appointment.contact_card else None),
    }


class AppointmentCreateArgs(ma.Schema):
    lead_id = _text(64, required=True)
    # Naive times are company-local wall times (domain §0).
    scheduled_start = ma.fields.DateTime(required=True)
    scheduled_end = ma.fields.DateTime(allow_none=True)
    contact_card_id = _text(64, allow_none=True)
    status = ma.fields.String(load_default="scheduled", validate=validate.OneOf(CREATE_STATUSES))
    outcome = ma.fields.String(load_default="pending", validate=validate.OneOf(("pending",)))
    assigned_rep_id = _text(64, allow_none=True)
    appointment_type = ma.fields.String(allow_none=True,
                                        validate=validate.OneOf(enums.APPOINTMENT_TYPE))
    location = _text(500, allow_none=True)
    service_type = _text(255, allow_none=True)
    notes = _text(10_000, allow_none=True)
    external_id = _text(255, allow_none=True)
    deal_size = _deal_size(allow_none=True)


class AppointmentUpdateArgs(ma.Schema):
    """Every field optional; an absent or null field stays as it is."""

    scheduled_start = ma.fields.DateTime(allow_none=True)
    scheduled_end = ma.fields.DateTime(allow_none=True)
    status = ma.fields.String(allow_none=True, validate=validate.OneOf(enums.APPOINTMENT_STATUS))
    outcome = ma.fields.String(allow_none=True, validate=validate.OneOf(enums.APPOINTMENT_OUTCOME))
    assigned_rep_id = _text(64, allow_none=True)
    location = _text(500, allow_none=True)
    service_type = _text(255, allow_none=True)
    notes = _text(10_000, allow_none=True)
    external_id = _text(255, allow_none=True)
    deal_size = _deal_size(allow_none=True)
    appointment_type = ma.fields.String(allow_none=True,
                                        validate=validate.OneOf(enums.APPOINTMENT_TYPE))
    material_type = _text(255, allow_none=True)
    financing_type = _text(255, allow_none=True)
