"""SQLAlchemy engine, session and declarative base; bound by create_app, never at import."""

import logging
import uuid
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, create_engine, event, func
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        key = getattr(self, "id", None)
        company = getattr(self, "company_id", None)
        suffix = f" company={company}" if company else ""
        return f"<{type(self).__name__} {key}{suffix}>"


def new_id() -> str:
    """A uuid4 string, the id of every new entity without an integer key."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Timestamped:
    """created_at / updated_at, set by the database and touched on every ORM update."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=utcnow
    )


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


@event.listens_for(Session, "before_flush")
def _refuse_implausible_datetimes(session, flush_context, instances) -> None:
    """Keep years Postgres can store but Python cannot read back (10000) out of every table."""
    from otto.errors import ValidationFailed

    for row in list(session.new) + list(session.dirty):
        for column in row.__table__.columns:
            value = row.__dict__.get(column.key)
            if not isinstance(value, datetime):
                continue
            try:
                year = value.astimezone(timezone.utc).year if value.tzinfo else value.year
            except OverflowError:
                year = 0
            if not EARLIEST_YEAR <= year <= LATEST_YEAR:
                raise ValidationFailed(
                    f"{column.key} must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}.",
                    validation_errors=[{"field": f"body.{column.key}", "message": "Out of range.",
                                        "code": "out_of_range"}])


class Database:
    """Holds the engine and the scoped session; one per process, configured by `bind()`."""

    def __init__(self) -> None:
        self.engine = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def bind(self, url: str, **engine_options) -> None:
        if self.engine is not None and str(self.engine.url) == url:
            return
        if self.engine is not None:
            self.engine.dispose()
        options = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
        options.update(engine_options)
        self.engine = create_engine(url, **options)
        event.listen(self.engine, "before_cursor_execute", _count_query)
        self.session.remove()
        self.session.configure(bind=self.engine)


def _count_query(conn, cursor, statement, parameters, context, executemany) -> None:
    """Count statements per request for the request log line and N+1 guards."""
    from flask import g, has_app_context

    if has_app_context():
        g.sql_count = g.get("sql_count", 0) + 1


db = Database()
