"""Query arguments of the post-call analysis routes."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto import enums


class PerformanceArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    days = ma.fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))


class CoachingArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    sales_rep_id = ma.fields.String(load_default=None)
    category = ma.fields.String(load_default=None)
    priority = ma.fields.String(load_default=None, validate=validate.OneOf(enums.PRIORITY))
    days = ma.fields.Integer(load_default=7, validate=validate.Range(min=1, max=30))


class SummaryArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    days = ma.fields.Integer(load_default=7, validate=validate.Range(min=1, max=30))
