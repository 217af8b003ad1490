"""Fixtures for the AI building blocks: fixture documents, the local embedder, an OpenAI stub."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ai.embeddings import LocalEmbedder, get_local_embedder
from ai.providers import OpenAIClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCUMENTS = FIXTURES / "documents"


@pytest.fixture(scope="session")
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
