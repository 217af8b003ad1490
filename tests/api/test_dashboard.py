"""Dashboard KPIs and live metrics on seeded datasets with hand-computed expected values."""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine
from floor_helpers import make_call, make_lead, unique_phone
from sqlalchemy import text
from support import bearer

from otto.db import db

UTC = timezone.utc


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Dashboard KPIs -----------------------------------------------------------------------------------

# (label, fields): every KPI predicate of domain §5.4 has rows on both sides of its line.
KPI_CALLS = [
    ("deciding", {"booked": True, "still_deciding": True}),
    ("awaiting", {"booked": True}),
    ("purchased", {"booked": True, "bought": True, "price_if_bought": Decimal("1000")}),
    ("bought_then_cancelled", {"bought": True, "cancelled": True}),
    ("missed", {"missed_call": True}),
    ("missed_then_cancelled", {"missed_call": True, "cancelled": True}),
    ("lost_priced", {"booked": True, "reason_for_lost_sale": "price",
                     "price_if_bought": Decimal("2500")}),
    ("lost_unpriced", {"booked": True, "reason_for_lost_sale": "timing"}),
    ("deciding_unbooked", {"still_deciding": True}),
    ("discrepancy", {"transcript_discrepancies": '{"has_discrepancies": true, "items": []}'}),
    ("no_discrepancy", {"transcript_discrepancies": '{"has_discrepancies": false}'}),
    ("unparseable", {"transcript_discrepancies": "not json {"}),
    ("scalar_json", {"transcript_discrepancies": '"true"'}),
    ("string_true", {"transcript_discrepancies": '{"has_discrepancies": "true"}'}),
    ("array_json", {"transcript_discrepancies": "[1, 2]"}),
    ("rep_awaiting", {"booked": True, "assigned_rep_id": "REP"}),
    ("bought_with_lost_reason", {"booked": True, "bought": True, "reason_for_lost_sale": "x",
                                 "price_if_bought": Decimal("700")}),
]


@pytest.fixture
def kpi_floor(app, company, rep):
    ids = {}
    for offset, (label, fields) in enumerate(KPI_CALLS):
        fields = {name: rep.id if value == "REP" else value for name, value in fields.items()}
        ids[label] = make_call(app, company, phone_number=unique_phone(),
                               created_at=at(1, 12) + timedelta(minutes=offset), **fields)
    return ids


def test_kpis_for_the_company(client, manager, kpi_floor):
    response = client.get("/api/v1/dashboard/metrics", headers=bearer(manager))
    assert response.get_json() == {
        "still_deciding": 1, "awaiting_quote": 2, "purchased_service": 2, "missed_calls": 1,
        "cancelled_appointments": 2, "discrepancies": 1,
        "lost_quotes": {"total": 2, "value_lost": 2500.0}, "still_deciding_count": 2,
    }


def test_kpis_of_a_sales_rep_count_its_own_calls(client, rep, csr, kpi_floor):
    body = client.get("/api/v1/dashboard/metrics", headers=bearer(rep)).get_json()
    assert body["awaiting_quote"] == 1
    assert sum(value for key, value in body.items() if key not in ("awaiting_quote",
                                                                   "lost_quotes")) == 0
    assert body["lost_quotes"] == {"total": 0, "value_lost": 0.0}
    assert client.get("/api/v1/dashboard/metrics", headers=bearer(csr)).get_json()[
        "awaiting_quote"] == 2


def test_an_empty_company_has_zero_kpis(client, manager):
    body = client.get("/api/v1/dashboard/metrics", headers=bearer(manager)).get_json()
    assert body["lost_quotes"] == {"total": 0, "value_lost": 0.0}
    assert body["purchased_service"] == 0


def test_company_id_is_an_assertion(client, company, manager):
    same = client.get("/api/v1/dashboard/metrics", query_string={"company_id": company.id},
                      headers=bearer(manager))
    assert same.status_code == 200
    for path, query in (("/api/v1/dashboard/metrics", {}),
                        ("/api/v1/dashboard/calls", {"status": "all"})):
        other = client.get(path, query_string={**query, "company_id": "org_someone_else"},
                           headers=bearer(manager))
        assert (other.status_code, other.get_json()["error_code"]) == (403, "FORBIDDEN")


@pytest.mark.parametrize("status,labels", [
    ("lost", ["lost_unpriced", "lost_priced"]),
    ("discrepancies", ["discrepancy"]),
    ("still_deciding", ["deciding"]),
    ("purchased", ["bought_with_lost_reason", "purchased"]),
    ("cancelled", ["missed_then_cancelled", "bought_then_cancelled"]),
    ("missed", ["missed"]),
    ("awaiting_quote", ["rep_awaiting", "awaiting"]),
])
def test_dashboard_calls_use_the_kpi_predicates(client, manager, kpi_floor, status, labels):
    body = client.get("/api/v1/dashboard/calls", query_string={"status": status},
                      headers=bearer(manager)).get_json()
    assert [row["call_id"] for row in body["calls"]] == [kpi_floor[label] for label in labels]
    assert (body["total"], body["limit"], body["offset"]) == (len(labels), 100, 0)


def test_dashboard_calls_pages_and_shows_every_column(client, manager, rep, kpi_floor):
    body = client.get("/api/v1/dashboard/calls", query_string={"status": "all", "limit": 3,
                                                                "offset": 2},
                      headers=bearer(manager)).get_json()
    newest_first = [kpi_floor[label] for label, _ in reversed(KPI_CALLS)]
    assert [row["call_id"] for row in body["calls"]] == newest_first[2:5]
    assert body["total"] == len(KPI_CALLS)
    row = body["calls"][0]
    assert {"company_id", "contact_card_id", "lead_id", "geofence", "recording_url",
            "analysis_status", "battery_at_recording_start", "owner_id"} <= set(row)
    assert row["created_at"].endswith("Z")
    purchased = client.get("/api/v1/dashboard/calls", query_string={"status": "purchased"},
                           headers=bearer(manager)).get_json()["calls"]
    assert [row["price_if_bought"] for row in purchased] == [700.0, 1000.0]

    own = client.get("/api/v1/dashboard/calls", query_string={"status": "all"},
                     headers=bearer(rep)).get_json()
    assert [row["call_id"] for row in own["calls"]] == [kpi_floor["rep_awaiting"]]


@pytest.mark.parametrize("query", [{}, {"status": "pending"}, {"status": "all", "limit": 0},
                                   {"status": "all", "limit": 1001},
                                   {"status": "all", "offset": -1}])
def test_bad_dashboard_call_queries_are_a_422(client, manager, query):
    response = client.get("/api/v1/dashboard/calls", query_string=query, headers=bearer(manager))
    assert (response.status_code, response.get_json()["error_code"]) == (422, "VALIDATION_ERROR")


def test_dashboard_calls_take_the_same_queries_for_a_full_page(app, client, company, manager,
                                                               count_queries):
    make_call(app, company, booked=True)
    with count_queries() as few:
        client.get("/api/v1/dashboard/calls?status=all", headers=bearer(manager))
    for _ in range(20):
        make_call(app, company, booked=True)
    with count_queries() as many:
        response = client.get("/api/v1/dashboard/calls?status=all", headers=bearer(manager))
    assert len(response.get_json()["calls"]) == 21
    assert many.n == few.n


# Live metrics -------------------------------------------------------------------------------------

# Wednesday 17 June 2026, 11:00 in Los Angeles (18:00 UTC). Local today starts 07:00 UTC, the
# week on Monday 15 June 07:00 UTC, the month on 1 June 07:00 UTC.
NOW = at(17, 18)


@pytest.fixture
def live_floor(app, make_company, make_user):
    company = make_company(timezone="America/Los_Angeles")
    manager = make_user(company, "manager", name="Mona Manager")
    csr_a = make_user(company, "csr", name="Alice CSR")
    csr_b = make_user(company, "csr", name="Bob CSR")
    make_user(company, "csr", name="Cleo CSR")  # handled nothing today

    def lead(**fields):
        return make_lead(app, company, **fields)[0]

    lead(status="new")
    lead(status="hot")
    lead(status="nurturing")
    lead(status="dormant")
    lead(status="closed_won", deal_size=Decimal("5000"), closed_at=at(17, 15))
    covered = lead(status="closed_won", deal_size=Decimal("3000"), closed_at=at(17, 16))
    lead(status="closed_won", closed_at=at(17, 16))  # no deal size: no revenue

    def call(created_at, **fields):
        return make_call(app, company, created_at=created_at, **fields)

    call(at(17, 8), status="completed", owner_id=csr_a.id, last_call_duration=300,
         phone_number="+12125550101", bought=True, price_if_bought=Decimal("1000"),
         lead_id=covered)
    call(at(17, 9), status="completed", owner_id=csr_a.id, last_call_duration=180,
         phone_number="+12125550102", booked=True)
    call(at(17, 10), status="missed", owner_id=csr_b.id, phone_number="+12125550101",
         booked=True)
    call(at(17, 17), status="in_progress", owner_id=csr_b.id, phone_number="+12125550103")
    call(at(17, 13), status="ringing")  # live status but older than four hours
    call(at(17, 12), status="answered", owner_id=csr_a.id, phone_number="+12125550105")
    call(at(17, 11), status="completed", owner_id=manager.id, last_call_duration=0,
         phone_number="+12125550104", bought=True)  # bought without a price: no revenue
    # 23:30 on Tuesday in Los Angeles: this week, not today (although 17 June in UTC).
    call(at(17, 6, 30), status="completed", owner_id=csr_a.id, last_call_duration=600,
         bought=True, price_if_bought=Decimal("400"))
    call(at(14, 20), bought=True, price_if_bought=Decimal("250"))  # Sunday: this month only
    call(at(31, 20, month=5), bought=True, price_if_bought=Decimal("999"))  # May
    return {"company": company, "manager": manager, "csr": csr_a}


def live(client, user, section, **query):
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/api/v1/live-metrics/{section}", query_string=query,
                          headers=bearer(user))


EXPECTED_REVENUE = {"today": 6000.0, "this_week": 6400.0, "this_month": 6650.0,
                    "avg_deal_size": 2133.33}
EXPECTED_CALLS = {"active_calls": 1, "calls_today": 7, "successful_calls": 3,
                  "success_rate": 42.9, "avg_duration_minutes": 4.0}
EXPECTED_LEADS = {"active_leads": 3, "new_leads_today": 5, "converted_leads": 2,
                  "conversion_rate": 40.0}
EXPECTED_CSR = {"top_performer": {"name": "Alice CSR", "calls_handled": 3, "success_rate": 66.7},
                "overall": {"total_calls": 5, "successful_calls": 2, "success_rate": 40.0}}


def test_live_snapshot_matches_hand_computed_values(client, live_floor):
    response = live(client, live_floor["manager"], "current")
    body = response.get_json()
    assert body["message"] == "Live metrics retrieved successfully"
    data = body["data"]
    assert data["timestamp"] == "2026-06-17T18:00:00Z"
    assert data["revenue"] == EXPECTED_REVENUE
    assert data["calls"] == EXPECTED_CALLS
    assert data["leads"] == EXPECTED_LEADS
    assert data["csr_performance"] == EXPECTED_CSR


@pytest.mark.parametrize("section,expected,message", [
    ("calls", EXPECTED_CALLS, "Call metrics retrieved successfully"),
    ("leads", EXPECTED_LEADS, "Lead metrics retrieved successfully"),
    ("csr-performance", EXPECTED_CSR, "CSR performance metrics retrieved successfully"),
])
def test_each_live_section_alone(client, live_floor, section, expected, message):
    body = live(client, live_floor["manager"], section).get_json()
    assert (body["data"], body["message"]) == (expected, message)


@pytest.mark.parametrize("period,expected", [
    ("today", {"today": 6000.0}), ("week", {"this_week": 6400.0}),
    ("month", {"this_month": 6650.0}), ("all", EXPECTED_REVENUE), (None, {"today": 6000.0}),
])
def test_revenue_by_period(client, live_floor, period, expected):
    query = {"period": period} if period else {}
    body = live(client, live_floor["manager"], "revenue", **query).get_json()
    assert body["data"] == expected
    assert body["message"] == f"Revenue metrics for {period or 'today'} retrieved successfully"


def test_an_unknown_revenue_period_is_a_422(client, live_floor):
    response = live(client, live_floor["manager"], "revenue", period="year")
    assert (response.status_code, response.get_json()["error_code"]) == (422, "VALIDATION_ERROR")


def test_a_csr_tie_goes_to_the_better_success_rate(app, client, make_company, make_user):
    company = make_company(timezone="UTC")
    manager = make_user(company, "manager")
    steady = make_user(company, "csr", name="Steady")
    shaky = make_user(company, "csr", name="Shaky")
    for status in ("completed", "completed"):
        make_call(app, company, created_at=at(17, 9), status=status, owner_id=steady.id)
    for status in ("completed", "missed"):
        make_call(app, company, created_at=at(17, 9), status=status, owner_id=shaky.id)
    top = live(client, manager, "csr-performance").get_json()["data"]["top_performer"]
    assert top == {"name": "Steady", "calls_handled": 2, "success_rate": 100.0}


def test_an_empty_company_has_zero_live_metrics(client, manager):
    data = live(client, manager, "current").get_json()["data"]
    assert data["revenue"] == {"today": 0.0, "this_week": 0.0, "this_month": 0.0,
                               "avg_deal_size": 0.0}
    assert data["calls"]["success_rate"] == 0.0
    assert data["leads"]["conversion_rate"] == 0.0
    assert data["csr_performance"]["top_performer"] == {"name": "N/A", "calls_handled": 0,
                                                        "success_rate": 0}


def test_a_failing_section_is_reported_and_the_rest_still_computed(client, live_floor,
                                                                   monkeypatch):
    from otto.dashboard import live as live_metrics

    def broken(windows):
        db.session.execute(text("SELECT 1 / 0"))

    monkeypatch.setitem(live_metrics.SECTIONS, "leads", broken)
    data = live(client, live_floor["manager"], "current").get_json()["data"]
    assert data["leads"] == {"error": "This section could not be computed."}
    assert data["calls"] == EXPECTED_CALLS and data["revenue"] == EXPECTED_REVENUE


LIVE_ROLES = [
    ("current", {"manager": 200, "csr": 200, "sales_rep": 403}),
    ("revenue", {"manager": 200, "csr": 403, "sales_rep": 403}),
    ("calls", {"manager": 200, "csr": 200, "sales_rep": 403}),
    ("leads", {"manager": 200, "csr": 200, "sales_rep": 403}),
    ("csr-performance", {"manager": 200, "csr": 403, "sales_rep": 403}),
    ("status", {"manager": 200, "csr": 200, "sales_rep": 200}),
]


@pytest.mark.parametrize("section,expected", LIVE_ROLES)
def test_live_metrics_roles_follow_the_matrix(client, company, make_user, section, expected):
    for role, status in expected.items():
        response = client.get(f"/api/v1/live-metrics/{section}",
                              headers=bearer(make_user(company, role)))
        assert response.status_code == status, role


def test_dashboard_reads_are_open_to_every_role(client, company, make_user):
    for role in ("manager", "csr", "sales_rep"):
        user = make_user(company, role)
        assert client.get("/api/v1/dashboard/metrics", headers=bearer(user)).status_code == 200
        assert client.get("/api/v1/dashboard/calls?status=all",
                          headers=bearer(user)).status_code == 200


def test_status_and_broadcast(app, client, company, manager):
    from rq.scheduler import RQScheduler

    from otto.dashboard.broadcast import broadcast_live_metrics

    redis = app.extensions["otto"].redis
    body = client.get("/api/v1/live-metrics/status", headers=bearer(manager)).get_json()
    assert body["data"] == {"running": False, "update_interval": 30, "last_update": None}
    assert body["message"] == "Live metrics service status retrieved successfully"

    subscriber = redis.pubsub()
    subscriber.subscribe(f"tenant:{company.id}:events")
    subscriber.get_message(timeout=1)  # the subscription confirmation
    lock = RQScheduler.get_locking_key("default")
    redis.set(lock, "test-scheduler", ex=60)
    try:
        with app.app_context(), time_machine.travel(NOW, tick=False):
            assert broadcast_live_metrics() >= 1
        message = subscriber.get_message(timeout=2)
        event = json.loads(message["data"])
        assert (event["event"], event["tenant_id"]) == ("metrics.live_updated", company.id)
        assert set(event["data"]) == {"timestamp", "revenue", "calls", "leads", "csr_performance"}
        data = client.get("/api/v1/live-metrics/status", headers=bearer(manager)).get_json()["data"]
        assert data == {"running": True, "update_interval": 30,
                        "last_update": "2026-06-17T18:00:00Z"}
    finally:
        redis.delete(lock)
        subscriber.close()
