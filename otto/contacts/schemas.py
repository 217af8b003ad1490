"""Contact card request schemas; the card's base shape is shared with appointments and leads."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate


class ByPhoneArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    phone = ma.fields.String(validate=validate.Length(max=255))
    phone_number = ma.fields.String(validate=validate.Length(max=255))
    # An assertion about the caller's company, never a selector (403 when it differs).
    company_id = ma.fields.String(validate=validate.Length(max=64))
