"""Ask Otto request and response schemas."""

import marshmallow as ma
from marshmallow import EXCLUDE, validate

from otto import enums
from otto.fields import UtcDateTime


def one_of(values) -> validate.OneOf:
    return validate.OneOf(values, error=f"Must be one of: {', '.join(values)}.")


class QueryArgs(ma.Schema):
    class Meta:
        unknown = EXCLUDE


class PageArgs(QueryArgs):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DocumentListArgs(PageArgs):
    document_type = ma.fields.String(validate=one_of(enums.RAG_DOCUMENT_TYPE))
    status = ma.fields.String(validate=one_of(enums.INDEXING_STATUS))


class DocumentUploadArgs(QueryArgs):
    """Form fields (or query parameters) of an upload; the file itself is the `file` part."""

    document_type = ma.fields.String(load_default="sop", validate=one_of(enums.RAG_DOCUMENT_TYPE))
    role_access = ma.fields.String(load_default="all", validate=one_of(enums.ROLE_ACCESS))


class DocumentSchema(ma.Schema):
    id = ma.fields.String()
    tenant_id = ma.fields.Function(lambda row: row.company_id)
    company_id = ma.fields.String()
    filename = ma.fields.String()
    file_url = ma.fields.String()
    file_size_bytes = ma.fields.Integer()
    content_type = ma.fields.String()
    document_type = ma.fields.String()
    role_access = ma.fields.String()
    indexing_status = ma.fields.String()
    indexing_progress = ma.fields.Integer()
    indexed_at = UtcDateTime(allow_none=True)
    chunk_count = ma.fields.Integer()
    error_message = ma.fields.String(allow_none=True)
    uploaded_by = ma.fields.String()
    created_at = UtcDateTime()
    deleted = ma.fields.Boolean()


class QueryFilters(ma.Schema):
    """Narrowing filters; kept with the query log. Only document_type narrows documents."""

    class Meta:
        unknown = ma.INCLUDE

    document_type = ma.fields.Raw()
    date_range = ma.fields.Raw()
    rep_id = ma.fields.String()


class RagQueryArgs(ma.Schema):
    query = ma.fields.String(required=True, validate=validate.Length(min=3, max=1000))
    filters = ma.fields.Nested(QueryFilters, load_default=dict)
    max_results = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    conversation_id = ma.fields.String(allow_none=True, validate=validate.Length(max=128))


class FeedbackQueryArgs(QueryArgs):
    rating = ma.fields.Integer(validate=validate.Range(min=1, max=5))
    feedback = ma.fields.String(validate=validate.Length(max=2000))


class FeedbackArgs(ma.Schema):
    """The body form of feedback; `rating` may come from the query string instead."""

    rating = ma.fields.Integer(validate=validate.Range(min=1, max=5))
    feedback = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


class QueryLogArgs(PageArgs):
    user_id = ma.fields.String()


class RagQuerySchema(ma.Schema):
    id = ma.fields.String()
    tenant_id = ma.fields.Function(lambda row: row.company_id)
    company_id = ma.fields.String()
    user_id = ma.fields.String()
    query_text = ma.fields.String()
    answer_text = ma.fields.String(allow_none=True)
    citations = ma.fields.List(ma.fields.Dict(), allow_none=True)
    confidence_score = ma.fields.Float(allow_none=True)
    result_count = ma.fields.Integer(allow_none=True)
    latency_ms = ma.fields.Integer(allow_none=True)
    user_rating = ma.fields.Integer(allow_none=True)
    user_feedback = ma.fields.String(allow_none=True)
    user_role = ma.fields.String()
    conversation_id = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
