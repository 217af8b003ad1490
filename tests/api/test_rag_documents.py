"""Ask Otto documents through the API: upload, indexing by the worker, failures, deletion."""

import io
import threading
import time

import pypdf
import pytest
from rag_helpers import DOCUMENTS, ask, run_ingest, upload, upload_and_index
from sqlalchemy import func, select, text
from support import bearer

SHINGLES_TEXT = """# Shingle warranty

Our installers register every architectural shingle roof with the manufacturer within
30 days of completion, which upgrades the homeowner to the 50-year non-prorated warranty.
"""


def document(client, user, document_id):
    return client.get(f"/api/v1/rag/documents/{document_id}", headers=bearer(user))


def chunk_count(app, company_id, document_id=None):
    from otto.db import db
    from otto.rag.models import RagChunk
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(company_id):
        statement = select(func.count()).select_from(RagChunk)
        if document_id:
            statement = statement.where(RagChunk.document_id == document_id)
        return db.session.execute(statement).scalar_one()


def queued_ingest_jobs(app):
    from jobs.queues import queue

    return queue("ingest", app.extensions["otto"].redis).count


def test_an_upload_is_indexed_by_the_worker(app, client, manager):
    response = upload(client, manager, DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf",
                      document_type="policy", role_access="all")

    assert response.status_code == 202
    data = response.json["data"]
    assert data["status"] == "pending" and data["duplicate"] is False and data["uwc_job_id"] is None
    assert data["file_url"].endswith(f"{data['document_id']}/ftc_cooling_off_rule_16cfr429.pdf")
    pending = document(client, manager, data["document_id"]).json["data"]
    assert pending["indexing_status"] == "pending"

    run_ingest(app)

    indexed = document(client, manager, data["document_id"]).json["data"]
    assert indexed["indexing_status"] == "indexed"
    assert indexed["indexing_progress"] == 100
    assert indexed["chunk_count"] == chunk_count(app, manager.company_id, data["document_id"]) > 0
    assert indexed["content_type"] == "application/pdf"
    assert indexed["document_type"] == "policy"
    assert indexed["indexed_at"].endswith("Z")


def test_chunks_record_their_model_and_the_documents_role_access(app, client, manager):
    from otto.db import db
    from otto.rag.models import RagChunk
    from otto.tenancy import tenant_scope

    data = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md",
                            role_access="sales_rep")

    with app.app_context(), tenant_scope(manager.company_id):
        chunks = db.session.execute(
            select(RagChunk).where(RagChunk.document_id == data["id"])).scalars().all()
        assert {(c.embedding_model, c.embedding_dim, c.role_access) for c in chunks} == {
            ("local:all-MiniLM-L6-v2-int8", 384, "sales_rep")}
        assert chunks[0].section == "Shingle warranty"
        tsv = db.session.execute(text("SELECT content_tsv::text FROM rag_chunks WHERE id = :id"),
                                 {"id": chunks[0].id}).scalar_one()
        assert "'shingl'" in tsv


def test_progress_is_visible_while_indexing(app, client, manager, monkeypatch):
    import jobs.ingest

    response = upload(client, manager, SHINGLES_TEXT.encode(), "progress.md")
    document_id = response.json["data"]["document_id"]
    seen = []
    real_embed = jobs.ingest._embed

    def embed_and_look(*args):
        # Another thread is another request: it sees only what the job has committed.
        look = threading.Thread(target=lambda: seen.append(
            app.test_client().get(f"/api/v1/rag/documents/{document_id}",
                                  headers=bearer(manager)).json["data"]))
        look.start()
        look.join()
        return real_embed(*args)

    monkeypatch.setattr(jobs.ingest, "_embed", embed_and_look)
    run_ingest(app)

    assert seen[0]["indexing_status"] == "processing"
    assert seen[0]["indexing_progress"] == 20
    assert document(client, manager, document_id).json["data"]["indexing_status"] == "indexed"


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf")
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("content, filename, reason", [
    (encrypted_pdf, "locked.pdf", "encrypted"),
    (image_only_pdf, "scan.pdf", "no_extractable_text"),
    (lambda: b"", "empty.md", "empty_file"),
    (lambda: b"   \n\n\t  \n", "blank.txt", "no_extractable_text"),
])
def test_unreadable_documents_fail_with_a_reason_and_no_chunks(app, client, manager, content,
                                                              filename, reason):
    response = upload(client, manager, content(), filename)
    assert response.status_code == 202

    run_ingest(app)

    data = document(client, manager, response.json["data"]["document_id"]).json["data"]
    assert data["indexing_status"] == "failed"
    assert data["error_message"].startswith(reason)
    assert data["chunk_count"] == 0
    assert chunk_count(app, manager.company_id, data["id"]) == 0


def test_a_hung_parser_is_stopped_by_the_parse_deadline(app, client, manager, monkeypatch):
    import jobs.ingest

    def hang(*args):
        time.sleep(60)

    monkeypatch.setattr(jobs.ingest, "PARSE_TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(jobs.ingest, "parse_document", hang)
    response = upload(client, manager, SHINGLES_TEXT.encode(), "hangs.md")

    started = time.monotonic()
    run_ingest(app)

    assert time.monotonic() - started < 30
    data = document(client, manager, response.json["data"]["document_id"]).json["data"]
    assert data["indexing_status"] == "failed"
    assert data["error_message"].startswith("parser_timeout")


def test_the_job_time_limit_stops_a_job_that_runs_too_long(app, client, manager, monkeypatch):
    import jobs.ingest
    from otto.rag import service

    def slow_embed(*args):
        time.sleep(60)

    monkeypatch.setattr(service, "index_timeout", lambda size: 2)
    monkeypatch.setattr(jobs.ingest, "_embed", slow_embed)
    response = upload(client, manager, SHINGLES_TEXT.encode(), "slow.md")

    run_ingest(app)

    data = document(client, manager, response.json["data"]["document_id"]).json["data"]
    assert data["indexing_status"] == "failed"
    assert data["error_message"].startswith("timeout")


def test_a_transient_failure_is_retried_then_fails_visibly(app, client, manager, monkeypatch):
    import jobs.ingest
    from otto.rag import service

    class BrokenEmbedder:
        model_id, dimensions = "local:broken", 384

        def embed_with_usage(self, texts):
            raise ConnectionError("embedding provider unreachable")

    monkeypatch.setattr(jobs.ingest, "embedder_from_env", BrokenEmbedder)
    first = upload(client, manager, SHINGLES_TEXT.encode(), "retry.md").json["data"]
    run_ingest(app)

    waiting = document(client, manager, first["document_id"]).json["data"]
    assert waiting["indexing_status"] == "pending"  # RQ holds the retry for 10 s

    monkeypatch.setattr(service, "INDEX_RETRY", None)  # this one gets no second attempt
    second = upload(client, manager, b"Gutter guards are cleaned for free every spring.",
                    "last.md").json["data"]
    run_ingest(app)

    failed = document(client, manager, second["document_id"]).json["data"]
    assert failed["indexing_status"] == "failed"
    assert failed["error_message"].startswith("indexing_error: ConnectionError")


def test_identical_content_is_recognised_and_not_indexed_twice(app, client, manager):
    first = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    jobs_before = queued_ingest_jobs(app)

    again = upload(client, manager, SHINGLES_TEXT.encode(), "warranty copy.md")

    assert again.status_code == 200
    assert again.json["data"]["duplicate"] is True
    assert again.json["data"]["document_id"] == first["id"]
    assert queued_ingest_jobs(app) == jobs_before
    listed = client.get("/api/v1/rag/documents", headers=bearer(manager)).json
    assert listed["meta"]["total"] == 1


def test_a_failed_document_may_be_uploaded_again(app, client, manager):
    failed = upload(client, manager, image_only_pdf(), "scan.pdf").json["data"]
    run_ingest(app)

    again = upload(client, manager, image_only_pdf(), "scan.pdf")

    assert again.status_code == 202
    assert again.json["data"]["document_id"] != failed["document_id"]


def test_the_type_comes_from_the_bytes_not_the_name(app, client, manager):
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)

    response = upload(client, manager, png, "totally-a.pdf")

    assert response.status_code == 422
    assert response.json["validation_errors"][0]["field"] == "body.file"
    assert "PDF, DOCX, HTML, Markdown" in response.json["detail"]
    markdown_named_txt = upload(client, manager, b"# Notes\n\nPlain words.", "notes.txt")
    assert markdown_named_txt.status_code == 202


def test_a_json_body_is_refused_with_415(client, manager):
    response = client.post("/api/v1/rag/documents/upload", json={"file": "x"},
                           headers=bearer(manager))

    assert response.status_code == 415
    assert response.json["error_code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_missing_file_part_and_bad_options_are_422(client, manager):
    missing = client.post("/api/v1/rag/documents/upload", data={"document_type": "sop"},
                          headers=bearer(manager), content_type="multipart/form-data")
    bad_option = upload(client, manager, b"text", "a.md", role_access="everyone")

    assert missing.status_code == 422
    assert missing.json["validation_errors"][0]["field"] == "body.file"
    assert bad_option.status_code == 422
    assert bad_option.json["validation_errors"][0]["field"] == "body.role_access"
    assert "sales_rep" in bad_option.json["validation_errors"][0]["message"]


@pytest.mark.parametrize("size", [1025, 200_000])
def test_an_oversize_upload_is_refused_and_nothing_is_kept(app, client, manager, monkeypatch, size):
    from otto.rag import service

    monkeypatch.setattr(service, "UPLOAD_LIMIT_BYTES", 1024)

    response = upload(client, manager, b"a" * size, "big.txt")

    assert response.status_code == 413
    assert response.json["error_code"] == "VALIDATION_ERROR"
    assert client.get("/api/v1/rag/documents", headers=bearer(manager)).json["meta"]["total"] == 0
    stored = app.extensions["otto"].settings.storage_dir / manager.company_id / "documents"
    assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))


def test_an_idempotency_key_replays_the_upload(app, client, manager):
    # The same bytes twice (a client retrying); the hash covers the multipart framing too.
    boundary = "otto-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"warranty.md\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + SHINGLES_TEXT.encode() + f"\r\n--{boundary}--\r\n".encode()
    headers = {**bearer(manager), "Idempotency-Key": "upload-key-0001"}

    first, replay = (client.post("/api/v1/rag/documents/upload", data=body, headers=headers,
                                 content_type=f"multipart/form-data; boundary={boundary}")
                     for _ in range(2))

    assert first.status_code == replay.status_code == 202
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["data"]["document_id"] == first.json["data"]["document_id"]
    assert client.get("/api/v1/rag/documents", headers=bearer(manager)).json["meta"]["total"] == 1


def test_listing_filters_and_pages(app, client, manager):
    upload_and_index(app, client, manager, b"Ladders are tied off above the gutter line.", "a.md",
                     document_type="sop")
    upload_and_index(app, client, manager, b"Financing runs 12 months at zero percent.", "b.md",
                     document_type="faq")

    everything = client.get("/api/v1/rag/documents?page_size=1", headers=bearer(manager)).json
    faqs = client.get("/api/v1/rag/documents?document_type=faq", headers=bearer(manager)).json
    bad = client.get("/api/v1/rag/documents?status=done", headers=bearer(manager))

    assert everything["meta"]["total"] == 2 and everything["meta"]["total_pages"] == 2
    assert everything["meta"]["has_next"] is True and len(everything["items"]) == 1
    assert everything["items"][0]["filename"] == "b.md"  # newest first
    assert [item["filename"] for item in faqs["items"]] == ["b.md"]
    assert bad.status_code == 422


def test_a_deleted_document_is_never_retrieved_again(app, client, manager):
    question = "Within how many days do installers register the shingle roof?"
    data = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    before = ask(client, manager, question).json["data"]
    assert [citation["doc_id"] for citation in before["citations"]] == [data["id"]]

    deleted = client.delete(f"/api/v1/rag/documents/{data['id']}", headers=bearer(manager))

    assert deleted.status_code == 200
    assert deleted.json["data"] == {"status": "deleted", "document_id": data["id"]}
    assert chunk_count(app, manager.company_id, data["id"]) == 0
    after = ask(client, manager, question).json["data"]
    assert after["citations"] == [] and after["confidence_score"] == 0
    assert document(client, manager, data["id"]).status_code == 404
    again = client.delete(f"/api/v1/rag/documents/{data['id']}", headers=bearer(manager))
    assert again.status_code == 404
    gone = client.get("/api/v1/rag/documents?status=deleted", headers=bearer(manager)).json
    assert [item["id"] for item in gone["items"]] == [data["id"]]
    assert gone["items"][0]["deleted"] is True

    storage_dir = app.extensions["otto"].settings.storage_dir
    stored = storage_dir / manager.company_id / "documents" / data["id"]
    assert any(stored.iterdir())
    run_ingest(app)
    assert not any(stored.iterdir())


def test_a_document_deleted_while_indexing_keeps_no_chunks(app, client, manager, monkeypatch):
    import jobs.ingest

    response = upload(client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    document_id = response.json["data"]["document_id"]
    real_embed = jobs.ingest._embed

    def delete_meanwhile(*args):
        result = real_embed(*args)
        remover = threading.Thread(target=lambda: app.test_client().delete(
            f"/api/v1/rag/documents/{document_id}", headers=bearer(manager)))
        remover.start()
        remover.join()
        return result

    monkeypatch.setattr(jobs.ingest, "_embed", delete_meanwhile)
    run_ingest(app)

    assert chunk_count(app, manager.company_id, document_id) == 0
    assert document(client, manager, document_id).status_code == 404


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/rag/documents/{id}"),
    ("delete", "/api/v1/rag/documents/{id}"),
])
def test_another_companys_document_is_a_404(app, client, manager, make_company, make_user,
                                            method, path):
    data = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    outsider = make_user(make_company(), "manager")

    response = getattr(client, method)(path.format(id=data["id"]), headers=bearer(outsider))
    malformed = getattr(client, method)(path.format(id="not-a-uuid"), headers=bearer(manager))

    assert response.status_code == 404
    assert response.json["error_code"] == "DOCUMENT_NOT_FOUND"
    assert malformed.status_code == 404
    assert document(client, manager, data["id"]).status_code == 200


@pytest.mark.parametrize("role", ["csr", "sales_rep"])
def test_documents_are_for_managers_only(client, company, make_user, role):
    user = make_user(company, role)

    for response in (client.get("/api/v1/rag/documents", headers=bearer(user)),
                     upload(client, user, b"notes", "notes.md"),
                     client.get("/api/v1/rag/queries", headers=bearer(user))):
        assert response.status_code == 403
        assert response.json["error_code"] == "INSUFFICIENT_PERMISSIONS"


def test_reindex_moves_chunks_to_the_active_model(app, client, manager):
    from jobs.ingest import reindex_company
    from otto.db import db
    from otto.rag.models import RagChunk, RagDocument, RagTelemetry
    from otto.tenancy import tenant_scope

    question = "Within how many days do installers register the shingle roof?"
    data = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    with app.app_context(), tenant_scope(manager.company_id):
        # As if the chunks had been embedded by a model that is no longer configured.
        db.session.execute(RagChunk.__table__.update().values(embedding_model="openai:old")
                           .where(RagChunk.company_id == manager.company_id))
        db.session.execute(RagDocument.__table__.update().values(embedding_model="openai:old")
                           .where(RagDocument.company_id == manager.company_id))
        db.session.commit()

    stale = ask(client, manager, question).json["data"]
    assert stale["citations"] == []  # never a silent mix of models
    with app.app_context(), tenant_scope(manager.company_id):
        telemetry = db.session.execute(select(RagTelemetry).where(
            RagTelemetry.query_id == stale["query_id"])).scalar_one()
        assert telemetry.details["other_model_documents_skipped"] is True

    with app.app_context():
        queued = reindex_company(manager.company_id)
    assert queued == {"queued": 1, "model": "local:all-MiniLM-L6-v2-int8"}
    run_ingest(app)

    fresh = ask(client, manager, question).json["data"]
    assert [citation["doc_id"] for citation in fresh["citations"]] == [data["id"]]


def test_otto_reindex_queues_a_reindex_per_company(app, client, manager, monkeypatch):
    from click.testing import CliRunner

    import otto.cli

    data = upload_and_index(app, client, manager, SHINGLES_TEXT.encode(), "warranty.md")
    monkeypatch.setattr(otto.cli, "_app", lambda *args: app)

    command = ["reindex", "--company", manager.company_id, "--force"]
    result = CliRunner().invoke(otto.cli.main, command)
    run_ingest(app)

    assert result.exit_code == 0, result.output
    assert "re-indexing queued for 1 company" in result.output
    after = document(client, manager, data["id"]).json["data"]
    assert after["indexing_status"] == "indexed"
    assert after["indexed_at"] > data["indexed_at"]
