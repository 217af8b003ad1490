"""rep_shifts: a rep's working day (company-local date) and its scheduled window."""

from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, new_id
from otto.tenancy import TenantMixin


class RepShift(TenantMixin, Timestamped, Base):
    """One rep's shift on one company-local day; the unique key makes planner and clock-in safe."""

    __tablename__ = "rep_shifts"
    __table_args__ = (
        UniqueConstraint("company_id", "rep_id", "shift_date"),
        Index(None, "company_id", "shift_date", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    rep_id: Mapped[str] = mapped_column(ForeignKey("sales_reps.user_id", ondelete="CASCADE"))
    shift_date: Mapped[date] = mapped_column(Date)
    clock_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clock_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Company-local wall times of the planned window.
    scheduled_start: Mapped[time | None] = mapped_column(Time)
    scheduled_end: Mapped[time | None] = mapped_column(Time)
    status: Mapped[str] = mapped_column(
        enum_column(enums.SHIFT_STATUS, "shift_status"), default="planned",
        server_default="planned")
    notes: Mapped[str | None] = mapped_column(Text)

    rep: Mapped["SalesRep"] = relationship()  # noqa: F821
