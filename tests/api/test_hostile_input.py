"""Input a hostile or careless client sends: never a 500, never a broken company afterwards."""

import io
import json
import logging

from support import bearer
from webhook_helpers import callrail_signature, run_jobs, unique_id, unique_number

DEEP_JSON = b'{"a":' * 5000 + b"1" + b"}" * 5000


def test_a_date_past_year_9999_in_utc_is_a_422_and_nothing_is_written(client, manager):
    response = client.post("/api/v1/calls/add-call", headers=bearer(manager), json={
        "phone_number": "5550100123", "quote_date": "9999-12-31T23:59:59-12:00"})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/dashboard/calls?status=all", headers=bearer(manager)).status_code == 200


def test_a_year_one_date_is_a_422(client, manager):
    lead = client.post("/api/v1/leads", headers=bearer(manager),
                       json={"primary_phone": "5550100124"})
    lead_id = lead.json["data"]["lead"]["id"]

    response = client.patch(f"/api/v1/leads/{lead_id}", headers=bearer(manager),
                            json={"last_contacted_at": "0001-01-01T00:00:00+14:00"})

    assert response.status_code == 422


def test_absurdly_nested_json_is_invalid_json_on_api_routes(client, manager):
    response = client.post("/api/v1/leads", headers=bearer(manager), data=DEEP_JSON,
                           content_type="application/json")

    assert response.status_code == 422
    assert response.json["validation_errors"][0]["code"] == "invalid_json"


def test_absurdly_nested_json_never_crashes_a_webhook(client):
    for path in ("/callrail/call.completed", "/twilio-webhook", "/sms/twilio-webhook",
                 "/api/v1/users/clerk-webhook"):
        response = client.post(path, data=DEEP_JSON, content_type="application/json")
        assert 400 <= response.status_code < 500, path
        assert response.mimetype == "application/problem+json", path


def test_a_callrail_time_in_year_9999_is_dropped_and_the_company_stays_readable(
        app, client, make_company, make_user):
    tracking, key = unique_number(), unique_id("key_")
    company = make_company(primary_tracking_number=tracking, callrail_webhook_signing_key=key)
    manager = make_user(company, "manager")
    body = json.dumps({"resource_id": unique_id("CAL"), "tracking_phone_number": tracking,
                       "customer_phone_number": "+15550100188",
                       "start_time": "9999-12-31T23:59:59-12:00"}).encode()

    response = client.post("/callrail/call.missed", data=body, content_type="application/json",
                           headers={"Signature": callrail_signature(body, key)})
    run_jobs(app)

    assert response.status_code == 200
    listing = client.get("/api/v1/dashboard/calls?status=all", headers=bearer(manager))
    assert listing.status_code == 200


def test_a_token_for_an_unregistered_organization_writes_nothing_and_gets_404(client):
    headers = bearer(company_id=f"org_unregistered_{unique_id('x')}", user_id="user_x", role="manager")

    response = client.post("/api/v1/leads", headers=headers,
                           json={"primary_phone": "5550100125"})

    assert response.status_code == 404
    assert response.json["error_code"] == "COMPANY_NOT_FOUND"


def test_a_newline_in_the_path_cannot_forge_a_log_line(client, manager, caplog):
    with caplog.at_level(logging.INFO, logger="otto.request"):
        client.get("/api/v1/users/by-username/abc%0aFORGED%20INFO%20line", headers=bearer(manager))

    lines = [record.getMessage() for record in caplog.records if record.name == "otto.request"]
    assert lines and all("\n" not in line for line in lines)


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-Id": "abc\u2028<script>"})

    assert response.headers["X-Request-Id"] != "abc\u2028<script>"


def test_a_clerk_delivery_over_five_megabytes_is_a_413(client):
    response = client.post("/api/v1/users/clerk-webhook", data=b"{" + b" " * (6 * 1024 * 1024) + b"}",
                           content_type="application/json")

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_document_upload_for_an_unregistered_organization_is_a_404(client):
    headers = bearer(company_id=f"org_unregistered_{unique_id('x')}", user_id="user_x", role="manager")

    response = client.post("/api/v1/rag/documents/upload", headers=headers,
                           data={"file": (io.BytesIO(b"# Pricing\n\nA roof costs money."), "p.md")},
                           content_type="multipart/form-data")

    assert response.status_code == 404
    assert response.json["error_code"] == "COMPANY_NOT_FOUND"
