"""Ask Otto's question path: scoped retrieval, a cited answer, the query log and its feedback."""

import logging
import os
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ai.answer import (
    GROUNDED_THRESHOLD,
    Answer,
    RetrievedChunk,
    classify_question,
    extractive_answer,
    generate_answer_openai,
    min_similarity_from_env,
)
from ai.embeddings import embedder_from_env, get_local_embedder
from ai.providers import OpenAIClient, ProviderError, Usage
from otto import audit
from otto.auth.tokens import Identity
from otto.db import db, utcnow
from otto.errors import ApiError, ExternalServiceError, NotFound
from otto.rag.facts import Fact, company_facts
from otto.rag.models import RagQuery, RagTelemetry
from otto.rag.search import CompanyChunkSearch
from otto.rag.usage import record_usage

log = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 3
FOLLOW_UP_TEMPLATES = {
    "how_to": "What should a rep say to the customer about this?",
    "policy_lookup": "Are there exceptions to this rule?",
    "metrics": "How does this compare with last month?",
    "metrics_with_guidance": "Which reps handle this best?",
}


@dataclass
class AskResult:
    """Everything one answered question produced, for the JSON reply or the event stream."""

    query: RagQuery
    answer: Answer
    retrieved: list[RetrievedChunk]
    query_type: str
    intent: str
    provider: str
    suggested_follow_ups: list[str]
    facts: list[Fact] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def degraded(self) -> bool:
        return self.answer.mode == "degraded"

    def data(self) -> dict:
        """The `data` of POST /api/v1/rag/query."""
        return {
            "query_id": self.query.id, "query": self.query.query_text, "answer": self.answer.text,
            "citations": self.query.citations, "confidence_score": self.query.confidence_score,
            "latency_ms": self.query.latency_ms, "conversation_id": self.query.conversation_id,
            "suggested_follow_ups": self.suggested_follow_ups, "provider": self.provider,
            "degraded_mode": self.degraded, "facts": [fact.text for fact in self.facts],
        }

    def sources(self) -> list[dict]:
        """Retrieved documents, one entry each (the stream's data_fetched event)."""
        by_document: dict = {}
        for chunk in self.retrieved:
            entry = by_document.setdefault(chunk.document_id, {
                "type": "document", "title": chunk.filename, "reference": chunk.document_id,
                "record_count": 0, "confidence": 0.0})
            entry["record_count"] += 1
            entry["confidence"] = round(max(entry["confidence"], chunk.score), 4)
        sources = list(by_document.values())
        if self.facts:
            sources.append({"type": "company_data", "title": "Company call data",
                            "reference": None, "record_count": len(self.facts),
                            "confidence": 1.0})
        return sources


def ask(identity: Identity, args: dict, trace_id: str | None,
        query_id: str | None = None) -> AskResult:
    """Answer a question from the documents and company data the caller's role may read."""
    started = time.perf_counter()
    question = args["query"].strip()
    query_type, intent = classify_question(question)
    filters = args.get("filters") or {}

    # llama-index takes seconds to import; only processes that answer questions pay for it.
    from ai.retriever import HybridRetriever, retrieved_chunks

    embedder = embedder_from_env()
    search = CompanyChunkSearch(db.session, identity.company_id, identity.role, embedder.model_id,
                                document_types=_document_types(filters))
    retriever = HybridRetriever(search, embedder, limit=args.get("max_results", 10))
    try:
        retrieved = retrieved_chunks(retriever.retrieve(question))
    except ProviderError as error:
        raise ExternalServiceError("The embedding provider failed; try again shortly.") from error
    facts = company_facts(identity, question, intent) if query_type != "knowledge" else []
    retrieved_at = time.perf_counter()

    answer = answer_question(question, retrieved, [fact.text for fact in facts])
    latency_ms = int((time.perf_counter() - started) * 1000)
    provider = "openai" if answer.mode == "generative" and answer.usage is not None else "local"

    citations = [citation_json(citation) for citation in answer.citations]
    query = RagQuery(
        id=query_id or str(uuid.uuid4()), company_id=identity.company_id, user_id=identity.user_id,
        user_role=identity.role, query_text=question, answer_text=answer.text, citations=citations,
        confidence_score=round(answer.confidence, 4), result_count=len(citations),
        latency_ms=latency_ms, conversation_id=args.get("conversation_id"), uwc_request_id=trace_id,
        query_context={"filters": filters, "max_results": args.get("max_results", 10),
                       "query_type": query_type, "facts": [fact.text for fact in facts]},
        provider=provider,
    )
    db.session.add(query)
    timings = {**retriever.timings, "retrieval_ms": (retrieved_at - started) * 1000,
               "answer_ms": (time.perf_counter() - retrieved_at) * 1000}
    _record_telemetry(query, answer, timings, embedder.model_id, search.has_other_model_documents())
    audit.record("rag_query", "rag_query", query.id,
                 changes={"result_count": len(citations), "provider": provider})
    db.session.flush()

    log.info("rag query %s answered by %s with %d citation(s) in %d ms",
             query.id, provider, len(citations), latency_ms)
    return AskResult(query=query, answer=answer, retrieved=retrieved, query_type=query_type,
                     intent=intent, provider=provider,
                     suggested_follow_ups=suggest_follow_ups(intent, answer, retrieved),
                     facts=facts, timings=timings)


def record_failed_query(identity: Identity, args: dict, trace_id: str | None, query_id: str,
                        error: ApiError) -> RagQuery:
    """Log a question that could not be answered (the stream's `error` event)."""
    query = RagQuery(
        id=query_id, company_id=identity.company_id, user_id=identity.user_id,
        user_role=identity.role, query_text=args["query"].strip(), answer_text=None, citations=[],
        confidence_score=0.0, result_count=0, conversation_id=args.get("conversation_id"),
        uwc_request_id=trace_id,
        query_context={"filters": args.get("filters") or {}, "error_code": error.error_code},
    )
    db.session.add(query)
    db.session.flush()
    log.warning("rag query %s failed: %s", query.id, error.error_code)
    return query


def answer_question(question: str, retrieved: list[RetrievedChunk],
                    facts: list[str] | None = None) -> Answer:
    """A chat model's answer when one is configured (extractive if it fails), else extractive.

    Facts lead an extractive answer and go into the chat prompt numbered; they are not citations.
    """
    threshold = min_similarity_from_env()
    client = answer_client()
    if client is None:
        return extractive_answer(question, retrieved, embedder=get_local_embedder(),
                                 min_similarity=threshold, facts=facts or ())
    return generate_answer_openai(question, retrieved, client, embedder=get_local_embedder(),
                                  min_similarity=threshold, facts=facts or ())


def answer_client() -> OpenAIClient | None:
    """The chat client AI_PROVIDER selects; it defaults to OpenAI when OPENAI_API_KEY is set."""
    provider = (os.environ.get("AI_PROVIDER") or "").strip().lower()
    if provider not in ("", "openai"):
        return None
    return OpenAIClient.from_env()


def citation_json(citation) -> dict:
    """A citation as the API shows it (spec: ai-and-integrations §3.2 step 7)."""
    return {
        "doc_id": citation.document_id,
        "filename": citation.filename if citation.call_id is None else f"Call {citation.call_id}",
        "chunk_text": citation.snippet,
        "similarity_score": round(float(citation.score), 4),
        "call_id": citation.call_id,
        "timestamp": citation.start_seconds,
    }


def suggest_follow_ups(intent: str, answer: Answer, retrieved: list[RetrievedChunk]) -> list[str]:
    """Up to three next questions: the intent's template, then the cited documents by name."""
    if answer.abstained:
        return []
    suggestions = [FOLLOW_UP_TEMPLATES.get(intent, FOLLOW_UP_TEMPLATES["policy_lookup"])]
    for filename in dict.fromkeys(citation.filename for citation in answer.citations):
        if filename and len(suggestions) < MAX_FOLLOW_UPS:
            suggestions.append(f"What else does {filename} say about this?")
    return suggestions


def _document_types(filters: dict) -> list[str] | None:
    value = filters.get("document_type")
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _record_telemetry(query: RagQuery, answer: Answer, timings: dict, model_id: str,
                      other_models_skipped: bool) -> None:
    usage = answer.usage or Usage(provider="local", model="extractive",
                                  latency_ms=int(timings.get("answer_ms", 0)))
    scores = [citation.score for citation in answer.citations]
    grounded = answer.groundedness >= GROUNDED_THRESHOLD
    degraded = answer.mode == "degraded"
    db.session.add(RagTelemetry(
        company_id=query.company_id, query_id=query.id, citations_count=len(scores),
        avg_citation_score=round(sum(scores) / len(scores), 4) if scores else None,
        latency_ms=query.latency_ms, tokens_in=usage.tokens_in, tokens_out=usage.tokens_out,
        cost_usd=usage.cost_usd, groundedness_score=round(answer.groundedness, 4),
        degraded_mode=degraded, fallback_used=degraded, has_citations=bool(scores),
        is_grounded=grounded, is_high_quality=grounded and bool(scores) and not degraded,
        details={"embedding_model": model_id, "other_model_documents_skipped": other_models_skipped,
                 "fallback_reason": answer.fallback_reason,
                 **{name: round(value, 1) for name, value in timings.items()}},
    ))
    record_usage("ask_otto", usage)


def list_queries(page: int, page_size: int,
                 user_id: str | None = None) -> tuple[list[RagQuery], int]:
    """The company's query log, newest first."""
    statement = select(RagQuery)
    if user_id:
        statement = statement.where(RagQuery.user_id == user_id)
    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    rows = db.session.execute(
        statement.order_by(RagQuery.created_at.desc(), RagQuery.id)
        .limit(page_size).offset((page - 1) * page_size)
    ).scalars().all()
    return list(rows), total


def record_feedback(identity: Identity, query_id: str, rating: int,
                    feedback: str | None) -> RagQuery:
    """Store a 1-5 rating; only the query's author or a manager may (others see a 404)."""
    try:
        query_id = str(uuid.UUID(query_id))
    except ValueError:
        raise NotFound("Query not found.")
    query = RagQuery.get_for_company(query_id, not_found=NotFound)
    if identity.role != "manager" and query.user_id != identity.user_id:
        raise NotFound()
    query.user_rating = rating
    query.user_feedback = feedback
    query.feedback_received_at = utcnow()
    log.info("rag query %s rated %d by %s", query.id, rating, identity.user_id)
    return query
