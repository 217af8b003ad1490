"""Ask Otto questions through the API: grounded citations, role and company scope, the log, SSE."""

import json
import re
import uuid

import pytest
from rag_helpers import DOCUMENTS, ask, run_ingest, upload
from sqlalchemy import select
from support import bearer

NO_ANSWER = "I couldn't find this in your company's documents or data."
ABANDONED = "What is the maximum abandoned-call rate for a campaign?"
RECEIPT = "What must an insulation installer put on the receipt?"
MANAGER_ONLY = b"""# Commission plan

Sales reps earn a 7 percent commission on every signed roof replacement, paid on the 15th
of the month after the job is completed.
"""
REP_ONLY = b"""# Door knocking

Reps knock on a door only between 10 a.m. and 7 p.m., and never on a house with a
no-soliciting sign.
"""
CSR_ONLY = b"""# Phone intake

CSRs confirm the service address and the best callback number before booking any inspection.
"""


class Library:
    """A company with fixture documents indexed, and one user per role."""

    def __init__(self, app):
        from otto.demo import ensure_user

        self.company_id = f"org_test_{uuid.uuid4().hex[:12]}"
        with app.app_context():
            self.manager = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "manager")
            self.csr = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "csr")
            self.rep = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}", "sales_rep",
                                   manager_id=self.manager.id)
            self.other_rep = ensure_user(self.company_id, f"user_{uuid.uuid4().hex[:12]}",
                                         "sales_rep", manager_id=self.manager.id)
        client = app.test_client()
        self.documents = {}
        for content, filename, access in (
            (DOCUMENTS / "ftc_cooling_off_rule_16cfr429.md", None, "all"),
            (DOCUMENTS / "fcc_tcpa_telemarketing_rules_47cfr64_1200_excerpt.md", None, "all"),
            (MANAGER_ONLY, "commission.md", "manager"),
            (REP_ONLY, "door-knocking.md", "sales_rep"),
            (CSR_ONLY, "intake.md", "csr"),
        ):
            response = upload(client, self.manager, content, filename, role_access=access)
            self.documents[response.json["data"]["filename"]] = response.json["data"]["document_id"]
        run_ingest(app)


@pytest.fixture(scope="module")
def library(app):
    return Library(app)


def cited_files(response) -> set[str]:
    return {citation["filename"] for citation in response.json["data"]["citations"]}


def comparable(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def test_an_answer_cites_only_chunks_of_the_companys_documents(app, client, library):
    from otto.db import db
    from otto.rag.models import RagChunk
    from otto.tenancy import tenant_scope

    response = ask(client, library.manager, ABANDONED)

    assert response.status_code == 200
    data = response.json["data"]
    assert data["provider"] == "local" and data["degraded_mode"] is False
    assert "three percent" in data["answer"]
    assert data["citations"]
    with app.app_context(), tenant_scope(library.company_id):
        for citation in data["citations"]:
            chunks = db.session.execute(select(RagChunk.content).where(
                RagChunk.document_id == citation["doc_id"])).scalars().all()
            assert any(comparable(citation["chunk_text"].rstrip("…")) in comparable(chunk)
                       for chunk in chunks)
            assert len(citation["chunk_text"]) <= 300
            assert citation["call_id"] is None and citation["timestamp"] is None
    scores = [citation["similarity_score"] for citation in data["citations"]]
    assert data["confidence_score"] == pytest.approx(sum(scores) / len(scores), abs=1e-3)
    assert all(f"[{n}]" in data["answer"] for n in range(1, len(scores) + 1))
    assert 1 <= len(data["suggested_follow_ups"]) <= 3


@pytest.mark.parametrize("question", [
    "How do I bake sourdough bread?",
    "Who won the 2018 football World Cup?",
])
def test_an_off_topic_question_gets_no_citations(client, library, question):
    data = ask(client, library.manager, question).json["data"]

    assert data["answer"] == NO_ANSWER
    assert data["citations"] == [] and data["confidence_score"] == 0
    assert data["suggested_follow_ups"] == []


def test_a_sales_rep_never_sees_a_manager_only_document(client, library):
    question = "What commission do sales reps earn on a roof replacement?"

    manager = ask(client, library.manager, question)
    rep = ask(client, library.rep, question)
    csr = ask(client, library.csr, question)

    assert "commission.md" in cited_files(manager)
    assert "commission.md" not in cited_files(rep)
    assert "commission.md" not in cited_files(csr)
    assert "7 percent" not in rep.json["data"]["answer"]


def test_each_role_reads_its_own_documents(client, library):
    knock = "What hours may reps knock on doors?"
    intake = "What do CSRs confirm before booking an inspection?"

    assert "door-knocking.md" in cited_files(ask(client, library.rep, knock))
    assert "door-knocking.md" not in cited_files(ask(client, library.csr, knock))
    assert "intake.md" in cited_files(ask(client, library.csr, intake))
    assert "intake.md" not in cited_files(ask(client, library.rep, intake))


def test_another_company_never_sees_these_chunks(app, client, library, make_company, make_user):
    from rag_helpers import upload_and_index

    other = make_user(make_company(), "manager")
    insulation_rule = DOCUMENTS / "ftc_home_insulation_rule_16cfr460_excerpt.md"
    own = upload_and_index(app, client, other, insulation_rule)

    abandoned = ask(client, other, ABANDONED).json["data"]
    insulation = ask(client, other, RECEIPT).json["data"]

    assert {citation["doc_id"] for citation in abandoned["citations"]} <= {own["id"]}
    assert "three percent" not in abandoned["answer"]
    assert {citation["doc_id"] for citation in insulation["citations"]} == {own["id"]}
    mine = ask(client, library.manager, RECEIPT)
    assert own["id"] not in {citation["doc_id"] for citation in mine.json["data"]["citations"]}


def test_filters_only_narrow(client, library):
    question = ABANDONED

    narrowed = ask(client, library.manager, question, filters={"document_type": "faq"})

    assert narrowed.status_code == 200
    assert narrowed.json["data"]["citations"] == []


@pytest.mark.parametrize("body", [
    {"query": "hi"},
    {"query": "x" * 1001},
    {"query": "What is the rule?", "max_results": 0},
    {"query": "What is the rule?", "max_results": 51},
    {"query": "What is the rule?", "company_id": "org_other"},
    {},
])
def test_invalid_questions_are_422(client, library, body):
    response = client.post("/api/v1/rag/query", json=body, headers=bearer(library.manager))

    assert response.status_code == 422
    assert response.json["error_code"] == "VALIDATION_ERROR"


def test_questions_are_logged_with_telemetry_and_usage(app, client, library):
    from otto.db import db
    from otto.rag.models import AiUsageEvent, RagQuery, RagTelemetry
    from otto.tenancy import tenant_scope

    asked = ask(client, library.rep, "How long must a do-not-call request be honored?",
                conversation_id="conv-1").json["data"]

    log = client.get(f"/api/v1/rag/queries?user_id={library.rep.id}",
                     headers=bearer(library.manager)).json
    assert log["success"] is True and log["meta"]["page"] == 1
    item = log["items"][0]
    assert item["id"] == asked["query_id"]
    assert item["tenant_id"] == item["company_id"] == library.company_id
    assert item["user_role"] == "sales_rep" and item["conversation_id"] == "conv-1"
    assert item["answer_text"] == asked["answer"] and item["citations"] == asked["citations"]
    assert item["result_count"] == len(asked["citations"])
    assert item["created_at"].endswith("Z")
    assert all(entry["user_id"] == library.rep.id for entry in log["items"])

    with app.app_context(), tenant_scope(library.company_id):
        telemetry = db.session.execute(select(RagTelemetry).where(
            RagTelemetry.query_id == asked["query_id"])).scalar_one()
        query = db.session.get(RagQuery, asked["query_id"])
        usage = db.session.execute(select(AiUsageEvent).where(
            AiUsageEvent.feature == "ask_otto")).scalars().all()
    assert telemetry.citations_count == len(asked["citations"])
    assert telemetry.has_citations and not telemetry.degraded_mode
    assert telemetry.details["embedding_model"] == "local:all-MiniLM-L6-v2-int8"
    assert query.provider == "local" and query.uwc_request_id
    assert usage and all(event.provider in ("local", "openai") for event in usage)


def test_the_query_log_is_newest_first_and_paged(client, library):
    for question in ("What is a business day?", "When is the refund due after cancelling?"):
        ask(client, library.manager, question)

    page = client.get("/api/v1/rag/queries?page_size=1", headers=bearer(library.manager)).json

    assert page["items"][0]["query_text"] == "When is the refund due after cancelling?"
    assert page["meta"]["has_next"] is True and page["meta"]["page_size"] == 1


def test_feedback_from_the_author_or_a_manager_only(client, library):
    query_id = ask(client, library.rep, "What is a business day?").json["data"]["query_id"]
    path = f"/api/v1/rag/queries/{query_id}/feedback"

    own = client.post(path, json={"rating": 4, "feedback": "Useful"}, headers=bearer(library.rep))
    stranger = client.post(path, json={"rating": 1}, headers=bearer(library.other_rep))
    csr = client.post(path, json={"rating": 1}, headers=bearer(library.csr))
    manager = client.post(f"{path}?rating=2&feedback=Too+long", headers=bearer(library.manager))

    assert own.status_code == 200
    assert own.json["data"] == {"status": "feedback_recorded", "query_id": query_id}
    assert stranger.status_code == csr.status_code == 404
    assert stranger.json["error_code"] == "NOT_FOUND"
    assert manager.status_code == 200
    log = client.get("/api/v1/rag/queries", headers=bearer(library.manager)).json["items"]
    rated = next(item for item in log if item["id"] == query_id)
    assert (rated["user_rating"], rated["user_feedback"]) == (2, "Too long")


@pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {}, {"rating": 3, "stars": 5},
                                  {"rating": 3, "feedback": "x" * 2001}])
def test_feedback_needs_a_rating_from_1_to_5(client, library, body):
    query_id = ask(client, library.manager, "What is a business day?").json["data"]["query_id"]

    response = client.post(f"/api/v1/rag/queries/{query_id}/feedback", json=body,
                           headers=bearer(library.manager))

    assert response.status_code == 422


@pytest.mark.parametrize("query_id", ["not-a-uuid", str(uuid.uuid4())])
def test_feedback_on_an_unknown_query_is_a_404(client, library, query_id):
    response = client.post(f"/api/v1/rag/queries/{query_id}/feedback", json={"rating": 3},
                           headers=bearer(library.manager))

    assert response.status_code == 404


def test_feedback_on_another_companys_query_is_a_404(client, library, make_company, make_user):
    query_id = ask(client, library.manager, "What is a business day?").json["data"]["query_id"]
    outsider = make_user(make_company(), "manager")

    response = client.post(f"/api/v1/rag/queries/{query_id}/feedback", json={"rating": 5},
                           headers=bearer(outsider))

    assert response.status_code == 404
    assert client.get("/api/v1/rag/queries", headers=bearer(outsider)).json["items"] == []


def parse_events(body: str) -> list[tuple[str, dict]]:
    events = []
    for frame in body.strip().split("\n\n"):
        name = re.search(r"^event: (.+)$", frame, re.M).group(1)
        data = json.loads(re.search(r"^data: (.+)$", frame, re.M).group(1))
        events.append((name, data))
    return events


def test_an_event_stream_carries_the_answer_in_the_spec_events(client, library):
    headers = {**bearer(library.csr), "Accept": "text/event-stream"}

    response = client.post("/api/v1/rag/query", headers=headers,
                           json={"query": "How long must a do-not-call request be honored?",
                                 "conversation_id": "conv-sse"})

    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    events = parse_events(response.get_data(as_text=True))
    names = [name for name, _ in events]
    assert names[:4] == ["start", "classification", "data_fetched", "answer_start"]
    assert names[-3:] == ["answer_complete", "metadata", "done"]
    assert set(names[4:-3]) == {"token"}
    data = dict(events)
    assert data["start"]["conversation_id"] == "conv-sse"
    assert data["classification"]["query_type"] in ("knowledge", "analytical", "hybrid")
    answer = "".join(payload["content"] for name, payload in events if name == "token")
    assert answer == data["answer_complete"]["full_answer"]
    assert "5 years" in answer
    assert data["metadata"]["citations"] and data["metadata"]["provider"] == "local"
    assert data["done"]["query_id"] == data["start"]["query_id"]

    log = client.get("/api/v1/rag/queries", headers=bearer(library.manager)).json["items"]
    stored = next(item for item in log if item["id"] == data["done"]["query_id"])
    assert stored["answer_text"] == answer


def test_every_role_may_ask(client, library):
    for user in (library.manager, library.csr, library.rep):
        assert ask(client, user, "What is a business day?").status_code == 200
