"""Jobs of the `ingest` queue: index a document, remove a deleted one's file, re-index a company."""

import logging
import signal
import time
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from rq import Retry, get_current_job
from rq.timeouts import JobTimeoutException
from sqlalchemy import delete, insert, select

from ai.embeddings import Embedder, OpenAIEmbedder, embedder_from_env
from ai.ingest import (
    LOCAL_CHUNK_OVERLAP,
    LOCAL_CHUNK_TOKENS,
    Chunk,
    DocumentRejected,
    chunk_text,
    parse_document,
)
from jobs.runner import report_progress
from otto.db import db, utcnow
from otto.rag.models import DOCUMENT_TYPES_BY_CONTENT_TYPE, RagChunk, RagDocument
from otto.rag.usage import record_usage
from otto.storage import storage
from otto.tenancy import tenant_scope

log = logging.getLogger(__name__)

INDEX_RETRY = Retry(max=3, interval=[10, 60, 300])
# Parsing one file may take this long; a parser still busy then is stopped (spec: 120 s).
PARSE_TIMEOUT_SECONDS = 120
EMBED_BATCH = 32
# (chunk tokens, overlap): MiniLM reads 256 tokens at most; OpenAI's models take far more.
OPENAI_CHUNK_TOKENS = (800, 150)
# Progress milestones (spec: parse 10, split 20, embedding batches 20-90, write 100).
PARSED, SPLIT, EMBEDDED = 10, 20, 90


def index_document(company_id: str, document_id: str) -> dict:
    """Parse, split and embed a stored document, then swap its chunks in one transaction.

    Ends with the document `indexed` or `failed` with a reason; transient errors are retried.
    """
    with tenant_scope(company_id):
        document = db.session.get(RagDocument, document_id)
        if document is None or document.deleted or document.company_id != company_id:
            log.info("document %s is gone; nothing to index", document_id)
            return {"status": "skipped"}
        _progress(document, 0, "processing")

        phase = "parse"
        try:
            embedder = embedder_from_env()
            doc_type = DOCUMENT_TYPES_BY_CONTENT_TYPE[document.content_type]
            with parse_deadline(PARSE_TIMEOUT_SECONDS):
                parsed = parse_document(storage().path(document.storage_key), doc_type)
            _progress(document, PARSED)

            phase = "split"
            chunks = chunk_text(parsed, *chunk_size(embedder))
            _progress(document, SPLIT)

            phase = "embed"
            vectors, usage = _embed(document, embedder, chunks)

            phase = "write"
            return _replace_chunks(document_id, chunks, vectors, embedder, usage)
        except DocumentRejected as rejected:
            return _fail(document_id, rejected.reason, rejected.detail)
        except JobTimeoutException:
            reason = "parser_timeout" if phase == "parse" else "timeout"
            return _fail(document_id, reason, f"the indexing job ran out of time while in {phase}")
        except Exception as error:
            _retry_or_fail(document_id, error)
            raise


def delete_document_artifacts(company_id: str, document_id: str) -> dict:
    """Remove a deleted document's stored file (its chunks went with the deletion)."""
    with tenant_scope(company_id):
        document = db.session.get(RagDocument, document_id)
        if document is None or not document.deleted:
            return {"status": "skipped"}
        storage().delete(document.storage_key)
        db.session.execute(delete(RagChunk).where(RagChunk.document_id == document_id))
        db.session.commit()
        log.info("document %s: stored file removed", document_id)
        return {"status": "removed"}


def reindex_company(company_id: str, force: bool = False) -> dict:
    """Queue indexing of every live document whose chunks are not of the active embedding model."""
    from jobs.queues import enqueue

    model_id = embedder_from_env().model_id
    with tenant_scope(company_id):
        statement = select(RagDocument.id, RagDocument.file_size_bytes).where(
            RagDocument.deleted.is_(False), RagDocument.indexing_status != "failed")
        if not force:
            statement = statement.where(RagDocument.embedding_model.is_distinct_from(model_id))
        documents = db.session.execute(statement).all()
        db.session.rollback()

    for document_id, size in documents:
        enqueue("ingest", index_document, company_id, document_id, job_id=f"index-{document_id}",
                retry=INDEX_RETRY, timeout=index_timeout(size), company_id=company_id,
                after_commit=False)
    log.info("company %s: %d document(s) queued for re-indexing with %s",
             company_id, len(documents), model_id)
    return {"queued": len(documents), "model": model_id}


def index_timeout(size_bytes: int) -> int:
    """The job's time limit: the parse deadline, three minutes more, and a minute per megabyte."""
    return PARSE_TIMEOUT_SECONDS + 180 + 60 * (size_bytes // 1_000_000)


@contextmanager
def parse_deadline(seconds: int):
    """Bring the job's SIGALRM deadline (RQ's death penalty) forward to `seconds` from now.

    A parser still running then gets RQ's JobTimeoutException; the job's own deadline is
    restored afterwards. Outside a worker no alarm is pending and nothing changes.
    """
    job_seconds_left = signal.alarm(0)
    if not job_seconds_left:
        yield
        return
    started = time.monotonic()
    signal.alarm(min(seconds, job_seconds_left))
    try:
        yield
    finally:
        elapsed = int(time.monotonic() - started)
        signal.alarm(max(1, job_seconds_left - elapsed))


def chunk_size(embedder: Embedder) -> tuple[int, int]:
    if isinstance(embedder, OpenAIEmbedder):
        return OPENAI_CHUNK_TOKENS
    return LOCAL_CHUNK_TOKENS, LOCAL_CHUNK_OVERLAP


def _progress(document: RagDocument, percent: int, status: str | None = None) -> None:
    """Commit the progress at once so the API and console see it while the job runs."""
    if status:
        document.indexing_status = status
    document.indexing_progress = percent
    db.session.commit()
    report_progress(percent, status or document.indexing_status)


def _embed(document: RagDocument, embedder: Embedder, chunks: list[Chunk]):
    texts = [chunk.text for chunk in chunks]
    batches = []
    usage = None
    for start in range(0, len(texts), EMBED_BATCH):
        result = embedder.embed_with_usage(texts[start : start + EMBED_BATCH])
        batches.append(result.vectors)
        usage = result.usage if usage is None else replace(
            usage, tokens_in=usage.tokens_in + result.usage.tokens_in,
            latency_ms=usage.latency_ms + result.usage.latency_ms)
        done = min(start + EMBED_BATCH, len(texts)) / len(texts)
        _progress(document, SPLIT + int(done * (EMBEDDED - SPLIT)))
    return np.vstack(batches), usage


def _replace_chunks(document_id: str, chunks: list[Chunk], vectors: np.ndarray, embedder: Embedder,
                    usage) -> dict:
    # The row lock orders this write against a deletion of the same document.
    document = db.session.execute(
        select(RagDocument).where(RagDocument.id == document_id).with_for_update()
    ).scalar_one()
    if document.deleted:
        db.session.rollback()
        log.info("document %s was deleted while indexing; chunks discarded", document_id)
        return {"status": "deleted"}

    db.session.execute(delete(RagChunk).where(RagChunk.document_id == document_id))
    db.session.execute(insert(RagChunk), [
        {
            "company_id": document.company_id, "source_type": "document",
            "document_id": document_id,
            "chunk_index": chunk.ordinal, "content": chunk.text,
            "content_hash": chunk.metadata["content_hash"], "document_type": document.document_type,
            "role_access": document.role_access, "page": chunk.metadata.get("page"),
            "section": (chunk.metadata.get("section") or "")[:500] or None,
            "meta": {"filename": document.filename}, "embedding": vector,
            "embedding_model": embedder.model_id, "embedding_dim": embedder.dimensions,
        }
        for chunk, vector in zip(chunks, vectors, strict=True)
    ])
    document.indexing_status = "indexed"
    document.indexing_progress = 100
    document.chunk_count = len(chunks)
    document.indexed_at = utcnow()
    document.embedding_model = embedder.model_id
    document.embedding_dim = embedder.dimensions
    document.error_message = None
    if usage is not None:
        record_usage("embedding", usage)
    db.session.commit()

    report_progress(100, "indexed")
    log.info("document %s indexed: %d chunks with %s", document_id, len(chunks), embedder.model_id)
    return {"status": "indexed", "chunks_indexed": len(chunks)}


def _fail(document_id: str, reason: str, detail: str) -> dict:
    """Mark the document failed for a reason retrying cannot fix."""
    db.session.rollback()
    document = db.session.get(RagDocument, document_id)
    if document is not None and not document.deleted:
        document.indexing_status = "failed"
        document.indexing_progress = 0
        document.error_message = f"{reason}: {detail}" if detail else reason
        db.session.commit()
    report_progress(100, f"failed: {reason}")
    log.warning("document %s failed to index: %s (%s)", document_id, reason, detail)
    return {"status": "failed", "reason": reason}


def _retry_or_fail(document_id: str, error: Exception) -> None:
    """Count the attempt; on the last one the document ends failed, else it waits for the retry."""
    db.session.rollback()
    job = get_current_job()
    final = job is None or not job.retries_left
    document = db.session.get(RagDocument, document_id)
    if document is not None and not document.deleted:
        document.retry_count += 1
        document.indexing_progress = 0
        document.indexing_status = "failed" if final else "pending"
        if final:
            document.error_message = (f"indexing_error: {type(error).__name__} after "
                                      f"{document.retry_count} attempt(s)")
        db.session.commit()
    log.warning("document %s: indexing attempt failed (%s)%s", document_id, type(error).__name__,
                "" if final else "; it will be retried")
