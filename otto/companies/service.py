"""Registering and updating the caller's own company; credentials are stored write-only."""

import logging

from sqlalchemy import delete, select

from otto import audit
from otto.companies.models import Company, Service
from otto.db import db
from otto.errors import CompanyNotFound, DuplicateResource, field_error
from otto.phones import to_e164

log = logging.getLogger(__name__)


def _phone(value: str | None, field: str) -> str | None:
    if not value:
        return None
    e164 = to_e164(value)
    if e164 is None:
        raise field_error(field, "Not a phone number.", "invalid_phone", error_code="INVALID_INPUT")
    return e164


def register(company_id: str, *, name: str, phone_number: str, address: str | None = None,
             timezone: str | None = None) -> Company:
    if db.session.get(Company, company_id) is not None:
        raise DuplicateResource("This organization is already registered.")
    company = Company(id=company_id, name=name, address=address,
                      phone_number=_phone(phone_number, "body.phone_number"))
    if timezone:
        company.timezone = timezone
    db.session.add(company)
    db.session.flush()
    audit.record("company_created", "company", company.id)
    log.info("company %s registered", company.id)
    return company


def update(company: Company, changes: dict) -> Company:
    services = changes.pop("services", None)
    changed = []
    for field, value in changes.items():
        if value in (None, ""):
            continue  # empty means unchanged
        if field in ("phone_number", "primary_tracking_number"):
            value = _phone(value, f"body.{field}")
        setattr(company, field, value)
        changed.append(field)
    if services is not None:
        replace_services(company.id, services)
        changed.append("services")
    db.session.flush()
    # Field names only: secret values never reach the audit log.
    audit.record("company_updated", "company", company.id, changes={"fields": sorted(changed)})
    return company


def replace_services(company_id: str, services: list[dict]) -> None:
    names = [service["name"] for service in services]
    if len(names) != len(set(names)):
        raise field_error("body.services", "Service names must be unique.", "duplicate")
    db.session.execute(delete(Service).where(Service.company_id == company_id))
    for service in services:
        db.session.add(Service(company_id=company_id, **service))


def set_callrail_key(company: Company, api_key: str, webhook_signing_key: str | None = None) -> None:
    company.callrail_api_key = api_key
    if webhook_signing_key:
        company.callrail_webhook_signing_key = webhook_signing_key
    audit.record("callrail_credentials_updated", "company", company.id)


def set_callrail_account(company: Company, account_id: str) -> None:
    company.callrail_account_id = account_id
    audit.record("callrail_account_updated", "company", company.id, changes={"account_id": account_id})


def by_phone(company_id: str, raw_phone: str) -> Company:
    """The caller's own company when the number is its main line or tracking number."""
    e164 = to_e164(raw_phone)
    company = db.session.get(Company, company_id)
    if e164 is None or company is None or e164 not in (company.phone_number, company.primary_tracking_number):
        raise CompanyNotFound("No company found with this phone number")
    return company


def sales_managers(company: Company) -> list:
    from otto.users.models import SalesManager, User

    return list(db.session.execute(
        select(User).join(SalesManager, SalesManager.user_id == User.id).order_by(User.name)
    ).scalars())
