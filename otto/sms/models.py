"""sms_opt_outs: each company's consent record per phone number (STOP / START / provider errors)."""

from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id
from otto.tenancy import TenantMixin


class SmsOptOut(TenantMixin, Timestamped, Base):
    """The latest consent state of one phone for one company; checked before every send."""

    __tablename__ = "sms_opt_outs"
    __table_args__ = (UniqueConstraint("company_id", "phone"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    status: Mapped[str] = mapped_column(enum_column(enums.OPT_OUT_STATUS, "opt_out_status"))
    keyword: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(enum_column(enums.OPT_OUT_SOURCE, "opt_out_source"))
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opted_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_sid: Mapped[str | None] = mapped_column(String(128))
