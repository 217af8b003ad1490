"""One problem+json shape for every error; CORS on errors; request ids; body checks everywhere."""

import json
import re
import uuid

import support
import pytest
from support import bearer
from werkzeug.routing import IntegerConverter

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "trace_id", "error_code"}
TYPES = {
    "4xx": ("https://tools.ietf.org/html/rfc7231#section-6.5", "HTTP Error"),
    422: ("https://tools.ietf.org/html/rfc4918#section-11.2", "Validation Error"),
    "5xx": ("https://tools.ietf.org/html/rfc7231#section-6.6.1", "Internal Server Error"),
}
SECRET_TEXT = "db password is hunter2 in SELECT * FROM users"


def assert_problem(response, status: int, error_code: str, path: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert PROBLEM_KEYS <= set(body)
    expected_type, expected_title = TYPES.get(status) or TYPES["5xx" if status >= 500 else "4xx"]
    assert body["type"] == expected_type and body["title"] == expected_title
    assert body["status"] == status
    assert body["error_code"] == error_code
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["trace_id"] == response.headers["X-Request-Id"]
    if path is not None:
        assert body["instance"] == path
    if status == 422:
        assert isinstance(body["validation_errors"], list) and body["validation_errors"]
        for item in body["validation_errors"]:
            assert set(item) == {"field", "message", "code"}
    else:
        assert "validation_errors" not in body
    return body


@pytest.fixture(scope="module")
def test_app(servers):
    """A fresh app with test-only routes that fail in chosen ways (never the session app)."""
    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import BadRequest

    import otto
    from otto.auth.identity import public
    from otto.errors import InvalidRequest

    app = otto.create_app(
        support.settings_for_tests(),
        database_url=servers.database_url,
        redis_url=servers.redis_url,
    )

    @public
    def boom():
        raise RuntimeError(SECRET_TEXT)

    @public
    def database_down():
        raise OperationalError("SELECT secret FROM vault", {}, Exception(SECRET_TEXT))

    @public
    def precondition():
        raise InvalidRequest("Clock in before starting a recording.")

    @public
    def framework_bad_request():
        raise BadRequest(SECRET_TEXT)

    app.add_url_rule("/test/boom", view_func=boom)
    app.add_url_rule("/test/database-down", view_func=database_down)
    app.add_url_rule("/test/precondition", view_func=precondition)
    app.add_url_rule("/test/bad-request", view_func=framework_bad_request)
    return app


# --- Every status, one shape ---------------------------------------------------------------------


def test_400_invalid_request(test_app):
    response = test_app.test_client().get("/test/precondition")
    body = assert_problem(response, 400, "INVALID_REQUEST", "/test/precondition")
    assert body["detail"] == "Clock in before starting a recording."


def test_400_from_the_framework_hides_its_text(test_app):
    response = test_app.test_client().get("/test/bad-request")
    assert_problem(response, 400, "INVALID_REQUEST")
    assert "hunter2" not in response.get_data(as_text=True)


def test_401(client):
    assert_problem(
        client.get("/api/v1/users/company"), 401, "UNAUTHORIZED", "/api/v1/users/company"
    )


def test_403(client, csr):
    response = client.post(
        "/api/v1/companies", headers=bearer(csr), json={"name": "x", "phone_number": "1"}
    )
    assert_problem(response, 403, "INSUFFICIENT_PERMISSIONS", "/api/v1/companies")


def test_404_unknown_route(client, manager):
    assert_problem(
        client.get("/api/v1/no-such-thing", headers=bearer(manager)),
        404,
        "NOT_FOUND",
        "/api/v1/no-such-thing",
    )
    assert_problem(client.get("/no-such-thing"), 404, "NOT_FOUND")


def test_404_resource(client, manager):
    response = client.get("/api/v1/users/user_missing", headers=bearer(manager))
    assert_problem(response, 404, "USER_NOT_FOUND", "/api/v1/users/user_missing")


def test_405_with_allow_header(client, manager):
    path = f"/api/v1/companies/{manager.company_id}"
    response = client.delete(path, headers=bearer(manager))
    assert_problem(response, 405, "METHOD_NOT_ALLOWED", path)
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "PUT"} <= allowed and "DELETE" not in allowed


def test_405_without_a_token_is_still_405(client):
    assert_problem(client.patch("/api/v1/companies"), 405, "METHOD_NOT_ALLOWED")


def test_409(client, make_company, make_user):
    manager = make_user(make_company(), "manager")
    body = {"name": "x", "phone_number": "+15555550123"}
    # make_company registered the company already: registering again is a duplicate.
    assert_problem(
        client.post("/api/v1/companies", headers=bearer(manager), json=body),
        409,
        "DUPLICATE_RESOURCE",
    )


def test_413_json_over_one_megabyte(client, manager):
    body = json.dumps({"name": "x" * (1024 * 1024 + 1)})
    response = client.post(
        "/api/v1/users", headers=bearer(manager), data=body, content_type="application/json"
    )
    assert_problem(response, 413, "VALIDATION_ERROR")


def test_json_just_under_the_limit_is_read(client, manager):
    body = json.dumps({"name": "x" * (1024 * 1024 - 100)})
    response = client.post(
        "/api/v1/users", headers=bearer(manager), data=body, content_type="application/json"
    )
    assert response.status_code == 422  # read and validated, not refused for size


@pytest.mark.parametrize(
    "content_type,data",
    [
        ("text/plain", "name=x"),
        ("application/x-www-form-urlencoded", "name=x&email=y"),
        ("application/xml", "<user/>"),
    ],
)
def test_415_for_non_json_bodies(client, manager, content_type, data):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), data=data, content_type=content_type
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_422_shape(client, manager):
    response = client.post("/api/v1/users", headers=bearer(manager), json={"name": "x"})
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    fields = {item["field"]: item["code"] for item in body["validation_errors"]}
    assert fields["body.email"] == "required" and fields["body.username"] == "required"


def test_500_is_generic(test_app):
    response = test_app.test_client().get("/test/boom", headers={"X-Request-Id": "req-500-check"})
    body = assert_problem(response, 500, "INTERNAL_ERROR", "/test/boom")
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text
    assert "req-500-check" in body["detail"]  # an error id the client can quote


def test_503_database_error_is_generic(test_app):
    response = test_app.test_client().get("/test/database-down")
    assert_problem(response, 503, "DATABASE_ERROR")
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "vault" not in text


def test_503_when_redis_is_down(servers, tmp_path):
    import otto

    app = otto.create_app(
        support.settings_for_tests(),
        database_url=servers.database_url,
        redis_url=f"unix://{tmp_path}/no-redis.sock",
    )
    response = app.test_client().get("/health/ready")
    body = assert_problem(response, 503, "EXTERNAL_SERVICE_ERROR")
    assert body["ready"] is False
    assert body["components"]["database"] is True and body["components"]["redis"] is False


# --- CORS on errors and preflight ----------------------------------------------------------------

ORIGIN = {"Origin": "https://app.example.com"}


def _has_cors(response) -> bool:
    return response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN["Origin"])


def test_cors_headers_on_errors(client, csr, test_app):
    assert _has_cors(client.get("/api/v1/users/company", headers=ORIGIN))  # 401
    assert _has_cors(
        client.post("/api/v1/companies", headers={**ORIGIN, **bearer(csr)}, json={})
    )  # 403
    assert _has_cors(client.get("/api/v1/nothing-here", headers=ORIGIN))  # 404
    assert _has_cors(
        client.post(
            "/api/v1/users",
            headers={**ORIGIN, **bearer(csr)},
            data="{",
            content_type="application/json",
        )
    )  # 422 before the role check
    assert _has_cors(test_app.test_client().get("/test/boom", headers=ORIGIN))  # 500


def test_cors_headers_on_success(client, csr):
    response = client.get("/api/v1/users/company", headers={**ORIGIN, **bearer(csr)})
    assert response.status_code == 200 and _has_cors(response)
    assert "X-Request-Id" in response.headers.get("Access-Control-Expose-Headers", "")


def test_preflight_needs_no_token(client):
    response = client.options(
        "/api/v1/users",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key",
        },
    )
    assert response.status_code == 200
    assert _has_cors(response)
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


# --- Request ids ---------------------------------------------------------------------------------


def test_request_id_is_echoed(client):
    response = client.get("/health", headers={"X-Request-Id": "client-chosen-id-123"})
    assert response.headers["X-Request-Id"] == "client-chosen-id-123"
    response = client.get("/api/v1/users/company", headers={"X-Request-Id": "client-chosen-id-456"})
    assert response.json["trace_id"] == "client-chosen-id-456"


def test_request_id_is_generated_when_absent(client):
    first = client.get("/health").headers["X-Request-Id"]
    second = client.get("/api/v1/users/company")
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert second.json["trace_id"] == second.headers["X-Request-Id"] != first


# --- Body checks ---------------------------------------------------------------------------------

VALID_USER = {"name": "Casey", "email": "casey@example.com", "username": "casey", "role": "csr"}


def test_unknown_body_field_is_named(client, manager):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), json={**VALID_USER, "is_admin": True}
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert {"field": "body.is_admin", "message": "Unknown field.", "code": "unknown_field"} in body[
        "validation_errors"
    ]


def test_malformed_json(client, manager):
    response = client.post(
        "/api/v1/users",
        headers=bearer(manager),
        data='{"name": "x",',
        content_type="application/json",
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert body["validation_errors"] == [
        {"field": "body", "message": "Invalid JSON.", "code": "invalid_json"}
    ]


def test_wrong_types(client, manager):
    response = client.post(
        "/api/v1/users",
        headers=bearer(manager),
        json={**VALID_USER, "name": 42, "email": ["a@b.c"], "role": "owner"},
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    fields = {item["field"] for item in body["validation_errors"]}
    assert {"body.name", "body.email", "body.role"} <= fields


@pytest.mark.parametrize("payload", ["[]", "null", "42", '"text"', '[{"name": "x"}]'])
def test_json_that_is_not_an_object(client, manager, payload):
    response = client.post(
        "/api/v1/users", headers=bearer(manager), data=payload, content_type="application/json"
    )
    assert_problem(response, 422, "VALIDATION_ERROR")


def test_non_utf8_json(client, manager):
    response = client.post(
        "/api/v1/users",
        headers=bearer(manager),
        data=b'{"name": "\xff\xfe"}',
        content_type="application/json",
    )
    assert_problem(response, 422, "VALIDATION_ERROR")


# --- Values the schema lets through but a column cannot hold: 422, never 500 -------------------


@pytest.mark.parametrize(
    "method,path,body,field",
    [
        (
            "put",
            "/api/v1/companies/{company}",
            {"services": [{"name": "Roof", "base_price": 1e15}]},
            "body.services.0.base_price",
        ),
        (
            "post",
            "/api/v1/users",
            {"name": "x", "email": "a" * 300 + "@example.com", "username": "u", "role": "csr"},
            "body.email",
        ),
        (
            "post",
            "/api/v1/users",
            {"name": "nul\u0000byte", "email": "nul@example.com", "username": "nul", "role": "csr"},
            None,
        ),
        ("put", "/api/v1/companies/{company}", {"name": "nul\u0000byte"}, None),
        # Stored without a flush in the view: the database refuses it only at commit.
        (
            "post",
            "/api/v1/companies/{company}/set-callrail-account-id",
            {"account_id": "ACC\u0000"},
            None,
        ),
    ],
)
def test_unstorable_values_are_422(client, manager, method, path, body, field):
    url = path.format(company=manager.company_id)
    response = getattr(client, method)(url, headers={**ORIGIN, **bearer(manager)}, json=body)
    problem = assert_problem(response, 422, "VALIDATION_ERROR", url)
    assert "\\u0000" not in response.get_data(as_text=True) and "psycopg" not in response.get_data(
        as_text=True
    )
    assert _has_cors(response)
    if field:
        assert field in {item["field"] for item in problem["validation_errors"]}


def test_nul_byte_in_a_path_is_not_a_500(client, manager):
    response = client.get("/api/v1/users/by-username/bad%00name", headers=bearer(manager))
    assert 400 <= response.status_code < 500


# --- Every write route rejects bad input with a 4xx, never a 500 ---------------------------------


def _route_table():
    """The app's routes, built at collection time from the real blueprints (no database needed)."""
    from flask import Flask

    from otto.api import register_api
    from otto.models import import_all_models

    import_all_models()
    routes_app = Flask("otto_routes")
    register_api(routes_app)
    return routes_app


def _write_routes(with_json_body: bool = False):
    """(method, rule) for every POST/PUT/PATCH route that is not a webhook."""
    routes_app = _route_table()
    routes = []
    for rule in routes_app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            handler = _handler(routes_app, method, rule.rule)
            if getattr(handler, "_otto_raw_body", False):
                continue  # webhooks read raw bytes and answer as their provider expects
            if with_json_body and _json_schema(handler) is None:
                continue
            routes.append(pytest.param(method, rule.rule, id=f"{method} {rule.rule}"))
    return routes


def _path(app, rule_text: str, manager) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif name in ("company_id", "org_id"):
            values[name] = manager.company_id
        elif "user" in name or "rep" in name or name == "username":
            values[name] = manager.id
        elif "phone" in name:
            values[name] = "+15555550123"
        else:
            values[name] = str(uuid.uuid4())
    return rule.build(values, append_unknown=False)[1]


def _handler(app, method: str, rule_text: str):
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and method in r.methods)
    view = app.view_functions[rule.endpoint]
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, method.lower(), None) if view_class is not None else view


def _json_schema(handler):
    for parameter in getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter.get("in") == "json":
            schema = parameter["schema"]
            return schema() if isinstance(schema, type) else schema
    return None


def _wrong_value(field):
    import marshmallow as ma

    if isinstance(field, (ma.fields.List, ma.fields.Dict, ma.fields.Nested, ma.fields.Tuple)):
        return 12345
    return {"unexpected": ["object"]}


def _manager_admitted(handler) -> bool:
    roles, exact = getattr(handler, "_otto_roles", (["manager"], False))
    return "manager" in roles or not exact


WRITE_ROUTES = _write_routes()
JSON_BODY_ROUTES = _write_routes(with_json_body=True)


@pytest.mark.parametrize("method,rule", WRITE_ROUTES)
def test_every_write_route_rejects_malformed_json(client, app, manager, method, rule):
    path = _path(app, rule, manager)
    response = client.open(
        path,
        method=method,
        headers=bearer(manager),
        data='{"broken": ',
        content_type="application/json",
    )
    assert response.status_code == 422, f"{method} {path}: {response.status_code}"
    assert response.json["validation_errors"][0]["code"] == "invalid_json"


@pytest.mark.parametrize("method,rule", JSON_BODY_ROUTES)
def test_every_write_route_rejects_wrong_types(client, app, manager, method, rule):
    handler = _handler(app, method, rule)
    schema = _json_schema(handler)
    path = _path(app, rule, manager)
    body = {
        name: _wrong_value(field) for name, field in schema.fields.items() if not field.dump_only
    }
    response = client.open(path, method=method, headers=bearer(manager), json=body)
    assert 400 <= response.status_code < 500, f"{method} {path}: {response.status_code}"
    if _manager_admitted(handler):
        assert response.status_code == 422, f"{method} {path}: {response.status_code}"
        fields = {item["field"] for item in response.json["validation_errors"]}
        assert fields, f"{method} {path} named no field"


@pytest.mark.parametrize("method,rule", JSON_BODY_ROUTES)
def test_every_write_route_rejects_unknown_fields(client, app, manager, method, rule):
    handler = _handler(app, method, rule)
    path = _path(app, rule, manager)
    response = client.open(
        path,
        method=method,
        headers=bearer(manager),
        json={"company_id_override": "org_other", "is_superuser": True},
    )
    assert 400 <= response.status_code < 500, f"{method} {path}: {response.status_code}"
    if _manager_admitted(handler):
        assert response.status_code == 422
        fields = {item["field"] for item in response.json["validation_errors"]}
        assert {"body.company_id_override", "body.is_superuser"} <= fields
