"""Helpers the Ask Otto API tests share: uploads, running the ingest worker, asking questions."""

import io
from pathlib import Path

from support import FIXTURES, bearer

DOCUMENTS = FIXTURES / "documents"


def upload(client, user, content: bytes | Path, filename: str | None = None, **form):
    """POST a file as multipart/form-data; `content` is bytes or a fixture path."""
    if isinstance(content, Path):
        filename = filename or content.name
        content = content.read_bytes()
    data = {"file": (io.BytesIO(content), filename or "upload.txt"), **form}
    return client.post("/api/v1/rag/documents/upload", data=data, headers=bearer(user),
                       content_type="multipart/form-data")


def run_ingest(app) -> None:
    """Run every queued ingest job to the end, in this process, as `otto worker --burst` would."""
    from jobs.worker import make_worker

    make_worker(app, ["ingest"], app.extensions["otto"].redis).work(burst=True)


def upload_and_index(app, client, user, content, filename=None, **form) -> dict:
    response = upload(client, user, content, filename, **form)
    assert response.status_code in (200, 202), response.json
    run_ingest(app)
    document_id = response.json["data"]["document_id"]
    document = client.get(f"/api/v1/rag/documents/{document_id}", headers=bearer(user))
    assert document.status_code == 200, document.json
    return document.json["data"]


def ask(client, user, question: str, **body):
    return client.post("/api/v1/rag/query", json={"query": question, **body}, headers=bearer(user))
