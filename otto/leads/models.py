"""leads, lead_status_history (append-only) and rep_assignment_history."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, Numeric, String,
                        Text, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, utcnow
from otto.errors import NotFound
from otto.tenancy import TenantMixin

ACTIVE_LEAD_STATUSES = ("new", "warm", "hot", "nurturing", "qualified_booked", "qualified_unbooked")
CLOSED_LEAD_STATUSES = ("closed_won", "closed_lost")


def _new_id() -> str:
    return str(uuid.uuid4())


class Lead(TenantMixin, Timestamped, Base):
    """A sales opportunity for one contact card; `pool_status` says who may work it."""

    __tablename__ = "leads"
    __table_args__ = (
        Index(None, "company_id", "status", "contact_card_id"),
        Index(None, "company_id", "pool_status"),
        Index(None, "company_id", "contact_card_id", "created_at"),
        Index(None, "company_id", "assigned_rep_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    contact_card_id: Mapped[str] = mapped_column(ForeignKey("contact_cards.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(
        enum_column(enums.LEAD_STATUS, "lead_status"), default="new", server_default="new")
    source: Mapped[str] = mapped_column(
        enum_column(enums.LEAD_SOURCE, "lead_source"), default="unknown", server_default="unknown")
    campaign: Mapped[str | None] = mapped_column(String(255))
    pipeline_stage: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[str | None] = mapped_column(enum_column(enums.PRIORITY, "priority"))
    score: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[dict | None] = mapped_column(JSON)
    last_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_qualified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deal_status: Mapped[str | None] = mapped_column(enum_column(enums.DEAL_STATUS, "deal_status"))
    deal_size: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    deal_summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_rep_id: Mapped[str | None] = mapped_column(
        ForeignKey("sales_reps.user_id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    rep_claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    pool_status: Mapped[str] = mapped_column(
        enum_column(enums.POOL_STATUS, "pool_status"), default="in_pool", server_default="in_pool")
    # Assign a new list to change it: in-place mutation of a JSON column is not tracked.
    requested_by_rep_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    contact_card: Mapped["ContactCard"] = relationship(back_populates="leads")  # noqa: F821
    assigned_rep: Mapped["SalesRep | None"] = relationship()  # noqa: F821
    appointments: Mapped[list["Appointment"]] = relationship(  # noqa: F821
        back_populates="lead", order_by="Appointment.scheduled_start", passive_deletes=True)
    calls: Mapped[list["Call"]] = relationship(back_populates="lead")  # noqa: F821
    status_history: Mapped[list["LeadStatusHistory"]] = relationship(
        order_by="LeadStatusHistory.created_at", viewonly=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_LEAD_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_LEAD_STATUSES

    @classmethod
    def get_for_company(cls, lead_id, not_found=None) -> "Lead":
        return super().get_for_company(lead_id, not_found or (
            lambda: NotFound("Lead not found", details={"lead_id": lead_id})))


class LeadStatusHistory(TenantMixin, Base):
    """One status change of a lead (append-only); `from_status` is null for the initial row."""

    __tablename__ = "lead_status_history"
    __table_args__ = (Index(None, "company_id", "lead_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())


class RepAssignmentHistory(TenantMixin, Base):
    """A rep's request for, or assignment to, a lead or appointment; only `status` ever changes."""

    __tablename__ = "rep_assignment_history"
    __table_args__ = (
        Index(None, "company_id", "lead_id", "created_at"),
        Index(None, "company_id", "rep_id", "created_at"),
        Index(None, "company_id", "appointment_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    # Deleting a rep (GDPR) deletes their assignment rows: the column is NOT NULL.
    rep_id: Mapped[str] = mapped_column(ForeignKey("sales_reps.user_id", ondelete="CASCADE"))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    assignment_type: Mapped[str] = mapped_column(
        enum_column(enums.ASSIGNMENT_TYPE, "assignment_type"))
    status: Mapped[str] = mapped_column(
        enum_column(enums.ASSIGNMENT_STATUS, "assignment_status"), default="requested",
        server_default="requested")
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    route_position: Mapped[int | None] = mapped_column(Integer)
    route_group: Mapped[str | None] = mapped_column(String(255))
    distance_from_previous_stop: Mapped[float | None] = mapped_column(Float)
    rep_claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())
