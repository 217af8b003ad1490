"""The current company: context, ORM scoping hook, Postgres RLS setting and tenant lookups."""

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, String, event, select, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from otto.db import db

_current_company: ContextVar[str | None] = ContextVar("otto_company_id", default=None)

RLS_SETTING = "otto.company_id"


def current_company_id() -> str | None:
    return _current_company.get()


def set_company(company_id: str | None) -> None:
    """Make `company_id` the tenant of this context and of the session's open transaction."""
    _current_company.set(company_id)
    session = db.session()
    if session.in_transaction():
        _apply_rls_setting(session.connection(), company_id)


def clear_company() -> None:
    """Forget the tenant between requests: the thread goes on to serve other callers."""
    _current_company.set(None)


@contextmanager
def tenant_scope(company_id: str | None):
    """Run a block as `company_id`; the previous tenant comes back afterwards."""
    previous = _current_company.get()
    if previous == company_id:
        yield  # already this company's context: no round trip to set it again
        return
    token = _current_company.set(company_id)
    session = db.session()
    if session.in_transaction():
        _apply_rls_setting(session.connection(), company_id)
    try:
        yield
    finally:
        _current_company.reset(token)
        if session.in_transaction():
            _apply_rls_setting(session.connection(), previous)


def _apply_rls_setting(connection, company_id: str | None) -> None:
    # Transaction-local (SET LOCAL semantics): a pooled connection never carries a tenant over.
    connection.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": RLS_SETTING, "value": company_id or ""}
    )


class TenantMixin:
    """A row owned by one company. `company_id` is NOT NULL and leads the table's indexes."""

    @declared_attr
    def company_id(cls) -> Mapped[str]:
        return mapped_column(String(64), ForeignKey("companies.id", ondelete="CASCADE"), index=True)

    @classmethod
    def get_for_company(cls, object_id, not_found=None):
        """Load by primary key inside the current company, or raise the not-found error."""
        row = None
        if object_id is not None:
            row = db.session.execute(
                select(cls).where(cls.id == object_id, cls.company_id == current_company_id())
            ).scalar_one_or_none()
        if row is None:
            from otto.errors import NotFound

            raise (not_found or NotFound)()
        return row


@event.listens_for(Session, "after_begin")
def _set_tenant_on_begin(session, transaction, connection) -> None:
    _apply_rls_setting(connection, _current_company.get())


@event.listens_for(Session, "do_orm_execute")
def _scope_to_company(state) -> None:
    """Add `company_id = current` to every ORM statement touching a tenant model."""
    if state.execution_options.get("skip_tenant_scope"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    company_id = _current_company.get()
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantMixin, lambda cls: cls.company_id == company_id, include_aliases=True
        )
    )


def rls_statements(table: str) -> list[str]:
    """DDL that puts `table` under the tenant policy; used by migrations.

    The policy binds every role but the table owner (the migration role), which is why the
    app connects as a separate role that owns nothing.
    """
    setting = f"current_setting('{RLS_SETTING}', true)"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (company_id = {setting}) WITH CHECK (company_id = {setting})",
    ]


def app_role_grants(role: str = "otto_app") -> list[str]:
    """Give the app role data access (never ownership) to current and future tables, if it exists."""
    return [f"""
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        GRANT USAGE ON SCHEMA public TO {role};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
          GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role};
      END IF;
    END $$"""]


def check_app_role(engine) -> bool:
    """Warn loudly when the app's database role would bypass row-level security."""
    import logging

    log = logging.getLogger(__name__)
    try:
        with engine.connect() as conn:
            superuser, bypass = conn.execute(text(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
            owned = conn.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
            )).scalar()
    except Exception as error:
        log.warning("could not check the database role: %s", type(error).__name__)
        return False
    if superuser or bypass or owned:
        log.warning("the app connects as a role that bypasses row-level security (superuser, BYPASSRLS "
                    "or table owner); connect as a separate non-owner role (see README)")
        return False
    return True
