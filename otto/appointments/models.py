"""appointments: a visit booked for a lead, with its outcome and geofenced arrival/departure."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id
from otto.errors import NotFound
from otto.tenancy import TenantMixin

ACTIVE_APPOINTMENT_STATUSES = ("scheduled", "confirmed", "completed")
OPEN_APPOINTMENT_STATUSES = ("scheduled", "confirmed")


class Appointment(TenantMixin, Timestamped, Base):
    """A visit for a lead; company and contact card always equal the lead's."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "scheduled_start"),
        Index(None, "company_id", "assigned_rep_id"),
        Index(None, "company_id", "contact_card_id"),
        Index(None, "company_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    contact_card_id: Mapped[str] = mapped_column(ForeignKey("contact_cards.id", ondelete="CASCADE"))
    assigned_rep_id: Mapped[str | None] = mapped_column(
        ForeignKey("sales_reps.user_id", ondelete="SET NULL"))
    scheduled_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scheduled_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(
        enum_column(enums.APPOINTMENT_STATUS, "appointment_status"), default="scheduled",
        server_default="scheduled")
    outcome: Mapped[str] = mapped_column(
        enum_column(enums.APPOINTMENT_OUTCOME, "appointment_outcome"), default="pending",
        server_default="pending")
    appointment_type: Mapped[str | None] = mapped_column(
        enum_column(enums.APPOINTMENT_TYPE, "appointment_type"))
    location: Mapped[str | None] = mapped_column(String(500))
    location_address: Mapped[str | None] = mapped_column(String(500))
    geo_lat: Mapped[float | None] = mapped_column(Float)
    geo_lng: Mapped[float | None] = mapped_column(Float)
    # Geofence centre (= geo_* unless set explicitly); radii in feet.
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lng: Mapped[float | None] = mapped_column(Float)
    geofence_radius_start: Mapped[float | None] = mapped_column(Float)
    geofence_radius_stop: Mapped[float | None] = mapped_column(Float)
    service_type: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255))
    deal_size: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    material_type: Mapped[str | None] = mapped_column(String(255))
    financing_type: Mapped[str | None] = mapped_column(String(255))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rep_claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    route_position: Mapped[int | None] = mapped_column(Integer)
    route_group: Mapped[str | None] = mapped_column(String(255))
    distance_from_previous_stop: Mapped[float | None] = mapped_column(Float)
    arrival_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    departure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_site_duration: Mapped[int | None] = mapped_column(Integer)  # minutes
    gps_confidence: Mapped[float | None] = mapped_column(Float)

    lead: Mapped["Lead"] = relationship(back_populates="appointments")  # noqa: F821
    contact_card: Mapped["ContactCard"] = relationship(back_populates="appointments")  # noqa: F821
    assigned_rep: Mapped["SalesRep | None"] = relationship()  # noqa: F821
    recording_sessions: Mapped[list["RecordingSession"]] = relationship(  # noqa: F821
        back_populates="appointment", order_by="RecordingSession.started_at.desc()",
        passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_APPOINTMENT_STATUSES

    @classmethod
    def get_for_company(cls, appointment_id, not_found=None) -> "Appointment":
        return super().get_for_company(appointment_id, not_found or (
            lambda: NotFound("Appointment not found", details={"appointment_id": appointment_id})))
