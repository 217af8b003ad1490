"""tasks (follow-up work for a role or user) and key_signals (risks and opportunities)."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped
from otto.tenancy import TenantMixin


def _new_id() -> str:
    return str(uuid.uuid4())


class Task(TenantMixin, Timestamped, Base):
    """Follow-up work. One non-cancelled task per `unique_key` (a partial unique index)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index(None, "company_id", "status", "due_at"),
        Index(None, "company_id", "unique_key"),
        Index(None, "company_id", "assignee_id"),
        Index(None, "company_id", "contact_card_id"),
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "appointment_id"),
        Index("uq_tasks_live_unique_key", "company_id", "unique_key", unique=True,
              postgresql_where=text("unique_key IS NOT NULL AND status <> 'cancelled'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    contact_card_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact_cards.id", ondelete="CASCADE"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    call_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("calls.call_id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    assigned_to: Mapped[str] = mapped_column(enum_column(enums.TASK_ASSIGNEE, "task_assignee"))
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(enum_column(enums.TASK_SOURCE, "task_source"))
    action_type: Mapped[str | None] = mapped_column(enum_column(enums.ACTION_TYPE, "action_type"))
    unique_key: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(
        enum_column(enums.TASK_STATUS, "task_status"), default="open", server_default="open")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(enum_column(enums.PRIORITY, "priority"))
    task_metadata: Mapped[dict | None] = mapped_column(JSON)

    contact_card: Mapped["ContactCard | None"] = relationship()  # noqa: F821


class KeySignal(TenantMixin, Timestamped, Base):
    """A risk or opportunity about a customer; one unacknowledged signal per key."""

    __tablename__ = "key_signals"
    __table_args__ = (
        Index(None, "company_id", "contact_card_id", "acknowledged"),
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "appointment_id"),
        Index("uq_key_signals_open_unique_key", "company_id", "unique_key", unique=True,
              postgresql_where=text("unique_key IS NOT NULL AND NOT acknowledged")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    contact_card_id: Mapped[str] = mapped_column(ForeignKey("contact_cards.id", ondelete="CASCADE"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    signal_type: Mapped[str] = mapped_column(enum_column(enums.SIGNAL_TYPE, "signal_type"))
    severity: Mapped[str] = mapped_column(
        enum_column(enums.SIGNAL_SEVERITY, "signal_severity"), default="medium",
        server_default="medium")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    unique_key: Mapped[str | None] = mapped_column(String(64))
    signal_metadata: Mapped[dict | None] = mapped_column(JSON)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))

    contact_card: Mapped["ContactCard"] = relationship()  # noqa: F821
