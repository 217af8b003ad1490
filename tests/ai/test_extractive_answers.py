"""Offline Ask Otto answers: citations point at given chunks, and weak retrieval abstains."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from ai.answer import (
    DEFAULT_MIN_SIMILARITY,
    NO_ANSWER_TEXT,
    RetrievedChunk,
    extractive_answer,
    groundedness_score,
    min_similarity_from_env,
)
from ai.embeddings import LocalEmbedder, get_local_embedder
from ai.ingest import DETECTION_HEAD_BYTES, chunk_text, detect_document_type, parse_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Questions none of the fixture documents answers; the abstention threshold must turn them away.
OFF_TOPIC_QUESTIONS = [
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "Who won the 2018 football World Cup?",
    "How many moons does Jupiter have?",
    "Can you recommend a good science fiction novel?",
    "How do I change the oil in my car?",
    "Which shingle brand holds up best against hail?",
    "How do I reset a Nest thermostat?",
    "What should a rep wear to an in-home appointment?",
]


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return get_local_embedder()


@pytest.fixture(scope="module")
def fixture_index(embedder):
    """Every chunk of every fixture document with its vector: retrieval without a database."""
    chunks = []
    for path in sorted((FIXTURES / "documents").iterdir()):
        doc_type = detect_document_type(path.read_bytes()[:DETECTION_HEAD_BYTES], path.name)
        for chunk in chunk_text(parse_document(path, doc_type)):
            chunks.append(
                RetrievedChunk(
                    chunk_id=f"{path.name}#{chunk.ordinal}",
                    document_id=path.name,
                    filename=path.name,
                    text=chunk.text,
                    score=0.0,
                )
            )
    vectors = embedder.embed([chunk.text for chunk in chunks])
    return chunks, vectors


def retrieve(index, embedder, question, k=5):
    chunks, vectors = index
    similarities = vectors @ embedder.embed([question])[0]
    best = np.argsort(-similarities)[:k]
    return [RetrievedChunk(**{**chunks[i].__dict__, "score": float(similarities[i])}) for i in best]


def markers(text):
    return [int(number) for number in re.findall(r"\[(\d+)\]", text)]


def test_citations_point_only_at_given_chunks(fixture_index, embedder):
    question = "What is the maximum abandoned-call rate for a telemarketing campaign?"
    retrieved = retrieve(fixture_index, embedder, question)

    answer = extractive_answer(question, retrieved, embedder=embedder)

    given_ids = {chunk.chunk_id for chunk in retrieved}
    assert answer.mode == "extractive"
    assert answer.citations
    assert {citation.chunk_id for citation in answer.citations} <= given_ids
    assert set(markers(answer.text)) == set(range(1, len(answer.citations) + 1))
    assert "three percent" in answer.text
    assert answer.grounded
    assert all(len(citation.snippet) <= 300 for citation in answer.citations)


def test_citations_carry_the_chunk_they_quote(embedder):
    chunks = [
        {
            "chunk_id": 11,
            "document_id": "doc-a",
            "filename": "refunds.md",
            "text": "Refunds are paid within 10 business days after a valid cancellation notice.",
            "score": 0.61,
        },
        {
            "chunk_id": 12,
            "document_id": "doc-b",
            "filename": "vans.md",
            "text": "Service vans are washed every Friday afternoon at the depot.",
            "score": 0.36,
        },
    ]

    question = "How fast must we refund a cancelled deal?"
    answer = extractive_answer(question, chunks, embedder=embedder)

    first = answer.citations[0]
    assert (first.chunk_id, first.document_id, first.filename) == (11, "doc-a", "refunds.md")
    assert first.score == pytest.approx(0.61)
    assert answer.text.startswith("Refunds are paid within 10 business days")
    assert answer.confidence == pytest.approx(
        sum(citation.score for citation in answer.citations) / len(answer.citations)
    )


def test_below_the_threshold_otto_says_the_documents_do_not_answer(embedder):
    weak = [
        RetrievedChunk(
            chunk_id="c1",
            document_id="d1",
            filename="guide.md",
            text="Open with a short agenda and confirm the time you have.",
            score=DEFAULT_MIN_SIMILARITY - 0.05,
        )
    ]

    answer = extractive_answer("What is our commission split?", weak, embedder=embedder)

    assert answer.text == NO_ANSWER_TEXT
    assert answer.citations == []
    assert answer.abstained and not answer.grounded
    assert answer.confidence == 0.0


def test_no_retrieved_chunks_abstains(embedder):
    assert extractive_answer("Anything?", [], embedder=embedder).abstained


def test_every_fixture_question_answers_and_off_topic_questions_abstain(fixture_index, embedder):
    qa_pairs = [json.loads(line) for line in (FIXTURES / "qa" / "qa_pairs.jsonl").open()]

    for pair in qa_pairs:
        retrieved = retrieve(fixture_index, embedder, pair["question"])
        answer = extractive_answer(pair["question"], retrieved, embedder=embedder)
        assert not answer.abstained, pair["id"]

    for question in OFF_TOPIC_QUESTIONS:
        retrieved = retrieve(fixture_index, embedder, question)
        answer = extractive_answer(question, retrieved, embedder=embedder)
        assert answer.abstained, question


def test_groundedness_counts_sentences_supported_by_a_cited_text():
    cited = ["The buyer may cancel before midnight of the third business day."]

    supported = "The buyer may cancel before midnight of the third business day [1]."
    invented = "Cancellation fees are waived for veterans and seniors [1]."

    assert groundedness_score(supported, cited) == 1.0
    assert groundedness_score(invented, cited) == 0.0
    assert groundedness_score(f"{supported} {invented}", cited) == 0.5


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, DEFAULT_MIN_SIMILARITY), ({"RAG_MIN_SIMILARITY": "0.5"}, 0.5)],
)
def test_min_similarity_comes_from_the_environment(environ, expected):
    assert min_similarity_from_env(environ) == expected


@pytest.mark.parametrize("raw", ["0", "1.5", "high"])
def test_an_unusable_min_similarity_is_refused(raw):
    with pytest.raises(ValueError):
        min_similarity_from_env({"RAG_MIN_SIMILARITY": raw})
