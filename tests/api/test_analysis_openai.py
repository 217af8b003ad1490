"""The OpenAI path of call and v0 analysis against a local stub server: validated, or local."""

import copy
import json

import pytest
from sqlalchemy import select

from ai.analysis import MODEL_SECTIONS, analyze_transcript
from ai.transcript import transcript_from_text
from analysis_support import fixture_text, make_call, run_ai_queue, scope
from local_http_stub import StubServer
from otto.analysis.models import CallAnalysis
from otto.db import db
from otto.rag.models import AiUsageEvent
from support import bearer

CALL = "plumbing_afterhours_answering_service"
CHAT = ("POST", "/v1/chat/completions")


def chat(content: str):
    return 200, {"choices": [{"message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 900, "completion_tokens": 300}}


@pytest.fixture
def openai(monkeypatch):
    """An OpenAI-compatible stub that answers with the queued replies, configured by env."""
    replies = []
    with StubServer({CHAT: lambda path, body: replies.pop(0)}) as stub:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-analysis-0000")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{stub.url}/v1")
        monkeypatch.setenv("OPENAI_MODEL", "stub-model")
        monkeypatch.setenv("ASR_PROVIDER", "local")
        monkeypatch.delenv("AI_PROVIDER", raising=False)
        stub.replies = replies
        yield stub


@pytest.fixture(scope="module")
def model_reply():
    transcript = transcript_from_text(fixture_text(CALL))
    transcript.call_type = "csr_call"
    local = analyze_transcript(transcript)
    reply = copy.deepcopy({key: local[key] for key in MODEL_SECTIONS})
    reply["summary"]["summary"] = "Tenant reports a blocked sink; a plumber is dispatched."
    return reply


def test_a_valid_model_reply_is_stored_as_the_openai_analysis(app, client, company, manager,
                                                             openai, model_reply):
    invented = copy.deepcopy(model_reply)
    invented["objections"]["objections"].append({
        **(invented["objections"]["objections"] or [_objection()])[0],
        "category_id": 3, "category_text": "Competitor",
        "objection_text": "We already hired another plumber."})
    openai.replies.append(chat(json.dumps(invented)))
    call_id = make_call(app, company.id, call_type="csr_call", transcript=fixture_text(CALL))

    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(manager))
    run_ai_queue(app)

    view = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(manager)).json["data"]
    assert (view["provider"], view["degraded"]) == ("openai", None)
    assert view["summary"] == "Tenant reports a blocked sink; a plumber is dispatched."
    assert "Competitor" not in view["objections"]  # its quote is not in the transcript
    with scope(app, company.id):
        row = db.session.execute(
            select(CallAnalysis).where(CallAnalysis.call_id == call_id)).scalar_one()
        assert row.uwc_job_id.startswith("openai_")
        usage = db.session.execute(
            select(AiUsageEvent).where(AiUsageEvent.provider == "openai")).scalars().all()
        assert [(u.tokens_in, u.tokens_out, u.success) for u in usage] == [(900, 300, True)]
    status = client.get("/api/v1/post-call-analysis/status", headers=bearer(manager)).json
    assert status["data"]["openai_available"] is True


def test_two_invalid_replies_fall_back_to_local_marked_degraded(app, client, company, manager,
                                                               openai):
    openai.replies.extend([chat("not json at all"), chat(json.dumps({"summary": {}}))])
    call_id = make_call(app, company.id, call_type="csr_call", transcript=fixture_text(CALL))

    client.post(f"/api/v1/calls/{call_id}/analyze", headers=bearer(manager))
    run_ai_queue(app)

    assert openai.hits(*CHAT) == 2
    view = client.get(f"/api/v1/calls/{call_id}/analysis", headers=bearer(manager)).json["data"]
    assert view["status"] == "complete"
    assert view["provider"] == "local"
    assert view["degraded"]["from"] == "openai"


def test_v0_falls_back_to_the_rules_and_says_so(app, client, company, manager, openai):
    openai.replies.extend([chat("{}"), chat("{}")])
    call_id = make_call(app, company.id, in_person_transcript="Customer: Let's do it.")

    response = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}",
                           headers=bearer(manager))
    assert response.status_code == 200
    assert response.json["degraded"] is True
    assert response.json["analysis"]["customer_decision"]["status"] == "bought"
    view = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}",
                      headers=bearer(manager)).json
    assert view["model_version"] == "v0:local"


def test_v0_model_quotes_outside_the_transcript_are_dropped(app, client, company, manager, openai):
    from ai.analysis.visit_v0 import extract_visit_v0

    text = "Rep: Hi there, I'm Dana.\nCustomer: We'll take it, let's do it."
    reply = extract_visit_v0(transcript_from_text(text))
    reply["farewell"].update(professional_goodbye=True, goodbye_quote="Bye, have a lovely day!",
                             goodbye_timestamp="00:00:09")
    openai.replies.append(chat(json.dumps(reply)))
    call_id = make_call(app, company.id, in_person_transcript=text)

    body = client.post(f"/api/v1/mobile/audio/analyze-transcript/{call_id}",
                       headers=bearer(manager)).json
    assert body["degraded"] is False
    farewell = body["analysis"]["farewell"]
    assert (farewell["professional_goodbye"], farewell["goodbye_quote"]) == (False, None)
    assert body["analysis"]["customer_decision"]["status"] == "bought"
    view = client.get(f"/api/v1/mobile/audio/transcript-analysis/{call_id}",
                      headers=bearer(manager)).json
    assert view["model_version"] == "v0:stub-model"


def _objection() -> dict:
    return {"id": None, "category_id": 1, "category_text": "Price/Budget", "objection_text": "",
            "turn_index": 0, "overcome": False, "overcome_quote": None,
            "overcome_turn_index": None, "speaker_id": "customer", "timestamp": None,
            "severity": "medium", "confidence_score": 0.5, "response_suggestions": []}
