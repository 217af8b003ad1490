"""message_threads: one row per SMS sent or received, tied to a contact card."""

from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id
from otto.tenancy import TenantMixin


class MessageThread(TenantMixin, Timestamped, Base):
    """One SMS. `message_sid` is unique per company and provider (`local_<uuid>` offline)."""

    __tablename__ = "message_threads"
    __table_args__ = (
        UniqueConstraint("company_id", "provider", "message_sid"),
        Index(None, "company_id", "contact_card_id", "created_at"),
        Index(None, "company_id", "call_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contact_card_id: Mapped[str] = mapped_column(ForeignKey("contact_cards.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("calls.call_id", ondelete="SET NULL"))
    sender: Mapped[str] = mapped_column(String(255))  # E.164 number or user id
    sender_role: Mapped[str] = mapped_column(
        enum_column(enums.MESSAGE_SENDER_ROLE, "message_sender_role"))
    body: Mapped[str] = mapped_column(Text)
    message_type: Mapped[str] = mapped_column(enum_column(enums.MESSAGE_TYPE, "message_type"))
    direction: Mapped[str] = mapped_column(
        enum_column(enums.MESSAGE_DIRECTION, "message_direction"))
    provider: Mapped[str | None] = mapped_column(String(32))  # twilio, callrail, local
    message_sid: Mapped[str | None] = mapped_column(String(128))
    media_urls: Mapped[list | None] = mapped_column(JSON)
    encoding: Mapped[str | None] = mapped_column(String(16))  # gsm7 / ucs2 (outbound)
    segments: Mapped[int | None] = mapped_column(Integer)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contact_card: Mapped["ContactCard"] = relationship()  # noqa: F821
