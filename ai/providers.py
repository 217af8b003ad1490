"""A small client for OpenAI-compatible HTTP APIs that reports tokens and latency of every call."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import requests

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CHAT_MODEL = "gpt-4o"
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_TIMEOUT_SECONDS = 30.0

# US dollars per million tokens (input, output) for the models Otto asks for by default;
# a model missing here is recorded with cost 0 rather than a guess.
PRICE_PER_MILLION_TOKENS = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "text-embedding-3-small": (0.02, 0.0),
}


@dataclass(frozen=True)
class Usage:
    """What one provider call cost, in the shape of an `ai_usage_events` row."""

    provider: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    success: bool = True
    rate_limited: bool = False
    key_fingerprint: str | None = None

    @property
    def cost_usd(self) -> float:
        price_in, price_out = PRICE_PER_MILLION_TOKENS.get(self.model, (0.0, 0.0))
        return round((self.tokens_in * price_in + self.tokens_out * price_out) / 1_000_000, 6)


class ProviderError(Exception):
    """A provider call failed: transport error, HTTP error status or a malformed reply."""

    def __init__(self, message: str, usage: Usage, status_code: int | None = None):
        super().__init__(message)
        self.usage = usage
        self.status_code = status_code


@dataclass(frozen=True)
class ChatResult:
    text: str
    usage: Usage


@dataclass(frozen=True)
class ChatJsonResult:
    data: dict[str, Any]
    usage: Usage


@dataclass(frozen=True)
class EmbeddingsResult:
    vectors: list[list[float]]
    usage: Usage


def key_fingerprint(api_key: str) -> str:
    """The last four characters of a key, the only part Otto ever stores or shows."""
    return "…" + api_key[-4:]


class OpenAIClient:
    """Chat completions and embeddings against OpenAI or any server speaking its API."""

    provider = "openai"

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        chat_model: str = DEFAULT_CHAT_MODEL,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ):
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.chat_model = chat_model
        self.timeout = timeout
        self._api_key = api_key
        self._session = requests.Session()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OpenAIClient | None:
        """A client configured from `OPENAI_*` variables, or None when no key is set."""
        environ = os.environ if environ is None else environ
        api_key = environ.get("OPENAI_API_KEY", "").strip()
        if not api_key:
            return None
        return cls(
            api_key=api_key,
            base_url=environ.get("OPENAI_BASE_URL") or None,
            chat_model=environ.get("OPENAI_MODEL") or DEFAULT_CHAT_MODEL,
        )

    def __repr__(self) -> str:
        return f"<OpenAIClient {self.base_url} key={key_fingerprint(self._api_key)}>"

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> ChatResult:
        """One chat completion; returns the assistant's text."""
        body: dict[str, Any] = {
            "model": model or self.chat_model,
            "messages": list(messages),
            "temperature": temperature,
        }
        if max_tokens is not None:
            body["max_tokens"] = max_tokens

        reply, usage = self._post("/chat/completions", body)
        return ChatResult(text=_message_text(reply, usage), usage=usage)

    def chat_json(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        model: str | None = None,
        json_schema: Mapping[str, Any] | None = None,
        schema_name: str = "result",
        temperature: float = 0.0,
    ) -> ChatJsonResult:
        """A chat completion constrained to JSON (to `json_schema` when given), parsed."""
        if json_schema is None:
            response_format: dict[str, Any] = {"type": "json_object"}
        else:
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": dict(json_schema), "strict": True},
            }
        body = {
            "model": model or self.chat_model,
            "messages": list(messages),
            "temperature": temperature,
            "response_format": response_format,
        }

        reply, usage = self._post("/chat/completions", body)
        text = _message_text(reply, usage)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProviderError(f"reply is not JSON: {error}", _failed(usage)) from error
        if not isinstance(data, dict):
            raise ProviderError("reply is JSON but not an object", _failed(usage))
        return ChatJsonResult(data=data, usage=usage)

    def embeddings(
        self,
        texts: Sequence[str],
        *,
        model: str = DEFAULT_EMBEDDING_MODEL,
        dimensions: int | None = None,
    ) -> EmbeddingsResult:
        """Embedding vectors for `texts`, in input order."""
        body: dict[str, Any] = {"model": model, "input": list(texts)}
        if dimensions is not None:
            body["dimensions"] = dimensions

        reply, usage = self._post("/embeddings", body)
        try:
            rows = sorted(reply["data"], key=lambda row: row["index"])
            vectors = [list(map(float, row["embedding"])) for row in rows]
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"malformed embeddings reply: {error!r}", _failed(usage)) from error
        if len(vectors) != len(texts):
            raise ProviderError(
                f"asked for {len(texts)} embeddings, got {len(vectors)}", _failed(usage)
            )
        return EmbeddingsResult(vectors=vectors, usage=usage)

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        model = str(body.get("model", ""))
        started = time.perf_counter()

        def usage(**fields: Any) -> Usage:
            latency_ms = int((time.perf_counter() - started) * 1000)
            return Usage(
                provider=self.provider,
                model=model,
                latency_ms=latency_ms,
                key_fingerprint=key_fingerprint(self._api_key),
                **fields,
            )

        try:
            response = self._session.post(
                self.base_url + path,
                json=body,
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            logger.warning("openai %s: request failed: %s", path, error)
            raise ProviderError(f"request failed: {error}", usage(success=False)) from error

        if response.status_code >= 400:
            rate_limited = response.status_code == 429
            logger.warning("openai %s: HTTP %s", path, response.status_code)
            raise ProviderError(
                f"HTTP {response.status_code}: {response.text[:200]}",
                usage(success=False, rate_limited=rate_limited),
                status_code=response.status_code,
            )

        try:
            reply = response.json()
        except ValueError as error:
            raise ProviderError("reply is not JSON", usage(success=False)) from error
        if not isinstance(reply, dict):
            raise ProviderError("reply is not a JSON object", usage(success=False))

        counts = reply.get("usage") or {}
        return reply, usage(
            tokens_in=int(counts.get("prompt_tokens") or 0),
            tokens_out=int(counts.get("completion_tokens") or 0),
        )


def _message_text(reply: Mapping[str, Any], usage: Usage) -> str:
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise ProviderError(f"malformed chat reply: {error!r}", _failed(usage)) from error
    if not isinstance(content, str) or not content.strip():
        raise ProviderError("chat reply has no text", _failed(usage))
    return content


def _failed(usage: Usage) -> Usage:
    return replace(usage, success=False)
