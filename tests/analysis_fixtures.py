"""Fixtures for the call-analysis tests: the real local embedder, fixture paths, a stub OpenAI."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ai.embeddings import get_local_embedder

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def embedder():
    return get_local_embedder()


@pytest.fixture(scope="session")
def transcripts_dir() -> Path:
    return FIXTURES / "transcripts"


@pytest.fixture(scope="session")
def audio_dir() -> Path:
    return FIXTURES / "audio"


@dataclass
class StubOpenAI:
    """Answers OpenAI API paths from a queue of (status, body) replies; records each request."""

    base_url: str = ""
    replies: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply_chat(self, content: str, status: int = 200) -> None:
        """Queue a chat completion whose assistant message is `content`."""
        body = {
            "choices": [{"message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 800},
        }
        self.replies.append((status, body))

    def reply(self, body: Any, status: int = 200) -> None:
        self.replies.append((status, body))


@pytest.fixture
def openai_stub() -> Iterator[StubOpenAI]:
    stub = StubOpenAI()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            content_type = self.headers.get("Content-Type", "")
            parsed = json.loads(raw) if content_type.startswith("application/json") else None
            stub.requests.append({"path": self.path, "json": parsed, "content_type": content_type})

            status, body = stub.replies.pop(0) if stub.replies else (500, {"error": "no reply"})
            payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield stub
    server.shutdown()
    server.server_close()
