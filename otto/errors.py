"""One application/problem+json error shape for every status and every path."""

import logging
import uuid

from flask import Flask, Response, g, has_request_context, json, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

TYPE_4XX = "https://tools.ietf.org/html/rfc7231#section-6.5"
TYPE_422 = "https://tools.ietf.org/html/rfc4918#section-11.2"
TYPE_429 = "https://tools.ietf.org/html/rfc6585#section-4"
TYPE_5XX = "https://tools.ietf.org/html/rfc7231#section-6.6.1"


class ApiError(Exception):
    """An error the client is meant to see; subclasses fix the status and error code."""

    status = 500
    error_code = "INTERNAL_ERROR"
    detail = "An unexpected error occurred."

    def __init__(self, detail=None, *, error_code=None, status=None, details=None,
                 validation_errors=None, headers=None):
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.status = status or self.status
        self.error_code = error_code or self.error_code
        self.details = details
        self.validation_errors = validation_errors
        self.headers = headers or {}


class InvalidRequest(ApiError):
    status, error_code, detail = 400, "INVALID_REQUEST", "The request cannot be carried out."


class Unauthorized(ApiError):
    status, error_code, detail = 401, "UNAUTHORIZED", "A valid bearer token is required."


class InvalidToken(Unauthorized):
    error_code, detail = "INVALID_TOKEN", "The bearer token is invalid."


class TokenExpired(Unauthorized):
    error_code, detail = "TOKEN_EXPIRED", "The bearer token has expired."


class Forbidden(ApiError):
    status, error_code, detail = 403, "FORBIDDEN", "You may not act for another user or company."


class InsufficientPermissions(Forbidden):
    error_code = "INSUFFICIENT_PERMISSIONS"
    detail = "Your role is not allowed to use this endpoint."


class NotFound(ApiError):
    status, error_code, detail = 404, "NOT_FOUND", "Resource not found."


class CallNotFound(NotFound):
    error_code, detail = "CALL_NOT_FOUND", "Call not found."


class UserNotFound(NotFound):
    error_code, detail = "USER_NOT_FOUND", "User not found."


class CompanyNotFound(NotFound):
    error_code, detail = "COMPANY_NOT_FOUND", "Company not found."


class DocumentNotFound(NotFound):
    error_code, detail = "DOCUMENT_NOT_FOUND", "Document not found."


class Conflict(ApiError):
    status, error_code, detail = 409, "RESOURCE_CONFLICT", "The request conflicts with the current state."


class DuplicateResource(Conflict):
    error_code, detail = "DUPLICATE_RESOURCE", "The resource already exists."


class OperationNotAllowed(Conflict):
    error_code, detail = "OPERATION_NOT_ALLOWED", "The object's state does not allow this."


class ValidationFailed(ApiError):
    status, error_code, detail = 422, "VALIDATION_ERROR", "The request is not valid."


class ExternalServiceError(ApiError):
    status, error_code, detail = 502, "EXTERNAL_SERVICE_ERROR", "An external service failed."


class ServiceNotConfigured(ExternalServiceError):
    status = 503


def field_error(field: str, message: str, code: str = "invalid", error_code: str = "VALIDATION_ERROR"):
    """A 422 about one field, in the shape of webargs' own validation errors."""
    return ValidationFailed(
        message, error_code=error_code,
        validation_errors=[{"field": field, "message": message, "code": code}],
    )


def problem(status: int, error_code: str, detail: str, *, details=None, validation_errors=None,
            headers=None, extra: dict | None = None) -> Response:
    """Build the one error response shape (spec: endpoints §0.4)."""
    if status == 422:
        type_, title = TYPE_422, "Validation Error"
    elif status == 429:
        type_, title = TYPE_429, "Too Many Requests"
    elif status >= 500:
        type_, title = TYPE_5XX, "Internal Server Error"
    else:
        type_, title = TYPE_4XX, "HTTP Error"
    body = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if has_request_context() else None,
        "trace_id": g.get("request_id") if has_request_context() else None,
        "error_code": error_code,
    }
    if validation_errors is not None:
        body["validation_errors"] = validation_errors
    if details:
        body["details"] = details
    body.update(extra or {})
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


HTTP_CODES = {
    400: ("INVALID_REQUEST", "The request is malformed."),
    401: ("UNAUTHORIZED", "A valid bearer token is required."),
    403: ("FORBIDDEN", "Forbidden."),
    404: ("NOT_FOUND", "The requested URL was not found."),
    405: ("METHOD_NOT_ALLOWED", "The method is not allowed for this URL."),
    409: ("RESOURCE_CONFLICT", "The request conflicts with the current state."),
    413: ("VALIDATION_ERROR", "The request body is too large."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "The request body's Content-Type is not accepted here."),
    422: ("VALIDATION_ERROR", "The request is not valid."),
    429: ("RATE_LIMIT_EXCEEDED", "Too many requests."),
}

LOCATIONS = {"json": "body", "form": "body", "files": "body", "query": "query",
             "headers": "header", "view_args": "path", "path": "path"}


def webargs_validation_errors(messages: dict) -> list[dict]:
    """Flatten webargs' {location: {field: [msg]}} into [{field, message, code}]."""
    errors = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, nested in value.items():
                walk(f"{prefix}.{key}", nested)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            for message in value:
                code = "unknown_field" if message == "Unknown field." else "invalid"
                if message == "Missing data for required field.":
                    code = "required"
                errors.append({"field": prefix, "message": message, "code": code})
        else:
            errors.append({"field": prefix, "message": str(value), "code": "invalid"})

    for location, fields in (messages or {}).items():
        walk(LOCATIONS.get(location, location), fields)
    return errors


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    error_code, default_detail = HTTP_CODES.get(status, ("INTERNAL_ERROR", "Unexpected error."))
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    data = getattr(error, "data", None) or {}
    validation_errors = None
    if status == 422:
        validation_errors = webargs_validation_errors(data.get("messages", {}))
    detail = data.get("message") or default_detail
    return problem(status, error_code, detail, validation_errors=validation_errors, headers=headers)


def handle_api_error(error: ApiError) -> Response:
    return problem(error.status, error.error_code, error.detail, details=error.details,
                   validation_errors=error.validation_errors, headers=error.headers)


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if isinstance(error, ApiError):  # raised at commit time, e.g. by a flush check
        return handle_api_error(error)
    if isinstance(error, OperationalError):
        log.exception("database unavailable")
        return problem(503, "DATABASE_ERROR", "The database is unavailable; try again shortly.")
    if isinstance(error, OverflowError):
        return problem(422, "VALIDATION_ERROR", "A date or number is out of range.")
    if isinstance(error, IntegrityError) and _violates_company_key(error):
        return problem(404, "COMPANY_NOT_FOUND",
                       "Your organization is not registered as a company yet (POST /api/v1/companies).")
    if isinstance(error, IntegrityError):
        log.warning("integrity error: %s", error.orig.__class__.__name__)
        return problem(409, "RESOURCE_CONFLICT", "The request conflicts with existing data.")
    if isinstance(error, DataError):
        # A value the schema let through but the column cannot hold (length, range, NUL byte).
        log.warning("data error: %s", error.orig.__class__.__name__)
        unfit = {"field": "request", "message": "A value does not fit its field.", "code": "invalid"}
        return problem(422, "VALIDATION_ERROR", "A value is too long, out of range or not storable.",
                       validation_errors=[unfit])
    error_id = g.get("request_id") if has_request_context() else uuid.uuid4().hex
    log.exception("unhandled error %s", error_id)
    return problem(500, "INTERNAL_ERROR", f"An unexpected error occurred (error id {error_id}).")


def _violates_company_key(error: IntegrityError) -> bool:
    """A write for an organization with no companies row (identity resolves without one)."""
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None) or ""
    return constraint.endswith("_company_id_companies")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
