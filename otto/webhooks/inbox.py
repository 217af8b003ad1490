"""webhook_events: every signed delivery is stored here before anything else happens."""

import hashlib
import logging
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from otto import enums
from otto.db import Base, db, new_id, utcnow

log = logging.getLogger(__name__)


class WebhookEvent(Base):
    """Platform table without RLS: the company is unknown until the event is matched."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(
        Enum(*enums.WEBHOOK_PROVIDER, name="webhook_provider", native_enum=False, create_constraint=True,
             length=16))
    event_type: Mapped[str] = mapped_column(String(100))
    event_key: Mapped[str] = mapped_column(String(512))
    company_id: Mapped[str | None] = mapped_column(String(64), index=True)
    headers: Mapped[dict | None] = mapped_column(JSON)
    raw_body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(
        Enum(*enums.WEBHOOK_EVENT_STATUS, name="webhook_event_status", native_enum=False,
             create_constraint=True, length=16), default="received", server_default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def job_id(self) -> str:
        digest = hashlib.sha256(self.event_key.encode()).hexdigest()
        return f"webhook-{self.provider}-{digest}"  # RQ ids allow letters, digits, - and _


def store_event(*, provider: str, event_type: str, event_key: str, raw_body: bytes,
                headers: dict | None = None, company_id: str | None = None,
                status: str = "received",
                last_error: str | None = None) -> tuple[WebhookEvent, bool]:
    """Insert the delivery unless its key was seen; return (event, created). Commits at once.

    Concurrent first deliveries meet at the unique (provider, event_key): exactly one inserts.
    """
    statement = insert(WebhookEvent).values(
        id=str(uuid.uuid4()), provider=provider, event_type=event_type, event_key=event_key,
        raw_body=raw_body, headers=headers, company_id=company_id, status=status,
        last_error=last_error, attempts=0,
    ).on_conflict_do_nothing(index_elements=["provider", "event_key"]).returning(WebhookEvent)
    event = db.session.execute(
        select(WebhookEvent).from_statement(statement)).scalar_one_or_none()
    created = event is not None
    if not created:
        event = db.session.execute(
            select(WebhookEvent)
            .where(WebhookEvent.provider == provider, WebhookEvent.event_key == event_key)
        ).scalar_one()
    db.session.commit()
    log.info("%s webhook %s %s (%s)", provider, event.id, "stored" if created else "duplicate",
             event_type)
    return event, created


def mark(event: WebhookEvent, status: str, error: str | None = None) -> None:
    event.status = status
    event.last_error = error
    if status in ("processed", "ignored"):
        event.processed_at = utcnow()
