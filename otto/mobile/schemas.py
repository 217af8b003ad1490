"""Mobile request schemas (the rep app's appointments, audio and call routes)."""

from datetime import timezone

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto import enums

MAX_LOCATION_TRIGGER_CHARS = 2000


class LocationTrigger(ma.fields.Field):
    """A free-form string or a JSON object describing what set off the recording."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) <= MAX_LOCATION_TRIGGER_CHARS:
            return value
        if isinstance(value, dict) and len(str(value)) <= MAX_LOCATION_TRIGGER_CHARS:
            return value
        raise ma.ValidationError(
            f"Must be a string or an object of at most {MAX_LOCATION_TRIGGER_CHARS} characters.")


class UtcAssumed(ma.fields.DateTime):
    """A datetime; one without an offset is UTC (domain §0: not an appointment-type time)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class StartRecordingBodyArgs(ma.Schema):
    """Every input of start-recording; trigger_type and call_id are required from the query
    string and the body together (the body wins)."""

    trigger_type = ma.fields.String(validate=validate.OneOf(enums.TRIGGER_TYPE))
    call_id = ma.fields.Integer(validate=validate.Range(min=1))
    scheduled_time = UtcAssumed(allow_none=True)
    location_trigger = LocationTrigger(allow_none=True)
    battery_percentage = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    is_charging = ma.fields.Boolean(allow_none=True)


class StartRecordingQueryArgs(StartRecordingBodyArgs):
    class Meta:
        unknown = EXCLUDE


class MobileAppointmentsArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    show_past = ma.fields.Boolean(load_default=False)
