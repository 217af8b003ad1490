"""GET /health, /health/detailed, /health/live (/live), /health/ready (/ready) and /metrics."""

import time

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from otto.auth.identity import public
from otto.errors import Unauthorized, problem
from otto.health import service

blp = Blueprint("health", __name__, description="System & Health")


@blp.route("/health")
class Health(MethodView):
    @public
    @blp.doc(security=[])
    def get(self):
        """Process health: answers while the process runs."""
        return service.basic()


@blp.route("/health/detailed")
class HealthDetailed(MethodView):
    @public
    @blp.doc(security=[])
    def get(self):
        """Every dependency with its response time; errors are never echoed."""
        return service.detailed()


@blp.route("/health/live")
@blp.route("/live", endpoint="live")
class HealthLive(MethodView):
    @public
    @blp.doc(security=[])
    def get(self):
        """Liveness without dependency checks."""
        return {"status": "alive"}


@blp.route("/health/ready")
@blp.route("/ready", endpoint="ready")
class HealthReady(MethodView):
    @public
    @blp.doc(security=[])
    def get(self):
        """Readiness: PostgreSQL and Redis really answer."""
        started = time.perf_counter()
        components = {"database": service.database_ok(), "redis": service.redis_ok(),
                      "workers": service.workers_alive()}
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        body = {"ready": components["database"] and components["redis"], "components": components,
                "timestamp": service.now_iso(), "duration_ms": elapsed_ms, "service": "otto-api"}
        if body["ready"]:
            return body
        error_code = "DATABASE_ERROR" if not components["database"] else "EXTERNAL_SERVICE_ERROR"
        return problem(503, error_code, "A required dependency is unavailable.",
                       extra={"ready": False, "components": components})


@blp.route("/metrics")
class Metrics(MethodView):
    @public
    @blp.doc(security=[])
    def get(self):
        """Prometheus text format."""
        token = current_app.extensions["otto"].settings.metrics_token
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            raise Unauthorized()
        registry = service.metrics_registry()
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)
