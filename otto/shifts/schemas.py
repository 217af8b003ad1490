"""Rep shift request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from otto.fields import UtcDateTime, utc_iso
from otto.shifts.service import effective_end_time


class ClockInArgs(ma.Schema):
    # A naive time is company-local (domain §0); at most 12 h away from now.
    desired_start_time = ma.fields.DateTime(allow_none=True)
    notes = ma.fields.String(allow_none=True, validate=validate.Length(max=10_000))


class RepShiftSchema(ma.Schema):
    """RepShiftBase (endpoints §9); scheduled times are company-local wall times."""

    id = ma.fields.String()
    rep_id = ma.fields.String()
    company_id = ma.fields.String()
    shift_date = ma.fields.Date()
    clock_in_at = UtcDateTime(allow_none=True)
    clock_out_at = UtcDateTime(allow_none=True)
    scheduled_start = ma.fields.Time(allow_none=True)
    scheduled_end = ma.fields.Time(allow_none=True)
    status = ma.fields.String()
    notes = ma.fields.String(allow_none=True)


def shift_response(shift, rep, company) -> dict:
    """RepShiftResponse: the shift (or null), its effective window and the rep's flags."""
    return {
        "shift": RepShiftSchema().dump(shift) if shift is not None else None,
        "effective_start_time": utc_iso(shift.clock_in_at) if shift is not None else None,
        "effective_end_time": (utc_iso(effective_end_time(shift, company))
                               if shift is not None else None),
        "recording_mode": rep.recording_mode,
        "allow_location_tracking": rep.allow_location_tracking,
        "allow_recording": rep.allow_recording,
    }
