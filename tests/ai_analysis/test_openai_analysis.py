"""Analysis through an OpenAI-compatible server (a local stub): validation, retry, fallback."""

import copy
import json

import pytest

from ai.analysis import (
    MODEL_SECTIONS,
    analyze_transcript,
    analyze_transcript_openai,
    iter_spans,
    quote_in_turn,
    validate_analysis,
)
from ai.providers import OpenAIClient
from ai.transcript import load_transcript


@pytest.fixture(scope="module")
def transcript(audio_dir):
    return load_transcript(audio_dir / "roofing_followup_tts.txt")


@pytest.fixture(scope="module")
def model_reply(transcript, embedder):
    """What a well-behaved model would send: the sections, with its own summary and one
    objection and one stage whose quotes are invented."""
    local = analyze_transcript(transcript, embedder=embedder)
    reply = copy.deepcopy({key: local[key] for key in MODEL_SECTIONS})
    reply["summary"]["summary"] = "Homeowner balks at the price and wants to ask his wife."

    invented = copy.deepcopy(reply["objections"]["objections"][0])
    invented.update(
        category_id=3,
        category_text="Competitor",
        objection_text="We already signed with another roofer.",
    )
    reply["objections"]["objections"].append(invented)
    reply["compliance"]["stage_results"][0].update(quote="Good morning, I'm the best rep.")
    return reply


@pytest.fixture
def client(openai_stub):
    return OpenAIClient(
        api_key="sk-test-0000", base_url=openai_stub.base_url, chat_model="stub-model"
    )


def test_valid_reply_is_used_and_unfounded_verdicts_dropped(
    transcript, model_reply, client, openai_stub, embedder
):
    openai_stub.reply_chat(json.dumps(model_reply))
    usages = []

    analysis = analyze_transcript_openai(
        transcript, client, embedder=embedder, on_usage=usages.append
    )

    assert analysis["provider"] == "openai"
    assert "fallback_reason" not in analysis
    assert analysis["summary"]["summary"] == model_reply["summary"]["summary"]
    categories = {o["category_text"] for o in analysis["objections"]["objections"]}
    assert categories == {"Price/Budget", "Decision Authority"}
    assert analysis["objections"]["total_objections"] == 2
    greeting = analysis["compliance"]["stage_results"][0]
    assert (greeting["status"], greeting["quote"]) == ("missed", None)
    assert "greeting" in analysis["compliance"]["stages_missed"]
    for where, span in iter_spans(analysis):
        assert quote_in_turn(transcript, span["quote"], span["turn_index"]), where
    validate_analysis(analysis)

    assert [(u.tokens_in, u.tokens_out, u.success) for u in usages] == [(1200, 800, True)]
    request = openai_stub.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["json"]["response_format"] == {"type": "json_object"}
    assert "[1] unknown: Thanks for calling." in request["json"]["messages"][1]["content"]


def test_one_invalid_reply_is_retried(transcript, model_reply, client, openai_stub, embedder):
    openai_stub.reply_chat("Sure! Here is the analysis you asked for.")
    openai_stub.reply_chat(json.dumps(model_reply))

    analysis = analyze_transcript_openai(transcript, client, embedder=embedder)

    assert analysis["provider"] == "openai"
    assert len(openai_stub.requests) == 2


def test_two_invalid_replies_fall_back_to_local(
    transcript, model_reply, client, openai_stub, embedder
):
    broken = copy.deepcopy(model_reply)
    broken["sentiment_score"] = "very positive"
    openai_stub.reply_chat("not json at all")
    openai_stub.reply_chat(json.dumps(broken))

    analysis = analyze_transcript_openai(transcript, client, embedder=embedder)

    assert len(openai_stub.requests) == 2
    assert analysis["provider"] == "local"
    assert analysis["fallback_reason"].startswith("invalid analysis: $.sentiment_score")
    assert analysis["degraded"] == {"from": "openai", "reason": analysis["fallback_reason"]}
    assert {o["category_text"] for o in analysis["objections"]["objections"]} == {
        "Price/Budget",
        "Decision Authority",
    }
    validate_analysis(analysis)


def test_server_errors_fall_back_to_local(transcript, client, openai_stub, embedder):
    openai_stub.reply({"error": {"message": "overloaded"}}, status=503)
    openai_stub.reply({"error": {"message": "overloaded"}}, status=503)
    usages = []

    analysis = analyze_transcript_openai(
        transcript, client, embedder=embedder, on_usage=usages.append
    )

    assert analysis["provider"] == "local"
    assert analysis["fallback_reason"].startswith("provider error: HTTP 503")
    assert [usage.success for usage in usages] == [False, False]
