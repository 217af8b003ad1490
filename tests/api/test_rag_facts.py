"""Ask Otto answers analytical questions from the caller's own company data, in its role scope."""

import uuid
from datetime import timedelta

import pytest
from analysis_support import make_call, scope
from local_http_stub import StubServer
from rag_helpers import ask, run_ingest, upload

NO_ANSWER = "I couldn't find this in your company's documents or data."
CALLS_THIS_WEEK = "How many calls did we get this week?"
INTAKE = b"""# Phone intake

CSRs confirm the service address and the best callback number before booking any inspection.
"""


class Team:
    """A company with a manager, a CSR and two reps (Ana, Ben), and its seeded call data."""

    def __init__(self, app):
        from otto.demo import ensure_user

        self.company_id = f"org_test_{uuid.uuid4().hex[:12]}"
        with app.app_context():
            self.manager = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "manager")
            self.csr = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "csr")
            self.ana = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "sales_rep",
                                   manager_id=self.manager.id)
            self.ben = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "sales_rep",
                                   manager_id=self.manager.id)

    def call(self, app, **fields) -> int:
        return make_call(app, self.company_id, **fields)

    def analysis(self, app, call_id: int, **fields) -> None:
        from otto.analysis.models import CallAnalysis
        from otto.db import db, utcnow

        with scope(app, self.company_id):
            db.session.add(CallAnalysis(
                company_id=self.company_id, call_id=call_id, provider="local", version_number=1,
                analysis_version="v1", uwc_job_id=f"local_{uuid.uuid4().hex}",
                analyzed_at=utcnow(), **fields))

    def visit(self, app, rep, phone: str) -> None:
        """A completed, won appointment of the rep today."""
        from otto.appointments.models import Appointment
        from otto.contacts.service import ensure_contact_and_lead
        from otto.db import db, utcnow

        with scope(app, self.company_id):
            contact, lead = ensure_contact_and_lead(self.company_id, phone, "Pat Doe")
            db.session.add(Appointment(
                company_id=self.company_id, lead_id=lead.id, contact_card_id=contact.id,
                assigned_rep_id=rep.id, scheduled_start=utcnow() - timedelta(minutes=5),
                status="completed", outcome="won"))


@pytest.fixture(scope="module")
def teams(app):
    """Company A: Ana 3 sales calls (1 missed), Ben 2, 1 CSR call this week, 1 call 40 days ago,
    an intake document and Ana's won visit. Company B: 4 calls this week."""
    from otto.db import utcnow

    first, second = Team(app), Team(app)
    ana_calls = [first.call(app, assigned_rep_id=first.ana.id, call_type="sales_call",
                            missed_call=index == 0) for index in range(3)]
    for _ in range(2):
        first.call(app, assigned_rep_id=first.ben.id, call_type="sales_call")
    csr_call = first.call(app, call_type="csr_call", booked=True)
    first.call(app, call_type="csr_call", created_at=utcnow() - timedelta(days=40))
    for call_id in ana_calls[1:]:
        first.analysis(app, call_id, call_type="sales_call", objections=["Price/Budget"],
                       sentiment_score=0.6, sop_compliance_score=7.0)
    first.analysis(app, csr_call, call_type="csr_call", lead_quality="warm",
                   booking_status="booked", call_outcome_category="qualified_and_booked",
                   objections=["Timing"], sentiment_score=0.9)
    first.visit(app, first.ana, "+14155550142")
    for _ in range(4):
        second.call(app, call_type="csr_call")

    client = app.test_client()
    response = upload(client, first.manager, INTAKE, "intake.md", role_access="all")
    assert response.status_code in (200, 202), response.json
    run_ingest(app)
    return first, second


def test_a_manager_gets_the_companys_count_and_no_other_companys(client, teams):
    first, second = teams

    data = ask(client, first.manager, CALLS_THIS_WEEK).json["data"]
    other = ask(client, second.manager, CALLS_THIS_WEEK).json["data"]

    assert data["facts"][0] == "6 calls this week, 1 of them missed and 1 booked."
    assert data["answer"].startswith(data["facts"][0])
    assert any(fact.startswith("Calls by rep this week:") for fact in data["facts"])
    assert "1 appointment this week, 1 completed and 1 won." in data["facts"]
    assert all(citation["doc_id"] for citation in data["citations"])  # facts are no citations
    assert other["facts"][0] == "4 calls this week, 0 of them missed and 0 booked."


def test_analysis_facts_follow_the_kpi_definitions(client, teams):
    first, _ = teams

    facts = ask(client, first.manager, "Which objections were most common this week?"
                ).json["data"]["facts"]

    assert "3 calls analyzed this week." in facts
    assert ("1 of 1 CSR call analyzed this week were qualified (100%) and 1 of the qualified "
            "were booked (100%).") in facts
    assert "Most common objections this week: Price/Budget (2 calls), Timing (1 call)." in facts
    assert "Mean customer sentiment this week was 0.70 on a 0–1 scale." in facts
    assert "Mean SOP compliance score this week was 7.0 out of 10." in facts


def test_a_sales_rep_counts_only_its_own_calls(client, teams):
    first, _ = teams

    ana = ask(client, first.ana, CALLS_THIS_WEEK).json["data"]
    ben = ask(client, first.ben, CALLS_THIS_WEEK).json["data"]

    assert ana["facts"][0] == "3 calls this week, 1 of them missed and 0 booked."
    assert "1 appointment this week, 1 completed and 1 won." in ana["facts"]
    assert ben["facts"][0] == "2 calls this week, 0 of them missed and 0 booked."
    assert not any("appointment" in fact or "by rep" in fact for fact in ben["facts"])


def test_a_csr_gets_no_rep_visit_data(client, teams):
    first, _ = teams

    data = ask(client, first.csr, "How many appointments did the reps complete this week?"
               ).json["data"]

    assert data["facts"][0] == "1 call this week, 0 of them missed and 1 booked."
    assert not any("appointment" in fact or "by rep" in fact or "Price/Budget" in fact
                   for fact in data["facts"])


def test_the_window_is_read_from_the_question(client, teams):
    first, _ = teams

    month = ask(client, first.manager, "How many calls in the last 60 days?").json["data"]

    assert month["facts"][0].startswith("7 calls in the last 60 days")


def test_a_knowledge_question_still_gets_document_answers(client, teams):
    first, _ = teams

    data = ask(client, first.csr, "What do CSRs confirm before an inspection?").json["data"]

    assert data["facts"] == []
    assert [citation["filename"] for citation in data["citations"]] == ["intake.md"]
    assert "callback number" in data["answer"]


def test_an_analytical_question_with_no_data_and_no_documents_abstains(app, client):
    empty = Team(app)

    data = ask(client, empty.manager, CALLS_THIS_WEEK).json["data"]

    assert (data["answer"], data["citations"], data["facts"]) == (NO_ANSWER, [], [])
    assert data["confidence_score"] == 0


def test_openai_gets_the_facts_numbered_in_the_prompt(client, teams, monkeypatch):
    first, _ = teams
    prompts = []

    def reply(path, body):
        prompts.append(body["messages"][-1]["content"])
        message = {"role": "assistant", "content": "You got 6 calls this week."}
        return 200, {"choices": [{"index": 0, "message": message}],
                     "usage": {"prompt_tokens": 300, "completion_tokens": 8}}

    with StubServer({("POST", "/v1/chat/completions"): reply}) as stub:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-stub-7f3a")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{stub.url}/v1")
        monkeypatch.delenv("AI_PROVIDER", raising=False)
        monkeypatch.delenv("EMBEDDING_PROVIDER", raising=False)
        data = ask(client, first.manager, CALLS_THIS_WEEK).json["data"]

    assert "Fact 1: 6 calls this week, 1 of them missed and 1 booked." in prompts[0]
    assert (data["answer"], data["provider"]) == ("You got 6 calls this week.", "openai")
    assert data["facts"][0].startswith("6 calls this week")
