"""contact_cards (one per customer phone per company) and event_logs (the customer timeline)."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id, utcnow
from otto.errors import NotFound
from otto.tenancy import TenantMixin


class ContactCard(TenantMixin, Timestamped, Base):
    """A customer. `primary_phone` is E.164 when normalizable, unique within the company."""

    __tablename__ = "contact_cards"
    __table_args__ = (
        UniqueConstraint("company_id", "primary_phone"),
        Index(None, "company_id", "email"),
        Index(None, "company_id", "secondary_phone"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    primary_phone: Mapped[str] = mapped_column(String(255))
    secondary_phone: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    # `metadata` is reserved on declarative classes; the column keeps the API's name.
    contact_metadata: Mapped[dict | None] = mapped_column("metadata", JSON)
    property_snapshot: Mapped[dict | None] = mapped_column(JSON)
    property_snapshot_raw: Mapped[str | None] = mapped_column(Text)
    property_snapshot_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    leads: Mapped[list["Lead"]] = relationship(  # noqa: F821
        back_populates="contact_card", order_by="Lead.created_at", passive_deletes=True)
    appointments: Mapped[list["Appointment"]] = relationship(  # noqa: F821
        back_populates="contact_card", order_by="Appointment.scheduled_start", passive_deletes=True)

    @property
    def full_name(self) -> str | None:
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) or None

    @classmethod
    def get_for_company(cls, contact_card_id, not_found=None) -> "ContactCard":
        return super().get_for_company(contact_card_id, not_found or (
            lambda: NotFound("Contact card not found", details={"contact_id": contact_card_id})))


class EventLog(TenantMixin, Base):
    """One moment on a customer's timeline; append-only, always tied to a contact card."""

    __tablename__ = "event_logs"
    __table_args__ = (
        Index(None, "company_id", "contact_card_id", "timestamp"),
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "appointment_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contact_card_id: Mapped[str] = mapped_column(ForeignKey("contact_cards.id", ondelete="CASCADE"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    appointment_id: Mapped[str | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"))
    call_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("calls.call_id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(enum_column(enums.EVENT_TYPE, "event_type"))
    timestamp: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())
    event_metadata: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(enum_column(enums.ACTOR_ROLE, "actor_role"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
