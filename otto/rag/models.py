"""rag_documents, rag_chunks, rag_queries, rag_telemetry and ai_usage_events."""

import uuid
from datetime import datetime
from decimal import Decimal

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped
from otto.tenancy import TenantMixin

EMBEDDING_DIMENSIONS = 384
# rag_documents.content_type per document type detected from the bytes (ai.ingest).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "markdown": "text/markdown",
    "text": "text/plain",
}
DOCUMENT_TYPES_BY_CONTENT_TYPE = {value: key for key, value in CONTENT_TYPES.items()}


def new_id() -> str:
    return str(uuid.uuid4())


class RagDocument(TenantMixin, Timestamped, Base):
    """An uploaded file and where its indexing stands."""

    __tablename__ = "rag_documents"
    __table_args__ = (
        # Identical content is recognised on re-upload; a failed or deleted copy does not count.
        Index("uq_rag_documents_company_id_content_sha256", "company_id", "content_sha256",
              unique=True, postgresql_where=text("NOT deleted AND indexing_status <> 'failed'")),
        Index("ix_rag_documents_company_id_created_at", "company_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    file_url: Mapped[str] = mapped_column(String(1024))
    storage_key: Mapped[str] = mapped_column(String(1024))
    file_size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(128))
    content_sha256: Mapped[str] = mapped_column(String(64))
    document_type: Mapped[str] = mapped_column(
        enum_column(enums.RAG_DOCUMENT_TYPE, "rag_document_type"), default="sop",
        server_default="sop")
    role_access: Mapped[str] = mapped_column(
        enum_column(enums.ROLE_ACCESS, "role_access"), default="all", server_default="all")
    indexing_status: Mapped[str] = mapped_column(
        enum_column(enums.INDEXING_STATUS, "indexing_status"), default="pending",
        server_default="pending")
    indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    indexing_progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    embedding_model: Mapped[str | None] = mapped_column(String(128))
    embedding_dim: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uwc_job_id: Mapped[str | None] = mapped_column(String(128))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = mapped_column(String(64))


class RagChunk(TenantMixin, Base):
    """One embedded piece of a document (or of a call transcript), with its full-text vector."""

    __tablename__ = "rag_chunks"
    __table_args__ = (
        Index("ix_rag_chunks_embedding_hnsw", "embedding", postgresql_using="hnsw",
              postgresql_with={"m": 16, "ef_construction": 64},
              postgresql_ops={"embedding": "vector_cosine_ops"}),
        Index("ix_rag_chunks_content_tsv", "content_tsv", postgresql_using="gin"),
        Index("ix_rag_chunks_company_id_document_id", "company_id", "document_id"),
        Index("ix_rag_chunks_company_id_call_id", "company_id", "call_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_type: Mapped[str] = mapped_column(
        enum_column(enums.CHUNK_SOURCE, "chunk_source"), default="document",
        server_default="document")
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("rag_documents.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.call_id", ondelete="CASCADE"))
    chunk_index: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    document_type: Mapped[str | None] = mapped_column(String(40))
    role_access: Mapped[str] = mapped_column(enum_column(enums.ROLE_ACCESS, "role_access"))
    page: Mapped[int | None] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(500))
    start_seconds: Mapped[float | None] = mapped_column(Float)
    meta: Mapped[dict | None] = mapped_column("metadata", JSON)
    content_tsv: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('english', content)", persisted=True))
    embedding = mapped_column(Vector(EMBEDDING_DIMENSIONS), nullable=False)
    embedding_model: Mapped[str] = mapped_column(String(128))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RagQuery(TenantMixin, Base):
    """A question asked of Ask Otto, its answer and the asker's rating."""

    __tablename__ = "rag_queries"
    __table_args__ = (Index("ix_rag_queries_company_id_created_at", "company_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(64))
    user_role: Mapped[str] = mapped_column(enum_column(enums.USER_ROLE, "user_role"))
    query_text: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list | None] = mapped_column(JSON)
    confidence_score: Mapped[float | None] = mapped_column(Float)
    result_count: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    uwc_request_id: Mapped[str | None] = mapped_column(String(128))
    query_context: Mapped[dict | None] = mapped_column(JSON)
    provider: Mapped[str | None] = mapped_column(
        enum_column(enums.ANALYSIS_PROVIDER, "analysis_provider"))
    user_rating: Mapped[int | None] = mapped_column(Integer)
    user_feedback: Mapped[str | None] = mapped_column(Text)
    feedback_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RagTelemetry(TenantMixin, Base):
    """Quality and cost figures of one answer."""

    __tablename__ = "rag_telemetry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    query_id: Mapped[str] = mapped_column(
        ForeignKey("rag_queries.id", ondelete="CASCADE"), index=True)
    citations_count: Mapped[int] = mapped_column(Integer, default=0)
    avg_citation_score: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(10, 6), default=0)
    groundedness_score: Mapped[float | None] = mapped_column(Float)
    degraded_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback_used: Mapped[bool] = mapped_column(Boolean, default=False)
    has_citations: Mapped[bool] = mapped_column(Boolean, default=False)
    is_grounded: Mapped[bool] = mapped_column(Boolean, default=False)
    is_high_quality: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retrieval timings, the embedding model searched and whether chunks of another model exist.
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AiUsageEvent(TenantMixin, Base):
    """One provider call (or local inference) with its tokens, latency and cost."""

    __tablename__ = "ai_usage_events"
    __table_args__ = (
        Index("ix_ai_usage_events_company_id_created_at", "company_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    feature: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(enum_column(enums.ANALYSIS_PROVIDER, "analysis_provider"))
    model: Mapped[str | None] = mapped_column(String(128))
    key_fingerprint: Mapped[str | None] = mapped_column(String(16))
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(10, 6), default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_limited: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
