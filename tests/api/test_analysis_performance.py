"""Post-call performance from stored analyses: rep scores, coaching, summary, heuristic."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from analysis_support import fixture_text, make_call, run_ai_queue, scope
from otto.analysis.models import CallAnalysis
from otto.db import db, utcnow
from otto.post_call.service import queue_heuristic_analyses
from support import bearer


def store(app, company_id, call_id, *, score, tips=(), objections=(), days_ago=0):
    """An analysis row as a provider would have left it."""
    with scope(app, company_id):
        db.session.add(CallAnalysis(
            company_id=company_id, call_id=call_id, provider="local", version_number=1,
            analysis_version="v1", uwc_job_id=f"local_{uuid.uuid4().hex}",
            analyzed_at=utcnow() - timedelta(days=days_ago), performance_score=score,
            coaching_tips=list(tips), objections=[label for label, _ in objections],
            objection_details=[{"type": label, "quote": quote} for label, quote in objections],
            lead_quality="warm"))


def tip(text, priority, category="sop_compliance"):
    return {"tip": text, "priority": priority, "category": category, "description": text,
            "timestamp": None}


@pytest.fixture
def team(app, company, manager, make_user):
    """Three reps with scored calls: Ana (90, 80), Ben (50, no score), Cy (70); one old call."""
    reps = {name: make_user(company, "sales_rep", manager_id=manager.id, name=name)
            for name in ("Ana", "Ben", "Cy")}

    def call(rep, score, status="completed", minutes=10, **extra):
        call_id = make_call(app, company.id, assigned_rep_id=reps[rep].id, status=status,
                            last_call_duration=minutes * 60)
        store(app, company.id, call_id, score=score, **extra)
        return call_id

    calls = {
        "ana_1": call("Ana", 90, tips=[tip("Cover the warranty.", "medium")],
                      objections=[("Price/Budget", "That's a lot of money.")]),
        "ana_2": call("Ana", 80, minutes=20, tips=[tip("Confirm the address.", "high", "outcome")],
                      objections=[("Price/Budget", "Too expensive for us."),
                                  ("Timing", "Maybe next year.")]),
        "ben_1": call("Ben", 50, status="missed", tips=[tip("Call back soon.", "low")]),
        "ben_2": call("Ben", None, objections=[("Decision Authority", "I need to ask my wife.")]),
        "cy_1": call("Cy", 70),
        "old": call("Cy", 10, days_ago=40, tips=[tip("Ancient advice.", "high")]),
    }
    return {"reps": reps, "calls": calls}


def test_rep_performance_averages_the_window(client, manager, team):
    ana = team["reps"]["Ana"].id
    response = client.get(f"/api/v1/post-call-analysis/sales-rep/{ana}/performance",
                          headers=bearer(manager))
    assert response.status_code == 200
    data = response.json["data"]
    assert (data["total_calls_analyzed"], data["average_score"]) == (2, 85.0)
    assert data["period_days"] == 30
    assert data["recommendation_breakdown"] == {"sop_compliance": 1, "outcome": 1}
    assert [r["call_id"] for r in data["recent_analyses"]] == [team["calls"]["ana_2"],
                                                               team["calls"]["ana_1"]]

    cy = team["reps"]["Cy"].id
    window = client.get(f"/api/v1/post-call-analysis/sales-rep/{cy}/performance?days=60",
                        headers=bearer(manager)).json["data"]
    assert (window["total_calls_analyzed"], window["average_score"]) == (2, 40.0)

    nobody = client.get("/api/v1/post-call-analysis/sales-rep/user_nobody/performance",
                        headers=bearer(manager))
    assert (nobody.status_code, nobody.json["error_code"]) == (404, "NOT_FOUND")
    too_long = client.get(f"/api/v1/post-call-analysis/sales-rep/{cy}/performance?days=366",
                          headers=bearer(manager))
    assert too_long.status_code == 422


def test_empty_rep_performance_keeps_the_shape(client, manager, make_user, company):
    idle = make_user(company, "sales_rep", manager_id=manager.id)
    response = client.get(f"/api/v1/post-call-analysis/sales-rep/{idle.id}/performance",
                          headers=bearer(manager)).json
    assert response["message"] == "No analyses found for the period"
    assert response["data"]["total_calls_analyzed"] == 0
    assert response["data"]["average_score"] is None
    assert response["data"]["recent_analyses"] == []


def test_coaching_is_sorted_by_priority_then_recency_and_filtered(client, manager, csr, team):
    data = client.get("/api/v1/post-call-analysis/coaching-recommendations",
                      headers=bearer(csr)).json["data"]
    assert [item["tip"] for item in data["recommendations"]] == [
        "Confirm the address.", "Cover the warranty.", "Call back soon."]
    first = data["recommendations"][0]
    assert (first["sales_rep_name"], first["call_duration"], first["call_status"]) == (
        "Ana", 1200, "completed")
    assert data["filters_applied"] == {"sales_rep_id": None, "category": None, "priority": None,
                                       "days": 7}

    low = client.get("/api/v1/post-call-analysis/coaching-recommendations?priority=low",
                     headers=bearer(manager)).json["data"]
    assert [item["tip"] for item in low["recommendations"]] == ["Call back soon."]
    outcome = client.get("/api/v1/post-call-analysis/coaching-recommendations?category=outcome",
                         headers=bearer(manager)).json["data"]
    assert outcome["total_count"] == 1
    assert client.get("/api/v1/post-call-analysis/coaching-recommendations?priority=urgent",
                      headers=bearer(manager)).status_code == 422
    assert client.get("/api/v1/post-call-analysis/coaching-recommendations?days=31",
                      headers=bearer(manager)).status_code == 422

    ben = team["reps"]["Ben"]
    own = client.get("/api/v1/post-call-analysis/coaching-recommendations",
                     headers=bearer(ben)).json["data"]
    assert [item["tip"] for item in own["recommendations"]] == ["Call back soon."]
    assert own["filters_applied"]["sales_rep_id"] == ben.id


def test_performance_summary_ranks_the_team(client, manager, csr, team):
    response = client.get("/api/v1/post-call-analysis/performance-summary",
                          headers=bearer(manager))
    assert response.status_code == 200
    data = response.json["data"]
    assert data["company_metrics"] == {"total_calls_analyzed": 5, "average_score": 72.5,
                                       "success_rate": 80.0}
    by_name = {rep["sales_rep_name"]: rep for rep in data["sales_reps"]}
    assert by_name["Ana"] == {"sales_rep_id": team["reps"]["Ana"].id, "sales_rep_name": "Ana",
                              "total_calls": 2, "avg_score": 85.0, "avg_duration_minutes": 15.0,
                              "success_rate": 100.0}
    assert (by_name["Ben"]["avg_score"], by_name["Ben"]["success_rate"]) == (50.0, 50.0)
    assert [rep["sales_rep_name"] for rep in data["top_performers"]] == ["Ana"]
    assert [rep["sales_rep_name"] for rep in data["needs_improvement"]] == ["Ben"]
    assert data["insights"] == {"total_sales_reps": 3, "high_performers": 1,
                                "coaching_opportunities": 1}
    assert client.get("/api/v1/post-call-analysis/performance-summary",
                      headers=bearer(csr)).status_code == 403


def test_objection_analytics_counts_labels_once_per_call(client, manager, team):
    response = client.get("/api/v1/calls/analytics/objections", headers=bearer(manager))
    assert response.status_code == 200
    data = response.json["data"]
    assert (data["date_range"], data["total_calls_analyzed"]) == ("last_30_days", 5)
    top = {item["objection_type"]: item for item in data["top_objections"]}
    assert top["Price/Budget"]["count"] == 2
    assert top["Price/Budget"]["percentage"] == 40.0
    assert set(top["Price/Budget"]["example_quotes"]) == {"That's a lot of money.",
                                                          "Too expensive for us."}
    assert data["top_objections"][0]["objection_type"] == "Price/Budget"
    by_rep = {row["rep_name"]: row["total_objections"] for row in data["objections_by_rep"]}
    assert by_rep == {"Ana": 3, "Ben": 1, "Cy": 0}

    ana = team["reps"]["Ana"].id
    filtered = client.get(f"/api/v1/calls/analytics/objections?rep_id={ana}&date_range=last_7_days",
                          headers=bearer(manager)).json["data"]
    assert (filtered["total_calls_analyzed"], filtered["objections_by_rep"]) == (2, None)
    assert client.get("/api/v1/calls/analytics/objections?date_range=forever",
                      headers=bearer(manager)).status_code == 422


def test_status_reports_the_provider(client, rep):
    response = client.get("/api/v1/post-call-analysis/status", headers=bearer(rep))
    assert response.status_code == 200
    assert response.json["data"] == {"running": False, "analysis_interval": 60,
                                     "openai_available": False, "provider": "local"}


def test_heuristic_scores_completed_calls_with_nothing_to_listen_to(app, client, company,
                                                                   manager):
    two_hours_ago = utcnow() - timedelta(hours=2)
    scored = make_call(app, company.id, status="completed", phone_number_raw="x",
                       last_call_duration=600, created_at=two_hours_ago)
    short = make_call(app, company.id, status="missed", last_call_duration=60,
                      created_at=two_hours_ago)
    too_fresh = make_call(app, company.id, status="completed", last_call_duration=600)
    has_words = make_call(app, company.id, status="completed", created_at=two_hours_ago,
                          transcript=fixture_text("leak_detection_csr_out_of_scope_gas_excerpt"))

    with app.app_context():
        assert queue_heuristic_analyses() >= 1
    run_ai_queue(app)

    with scope(app, company.id):
        rows = {row.call_id: row for row in db.session.execute(
            select(CallAnalysis).where(CallAnalysis.call_id.in_(
                [scored, short, too_fresh, has_words]))).scalars()}
    assert set(rows) == {scored}
    row = rows[scored]
    assert (row.provider, row.analysis_version) == ("heuristic", "1.0")
    assert row.uwc_job_id.startswith("legacy_analysis_")
    assert (row.performance_score, row.lead_quality, row.conversion_probability) == (
        100.0, "hot", 1.0)
    assert [t["category"] for t in row.coaching_tips] == ["positive_feedback"]
    view = client.get(f"/api/v1/calls/{scored}/analysis", headers=bearer(manager)).json["data"]
    assert (view["status"], view["provider"]) == ("complete", "heuristic")
