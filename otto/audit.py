"""Append-only audit log of changes to settings, users and roles."""

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import JSON, DateTime, Enum, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.db import Base, db, new_id
from otto.tenancy import TenantMixin, current_company_id


class AuditLog(TenantMixin, Base):
    __tablename__ = "audit_logs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)
    context_data: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(128))
    success: Mapped[str] = mapped_column(
        Enum(*enums.AUDIT_RESULT, name="audit_result", native_enum=False, create_constraint=True,
             length=16), default="success")
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def record(action: str, resource_type: str, resource_id: str, *, changes: dict | None = None,
           user_id: str | None = None) -> AuditLog:
    """Add an audit row to the current transaction; the actor defaults to the caller."""
    entry = AuditLog(
        company_id=current_company_id(), action=action, resource_type=resource_type,
        resource_id=str(resource_id), changes=changes,
    )
    if has_request_context():
        identity = g.get("identity")
        entry.user_id = user_id or (identity.user_id if identity else None)
        entry.request_id = g.get("request_id")
        entry.ip_address = request.remote_addr
        entry.user_agent = (request.user_agent.string or "")[:500]
    else:
        entry.user_id = user_id
    db.session.add(entry)
    return entry
