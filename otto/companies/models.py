"""The companies table (tenant root, no RLS) and each company's services."""

from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import (Boolean, DateTime, Enum, Float, Integer, Numeric, String, Text, Time,
                        UniqueConstraint, select)
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.crypto import EncryptedString
from otto.db import Base, Timestamped, db
from otto.tenancy import TenantMixin


def enum_column(values, name: str):
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


class Company(Timestamped, Base):
    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    phone_number: Mapped[str | None] = mapped_column(String(20), index=True)
    primary_tracking_number: Mapped[str | None] = mapped_column(String(20), index=True)
    callrail_api_key: Mapped[str | None] = mapped_column(EncryptedString)
    callrail_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    callrail_webhook_signing_key: Mapped[str | None] = mapped_column(EncryptedString)
    twilio_account_sid: Mapped[str | None] = mapped_column(EncryptedString)
    twilio_auth_token: Mapped[str | None] = mapped_column(EncryptedString)
    call_provider: Mapped[str | None] = mapped_column(enum_column(enums.CALL_PROVIDER, "call_provider"))
    industry: Mapped[str | None] = mapped_column(String(100))
    domain: Mapped[str | None] = mapped_column(String(255))
    domain_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York",
                                          server_default="America/New_York")
    onboarding_step: Mapped[str] = mapped_column(String(64), default="company_basics",
                                                 server_default="company_basics")
    onboarding_completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    onboarding_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subscription_status: Mapped[str] = mapped_column(
        enum_column(enums.SUBSCRIPTION_STATUS, "subscription_status"), default="trialing",
        server_default="trialing")
    trial_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_seats: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    require_recording_consent: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    require_clock_in: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    allow_ghost_mode: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    ghost_mode_retention: Mapped[str] = mapped_column(
        enum_column(enums.GHOST_MODE_RETENTION, "ghost_mode_retention"), default="aggregates_only",
        server_default="aggregates_only")
    ghost_mode_storage: Mapped[str] = mapped_column(
        enum_column(enums.GHOST_MODE_STORAGE, "ghost_mode_storage"), default="not_stored",
        server_default="not_stored")
    ghost_mode_ephemeral_ttl_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    default_shift_start: Mapped[time | None] = mapped_column(Time, default=time(7, 0))
    default_shift_end: Mapped[time | None] = mapped_column(Time, default=time(20, 0))
    default_geofence_radius_start: Mapped[float] = mapped_column(Float, default=200.0, server_default="200")
    default_geofence_radius_stop: Mapped[float] = mapped_column(Float, default=500.0, server_default="500")
    sms_help_text: Mapped[str | None] = mapped_column(Text)
    data_deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @classmethod
    def get_own(cls, company_id: str, caller_company_id: str) -> "Company":
        """The caller's own company by id; any other id (existing or not) is a 404."""
        from otto.errors import CompanyNotFound

        if company_id != caller_company_id:
            raise CompanyNotFound()
        company = db.session.get(cls, company_id)
        if company is None:
            raise CompanyNotFound()
        return company

    @classmethod
    def by_routing_number(cls, e164: str) -> "Company | None":
        """The company whose main line or tracking number is `e164` (webhook routing)."""
        return db.session.execute(
            select(cls).where((cls.phone_number == e164) | (cls.primary_tracking_number == e164))
            .order_by(cls.created_at).limit(1)
        ).scalar_one_or_none()


class Service(TenantMixin, Timestamped, Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    base_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
