"""Request arguments of the analysis routes, and the response envelope."""

import marshmallow as ma
from marshmallow import EXCLUDE, pre_load, validate

from otto.analysis.analytics import DATE_RANGES
from otto.analysis.service import BATCH_LIMIT


class AnalyzeCallArgs(ma.Schema):
    include_transcript = ma.fields.Boolean(load_default=True)
    include_coaching = ma.fields.Boolean(load_default=True)
    include_objections = ma.fields.Boolean(load_default=True)
    include_sop = ma.fields.Boolean(load_default=True)
    force = ma.fields.Boolean(load_default=False)


class _CallIdList(ma.Schema):
    """A JSON array of call ids, or `{call_ids: [...]}`."""

    @pre_load
    def wrap_array(self, data, **kwargs):
        return {"call_ids": data} if isinstance(data, list) else data


class AnalyzeBatchArgs(_CallIdList):
    call_ids = ma.fields.List(ma.fields.Integer(strict=True), required=True,
                              validate=validate.Length(min=1, max=BATCH_LIMIT))


class ObjectionAnalyticsArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    date_range = ma.fields.String(load_default="last_30_days",
                                  validate=validate.OneOf(tuple(DATE_RANGES)))
    rep_id = ma.fields.String(load_default=None)


class CompanyArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE

    company_id = ma.fields.String(load_default=None)


class AnalyzeTranscriptArgs(CompanyArgs):
    process_name = ma.fields.String(load_default="v0")
    run_in_background = ma.fields.Boolean(load_default=False)


class TranscriptAnalysisArgs(CompanyArgs):
    version = ma.fields.Integer(load_default=None, validate=validate.Range(min=1))


class SyncCallFieldsArgs(CompanyArgs):
    analysis_version = ma.fields.Integer(load_default=None, validate=validate.Range(min=1))


class BatchSyncArgs(CompanyArgs):
    start_date = ma.fields.Date(load_default=None)
    end_date = ma.fields.Date(load_default=None)
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class BatchSyncBody(_CallIdList):
    call_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=None)
