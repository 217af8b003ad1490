"""Who sees analyses: every id route as another company's user (404) and as a foreign rep."""

import pytest
from sqlalchemy import text

from analysis_support import fixture_text, make_call, run_ai_queue, scope
from otto.analysis.models import CallTranscript
from otto.db import db
from support import bearer

TABLES = ("call_analysis", "call_transcripts", "transcript_analyses", "sop_compliance_results")


@pytest.fixture
def world(app, client, make_company, make_user):
    """Company A: a manager, the call's rep (owner) and another rep; company B: its users.
    The call has a full analysis, a v0 analysis and SOP results."""
    a, b = make_company(), make_company()
    people = {
        "manager": make_user(a, "manager"),
        "csr": make_user(a, "csr"),
        "other_manager": make_user(b, "manager"),
        "other_csr": make_user(b, "csr"),
    }
    people["owner"] = make_user(a, "sales_rep", manager_id=people["manager"].id)
    people["foreign_rep"] = make_user(a, "sales_rep", manager_id=people["manager"].id)
    people["other_rep"] = make_user(b, "sales_rep", manager_id=people["other_manager"].id)
    call_id = make_call(app, a.id, call_type="sales_call", assigned_rep_id=people["owner"].id,
                        in_person_transcript=fixture_text("hvac_inhome_replacement_consult"),
                        transcript=fixture_text("hvac_inhome_replacement_consult"))
    with scope(app, a.id):
        db.session.add(CallTranscript(company_id=a.id, call_id=call_id, uwc_job_id="vendor-7",
                                      transcript_text=fixture_text("hvac_inhome_replacement_consult")))
    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(people["manager"]))
    client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}",
                headers=bearer(people["manager"]))
    run_ai_queue(app)
    return {"a": a, "b": b, "call_id": call_id, **people}


def id_routes(world):
    call_id, rep_id = world["call_id"], world["owner"].id
    return [
        # (method, path, roles that may use it besides the manager, not-found code)
        ("POST", f"/api/v1/calls/{call_id}/analyze", {"csr", "sales_rep"}, "CALL_NOT_FOUND"),
        ("GET", f"/api/v1/calls/{call_id}/analysis", {"csr", "sales_rep"}, "CALL_NOT_FOUND"),
        ("GET", f"/api/v1/post-call-analysis/call/{call_id}", {"csr"}, "CALL_NOT_FOUND"),
        ("GET", f"/api/v1/post-call-analysis/sales-rep/{rep_id}/performance", set(),
         "NOT_FOUND"),
        ("POST", f"/api/v1/mobile/audio/analyze-transcript/{call_id}", {"sales_rep"},
         "CALL_NOT_FOUND"),
        ("GET", f"/api/v1/mobile/audio/transcript-analysis/{call_id}", {"csr", "sales_rep"},
         "CALL_NOT_FOUND"),
        ("GET", f"/api/v1/mobile/audio/transcript-analyses/{call_id}/versions",
         {"csr", "sales_rep"}, "CALL_NOT_FOUND"),
        ("POST", f"/api/v1/mobile/audio/sync-call-fields-from-analysis/{call_id}", {"sales_rep"},
         "CALL_NOT_FOUND"),
    ]


def test_every_id_route_is_a_404_for_another_company_and_a_foreign_rep(client, world):
    for method, path, roles, not_found in id_routes(world):
        own = client.open(path, method=method, headers=bearer(world["manager"]))
        assert own.status_code in (200, 202), (path, own.json)
        if "sales_rep" in roles:
            mine = client.open(path, method=method, headers=bearer(world["owner"]))
            assert mine.status_code in (200, 202), (path, mine.json)

        for outsider in ("other_manager", "other_csr", "other_rep", "foreign_rep"):
            role = world[outsider].role
            response = client.open(path, method=method, headers=bearer(world[outsider]))
            if role != "manager" and role not in roles:
                assert response.status_code == 403, (outsider, path, response.json)
                continue
            assert response.status_code == 404, (outsider, path, response.json)
            assert response.json["error_code"] == not_found, (outsider, path)


def test_client_supplied_rep_and_company_ids_stay_inside_the_company(client, world):
    other_rep = world["other_rep"].id
    analytics = client.get(f"/api/v1/calls/analytics/objections?rep_id={other_rep}",
                           headers=bearer(world["manager"]))
    assert (analytics.status_code, analytics.json["error_code"]) == (404, "NOT_FOUND")
    coaching = client.get(
        f"/api/v1/post-call-analysis/coaching-recommendations?sales_rep_id={other_rep}",
        headers=bearer(world["manager"]))
    assert coaching.status_code == 404
    as_other_rep = client.get(
        f"/api/v1/post-call-analysis/coaching-recommendations?sales_rep_id={world['owner'].id}",
        headers=bearer(world["foreign_rep"]))
    assert (as_other_rep.status_code, as_other_rep.json["error_code"]) == (403, "FORBIDDEN")
    sync = client.post("/api/v1/mobile/audio/batch-sync-call-fields",
                       json=[world["call_id"]], headers=bearer(world["other_manager"]))
    assert sync.status_code == 404
    asserted = client.get(f"/api/v1/mobile/audio/transcript-analysis/{world['call_id']}"
                          f"?company_id={world['b'].id}", headers=bearer(world["manager"]))
    assert (asserted.status_code, asserted.json["error_code"]) == (403, "FORBIDDEN")


def test_lists_and_aggregates_never_show_another_company_or_rep(client, world):
    own = client.get("/api/v1/post-call-analysis/coaching-recommendations",
                     headers=bearer(world["owner"])).json["data"]
    assert own["total_count"] > 0
    assert {item["call_id"] for item in own["recommendations"]} == {world["call_id"]}
    foreign = client.get("/api/v1/post-call-analysis/coaching-recommendations",
                         headers=bearer(world["foreign_rep"])).json["data"]
    assert foreign["total_count"] == 0

    for user in ("other_manager",):
        headers = bearer(world[user])
        assert client.get("/api/v1/calls/analytics/objections",
                          headers=headers).json["data"]["total_calls_analyzed"] == 0
        summary = client.get("/api/v1/post-call-analysis/performance-summary",
                             headers=headers).json["data"]
        assert summary["company_metrics"]["total_calls_analyzed"] == 0
        coaching = client.get("/api/v1/post-call-analysis/coaching-recommendations",
                              headers=headers).json["data"]
        assert coaching["total_count"] == 0


def test_row_level_security_hides_the_rows_from_raw_sql(app, world):
    for company, expected in ((world["b"], 0), (world["a"], 1)):
        with scope(app, company.id):
            for table in TABLES:
                count = db.session.execute(
                    text(f"SELECT count(*) > 0 FROM {table} WHERE call_id = :call_id"),
                    {"call_id": world["call_id"]}).scalar()
                assert count == bool(expected), (company.id, table)
