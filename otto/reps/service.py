"""Sales reps: listing, creating and updating them."""

import logging

from sqlalchemy import select

from otto.contacts.service import split_name
from otto.db import db
from otto.errors import DuplicateResource, NotFound, field_error
from otto.phones import to_e164
from otto.users.models import SalesRep, User
from otto.users.service import create_user, update_user

log = logging.getLogger(__name__)


def active_reps() -> list[dict]:
    """The company's active reps as `{id, name, email, phone_number, manager_id}`."""
    rows = db.session.execute(
        select(SalesRep, User).join(User, User.id == SalesRep.user_id)
        .where(User.is_active.is_(True)).order_by(User.name, User.id))
    return [{"id": user.id, "name": user.name or "Unknown", "email": user.email,
             "phone_number": user.phone_number, "manager_id": rep.manager_id}
            for rep, user in rows]


def company_rep(rep_id: str) -> SalesRep:
    """A rep of the current company (active or not), else 404."""
    rep = db.session.execute(
        select(SalesRep).where(SalesRep.user_id == rep_id)).scalar_one_or_none()
    if rep is None:
        raise NotFound(f"Sales rep {rep_id} not found", details={"rep_id": rep_id})
    return rep


def default_username(name: str) -> str:
    """"Jane Doe" → "janedoe"."""
    return "".join(name.lower().split())


def create_rep(args: dict) -> User:
    """A sales rep with its user row: in Clerk first when configured, else local-only."""
    phone = _e164(args["phone_number"])
    _refuse_duplicate_phone(phone)
    first_name, last_name = split_name(args["name"])
    user = create_user({
        "role": "sales_rep", "name": args["name"], "email": args["email"],
        "username": args.get("username") or default_username(args["name"]),
        "phone_number": phone, "manager_id": args["manager_id"],
        "first_name": first_name, "last_name": last_name,
    })
    log.info("sales rep %s created (manager %s)", user.id, args["manager_id"])
    return user


def update_rep(rep: SalesRep, args: dict, actor: str) -> User:
    """Change a rep's name, contact details, username or manager."""
    user = rep.user
    if args.get("username") and args["username"] != user.username:
        taken = db.session.execute(
            select(User.id).where(User.username == args["username"], User.id != user.id)).first()
        if taken:
            raise DuplicateResource("That username is already taken.")
        user.username = args["username"]
    if "phone_number" in args:
        _refuse_duplicate_phone(_e164(args["phone_number"]), except_id=user.id)

    changes = {name: args[name] for name in ("name", "email", "phone_number", "manager_id")
               if name in args}
    if "name" in args:
        changes["first_name"], changes["last_name"] = split_name(args["name"])
    update_user(user, changes, actor)
    log.info("sales rep %s updated by %s (%s)", user.id, actor, ", ".join(sorted(args)))
    return user


def _e164(raw: str) -> str:
    e164 = to_e164(raw)
    if e164 is None:
        raise field_error("body.phone_number", "Not a phone number.", "invalid_phone",
                          error_code="INVALID_INPUT")
    return e164


def _refuse_duplicate_phone(phone: str, except_id: str | None = None) -> None:
    clash = db.session.execute(
        select(User.id).join(SalesRep, SalesRep.user_id == User.id)
        .where(User.phone_number == phone, User.id != (except_id or ""))).first()
    if clash:
        raise DuplicateResource("A sales rep with this phone number already exists.")
