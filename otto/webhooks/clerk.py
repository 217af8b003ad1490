"""Clerk events (via Svix): organizations and memberships mirror into companies and users."""

import json
import logging

from sqlalchemy import select, text, update

from otto.auth.roles import otto_role
from otto.companies.models import Company
from otto.db import db
from otto.tenancy import tenant_scope
from otto.webhooks.processing import Ignored, Unmatched

log = logging.getLogger(__name__)


def handle(event) -> str | None:
    payload = json.loads(event.raw_body)
    kind, data = payload.get("type"), payload.get("data") or {}
    if kind in ("organization.created", "organization.updated", "organization.deleted"):
        return _organization(kind, data)
    if kind in ("organizationMembership.created", "organizationMembership.updated",
                "organizationMembership.deleted"):
        return _membership(kind, data)
    if kind in ("user.created", "user.updated", "user.deleted"):
        return _user(kind, data)
    raise Ignored(f"unsupported event {kind}")


def _organization(kind: str, data: dict) -> str:
    from otto.users.models import User

    org_id = data.get("id")
    company = db.session.get(Company, org_id)
    if kind == "organization.created" and company is None:
        db.session.add(Company(id=org_id, name=data.get("name")))
        log.info("company %s created from clerk", org_id)
        return org_id
    if company is None:
        raise Unmatched(f"organization {org_id} is not registered")
    if kind == "organization.updated" and data.get("name"):
        company.name = data["name"]
    if kind == "organization.deleted":
        company.subscription_status = "canceled"
        with tenant_scope(org_id):
            db.session.execute(update(User).values(is_active=False))
    return org_id


def _membership(kind: str, data: dict) -> str:
    from otto.users.models import User
    from otto.users.service import apply_membership

    org_id = (data.get("organization") or {}).get("id")
    person = data.get("public_user_data") or {}
    user_id = person.get("user_id")
    if db.session.get(Company, org_id) is None:
        raise Unmatched(f"organization {org_id} is not registered")
    with tenant_scope(org_id):
        user = db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()
        if kind.endswith(".deleted"):
            if user is not None:
                user.is_active = False
            return org_id
        role = otto_role(data.get("role"))
        if role is None:
            raise Ignored(f"membership role {data.get('role')!r} is not one Otto knows")
        name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p) or None
        apply_membership(org_id, user_id, role, existing=user, email=person.get("identifier"),
                         name=name)
    return org_id


def _user(kind: str, data: dict) -> str | None:
    from otto.users.models import User

    user_id = data.get("id")
    company_id = _company_of_user(user_id)
    if company_id is None:
        if kind == "user.created":
            raise Ignored("the user row arrives with its membership")
        raise Unmatched(f"user {user_id} is unknown")
    with tenant_scope(company_id):
        user = db.session.execute(select(User).where(User.id == user_id)).scalar_one()
        if kind == "user.deleted":
            user.is_active = False
            return company_id
        emails = data.get("email_addresses") or []
        if emails:
            user.email = emails[0].get("email_address") or user.email
        user.username = data.get("username") or user.username
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        user.name = name or user.name
        phones = data.get("phone_numbers") or []
        if phones and kind == "user.updated":
            user.phone_number = phones[0].get("phone_number") or user.phone_number
    return company_id


def _company_of_user(user_id: str) -> str | None:
    """Users are tenant rows; this security-definer function returns only the owning company id."""
    return db.session.execute(text("SELECT otto_user_company(:user_id)"), {"user_id": user_id}).scalar()
