"""Dashboard and live-metrics query arguments."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto.dashboard.service import CALL_LIST_FILTERS

REVENUE_PERIODS = ("today", "week", "month", "all")


class CompanyQueryArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    # An assertion about the caller's company, never a selector (403 when it differs).
    company_id = ma.fields.String(validate=validate.Length(max=64))


class DashboardCallsArgs(CompanyQueryArgs):
    status = ma.fields.String(required=True, validate=validate.OneOf(tuple(CALL_LIST_FILTERS)))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


class RevenueArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    period = ma.fields.String(load_default="today", validate=validate.OneOf(REVENUE_PERIODS))
