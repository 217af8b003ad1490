"""Request plumbing: request ids, body checks, the commit boundary, logs and metrics."""

import json
import logging
import re
import time
import uuid

from flask import Flask, current_app, g, request

from otto.db import db
from otto.errors import ApiError, ValidationFailed, handle_unexpected
from otto.idempotency import remember_response
from otto.tenancy import clear_company

log = logging.getLogger("otto.request")

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
JSON_TYPES = {"application/json", "application/problem+json", "application/merge-patch+json"}


def accepts(*content_types: str):
    """Declare the request body types a view takes instead of JSON (e.g. multipart uploads)."""
    def decorate(view):
        view._otto_content_types = frozenset(content_types)
        return view
    return decorate


def raw_body(view):
    """Mark a webhook view: it reads and verifies the raw bytes itself, whatever the type."""
    view._otto_raw_body = True
    return view


def _view_attribute(name: str, default=None):
    view_func = current_app.view_functions.get(request.endpoint)
    if view_func is None:
        return default
    if hasattr(view_func, name):
        return getattr(view_func, name)
    handler = getattr(getattr(view_func, "view_class", None), request.method.lower(), None)
    return getattr(handler, name, default)


def _begin_request() -> None:
    clear_company()  # public routes (webhooks, health) never inherit the previous caller's company
    supplied = (request.headers.get("X-Request-Id") or "").strip()[:128]
    # A request id is echoed into logs and headers: only a conservative alphabet is kept.
    g.request_id = supplied if REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
    g.started = time.perf_counter()
    g.sql_count = 0


def _check_body() -> None:
    """Refuse bodies the view cannot read before any view code runs."""
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    if _view_attribute("_otto_raw_body", False):
        return
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
    if not has_body:
        return

    mimetype = request.mimetype
    accepted = _view_attribute("_otto_content_types", frozenset())
    if mimetype in accepted:
        return
    if mimetype not in JSON_TYPES:
        raise ApiError("Send the body as application/json.", status=415,
                       error_code="UNSUPPORTED_MEDIA_TYPE")
    limit = current_app.extensions["otto"].settings.max_json_bytes
    if (request.content_length or 0) > limit:
        raise ApiError(f"JSON bodies are limited to {limit} bytes.", status=413,
                       error_code="VALIDATION_ERROR")
    try:
        json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed(
            "The body is not valid JSON.",
            validation_errors=[{"field": "body", "message": "Invalid JSON.", "code": "invalid_json"}],
        )


def _finish_request(response):
    session = db.session()
    if response.status_code < 400 and not g.get("rolled_back"):
        remember_response(response)
        try:
            session.commit()
        except Exception as error:  # a constraint or value the database refuses only at commit
            session.rollback()
            response = handle_unexpected(error)
    else:
        session.rollback()

    response.headers["X-Request-Id"] = g.get("request_id", "")
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    identity = g.get("identity")
    route = request.url_rule.rule if request.url_rule else "unmatched"
    log.info(
        "method=%s path=%s status=%s ms=%.1f sql=%s request_id=%s company=%s",
        request.method, _loggable(request.path), response.status_code, elapsed * 1000, g.get("sql_count", 0),
        g.get("request_id"), identity.company_id if identity else "-",
    )
    metrics = current_app.extensions["otto"].metrics
    metrics.requests.labels(request.method, route, str(response.status_code)).inc()
    metrics.latency.labels(request.method, route).observe(elapsed)
    return response


def _loggable(text: str, limit: int = 300) -> str:
    """Client-chosen text for a log line: control characters escaped, so no forged lines."""
    escaped = text[:limit].encode("unicode_escape").decode("ascii")
    return escaped + ("…" if len(text) > limit else "")


def register_request_hooks(app: Flask) -> None:
    from otto.auth.identity import authenticate_request

    app.before_request(_begin_request)
    app.before_request(authenticate_request)
    app.before_request(_check_body)
    app.after_request(_finish_request)
    app.teardown_request(lambda error: clear_company())
    app.teardown_appcontext(lambda error: db.session.remove())


class RequestContextFilter(logging.Filter):
    """Adds request_id and company_id to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        from otto.tenancy import current_company_id

        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.company_id = current_company_id() or "-"
        return True
