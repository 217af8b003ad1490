"""calls (every phone interaction, also the legacy booked-call appointment) and scheduled_calls."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped
from otto.errors import CallNotFound
from otto.tenancy import TenantMixin

MAX_CALL_ID = 2**31 - 1  # calls.call_id is a 32-bit serial


def _flag(default: bool = False):
    return mapped_column(Boolean, default=default, server_default="true" if default else "false")


def _counter():
    return mapped_column(Integer, default=0, server_default="0")


class Call(TenantMixin, Timestamped, Base):
    """One phone interaction. Business flags (booked, bought, …) are independent of `status`."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("company_id", "provider", "external_call_id"),
        Index(None, "company_id", "created_at"),
        Index(None, "company_id", "contact_card_id"),
        Index(None, "company_id", "lead_id"),
        Index(None, "company_id", "phone_number"),
        Index(None, "company_id", "assigned_rep_id"),
        Index(None, "company_id", "owner_id"),
        Index(None, "company_id", "call_sid"),
    )

    call_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id = synonym("call_id")
    contact_card_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact_cards.id", ondelete="SET NULL"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    provider: Mapped[str | None] = mapped_column(enum_column(enums.CALL_SOURCE, "call_source"))
    external_call_id: Mapped[str | None] = mapped_column(String(128))
    direction: Mapped[str | None] = mapped_column(
        enum_column(enums.MESSAGE_DIRECTION, "message_direction"))
    # E.164 when normalizable, else the trimmed input; `phone_number_raw` keeps what arrived.
    phone_number: Mapped[str | None] = mapped_column(String(255))
    phone_number_raw: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    call_type: Mapped[str | None] = mapped_column(enum_column(enums.CALL_TYPE, "call_type"))
    status: Mapped[str | None] = mapped_column(enum_column(enums.CALL_STATUS, "call_status"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recording_url: Mapped[str | None] = mapped_column(String(2048))
    analysis_status: Mapped[str] = mapped_column(
        enum_column(enums.PROCESSING_STATUS, "analysis_status"), default="not_started",
        server_default="not_started")
    analysis_error: Mapped[str | None] = mapped_column(Text)

    missed_call: Mapped[bool] = _flag()
    booked: Mapped[bool] = _flag()
    quote_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bought: Mapped[bool] = _flag()
    price_if_bought: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    reason_for_lost_sale: Mapped[str | None] = mapped_column(Text)
    reason_not_bought_homeowner: Mapped[str | None] = mapped_column(Text)
    still_deciding: Mapped[bool] = _flag()
    reason_for_deciding: Mapped[str | None] = mapped_column(Text)
    cancelled: Mapped[bool] = _flag()
    reason_for_cancellation: Mapped[str | None] = mapped_column(Text)
    rescheduled: Mapped[bool] = _flag()
    problem: Mapped[str | None] = mapped_column(Text)
    assigned_rep_id: Mapped[str | None] = mapped_column(
        ForeignKey("sales_reps.user_id", ondelete="SET NULL"))
    owner_id: Mapped[str | None] = mapped_column(String(64))

    transcript: Mapped[str | None] = mapped_column(Text)
    homeowner_followup_transcript: Mapped[str | None] = mapped_column(Text)
    in_person_transcript: Mapped[str | None] = mapped_column(Text)
    # JSON arrays kept as text (legacy shapes): [{timestamp, duration, call_sid, recording_sid,
    # recording_url, transcript}] and [{timestamp, message, direction, provider, message_sid}].
    mobile_transcript: Mapped[str | None] = mapped_column(Text)
    text_messages: Mapped[str | None] = mapped_column(Text)
    mobile_calls_count: Mapped[int] = _counter()
    mobile_texts_count: Mapped[int] = _counter()
    transcript_discrepancies: Mapped[str | None] = mapped_column(Text)
    bland_call_id: Mapped[str | None] = mapped_column(String(128))
    homeowner_followup_call_id: Mapped[str | None] = mapped_column(String(128))

    call_sid: Mapped[str | None] = mapped_column(String(64))
    last_call_status: Mapped[str | None] = mapped_column(String(32))
    last_call_timestamp: Mapped[str | None] = mapped_column(String(64))
    last_call_duration: Mapped[int | None] = mapped_column(Integer)

    # Legacy call geofence {latitude, longitude, radius (metres, 250), call_id}.
    geofence: Mapped[dict | None] = mapped_column(JSON)
    geofence_entry_1_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geofence_exit_1_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geofence_entry_2_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geofence_exit_2_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geofence_time_1_m: Mapped[int | None] = mapped_column(Integer)
    geofence_time_2_m: Mapped[int | None] = mapped_column(Integer)
    geofence_multiple_entries: Mapped[bool] = _flag()
    geofence_entry_count: Mapped[int] = _counter()
    recording_started_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recording_stopped_ts: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recording_duration_s: Mapped[int | None] = mapped_column(Integer)
    time_to_start_recording_s: Mapped[int | None] = mapped_column(Integer)
    battery_at_geofence_entry: Mapped[int | None] = mapped_column(Integer)
    battery_at_recording_start: Mapped[int | None] = mapped_column(Integer)
    charging_at_geofence_entry: Mapped[bool | None] = mapped_column(Boolean)
    charging_at_recording_start: Mapped[bool | None] = mapped_column(Boolean)

    contact_card: Mapped["ContactCard | None"] = relationship()  # noqa: F821
    lead: Mapped["Lead | None"] = relationship(back_populates="calls")  # noqa: F821
    assigned_rep: Mapped["SalesRep | None"] = relationship()  # noqa: F821
    scheduled_calls: Mapped[list["ScheduledCall"]] = relationship(
        back_populates="call", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Call {self.call_id} company={self.company_id}>"

    @classmethod
    def get_for_company(cls, call_id, not_found=CallNotFound) -> "Call":
        """The call by id in the current company; ids no call can have are a 404 too."""
        try:
            call_id = int(call_id)
        except (TypeError, ValueError):
            raise not_found() from None
        if not 0 < call_id <= MAX_CALL_ID:  # beyond the column's range Postgres would raise
            raise not_found()
        return super().get_for_company(call_id, not_found)


class ScheduledCall(TenantMixin, Timestamped, Base):
    """A follow-up due at `scheduled_time`; Otto sends the rep a reminder, never dials itself."""

    __tablename__ = "scheduled_calls"
    __table_args__ = (
        Index(None, "company_id", "call_id"),
        Index(None, "company_id", "is_completed", "scheduled_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = mapped_column(Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    scheduled_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    call_type: Mapped[str] = mapped_column(
        enum_column(enums.SCHEDULED_CALL_TYPE, "scheduled_call_type"))
    status: Mapped[str | None] = mapped_column(String(32))
    is_completed: Mapped[bool] = _flag()
    bland_call_id: Mapped[str | None] = mapped_column(String(128))

    call: Mapped[Call] = relationship(back_populates="scheduled_calls")
