"""Idempotency-Key: what counts as the same request."""

from support import bearer


def multipart(boundary: str, content: bytes, filename: str = "pricing.md") -> bytes:
    """A one-file multipart body framed by `boundary` (clients pick a new one per attempt)."""
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: text/markdown\r\n\r\n")
    return head.encode() + content + f"\r\n--{boundary}--\r\n".encode()


def upload(client, manager, boundary: str, content: bytes):
    return client.post("/api/v1/rag/documents/upload", data=multipart(boundary, content),
                       headers={**bearer(manager), "Idempotency-Key": "upload-key-0001",
                                "Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_a_retried_upload_with_a_new_boundary_is_a_replay(client, manager):
    content = b"# Pricing\n\nA full roof replacement starts at twelve thousand dollars."

    first = upload(client, manager, "boundaryAAAA", content)
    retry = upload(client, manager, "boundaryBBBB", content)

    assert first.status_code == 202
    assert retry.status_code == 202
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json == first.json


def test_the_same_key_with_other_file_content_is_a_conflict(client, manager):
    upload(client, manager, "boundaryAAAA", b"# One\n\nThe first document says one thing.")

    response = upload(client, manager, "boundaryAAAA", b"# Two\n\nThe second says another.")

    assert response.status_code == 409
    assert response.json["error_code"] == "RESOURCE_CONFLICT"


def test_the_query_string_is_part_of_the_request(client, manager, app):
    from otto.calls.models import Call
    from otto.db import db
    from otto.tenancy import tenant_scope

    with app.app_context(), tenant_scope(manager.company_id):
        calls = [Call(company_id=manager.company_id, status="completed") for _ in range(2)]
        db.session.add_all(calls)
        db.session.commit()
        first_id, second_id = (call.call_id for call in calls)
    headers = {**bearer(manager), "Idempotency-Key": "start-recording-01"}

    first = client.post(f"/api/v1/mobile/audio/start-recording?trigger_type=manual&call_id={first_id}",
                        headers=headers)
    other = client.post(f"/api/v1/mobile/audio/start-recording?trigger_type=manual&call_id={second_id}",
                        headers=headers)

    assert first.status_code == 201
    assert other.status_code == 409
