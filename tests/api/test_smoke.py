"""The app answers on real servers: health, docs and the error shape for unknown routes."""

from support import bearer


def test_ready_checks_real_database_and_redis(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json["components"]["database"] is True
    assert response.json["components"]["redis"] is True


def test_token_reaches_a_protected_route_only_with_bearer(client, manager):
    assert client.get("/api/v1/users/company").status_code == 401
    response = client.get("/api/v1/users/company", headers=bearer(manager))
    assert response.status_code == 200
