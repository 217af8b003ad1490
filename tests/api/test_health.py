"""Health, readiness and metrics: public, backed by the real database and Redis, free of secrets."""

import re

import pytest
from support import TEST_SECRET, bearer

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.parametrize(
    "path",
    ["/health", "/health/live", "/live", "/health/ready", "/ready", "/health/detailed", "/metrics"],
)
def test_health_routes_are_public(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["X-Request-Id"]


def test_health(client):
    body = client.get("/health").json
    assert body["status"] == "healthy" and body["version"] and body["environment"]
    assert UTC_Z.match(body["timestamp"])


@pytest.mark.parametrize("path", ["/health/live", "/live"])
def test_live(client, path):
    assert client.get(path).json == {"status": "alive"}


@pytest.mark.parametrize("path", ["/health/ready", "/ready"])
def test_ready_with_real_database_and_redis(client, path):
    body = client.get(path).json
    assert body["ready"] is True
    assert body["components"]["database"] is True and body["components"]["redis"] is True
    assert body["components"]["workers"] in (True, False, None)
    assert body["service"] == "otto-api" and isinstance(body["duration_ms"], float)
    assert UTC_Z.match(body["timestamp"])


def test_detailed(client, app):
    response = client.get("/health/detailed")
    body = response.json
    assert body["status"] == "healthy"
    assert set(body["checks"]) == {"database", "redis", "storage", "uwc"}
    for name in ("database", "redis", "storage"):
        assert body["checks"][name]["status"] == "healthy"
        assert isinstance(body["checks"][name]["response_time_ms"], (int, float))
    assert body["checks"]["uwc"]["status"] in ("healthy", "degraded", "unhealthy", "disabled")

    text = response.get_data(as_text=True)
    settings = app.extensions["otto"].settings
    secrets = [
        TEST_SECRET,
        settings.secret_key,
        settings.jwt_secret,
        settings.clerk_webhook_secret,
        "postgresql",
        "redis://",
        "unix://",
        "DATABASE_URL",
        str(settings.data_dir),
    ]
    for secret in secrets:
        assert secret not in text


def test_detailed_reports_a_dead_redis_without_its_error(servers, tmp_path):
    from support import settings_for_tests

    import otto

    app = otto.create_app(
        settings_for_tests(),
        database_url=servers.database_url,
        redis_url=f"unix://{tmp_path}/gone.sock",
    )
    response = app.test_client().get("/health/detailed")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "unhealthy"
    assert body["checks"]["redis"] == {
        "status": "unhealthy",
        "response_time_ms": body["checks"]["redis"]["response_time_ms"],
        "error": "unavailable",
    }
    assert "gone.sock" not in response.get_data(as_text=True)


def test_metrics(client, manager):
    client.get("/api/v1/users/company", headers=bearer(manager))
    client.get(f"/api/v1/users/{manager.id}", headers=bearer(manager))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert "# TYPE http_requests_total counter" in text
    assert re.search(
        r'http_requests_total\{method="GET",route="/api/v1/users/company",status="200"\} \d', text
    )
    assert 'route="/api/v1/users/<string:user_id>"' in text  # templates, not ids
    assert manager.id not in text and manager.company_id not in text
    for queue in ("default", "ai", "ingest", "sms"):
        assert re.search(rf'rq_queue_jobs\{{queue="{queue}"\}} \d', text)
        assert f'rq_failed_jobs{{queue="{queue}"}}' in text
    assert "http_request_duration_seconds_bucket" in text


def test_metrics_token_when_configured(servers):
    from support import settings_for_tests

    import otto

    app = otto.create_app(
        settings_for_tests(METRICS_TOKEN="scrape-me"),
        database_url=servers.database_url,
        redis_url=servers.redis_url,
    )
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
