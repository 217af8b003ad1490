"""users, sales_reps and sales_managers."""

from datetime import time

from sqlalchemy import JSON, Boolean, ForeignKey, String, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto import enums
from otto.companies.models import enum_column
from otto.db import Base, Timestamped, db
from otto.errors import UserNotFound
from otto.tenancy import TenantMixin, current_company_id


class User(TenantMixin, Timestamped, Base):
    __tablename__ = "users"
    # Unique per company: a global unique email would tell one tenant about another's users.
    __table_args__ = (UniqueConstraint("company_id", "email"), UniqueConstraint("company_id", "username"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    phone_number: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(enum_column(enums.USER_ROLE, "user_role"))
    territory: Mapped[str | None] = mapped_column(String(255))
    preferences_json: Mapped[dict | None] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    rep_profile: Mapped["SalesRep | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan")
    manager_profile: Mapped["SalesManager | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan")

    @classmethod
    def get_for_company(cls, user_id, not_found=UserNotFound) -> "User":
        return super().get_for_company(user_id, not_found)

    @classmethod
    def by_username(cls, username: str) -> "User":
        user = db.session.execute(
            select(cls).where(cls.company_id == current_company_id(), cls.username == username)
        ).scalar_one_or_none()
        if user is None:
            raise UserNotFound()
        return user


class SalesManager(TenantMixin, Timestamped, Base):
    __tablename__ = "sales_managers"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    expo_push_token: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="manager_profile")

    @property
    def id(self) -> str:
        return self.user_id


class SalesRep(TenantMixin, Timestamped, Base):
    __tablename__ = "sales_reps"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    manager_id: Mapped[str | None] = mapped_column(
        ForeignKey("sales_managers.user_id", ondelete="SET NULL"))
    active_geofences: Mapped[list | None] = mapped_column(JSON)
    expo_push_token: Mapped[str | None] = mapped_column(String(255))
    recording_mode: Mapped[str] = mapped_column(
        enum_column(enums.RECORDING_MODE, "recording_mode"), default="normal", server_default="normal")
    allow_location_tracking: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    allow_recording: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    default_shift_start: Mapped[time | None] = mapped_column(Time)
    default_shift_end: Mapped[time | None] = mapped_column(Time)
    shift_config_source: Mapped[str] = mapped_column(
        enum_column(enums.SHIFT_CONFIG_SOURCE, "shift_config_source"), default="tenant_default",
        server_default="tenant_default")

    user: Mapped[User] = relationship(back_populates="rep_profile")

    @property
    def id(self) -> str:
        return self.user_id
