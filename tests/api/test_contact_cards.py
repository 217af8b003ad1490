"""Contact cards: the aggregated card, lookup by phone, visibility and property refresh."""

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from floor_helpers import (count_rows, load, make_appointment, make_call, make_lead,
                           run_default_jobs, scope, unique_phone)
from local_http_stub import StubServer
from support import bearer

from otto.contacts.models import ContactCard, EventLog
from otto.contacts.property import parse_answer
from otto.db import db
from otto.leads.models import Lead, LeadStatusHistory, RepAssignmentHistory
from otto.messages.models import MessageThread
from otto.recordings.models import RecordingAnalysis, RecordingSession
from otto.tasks.models import KeySignal, Task

UTC = timezone.utc
NOW = datetime.now(UTC)
FIRST_VISIT = (NOW - timedelta(days=60)).replace(hour=15, minute=0, second=0, microsecond=0)
SECTIONS = {"full_name", "top_section", "middle_section", "bottom_section", "global_blocks",
            "property_intelligence", "leads", "appointments", "recent_call_ids"}
PROPERTY_ANSWER = """Here is what public records show.

```
Roof type="Asphalt shingle"
Square feet="2,100"
Stories="2"
Year built="1987"
Is this property for sale?="No"
HOA="Unknown"
Favourite colour="Blue"
```
Sources: county assessor, zillow.com
Google earth: https://earth.google.com/web/search/12+Birch+Rd
"""


def card(client, user, contact_id):
    return client.get(f"/api/v1/contact-cards/{contact_id}", headers=bearer(user))


def by_phone(client, user, **query):
    return client.get("/api/v1/contact-cards/by-phone", query_string=query, headers=bearer(user))


def refresh(client, user, contact_id):
    return client.post(f"/api/v1/contact-cards/{contact_id}/refresh-property-intelligence",
                       headers=bearer(user))


def queued_jobs(app) -> list[str]:
    from jobs.queues import queue

    with app.app_context():
        return queue("default").job_ids


# A contact with a bit of everything -------------------------------------------------------------


@pytest.fixture
def customer(app, company, manager, make_user):
    """One contact: two leads, three appointments, calls, messages, tasks, signals, a visit."""
    rep = make_user(company, "sales_rep", name="Riley Rep", manager_id=manager.id)
    old_lead, contact_id = make_lead(app, company, phone="+12125550188", name="Grace Hopper",
                                     address="12 Birch Rd", status="closed_lost",
                                     created_at=NOW - timedelta(days=60),
                                     updated_at=NOW - timedelta(days=40))
    lead_id, _ = make_lead(app, company, phone="+12125550188", source="referral",
                           assigned_rep_id=rep.id, pool_status="assigned", status="nurturing",
                           requested_by_rep_ids=[rep.id],
                           created_at=NOW - timedelta(days=3, hours=1))
    first_visit = make_appointment(app, company, lead_id, start=FIRST_VISIT, status="completed")
    active = make_appointment(app, company, lead_id, start=NOW - timedelta(hours=1),
                              assigned_rep_id=rep.id, location="12 Birch Rd", route_position=3,
                              arrival_at=NOW - timedelta(minutes=50))
    make_appointment(app, company, lead_id, start=NOW + timedelta(days=30), status="cancelled")

    first_call = make_call(app, company, contact_card_id=contact_id, lead_id=lead_id,
                           phone_number="+12125550188", missed_call=True,
                           created_at=NOW - timedelta(days=5))
    calls = [make_call(app, company, contact_card_id=contact_id, lead_id=lead_id,
                       phone_number="+12125550188", transcript=f"Call number {n}",
                       last_call_duration=60 + n, created_at=NOW - timedelta(days=4, minutes=-n))
             for n in range(11)]
    legacy_call = calls[0]

    with scope(app, company):
        from otto.analysis.models import CallAnalysis, CallTranscript, SopComplianceResult

        db.session.execute(
            LeadStatusHistory.__table__.insert(),
            [{"id": str(uuid.uuid4()), "company_id": company.id,
              "lead_id": lead_id, "from_status": "new", "to_status": "hot",
              "triggered_by": "test", "created_at": NOW - timedelta(hours=30 - n)}
             for n in range(25)])
        db.session.add(RepAssignmentHistory(
            company_id=company.id, lead_id=lead_id, rep_id=rep.id, assignment_type="requested",
            status="assigned", requested_at=NOW - timedelta(days=2),
            created_at=NOW - timedelta(days=2)))
        db.session.add(RepAssignmentHistory(
            company_id=company.id, lead_id=lead_id, rep_id=rep.id, assigned_by="user_boss",
            assignment_type="assigned", status="assigned", assigned_at=NOW - timedelta(days=1),
            created_at=NOW - timedelta(days=1)))
        db.session.add_all([
            Task(company_id=company.id, contact_card_id=contact_id, lead_id=lead_id,
                 appointment_id=active, description="Send the estimate", assigned_to="rep",
                 source="otto", due_at=NOW - timedelta(hours=2)),
            Task(company_id=company.id, contact_card_id=contact_id, lead_id=lead_id,
                 description="Call back about financing", assigned_to="csr", source="otto",
                 due_at=NOW + timedelta(days=1)),
            Task(company_id=company.id, contact_card_id=contact_id, description="Old note",
                 assigned_to="csr", source="manual", status="completed"),
        ])
        db.session.add_all([
            KeySignal(company_id=company.id, contact_card_id=contact_id, lead_id=lead_id,
                      signal_type="risk", title=f"Signal {n}", acknowledged=n == 0,
                      created_at=NOW - timedelta(minutes=n))
            for n in range(13)])
        db.session.add_all([
            MessageThread(company_id=company.id, contact_card_id=contact_id, sender="+12125550188",
                          sender_role="customer", body=f"Reply {n}", message_type="manual",
                          direction="inbound", provider="local",
                          message_sid=f"local_{n}_{contact_id}",
                          created_at=NOW - timedelta(days=2, minutes=-n))
            for n in range(5)])
        from otto.calls.models import Call

        db.session.get(Call, legacy_call).text_messages = json.dumps([
            {"timestamp": (NOW - timedelta(days=1)).isoformat(), "message": "Legacy hello",
             "direction": "inbound", "provider": "twilio", "message_sid": "SM1"},
            {"timestamp": (NOW - timedelta(days=6)).isoformat(), "message": "Legacy reminder",
             "direction": "outbound", "provider": "twilio", "message_sid": "SM2"},
        ])
        db.session.add_all([
            EventLog(company_id=company.id, contact_card_id=contact_id, lead_id=lead_id,
                     event_type="automation_followup", timestamp=NOW - timedelta(days=4)),
            EventLog(company_id=company.id, contact_card_id=contact_id, appointment_id=active,
                     event_type="rep_arrived", timestamp=NOW - timedelta(minutes=50)),
            EventLog(company_id=company.id, contact_card_id=contact_id, appointment_id=active,
                     event_type="appointment_created", timestamp=NOW - timedelta(days=1)),
        ])
        db.session.add(CallTranscript(company_id=company.id, call_id=calls[-1],
                                      uwc_job_id=f"local_{calls[-1]}_{company.id}",
                                      transcript_text="Transcribed words", word_count=2))
        db.session.add(CallAnalysis(
            company_id=company.id, call_id=calls[-1], provider="local",
            uwc_job_id=f"local_a_{calls[-1]}_{company.id}", version_number=1,
            analysis_version="v1", objections=["Price/Budget", "Timing"],
            sop_compliance_score=6.0, conversion_probability=0.8,
            followup_recommendations={"next_steps": ["Send financing options"],
                                      "recommendations": [{"action": "Book a second visit"}]},
            normalized_payload={"opportunity_analysis": {"missed_opportunities": [
                {"type": "upsell", "description": "Gutters"}]}}))
        session = RecordingSession(company_id=company.id, rep_id=rep.id, appointment_id=active,
                                   status="completed", started_at=NOW - timedelta(minutes=45),
                                   ended_at=NOW - timedelta(minutes=15),
                                   audio_storage_mode="not_stored", audio_url="should-not-show")
        db.session.add(session)
        db.session.flush()
        db.session.add(RecordingAnalysis(
            company_id=company.id, recording_session_id=session.id, appointment_id=active,
            lead_id=lead_id, objections=["Price/Budget"], sop_compliance_score=8.0,
            sentiment_score=0.6, outcome="qualified"))
        db.session.add(SopComplianceResult(company_id=company.id, appointment_id=active,
                                           checklist_item="greeting", status="completed",
                                           detected_by="otto"))
        db.session.get(Lead, lead_id).updated_at = NOW - timedelta(minutes=5)
    return {"contact_id": contact_id, "lead_id": lead_id, "old_lead": old_lead, "rep": rep,
            "active": active, "first_visit": first_visit, "first_call": first_call,
            "calls": calls, "session": session.id}


def test_the_card_assembles_every_section(client, manager, customer):
    response = card(client, manager, customer["contact_id"])
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert SECTIONS <= set(data)
    assert data["full_name"] == "Grace Hopper"
    assert [lead["id"] for lead in data["leads"]] == [customer["lead_id"], customer["old_lead"]]
    assert data["appointments"][0]["id"] == customer["first_visit"]
    assert data["recent_call_ids"] == list(reversed(customer["calls"]))[:10]

    top = data["top_section"]
    assert (top["lead_status"], top["lead_source"], top["pool_status"]) == (
        "nurturing", "referral", "assigned")
    assert top["lead_age_days"] == 3
    assert top["assigned_rep_name"] == "Riley Rep"
    assert top["route_position"] is None  # the newest appointment is the cancelled one
    assert len(top["lead_status_history"]) == 20
    history_times = [row["created_at"] for row in top["lead_status_history"]]
    assert history_times == sorted(history_times)
    assert [row["assignment_type"] for row in top["rep_assignment_history"]] == [
        "requested", "assigned"]
    assert top["rep_assignment_history"][1]["rep_name"] == "Riley Rep"
    assert top["requested_by_reps"] == [customer["rep"].id]
    assert [task["description"] for task in top["tasks"]] == [
        "Send the estimate", "Call back about financing", "Old note"]
    assert top["overdue_count"] == 1
    assert [signal["title"] for signal in top["key_signals"]] == [
        f"Signal {n}" for n in range(1, 11)]
    assert top["last_activity_at"] is not None


def test_the_middle_section_follows_the_active_visit(client, manager, customer):
    middle = card(client, manager, customer["contact_id"]).get_json()["data"]["middle_section"]
    active = middle["active_appointment"]
    assert active["id"] == customer["active"]
    assert (active["route_position"], active["assigned_rep_name"]) == (3, "Riley Rep")
    assert [row["id"] for row in middle["recording_sessions"]] == [customer["session"]]
    session = middle["recording_sessions"][0]
    assert session["audio_url"] is None  # audio that is not stored is never linked
    assert (session["duration_seconds"], session["outcome_classification"]) == (1800.0, "qualified")
    assert middle["sop_compliance"][0]["checklist_item"] == "greeting"
    assert [event["event_type"] for event in middle["visit_timeline"]] == ["rep_arrived"]
    assert [task["description"] for task in middle["appointment_tasks"]] == ["Send the estimate"]
    assert middle["escalation_warnings"] == ["1 task(s) overdue",
                                             "Property intelligence not fetched"]
    assert middle["transcript_intelligence"]["sop_compliance_score"] == 8.0
    assert middle["property_intelligence"] is None


def test_the_bottom_section_and_global_blocks(client, manager, customer):
    data = card(client, manager, customer["contact_id"]).get_json()["data"]
    bottom, blocks = data["bottom_section"], data["global_blocks"]
    local_visit = FIRST_VISIT.astimezone(ZoneInfo("America/New_York"))
    assert bottom["narrative_summary"] == (
        "Lead came in through a referral. A call from this customer was missed. "
        f"Appointment scheduled for {local_visit.strftime('%B %d, %Y at %I:%M %p')}. "
        "Assigned to sales rep.")
    assert [chip["label"] for chip in bottom["booking_chips"]] == [
        "Missed initial call", "High responsiveness", "Otto booked majority"]
    assert bottom["booking_chips"][0]["metadata"] == {"call_id": customer["first_call"]}
    assert bottom["booking_chips"][1]["metadata"] == {"message_count": 6}

    recordings = bottom["call_recordings"]
    assert len(recordings) == 12
    newest = recordings[0]
    assert newest["transcript"]["transcript_text"] == "Transcribed words"
    assert newest["analysis"]["objections"] == ["Price/Budget", "Timing"]
    assert recordings[1]["transcript"]["transcript_text"] == "Call number 9"
    assert recordings[1]["analysis"] is None

    bodies = [message["body"] for message in bottom["text_messages"]]
    assert bodies[0] == "Legacy hello" and bodies[-1] == "Legacy reminder"
    assert len(bodies) == 7
    assert bottom["text_messages"][0]["role"] == "customer"
    timeline = [event["timestamp"] for event in bottom["booking_timeline"]]
    assert timeline == sorted(timeline)

    assert "transcript" not in blocks["all_calls"][0]
    assert [event["event_type"] for event in blocks["automation_events"]] == ["automation_followup"]
    assert [task["description"] for task in blocks["pending_actions"]] == [
        "Send the estimate", "Call back about financing"]
    insights = blocks["ai_insights"]
    assert insights["objection_clusters"] == {"Price/Budget": 2, "Timing": 1}
    assert insights["sop_compliance_score"] == 7.0
    assert insights["buying_signals"] == ["High conversion probability"]
    assert insights["deal_risk_score"] == "medium"
    assert insights["suggested_next_actions"] == ["Send financing options", "Book a second visit"]
    assert insights["missed_opportunities"] == [{"type": "upsell", "description": "Gutters"}]


def test_a_bare_contact_has_an_empty_card(app, client, company, manager):
    from otto.contacts.service import ensure_contact

    with scope(app, company):
        contact_id = ensure_contact(company.id, unique_phone()).id
    data = card(client, manager, contact_id).get_json()["data"]
    assert data["middle_section"] is None
    assert data["bottom_section"]["narrative_summary"] == "No activity recorded yet."
    assert data["top_section"]["lead_status"] is None
    assert (data["leads"], data["appointments"], data["recent_call_ids"]) == ([], [], [])


def test_the_card_takes_the_same_queries_however_much_it_holds(app, client, company, manager,
                                                              customer, count_queries):
    small_lead, small_contact = make_lead(app, company, assigned_rep_id=customer["rep"].id)
    make_appointment(app, company, small_lead, start=NOW - timedelta(hours=2))
    make_call(app, company, contact_card_id=small_contact, missed_call=True)
    with count_queries() as small:
        card(client, manager, small_contact)
    with count_queries() as large:
        card(client, manager, customer["contact_id"])
    assert large.n == small.n


# Lookup and visibility ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    {"phone": "+12125550188"}, {"phone": "(212) 555-0188"}, {"phone_number": "212.555.0188"},
])
def test_by_phone_matches_the_normalized_number(client, manager, customer, query):
    response = by_phone(client, manager, **query)
    assert response.get_json()["data"]["id"] == customer["contact_id"]


def test_by_phone_also_matches_the_secondary_phone(app, client, company, manager):
    _, contact_id = make_lead(app, company)
    with scope(app, company):
        db.session.get(ContactCard, contact_id).secondary_phone = "+12125550177"
    assert by_phone(client, manager, phone="212-555-0177").get_json()["data"]["id"] == contact_id


def test_by_phone_errors(client, company, manager):
    missing = by_phone(client, manager)
    assert (missing.status_code, missing.get_json()["error_code"]) == (422, "VALIDATION_ERROR")
    unknown = by_phone(client, manager, phone="+12125550100")
    assert (unknown.status_code, unknown.get_json()["details"]) == (
        404, {"phone_number": "+12125550100"})
    other = by_phone(client, manager, phone="+12125550100", company_id="org_elsewhere")
    assert (other.status_code, other.get_json()["error_code"]) == (403, "FORBIDDEN")


def test_a_sales_rep_sees_contacts_it_works_with(app, client, company, rep, make_user):
    other = make_user(company, "sales_rep")
    _, pooled = make_lead(app, company)
    _, assigned = make_lead(app, company, assigned_rep_id=rep.id, pool_status="assigned")
    foreign_lead, foreign = make_lead(app, company, assigned_rep_id=other.id,
                                      pool_status="assigned")
    visit_lead, via_visit = make_lead(app, company, assigned_rep_id=other.id,
                                      pool_status="assigned")
    make_appointment(app, company, visit_lead, assigned_rep_id=rep.id)
    _, via_call = make_lead(app, company, assigned_rep_id=other.id, pool_status="assigned")
    make_call(app, company, contact_card_id=via_call, assigned_rep_id=rep.id)

    for contact_id in (pooled, assigned, via_visit, via_call):
        assert card(client, rep, contact_id).status_code == 200
    hidden = card(client, rep, foreign)
    assert (hidden.status_code, hidden.get_json()["details"]) == (404, {"contact_id": foreign})
    phone = load(app, company, ContactCard, foreign).primary_phone
    assert by_phone(client, rep, phone=phone).status_code == 404
    assert refresh(client, rep, foreign).status_code == 404
    assert card(client, make_user(company, "csr"), foreign).status_code == 200


@pytest.mark.parametrize("route", ["get", "by_phone", "refresh"])
def test_another_companys_contact_is_a_404(app, client, make_company, make_user, route):
    home, away = make_company(), make_company()
    manager = make_user(home, "manager")
    _, contact_id = make_lead(app, away, address="1 Away St")
    if route == "get":
        response = card(client, manager, contact_id)
    elif route == "by_phone":
        response = by_phone(client, manager,
                            phone=load(app, away, ContactCard, contact_id).primary_phone)
    else:
        response = refresh(client, manager, contact_id)
    assert (response.status_code, response.get_json()["error_code"]) == (404, "NOT_FOUND")
    assert f"property-{away.id}-{contact_id}" not in queued_jobs(app)


# Property intelligence --------------------------------------------------------------------------


def test_refresh_needs_an_address(app, client, company, csr):
    _, contact_id = make_lead(app, company)
    response = refresh(client, csr, contact_id)
    assert (response.status_code, response.get_json()["error_code"]) == (400, "INVALID_REQUEST")
    assert response.get_json()["detail"] == "Contact card has no address"


def test_refresh_queues_one_job_per_contact(app, client, company, csr):
    _, contact_id = make_lead(app, company, address="12 Birch Rd")
    first = refresh(client, csr, contact_id)
    assert first.status_code == 202
    assert first.get_json()["data"] == {"status": "queued", "contact_id": contact_id}
    refresh(client, csr, contact_id)
    job_id = f"property-{company.id}-{contact_id}"
    assert queued_jobs(app).count(job_id) == 1


def test_offline_the_job_says_the_provider_is_not_configured(app, client, company, csr,
                                                            monkeypatch):
    from jobs.queues import queue

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    _, contact_id = make_lead(app, company, address="12 Birch Rd")
    refresh(client, csr, contact_id)
    run_default_jobs(app)
    with app.app_context():
        job = queue("default").fetch_job(f"property-{company.id}-{contact_id}")
        assert job.return_value() == {
            "status": "skipped",
            "reason": "provider disabled: property intelligence needs OPENAI_API_KEY"}
    contact = load(app, company, ContactCard, contact_id)
    assert (contact.property_snapshot, contact.property_snapshot_raw) == (None, None)


def test_with_a_provider_the_snapshot_is_stored_and_shown(app, client, company, csr, monkeypatch):
    reply = {"choices": [{"message": {"content": PROPERTY_ANSWER}}],
             "usage": {"prompt_tokens": 120, "completion_tokens": 80}}
    with StubServer({("POST", "/v1/chat/completions"): (200, reply)}) as openai:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-property")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{openai.url}/v1")
        monkeypatch.delenv("AI_PROVIDER", raising=False)
        _, contact_id = make_lead(app, company, address="12 Birch Rd")
        refresh(client, csr, contact_id)
        run_default_jobs(app)
    prompt = openai.requests[0][2]["messages"][0]["content"]
    assert "12 Birch Rd" in prompt

    data = card(client, csr, contact_id).get_json()["data"]
    intelligence = data["property_intelligence"]
    assert intelligence["square_feet"] == "2,100"
    assert intelligence["is_for_sale"] == "No"
    assert "favourite_colour" not in intelligence
    assert intelligence["sources"] == ["county assessor", "zillow.com"]
    assert intelligence["google_earth_url"].startswith("https://earth.google.com/")
    assert intelligence["updated_at"].endswith("Z")
    assert count_rows(app, company, EventLog, EventLog.contact_card_id == contact_id,
                      EventLog.event_type == "property_intelligence_updated") == 1


def test_unparseable_answers_keep_only_the_raw_text():
    assert parse_answer("I could not find that address.") is None
    assert parse_answer("```\nno pairs here\n```") is None
    parsed = parse_answer(PROPERTY_ANSWER)
    assert parsed["roof_type"] == "Asphalt shingle" and parsed["hoa"] == "Unknown"
    assert parsed["_sources"] == ["county assessor", "zillow.com"]


def test_roles_may_all_read_and_refresh(app, client, company, make_user):
    _, contact_id = make_lead(app, company, address="1 Pool Ln")  # pooled: every role sees it
    for role in ("manager", "csr", "sales_rep"):
        user = make_user(company, role)
        assert card(client, user, contact_id).status_code == 200
        assert refresh(client, user, contact_id).status_code == 202


def test_deal_size_in_the_card_is_a_number(app, client, company, manager):
    lead_id, contact_id = make_lead(app, company, deal_size=Decimal("12500.50"))
    top = card(client, manager, contact_id).get_json()["data"]["top_section"]
    assert top["deal_size"] == 12500.5
