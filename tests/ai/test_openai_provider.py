"""The OpenAI path against a local stub server: marker validation, fallback, embeddings, usage."""

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from ai.answer import NO_ANSWER_TEXT, RetrievedChunk, generate_answer_openai
from ai.embeddings import DIMENSIONS, LocalEmbedder, OpenAIEmbedder, get_local_embedder
from ai.providers import OpenAIClient, ProviderError

CHUNKS = [
    RetrievedChunk(
        chunk_id="chunk-cancel",
        document_id="doc-ftc",
        filename="ftc_cooling_off_rule_16cfr429.md",
        text="The buyer may cancel this transaction at any time prior to midnight of the third "
        "business day after the date of this transaction.",
        score=0.62,
    ),
    RetrievedChunk(
        chunk_id="chunk-refund",
        document_id="doc-ftc",
        filename="ftc_cooling_off_rule_16cfr429.md",
        text="Within 10 business days after receipt of a cancellation notice the seller must "
        "refund all payments made under the contract.",
        score=0.48,
    ),
]
QUESTION = "How long does a homeowner have to cancel, and when is the refund due?"


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return get_local_embedder()


@dataclass
class OpenAIStub:
    """A local stand-in for an OpenAI-compatible server: replies are queued per path."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def reply(self, path: str, status: int, body: Any) -> None:
        self.replies.setdefault(path, []).append((status, body))

    def reply_chat(self, content: str, prompt_tokens: int = 120, completion_tokens: int = 30):
        self.reply(
            "/v1/chat/completions",
            200,
            {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
            },
        )

    def client(self) -> OpenAIClient:
        return OpenAIClient(api_key="sk-test-abcd1234", base_url=self.base_url, timeout=5)


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    stub = OpenAIStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            stub.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length) or b"{}"),
                }
            )
            queued = stub.replies.get(self.path) or [(404, {"error": {"message": "no reply"}})]
            status, body = queued.pop(0)
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


def test_markers_to_chunks_the_model_was_not_given_are_dropped(openai_stub, embedder):
    openai_stub.reply_chat(
        "They can cancel until midnight of the third business day [1]. "
        "Refunds are due within 10 business days [2][7]. Deposits are never kept [9]."
    )

    answer = generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    assert answer.mode == "generative"
    assert "[7]" not in answer.text and "[9]" not in answer.text
    assert answer.text.startswith("They can cancel until midnight of the third business day [1].")
    assert "Refunds are due within 10 business days [2]." in answer.text
    assert [citation.chunk_id for citation in answer.citations] == ["chunk-cancel", "chunk-refund"]
    assert answer.usage.tokens_in == 120 and answer.usage.tokens_out == 30
    assert answer.usage.key_fingerprint == "…1234"


def test_markers_are_renumbered_to_the_citation_list(openai_stub, embedder):
    openai_stub.reply_chat("Refunds are due within 10 business days [2].")

    answer = generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    assert answer.text == "Refunds are due within 10 business days [1]."
    assert [citation.chunk_id for citation in answer.citations] == ["chunk-refund"]


def test_the_prompt_numbers_the_chunks_and_carries_the_question(openai_stub, embedder):
    openai_stub.reply_chat("Until midnight of the third business day [1].")

    generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    request = openai_stub.requests[0]
    prompt = request["body"]["messages"][1]["content"]
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == "Bearer sk-test-abcd1234"
    assert request["body"]["model"] == "gpt-4o"
    assert "[1] (ftc_cooling_off_rule_16cfr429.md)" in prompt and "[2] (" in prompt
    assert prompt.endswith(f"Question: {QUESTION}")


def test_a_server_error_falls_back_to_the_extractive_answer(openai_stub, embedder):
    openai_stub.reply("/v1/chat/completions", 500, {"error": {"message": "upstream down"}})

    answer = generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    assert answer.mode == "degraded"
    assert answer.citations
    assert {c.chunk_id for c in answer.citations} <= {c.chunk_id for c in CHUNKS}
    assert "HTTP 500" in answer.fallback_reason
    assert answer.usage.success is False and answer.usage.rate_limited is False


def test_an_unreachable_server_falls_back_too(embedder):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = OpenAIClient(api_key="sk-test", base_url=f"http://127.0.0.1:{closed_port}/v1")

    answer = generate_answer_openai(QUESTION, CHUNKS, client, embedder=embedder)

    assert answer.mode == "degraded"
    assert answer.citations


def test_a_reply_citing_none_of_the_chunks_falls_back(openai_stub, embedder):
    openai_stub.reply_chat("Homeowners get a full week to think it over [4].")

    answer = generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    assert answer.mode == "degraded"
    assert "full week" not in answer.text
    assert answer.usage.success is True


def test_the_model_may_say_the_documents_do_not_answer(openai_stub, embedder):
    openai_stub.reply_chat(NO_ANSWER_TEXT)

    answer = generate_answer_openai(QUESTION, CHUNKS, openai_stub.client(), embedder=embedder)

    assert answer.abstained and answer.mode == "generative"
    assert answer.usage is not None


def test_nothing_above_the_threshold_asks_no_model(openai_stub, embedder):
    weak = [RetrievedChunk(**{**CHUNKS[0].__dict__, "score": 0.1})]

    answer = generate_answer_openai(QUESTION, weak, openai_stub.client(), embedder=embedder)

    assert answer.abstained
    assert openai_stub.requests == []


def test_embeddings_through_the_stub_are_384_unit_vectors_with_usage(openai_stub):
    raw = np.random.default_rng(7).normal(size=(2, DIMENSIONS))
    openai_stub.reply(
        "/v1/embeddings",
        200,
        {
            # Out of order on purpose: rows are matched to inputs by their index.
            "data": [
                {"index": 1, "embedding": (raw[1] * 3).tolist()},
                {"index": 0, "embedding": raw[0].tolist()},
            ],
            "usage": {"prompt_tokens": 17, "total_tokens": 17},
        },
    )
    embedder = OpenAIEmbedder(openai_stub.client())

    result = embedder.embed_with_usage(["first text", "second text"])

    body = openai_stub.requests[0]["body"]
    assert body == {
        "model": "text-embedding-3-small",
        "input": ["first text", "second text"],
        "dimensions": 384,
    }
    assert result.vectors.shape == (2, DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(result.vectors[0], raw[0] / np.linalg.norm(raw[0]), atol=1e-5)
    assert result.usage.tokens_in == 17 and result.usage.provider == "openai"


def test_chat_json_returns_the_parsed_object(openai_stub):
    openai_stub.reply_chat('{"sentiment": "positive", "score": 0.8}')

    result = openai_stub.client().chat_json([{"role": "user", "content": "Rate this call."}])

    assert result.data == {"sentiment": "positive", "score": 0.8}
    assert openai_stub.requests[0]["body"]["response_format"] == {"type": "json_object"}


def test_chat_json_refuses_text_that_is_not_json(openai_stub):
    openai_stub.reply_chat("Sure! The sentiment is positive.")

    with pytest.raises(ProviderError, match="not JSON") as failure:
        openai_stub.client().chat_json([{"role": "user", "content": "Rate this call."}])

    assert failure.value.usage.success is False


def test_a_rate_limit_is_reported_as_such(openai_stub):
    openai_stub.reply("/v1/chat/completions", 429, {"error": {"message": "slow down"}})

    with pytest.raises(ProviderError) as failure:
        openai_stub.client().chat([{"role": "user", "content": "Hi"}])

    assert failure.value.status_code == 429
    assert failure.value.usage.rate_limited is True


def test_the_client_is_configured_from_the_environment():
    assert OpenAIClient.from_env({}) is None

    client = OpenAIClient.from_env(
        {"OPENAI_API_KEY": "sk-live-wxyz", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1/"}
    )

    assert client.base_url == "http://127.0.0.1:9/v1"
    assert "wxyz" in repr(client) and "sk-live" not in repr(client)
