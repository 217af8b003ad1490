"""Ask Otto with OpenAI configured, against a local OpenAI-compatible stub server."""

import pytest
from local_http_stub import StubServer
from rag_helpers import DOCUMENTS, ask, upload_and_index
from sqlalchemy import select
from support import bearer

CHAT = ("POST", "/v1/chat/completions")


def chat_reply(content: str):
    def answer(path, body):
        message = {"role": "assistant", "content": content}
        return 200, {"choices": [{"index": 0, "message": message}],
                     "usage": {"prompt_tokens": 812, "completion_tokens": 41}}
    return answer


@pytest.fixture
def indexed_manager(app, client, manager):
    upload_and_index(app, client, manager, DOCUMENTS / "ftc_cooling_off_rule_16cfr429.md")
    return manager


@pytest.fixture
def openai_stub(monkeypatch):
    with StubServer() as stub:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-stub-7f3a")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{stub.url}/v1")
        monkeypatch.setenv("OPENAI_MODEL", "gpt-4o-mini")
        monkeypatch.delenv("AI_PROVIDER", raising=False)
        monkeypatch.delenv("EMBEDDING_PROVIDER", raising=False)
        yield stub


def usage_events(app, company_id):
    from otto.db import db
    from otto.rag.models import AiUsageEvent, RagTelemetry
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(company_id):
        events = db.session.execute(select(AiUsageEvent).where(
            AiUsageEvent.feature == "ask_otto")).scalars().all()
        telemetry = db.session.execute(select(RagTelemetry)).scalars().all()
        return events, telemetry


def test_a_citation_to_a_chunk_the_model_was_not_given_is_dropped(app, client, indexed_manager,
                                                                  openai_stub):
    openai_stub.routes[CHAT] = chat_reply(
        "The buyer may cancel until midnight of the third business day [1]. "
        "Sundays never count [7].")

    data = ask(client, indexed_manager, "How long does a homeowner have to cancel?",
               max_results=3).json["data"]  # snippets [1]-[3] go to the model, never [7]

    assert data["provider"] == "openai" and data["degraded_mode"] is False
    assert data["answer"] == ("The buyer may cancel until midnight of the third business day [1]. "
                              "Sundays never count.")
    assert len(data["citations"]) == 1
    _, path, body = openai_stub.requests[-1]
    assert body["model"] == "gpt-4o-mini"
    prompt = body["messages"][-1]["content"]
    assert "How long does a homeowner have to cancel?" in prompt
    assert "[3] (" in prompt and "[4] (" not in prompt
    assert data["citations"][0]["chunk_text"].rstrip("…")[:80] in " ".join(prompt.split())
    events, telemetry = usage_events(app, indexed_manager.company_id)
    assert [(e.provider, e.model, e.tokens_in, e.tokens_out) for e in events] == [
        ("openai", "gpt-4o-mini", 812, 41)]
    assert events[0].key_fingerprint == "…7f3a" and float(events[0].cost_usd) > 0
    assert telemetry[0].tokens_in == 812 and not telemetry[0].fallback_used


def test_a_failing_provider_falls_back_to_the_extractive_answer(app, client, indexed_manager,
                                                               openai_stub):
    openai_stub.routes[CHAT] = (500, {"error": {"message": "upstream overloaded"}})

    data = ask(client, indexed_manager, "How long does a homeowner have to cancel?").json["data"]

    assert openai_stub.hits(*CHAT) == 1
    assert data["provider"] == "local" and data["degraded_mode"] is True
    assert data["citations"] and data["answer"].count("[1]") >= 1
    events, telemetry = usage_events(app, indexed_manager.company_id)
    assert [(e.provider, e.success) for e in events] == [("openai", False)]
    assert telemetry[0].degraded_mode and telemetry[0].fallback_used
    assert not telemetry[0].is_high_quality


def test_nothing_above_the_threshold_asks_no_model(client, indexed_manager, openai_stub):
    openai_stub.routes[CHAT] = chat_reply("Bake at 230 C [1].")

    data = ask(client, indexed_manager, "How do I bake sourdough bread?").json["data"]

    assert openai_stub.hits(*CHAT) == 0
    assert data["citations"] == [] and data["provider"] == "local"


def test_ai_provider_local_keeps_answers_offline(client, indexed_manager, openai_stub, monkeypatch):
    monkeypatch.setenv("AI_PROVIDER", "local")

    data = ask(client, indexed_manager, "How long does a homeowner have to cancel?").json["data"]

    assert openai_stub.hits(*CHAT) == 0
    assert data["provider"] == "local" and data["degraded_mode"] is False


def test_the_stream_reports_the_openai_provider(client, indexed_manager, openai_stub):
    openai_stub.routes[CHAT] = chat_reply("Until midnight of the third business day [1].")
    headers = {**bearer(indexed_manager), "Accept": "text/event-stream"}

    response = client.post("/api/v1/rag/query", headers=headers,
                           json={"query": "How long does a homeowner have to cancel?"})

    body = response.get_data(as_text=True)
    assert "event: metadata" in body and '"provider": "openai"' in body
    assert "Until midnight" in body


def test_a_failing_embedding_provider_is_a_502_or_an_error_event(app, client, indexed_manager,
                                                                openai_stub, monkeypatch):
    monkeypatch.setenv("EMBEDDING_PROVIDER", "openai")
    openai_stub.routes[("POST", "/v1/embeddings")] = (503, {"error": {"message": "down"}})
    question = {"query": "How long does a homeowner have to cancel?", "conversation_id": "c-9"}

    plain = client.post("/api/v1/rag/query", json=question, headers=bearer(indexed_manager))
    streamed = client.post("/api/v1/rag/query", json=question,
                           headers={**bearer(indexed_manager), "Accept": "text/event-stream"})

    assert plain.status_code == 502
    assert plain.json["error_code"] == "EXTERNAL_SERVICE_ERROR"
    body = streamed.get_data(as_text=True)
    assert streamed.status_code == 200
    assert body.index("event: start") < body.index("event: error")
    assert '"code": "EXTERNAL_SERVICE_ERROR"' in body
    log = client.get("/api/v1/rag/queries", headers=bearer(indexed_manager)).json["items"]
    assert [(item["conversation_id"], item["answer_text"]) for item in log] == [("c-9", None)]
