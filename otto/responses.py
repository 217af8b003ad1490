"""The catalog's success shapes: the envelope and the page (endpoints §0.3)."""

import math

import marshmallow as ma
from flask import g

from otto.db import utcnow
from otto.fields import utc_iso


def _meta() -> dict:
    return {"request_id": g.get("request_id"), "timestamp": utc_iso(utcnow()), "version": "v1"}


def envelope(data, message: str | None = None) -> dict:
    """`{success, data, meta, message}`."""
    return {"success": True, "data": data, "meta": _meta(), "message": message}


def page_meta(total: int, page: int, page_size: int) -> dict:
    total_pages = math.ceil(total / page_size) if total else 0
    return {"total": total, "page": page, "page_size": page_size, "total_pages": total_pages,
            "has_next": page < total_pages, "has_prev": page > 1}


def page(items: list, total: int, page_number: int, page_size: int) -> dict:
    """`{success, items, meta}` with the page counters and the request meta."""
    return {"success": True, "items": items,
            "meta": {**page_meta(total, page_number, page_size), **_meta()}}


class EnvelopeSchema(ma.Schema):
    """Documents the envelope in the OpenAPI; `data` is described by each endpoint."""

    success = ma.fields.Boolean()
    data = ma.fields.Raw(allow_none=True)
    meta = ma.fields.Dict()
    message = ma.fields.String(allow_none=True)
