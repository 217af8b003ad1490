"""Sales rep request schemas."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate


def _text(max_length: int, **kwargs):
    return ma.fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


class CompanyArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    company_id = ma.fields.String()


class RepAppointmentsArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    show_past = ma.fields.Boolean(load_default=False)
    show_all = ma.fields.Boolean(load_default=False)


class RepCreateArgs(ma.Schema):
    name = _text(255, required=True)
    email = ma.fields.Email(required=True, validate=validate.Length(max=255))
    phone_number = _text(64, required=True)
    manager_id = _text(64, required=True)
    username = _text(255)
    company_id = ma.fields.String()


class RepUpdateArgs(ma.Schema):
    name = _text(255)
    email = ma.fields.Email(validate=validate.Length(max=255))
    phone_number = _text(64)
    username = _text(255)
    manager_id = _text(64)
    # Declared only to be refused with a clear message: reps never move between companies.
    company_id = ma.fields.Raw()


class AssignQueryArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    new_sales_rep_id = _text(64)


class AssignBodyArgs(ma.Schema):
    new_sales_rep_id = _text(64)
