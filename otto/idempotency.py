"""Idempotency-Key for POST routes: a replay returns the stored response, a new body is a 409."""

import functools
import hashlib
import json
from datetime import datetime, timedelta

from flask import Response, g, request
from sqlalchemy import JSON, DateTime, Enum, Integer, String, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.db import Base, db, utcnow
from otto.errors import Conflict, field_error
from otto.tenancy import TenantMixin, current_company_id

TTL = timedelta(hours=24)


class IdempotencyKey(TenantMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("company_id", "operation", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        Enum(*enums.IDEMPOTENCY_STATUS, name="idempotency_status", native_enum=False,
             create_constraint=True, length=16), default="in_progress")
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict | list | None] = mapped_column(JSON)
    first_processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _request_hash() -> str:
    """What makes two requests "the same": method, path with query, and the body's content.

    Multipart bodies are hashed by their fields and file contents, not their bytes: a client
    retrying an upload picks a new boundary every time.
    """
    digest = hashlib.sha256((request.method + request.full_path).encode())
    if request.mimetype != "multipart/form-data":
        digest.update(request.get_data())
        return digest.hexdigest()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"\n{name}={value}".encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(f"\n{name}:{upload.filename}:".encode())
        stream = upload.stream
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
        stream.seek(0)
    return digest.hexdigest()


def idempotent(operation: str):
    """Honour an optional Idempotency-Key header on this view (the innermost decorator).

    The response is stored when the request ends (`remember_response`), after the smorest
    decorators have serialized it and set its status.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return view(*args, **kwargs)
            if not 10 <= len(key) <= 255:
                raise field_error("header.Idempotency-Key", "Must be 10 to 255 characters.")

            request_hash = _request_hash()
            now = utcnow()
            inserted = db.session.execute(
                insert(IdempotencyKey).values(
                    company_id=current_company_id(), user_id=g.identity.user_id, operation=operation,
                    key=key, request_hash=request_hash, status="in_progress", attempts=1,
                    last_seen_at=now, expires_at=now + TTL,
                ).on_conflict_do_nothing().returning(IdempotencyKey.id)
            ).scalar_one_or_none()
            if inserted is None:
                return _replay(operation, key, request_hash)

            g.idempotency_key_id = inserted
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _replay(operation: str, key: str, request_hash: str):
    stored = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.operation == operation, IdempotencyKey.key == key)
    ).scalar_one()
    stored.attempts += 1
    stored.last_seen_at = utcnow()
    if stored.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was used with a different request.")
    if stored.status != "completed":
        raise Conflict("A request with this Idempotency-Key is still in progress.")
    response = Response(json.dumps(stored.response_body), status=stored.response_status,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember_response(response) -> None:
    """Store the final response of a request that claimed an Idempotency-Key.

    Called just before the request commits; a refused request rolls back, and its key with it,
    so the client may fix the request and retry under the same key.
    """
    row_id = g.pop("idempotency_key_id", None)
    if row_id is None or response.status_code >= 400:
        return
    row = db.session.get(IdempotencyKey, row_id)
    row.status = "completed"
    row.response_status = response.status_code
    row.response_body = response.get_json(silent=True)
    row.first_processed_at = utcnow()
