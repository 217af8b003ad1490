"""Ask Otto's documents: upload with type and duplicate checks, listing, reading, deletion."""

import logging
import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ai.ingest import DETECTION_HEAD_BYTES, UnsupportedDocument, detect_document_type
from jobs.ingest import INDEX_RETRY, delete_document_artifacts, index_document, index_timeout
from jobs.queues import enqueue
from otto import audit
from otto.db import db, utcnow
from otto.errors import DocumentNotFound, field_error
from otto.rag.models import CONTENT_TYPES, RagChunk, RagDocument, new_id
from otto.storage import blob_key, safe_filename, storage
from otto.tenancy import current_company_id

log = logging.getLogger(__name__)

UPLOAD_LIMIT_BYTES = 52_428_800
ALLOWED_TYPES_TEXT = "PDF, DOCX, HTML, Markdown (.md, .markdown) or plain text (.txt)"


def upload_document(stream, filename: str | None, *, document_type: str, role_access: str,
                    uploaded_by: str) -> tuple[RagDocument, bool]:
    """Store the bytes, check their type and content hash, queue indexing.

    Returns (document, duplicate): an identical live document of the company is returned as is,
    with nothing stored or queued.
    """
    company_id = current_company_id()
    document_id = new_id()
    filename = safe_filename(filename)
    key = blob_key(company_id, "documents", document_id, filename)
    files = storage()
    blob = files.save_stream(key, stream, UPLOAD_LIMIT_BYTES)

    try:
        with files.open(key) as stored:
            doc_type = detect_document_type(stored.read(DETECTION_HEAD_BYTES), filename)
    except UnsupportedDocument as error:
        files.delete(key)
        message = f"Unsupported file ({error.detail}); upload {ALLOWED_TYPES_TEXT}."
        raise field_error("body.file", message, "unsupported_type")

    existing = live_document_with_hash(blob.sha256)
    if existing is not None:
        files.delete(key)
        log.info("upload of %s is a duplicate of document %s", filename, existing.id)
        return existing, True

    document = RagDocument(
        id=document_id, company_id=company_id, uploaded_by=uploaded_by, filename=filename,
        file_url=key, storage_key=key, file_size_bytes=blob.size,
        content_type=CONTENT_TYPES[doc_type], content_sha256=blob.sha256,
        document_type=document_type, role_access=role_access,
    )
    try:
        with db.session.begin_nested():
            db.session.add(document)
    except IntegrityError:
        files.delete(key)
        duplicate = live_document_with_hash(blob.sha256)
        if duplicate is None:
            raise  # not the hash (e.g. the company is not registered): the error handler says so
        return duplicate, True  # a concurrent upload of the same bytes got in first

    audit.record("document_uploaded", "rag_document", document.id,
                 changes={"filename": filename, "content_type": document.content_type,
                          "file_size_bytes": blob.size, "role_access": role_access})
    enqueue("ingest", index_document, company_id, document.id, job_id=f"index-{document.id}",
            retry=INDEX_RETRY, timeout=index_timeout(blob.size))
    log.info("document %s uploaded (%s, %d bytes), indexing queued",
             document.id, doc_type, blob.size)
    return document, False


def live_document_with_hash(sha256: str) -> RagDocument | None:
    return db.session.execute(
        select(RagDocument).where(RagDocument.content_sha256 == sha256,
                                  RagDocument.deleted.is_(False),
                                  RagDocument.indexing_status != "failed")
    ).scalar_one_or_none()


def get_document(document_id: str, *, for_update: bool = False) -> RagDocument:
    """A live (not deleted) document of the company, or DOCUMENT_NOT_FOUND."""
    try:
        document_id = str(uuid.UUID(document_id))
    except ValueError:
        raise DocumentNotFound()
    statement = select(RagDocument).where(RagDocument.id == document_id,
                                          RagDocument.company_id == current_company_id())
    if for_update:
        statement = statement.with_for_update()
    document = db.session.execute(statement).scalar_one_or_none()
    if document is None or document.deleted:
        raise DocumentNotFound()
    return document


def list_documents(page: int, page_size: int, document_type: str | None = None,
                   status: str | None = None) -> tuple[list[RagDocument], int]:
    """Newest first; deleted documents only when asked for with status=deleted."""
    statement = select(RagDocument)
    if status == "deleted":
        statement = statement.where(RagDocument.deleted.is_(True))
    else:
        statement = statement.where(RagDocument.deleted.is_(False))
        if status:
            statement = statement.where(RagDocument.indexing_status == status)
    if document_type:
        statement = statement.where(RagDocument.document_type == document_type)

    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    rows = db.session.execute(
        statement.order_by(RagDocument.created_at.desc(), RagDocument.id)
        .limit(page_size).offset((page - 1) * page_size)
    ).scalars().all()
    return list(rows), total


def delete_document(document_id: str, deleted_by: str) -> RagDocument:
    """Soft-delete the document and hard-delete its chunks in this transaction; files go later.

    The row lock orders this against an indexing job writing chunks for the same document.
    """
    document = get_document(document_id, for_update=True)
    document.deleted = True
    document.deleted_at = utcnow()
    document.deleted_by = deleted_by
    document.indexing_status = "deleted"
    chunks = delete(RagChunk).where(RagChunk.document_id == document.id)
    removed = db.session.execute(chunks).rowcount

    audit.record("document_deleted", "rag_document", document.id,
                 changes={"filename": document.filename, "chunks_removed": removed})
    enqueue("ingest", delete_document_artifacts, document.company_id, document.id,
            job_id=f"delete-document-{document.id}", retry=INDEX_RETRY)
    log.info("document %s deleted with %d chunks", document.id, removed)
    return document


