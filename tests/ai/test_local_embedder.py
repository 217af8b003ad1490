"""The local MiniLM embedder: vector shape and quality, model integrity, provider selection."""

import subprocess
import sys

import numpy as np
import pytest

from ai.embeddings import (
    DIMENSIONS,
    LocalEmbedder,
    ModelIntegrityError,
    OpenAIEmbedder,
    embedder_from_env,
    get_local_embedder,
    minilm_tokens,
)


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return get_local_embedder()


def test_vectors_are_unit_length_float32_rows(embedder):
    vectors = embedder.embed(["Roof replacement estimate", "Heat pump install", ""])

    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_an_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, DIMENSIONS)


def test_paraphrases_score_higher_than_unrelated_text(embedder):
    question, paraphrase, unrelated = embedder.embed(
        [
            "How many days does a homeowner have to cancel the contract?",
            "The buyer may cancel the sale within three business days.",
            "Our technicians clean gutters and replace downspouts.",
        ]
    )

    assert question @ paraphrase > 0.5
    assert question @ paraphrase > question @ unrelated + 0.3


def test_a_text_embeds_the_same_alone_and_padded_in_a_batch(embedder):
    short = "Ask the customer about their budget."
    batch = [short, "word " * 300, "A medium sized sentence about solar panel financing options."]

    alone = embedder.embed([short])[0]
    in_batch = embedder.embed(batch)[0]

    np.testing.assert_allclose(alone, in_batch, atol=1e-4)


def test_long_text_is_truncated_to_the_model_window_not_rejected(embedder):
    long_text = "The installer must give the customer a receipt. " * 200
    assert len(minilm_tokens(long_text)) > 1000

    vector = embedder.embed([long_text])[0]

    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_usage_reports_local_tokens(embedder):
    result = embedder.embed_with_usage(["Three business days to cancel."])

    assert result.vectors.shape == (1, DIMENSIONS)
    assert result.usage.provider == "local"
    assert result.usage.model == embedder.model_id
    assert result.usage.tokens_in == len(minilm_tokens("Three business days to cancel."))


def test_a_model_file_with_another_checksum_is_refused(tmp_path):
    tampered = tmp_path / "model.onnx"
    tampered.write_bytes(b"not the pinned model")

    with pytest.raises(ModelIntegrityError, match="sha256"):
        LocalEmbedder(model_path=tampered)


def test_a_missing_model_file_is_refused(tmp_path):
    with pytest.raises(ModelIntegrityError, match="not found"):
        LocalEmbedder(model_path=tmp_path / "absent.onnx")


def test_the_local_embedder_loads_once_per_process():
    assert get_local_embedder() is get_local_embedder()


def test_importing_the_module_loads_no_model():
    code = "import ai.embeddings as e; assert e._local_embedder is None; print('lazy')"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "lazy"


def test_embedder_from_env_defaults_to_local_even_with_an_openai_key():
    embedder = embedder_from_env({"OPENAI_API_KEY": "sk-test"})

    assert embedder.model_id == "local:all-MiniLM-L6-v2-int8"


def test_embedder_from_env_selects_openai_when_asked():
    embedder = embedder_from_env({"EMBEDDING_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test"})

    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.model_id == "openai:text-embedding-3-small"
    assert embedder.dimensions == DIMENSIONS


@pytest.mark.parametrize(
    "environ",
    [{"EMBEDDING_PROVIDER": "openai"}, {"EMBEDDING_PROVIDER": "cohere"}],
    ids=["openai-without-key", "unknown-provider"],
)
def test_embedder_from_env_rejects_unusable_settings(environ):
    with pytest.raises(ValueError):
        embedder_from_env(environ)
