"""mobile_recordings: the persistent registry of audio recorded by the rep app."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id
from otto.tenancy import TenantMixin


class MobileRecording(TenantMixin, Timestamped, Base):
    """A recording made on a rep's phone for a call: pending → processing → completed | error."""

    __tablename__ = "mobile_recordings"
    __table_args__ = (
        Index(None, "company_id", "call_id"),
        Index(None, "company_id", "rep_id", "created_at"),
        Index(None, "company_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    call_id: Mapped[int] = mapped_column(Integer, ForeignKey("calls.call_id", ondelete="CASCADE"))
    # The recording rep; for a manager the call's assigned rep, else the manager (not an FK).
    rep_id: Mapped[str] = mapped_column(String(64))
    trigger_type: Mapped[str] = mapped_column(enum_column(enums.TRIGGER_TYPE, "trigger_type"))
    scheduled_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    location_trigger: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        enum_column(enums.MOBILE_RECORDING_STATUS, "mobile_recording_status"), default="pending",
        server_default="pending")
    storage_key: Mapped[str | None] = mapped_column(String(1024))
    raw_transcript: Mapped[dict | list | None] = mapped_column(JSON)
    formatted_transcript: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    battery_percentage: Mapped[int | None] = mapped_column(Integer)
    is_charging: Mapped[bool | None] = mapped_column(Boolean)

    call: Mapped["Call"] = relationship()  # noqa: F821
