"""The flask-smorest Api with Otto's defaults, and the one list of blueprints."""

import importlib
import importlib.util
from pathlib import Path

import marshmallow as ma
from flask import Blueprint
from flask_smorest import Api

from otto.errors import handle_http_exception

DOCS_ASSETS = "/docs-assets"


class ProblemSchema(ma.Schema):
    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    trace_id = ma.fields.String()
    error_code = ma.fields.String()
    validation_errors = ma.fields.List(ma.fields.Dict())
    details = ma.fields.Dict()


class OttoApi(Api):
    """Api whose framework errors (404, 405, webargs 422, …) use the problem+json shape."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "Problem"

    def handle_http_exception(self, error):
        return handle_http_exception(error)


API_CONFIG = {
    "API_TITLE": "Otto",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": f"{DOCS_ASSETS}/swagger-ui-dist/",
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": f"{DOCS_ASSETS}/redoc/bundles/redoc.standalone.js",
    "API_SPEC_OPTIONS": {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "bearerFormat": "JWT"}}},
        "security": [{"bearerAuth": []}],
    },
}


def docs_assets_blueprint() -> Blueprint:
    """Swagger UI and ReDoc files from an installed package, so /docs works offline."""
    import drf_spectacular_sidecar

    static = Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar"
    return Blueprint("docs_assets", __name__, static_folder=str(static), static_url_path=DOCS_ASSETS)


# Areas in catalog order; each is a package otto/<area>/ whose views.py defines `blp`.
AREAS = (
    "dashboard", "calls", "leads", "appointments", "contacts", "lead_pool", "rag", "recordings",
    "shifts", "missed_calls", "analysis", "post_call", "reps", "companies", "users", "followups",
    "clones", "gdpr", "mobile", "webhooks", "internal_ai", "health", "admin", "messages", "tasks",
    "sms",
)


def area_module(area: str, name: str):
    """Import otto.<area>.<name> if that area and module exist, else return None."""
    if importlib.util.find_spec(f"otto.{area}") is None:
        return None
    if importlib.util.find_spec(f"otto.{area}.{name}") is None:
        return None
    return importlib.import_module(f"otto.{area}.{name}")


def blueprints() -> list:
    """The blueprint of every area that exists, in catalog order."""
    modules = (area_module(area, "views") for area in AREAS)
    return [module.blp for module in modules if module is not None and hasattr(module, "blp")]


def register_api(app) -> OttoApi:
    app.config.update({key: value for key, value in API_CONFIG.items() if key not in app.config})
    api = OttoApi(app)
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_assets_blueprint())
    return api
