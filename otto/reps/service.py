"""Sales reps: listing, creating and updating them, and assigning a rep to a booked call."""

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from otto.calls.models import Call, ScheduledCall
from otto.contacts.service import split_name
from otto.contacts.timeline import actor_role_of, record_event
from otto.db import db
from otto.errors import DuplicateResource, NotFound, field_error
from otto.phones import to_e164
from otto.users.models import SalesRep, User
from otto.users.service import create_user, update_user

log = logging.getLogger(__name__)

FOLLOWUP_DELAY = timedelta(hours=2)  # the rep's follow-up call, after the quote appointment


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
    rep = db.session.execute(select(SalesRep).where(SalesRep.user_id == rep_id)).scalar_one_or_none()
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


def assign_call(call: Call, rep: SalesRep, *, actor: str, role: str) -> None:
    """Give a call to a rep: the pending follow-up is replaced and both reps' geofences rebuilt.

    Push notifications to the new rep are not sent: Otto has no push sender yet.
    """
    previous_rep_id = call.assigned_rep_id
    call.assigned_rep_id = rep.user_id

    db.session.execute(delete(ScheduledCall).where(ScheduledCall.call_id == call.call_id,
                                                   ScheduledCall.is_completed.is_(False)))
    if call.quote_date is not None:
        db.session.add(ScheduledCall(company_id=call.company_id, call_id=call.call_id,
                                     scheduled_time=call.quote_date + FOLLOWUP_DELAY,
                                     call_type="sales_followup"))
    db.session.flush()

    sync_geofences(rep)
    if previous_rep_id and previous_rep_id != rep.user_id:
        previous = db.session.get(SalesRep, previous_rep_id)
        if previous is not None:
            sync_geofences(previous)
    record_event(call.contact_card_id, "rep_assigned", lead_id=call.lead_id, call_id=call.call_id,
                 actor_id=actor, actor_role=actor_role_of(actor, role),
                 metadata={"rep_id": rep.user_id, "previous_rep_id": previous_rep_id})
    log.info("call %s assigned %s -> %s by %s", call.call_id, previous_rep_id, rep.user_id, actor)


def sync_geofences(rep: SalesRep) -> None:
    """Rebuild the rep's `active_geofences` from its open booked calls (domain §5.12)."""
    fences = db.session.execute(
        select(Call.geofence).where(
            Call.assigned_rep_id == rep.user_id, Call.booked.is_(True), Call.cancelled.is_(False),
            Call.bought.is_(False), Call.reason_for_lost_sale.is_(None), Call.geofence.is_not(None))
        .order_by(Call.call_id)).scalars()
    rep.active_geofences = [fence for fence in fences if fence]  # a new list: JSON is replaced


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
