"""Batch analysis through the `ai` queue: input order, progress, a failed item beside the rest."""

from analysis_support import fixture_text, make_call, run_ai_queue, scope
from local_http_stub import StubServer
from otto.calls.models import Call
from otto.db import db
from support import bearer

SHORT_CALLS = ("plumbing_afterhours_answering_service",
               "leak_detection_csr_slab_leak_referral_excerpt",
               "leak_detection_csr_out_of_scope_gas_excerpt")


def test_batch_runs_through_the_ai_queue_and_a_failed_item_stays_visible_and_retryable(
        app, client, company, manager):
    good = [make_call(app, company.id, call_type="csr_call", transcript=fixture_text(name))
            for name in SHORT_CALLS]
    with StubServer({("GET", "/recording.mp3"): (200, "these bytes are not audio")}) as audio:
        bad = make_call(app, company.id, call_type="csr_call",
                        recording_url=f"{audio.url}/recording.mp3")
        ids = [good[0], bad, good[1], good[2]]

        queued = client.post("/api/v1/calls/analyze-batch", json=ids, headers=bearer(manager))
        assert queued.status_code == 202, queued.json
        statuses = queued.json["data"]
        assert [s["job_id"] for s in statuses] == [f"analyze-{call_id}-1" for call_id in ids]
        assert {s["status"] for s in statuses} == {"queued"}

        run_ai_queue(app)
        assert audio.hits("GET", "/recording.mp3") == 1

    for call_id in good:
        view = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(manager)).json
        assert view["data"]["status"] == "complete"
    failed = client.get(f"/api/v1/calls/{bad}/analysis", headers=bearer(manager)).json["data"]
    assert failed["status"] == "failed"
    assert "could not be read" in failed["error"]

    # Analysed calls answer `completed` without a new job; the failed one is queued again.
    again = client.post("/api/v1/calls/analyze-batch", json={"call_ids": ids},
                        headers=bearer(manager)).json["data"]
    assert [s["status"] for s in again] == ["completed", "queued", "completed", "completed"]
    assert again[0]["progress"] == 100

    with scope(app, company.id):  # the customer's CRM sends the words after all
        db.session.get(Call, bad).transcript = fixture_text(SHORT_CALLS[0])
    run_ai_queue(app)
    retried = client.get(f"/api/v1/calls/{bad}/analysis", headers=bearer(manager)).json["data"]
    assert retried["status"] == "complete"


def test_batch_limits_and_foreign_ids(app, client, company, manager, make_company):
    own = make_call(app, company.id, transcript="Customer: my water heater leaks")
    other_company = make_company()
    foreign = make_call(app, other_company.id, transcript="Customer: hello")

    too_many = client.post("/api/v1/calls/analyze-batch", json=list(range(1, 52)),
                           headers=bearer(manager))
    assert too_many.status_code == 422
    empty = client.post("/api/v1/calls/analyze-batch", json=[], headers=bearer(manager))
    assert empty.status_code == 422
    strings = client.post("/api/v1/calls/analyze-batch", json=["1"], headers=bearer(manager))
    assert strings.status_code == 422

    missing = client.post("/api/v1/calls/analyze-batch", json=[own, foreign],
                          headers=bearer(manager))
    assert (missing.status_code, missing.json["error_code"]) == (404, "CALL_NOT_FOUND")
    assert missing.json["details"]["missing_call_ids"] == [foreign]


def test_batch_reports_calls_with_nothing_to_analyze_as_failed_items(app, client, company, manager,
                                                                    csr):
    empty = make_call(app, company.id)
    fine = make_call(app, company.id, transcript="Customer: the sink is blocked, can you come?")
    statuses = client.post("/api/v1/calls/analyze-batch", json=[empty, fine],
                           headers=bearer(manager)).json["data"]
    assert statuses[0]["status"] == "failed"
    assert "Nothing to analyze" in statuses[0]["error"]
    assert statuses[1]["status"] == "queued"

    refused = client.post("/api/v1/calls/analyze-batch", json=[fine], headers=bearer(csr))
    assert refused.status_code == 403
