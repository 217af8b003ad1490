"""Creating and changing users, their profiles and Clerk memberships."""

import logging
import uuid

from flask import current_app
from sqlalchemy import func, select

from otto import audit
from otto.auth.roles import CLERK_ROLE_FOR, MANAGER, SALES_REP, otto_role
from otto.db import db
from otto.errors import (
    DuplicateResource,
    NotFound,
    OperationNotAllowed,
    ServiceNotConfigured,
    UserNotFound,
    field_error,
)
from otto.phones import to_e164
from otto.tenancy import current_company_id
from otto.users.models import SalesManager, SalesRep, User
from otto.users.schemas import RESERVED_METADATA_KEYS

log = logging.getLogger(__name__)


def clerk():
    return current_app.extensions["otto"].clerk


def view(user: User) -> dict:
    profile = None
    if user.manager_profile is not None:
        reps = db.session.execute(
            select(func.count()).select_from(SalesRep).where(SalesRep.manager_id == user.id)).scalar()
        profile = {"id": user.id, "reps_count": reps}
    elif user.rep_profile is not None:
        profile = {"id": user.id, "manager_id": user.rep_profile.manager_id}
    return {
        "id": user.id, "name": user.name, "email": user.email, "username": user.username,
        "phone_number": user.phone_number, "role": user.role, "company_id": user.company_id,
        "has_clerk_account": clerk().configured and user.id.startswith("user_"), "profile": profile,
    }


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    e164 = to_e164(value)
    if e164 is None:
        raise field_error("body.phone_number", "Not a phone number.", "invalid_phone",
                          error_code="INVALID_INPUT")
    return e164


def _check_unique(email: str | None, username: str | None, except_id: str | None = None) -> None:
    for field, value in (("email", email), ("username", username)):
        if not value:
            continue
        clash = db.session.execute(
            select(User.id).where(getattr(User, field) == value, User.id != (except_id or ""))
        ).first()
        if clash:
            raise DuplicateResource(f"That {field} is already taken.")


def _manager(manager_id: str | None) -> str | None:
    if not manager_id:
        return None
    manager = select(SalesManager.user_id).where(SalesManager.user_id == manager_id)
    if db.session.execute(manager).first() is None:
        raise NotFound("Manager not found.")
    return manager_id


def create_user(args: dict) -> User:
    role = args["role"]
    if role == SALES_REP and not args.get("manager_id"):
        raise field_error("body.manager_id", "Required for a sales rep.", "required",
                          error_code="MISSING_REQUIRED_FIELD")
    manager_id = _manager(args.get("manager_id"))
    _check_unique(args["email"], args["username"])
    phone = _phone(args.get("phone_number"))

    if clerk().configured:
        # The Clerk id comes first, so users.id is the real Clerk id; a Clerk failure persists nothing.
        created = clerk().create_user(email=args["email"], username=args["username"],
                                      first_name=args.get("first_name"), last_name=args.get("last_name"))
        user_id = created["id"]
        clerk().upsert_membership(current_company_id(), user_id, CLERK_ROLE_FOR[role])
    else:
        user_id = f"local_{uuid.uuid4().hex}"

    user = User(id=user_id, company_id=current_company_id(), name=args["name"], email=args["email"],
                username=args["username"], role=role, phone_number=phone)
    db.session.add(user)
    db.session.flush()
    _set_profile(user, role, manager_id)
    audit.record("user_created", "user", user.id, changes={"role": role})
    log.info("user %s created with role %s", user.id, role)
    return user


def _set_profile(user: User, role: str, manager_id: str | None = None) -> None:
    """Swap profile rows to match `role` (rep <-> manager; csr has none)."""
    if role != MANAGER and user.manager_profile is not None:
        for rep in db.session.execute(select(SalesRep).where(SalesRep.manager_id == user.id)).scalars():
            rep.manager_id = None
        db.session.delete(user.manager_profile)
        user.manager_profile = None
    if role != SALES_REP and user.rep_profile is not None:
        db.session.delete(user.rep_profile)
        user.rep_profile = None
    db.session.flush()
    if role == MANAGER and user.manager_profile is None:
        user.manager_profile = SalesManager(user_id=user.id, company_id=user.company_id)
    if role == SALES_REP:
        if user.rep_profile is None:
            user.rep_profile = SalesRep(user_id=user.id, company_id=user.company_id, manager_id=manager_id)
        elif manager_id:
            user.rep_profile.manager_id = manager_id
    db.session.flush()


def _managers_count() -> int:
    return db.session.execute(select(func.count()).select_from(User).where(
        User.role == MANAGER, User.is_active.is_(True))).scalar()


def update_user(user: User, args: dict, actor_id: str) -> User:
    new_role = args.get("role")
    if new_role and new_role != user.role and user.role == MANAGER and _managers_count() <= 1:
        raise OperationNotAllowed("The last manager cannot be demoted.")
    _check_unique(args.get("email"), None, except_id=user.id)
    manager_id = _manager(args.get("manager_id"))

    for field in ("name", "email"):
        if args.get(field):
            setattr(user, field, args[field])
    if "phone_number" in args:
        user.phone_number = _phone(args["phone_number"])

    if clerk().configured and user.id.startswith("user_"):
        clerk().update_user(user.id, first_name=args.get("first_name"), last_name=args.get("last_name"))
        if new_role and new_role != user.role:
            clerk().upsert_membership(user.company_id, user.id, CLERK_ROLE_FOR[new_role])

    if new_role and new_role != user.role:
        old_role, user.role = user.role, new_role
        _set_profile(user, new_role, manager_id)
        audit.record("role_changed", "user", user.id, changes={"from": old_role, "to": new_role})
        log.info("user %s role %s -> %s by %s", user.id, old_role, new_role, actor_id)
    else:
        if manager_id and user.rep_profile is not None:
            user.rep_profile.manager_id = manager_id
        audit.record("user_updated", "user", user.id, changes={"fields": sorted(args)})
    db.session.flush()
    return user


def sync_to_clerk(user: User) -> None:
    if not clerk().configured:
        raise ServiceNotConfigured("Clerk is not configured.")
    if user.id.startswith("user_"):
        clerk().update_user(user.id, username=user.username)
    else:
        raise OperationNotAllowed(
            "This local-only user has no Clerk account to sync; create it in Clerk first.")


def update_metadata(user: User, public: dict | None, private: dict | None) -> dict:
    if public is None and private is None:
        raise field_error("body", "Send publicMetadata or privateMetadata.", "required",
                          error_code="MISSING_REQUIRED_FIELD")
    for name, values in (("publicMetadata", public), ("privateMetadata", private)):
        reserved = RESERVED_METADATA_KEYS & set(values or {})
        if reserved:
            keys = ", ".join(sorted(reserved))
            raise field_error(f"body.{name}", f"Reserved keys: {keys}.", "reserved_key")
    if not clerk().configured:
        raise ServiceNotConfigured("Clerk is not configured.")
    result = clerk().update_metadata(user.id, public, private)
    audit.record("metadata_updated", "user", user.id,
                 changes={"public_keys": sorted(public or {}), "private_keys": sorted(private or {})})
    return {"id": user.id, "public_metadata": result.get("public_metadata", public or {}),
            "private_metadata_keys": sorted((result.get("private_metadata") or private or {}).keys())}


def set_membership(org_id: str, user_id: str, role_input: str) -> str:
    role = otto_role(role_input) or role_input
    if not clerk().configured:
        raise ServiceNotConfigured("Clerk is not configured.")
    clerk().get_user(user_id)  # 404 USER_NOT_FOUND when Clerk has no such user
    user = db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()
    if user is not None and user.role == MANAGER and role != MANAGER and _managers_count() <= 1:
        raise OperationNotAllowed("The last org:admin cannot be demoted.")
    clerk().upsert_membership(org_id, user_id, CLERK_ROLE_FOR[role])
    apply_membership(org_id, user_id, role, existing=user)
    return CLERK_ROLE_FOR[role]


def apply_membership(org_id: str, user_id: str, role: str, *, existing: User | None,
                     email: str | None = None, name: str | None = None) -> User:
    """Mirror a Clerk membership: create or re-role the user, swap its profile, audit it."""
    user = existing
    if user is None:
        user = User(id=user_id, company_id=org_id, role=role, email=email, name=name)
        db.session.add(user)
        db.session.flush()
        audit.record("membership_added", "user", user_id, changes={"role": role})
    elif user.role != role:
        audit.record("role_changed", "user", user_id, changes={"from": user.role, "to": role})
        user.role = role
    user.is_active = True
    _set_profile(user, role)
    return user


def get_user(user_id: str) -> User:
    return User.get_for_company(user_id, UserNotFound)
