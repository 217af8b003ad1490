"""A rep's agenda: booked calls and open appointments as one list (endpoints §10 and §13).

Booked calls are the legacy appointments (time = `quote_date`, id = the int call id);
appointments are the new ones (time = `scheduled_start`, id = the uuid). Both render in the
company's timezone.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from otto.appointments.models import OPEN_APPOINTMENT_STATUSES, Appointment
from otto.calls.models import Call
from otto.db import db
from otto.fields import utc_iso
from otto.shifts.clock import company_zone
from otto.users.models import User

DEFAULT_DURATION_MINUTES = 60
UPCOMING, PAST, ALL = "upcoming", "past", "all"


@dataclass
class AgendaItem:
    source: str  # "call" or "appointment"
    id: int | str
    at: datetime | None
    rep_id: str | None
    customer_name: str | None
    customer_phone: str | None
    location: str | None
    created_at: datetime | None
    duration: int
    cancelled: bool
    bought: bool
    price_quote: Decimal | None
    geofence: dict | None
    row: Call | Appointment

    @classmethod
    def of_call(cls, call: Call) -> "AgendaItem":
        return cls(source="call", id=call.call_id, at=call.quote_date, rep_id=call.assigned_rep_id,
                   customer_name=call.name, customer_phone=call.phone_number,
                   location=call.address, created_at=call.created_at,
                   duration=DEFAULT_DURATION_MINUTES, cancelled=call.cancelled, bought=call.bought,
                   price_quote=call.price_if_bought, geofence=_call_geofence(call), row=call)

    @classmethod
    def of_appointment(cls, appointment: Appointment) -> "AgendaItem":
        contact = appointment.contact_card
        return cls(source="appointment", id=appointment.id, at=appointment.scheduled_start,
                   rep_id=appointment.assigned_rep_id,
                   customer_name=contact.full_name if contact else None,
                   customer_phone=contact.primary_phone if contact else None,
                   location=appointment.location, created_at=appointment.created_at,
                   duration=_minutes(appointment), cancelled=appointment.status == "cancelled",
                   bought=appointment.outcome == "won", price_quote=appointment.deal_size,
                   geofence=_appointment_geofence(appointment), row=appointment)


def agenda(*, rep_id: str | None, when: str, now: datetime) -> list[AgendaItem]:
    """Booked, non-cancelled calls and scheduled/confirmed appointments (of `rep_id`, or of the
    whole company when None): `upcoming` ascending from now, `past` and `all` newest first.
    Items without a time appear only in `all`, last."""
    calls = select(Call).where(Call.booked.is_(True), Call.cancelled.is_(False))
    appointments = (select(Appointment).options(joinedload(Appointment.contact_card))
                    .where(Appointment.status.in_(OPEN_APPOINTMENT_STATUSES)))
    if rep_id is not None:
        calls = calls.where(Call.assigned_rep_id == rep_id)
        appointments = appointments.where(Appointment.assigned_rep_id == rep_id)
    if when == UPCOMING:
        calls = calls.where(Call.quote_date >= now)
        appointments = appointments.where(Appointment.scheduled_start >= now)
    elif when == PAST:
        calls = calls.where(Call.quote_date < now)
        appointments = appointments.where(Appointment.scheduled_start < now)

    items = [AgendaItem.of_call(call) for call in db.session.execute(calls).scalars()]
    items += [AgendaItem.of_appointment(row)
              for row in db.session.execute(appointments).unique().scalars()]
    return ordered(items, descending=when != UPCOMING)


def ordered(items: list[AgendaItem], *, descending: bool) -> list[AgendaItem]:
    """By time (ascending or newest first), items without a time last."""
    timed = sorted((item for item in items if item.at is not None), key=lambda item: item.at,
                   reverse=descending)
    return timed + [item for item in items if item.at is None]


def render(item: AgendaItem, company, now: datetime) -> dict:
    """The fields RepAppointment and MobileAppointment share."""
    local = item.at.astimezone(company_zone(company)) if item.at is not None else None
    is_past = item.at is not None and item.at < now
    status = "cancelled" if item.cancelled else ("past" if is_past else "upcoming")
    return {
        "id": item.id,
        "source": item.source,
        "title": f"Appointment with {item.customer_name or 'Unknown'}",
        "description": item.location or "No address provided",
        "date": local.date().isoformat() if local else None,
        "time": local.strftime("%H:%M:%S") if local else None,
        "full_datetime": utc_iso(item.at),
        "status": status,
        "customer_name": item.customer_name,
        "customer_phone": item.customer_phone,
        "location": item.location,
        "created_at": utc_iso(item.created_at),
        "duration": item.duration,
        "is_past": is_past,
    }


def rep_appointment(item: AgendaItem, company, now: datetime) -> dict:
    """RepAppointment (endpoints §10)."""
    return {**render(item, company, now), "bought": item.bought, "cancelled": item.cancelled,
            "price_quote": _number(item.price_quote)}


def mobile_appointment(item: AgendaItem, company, now: datetime) -> dict:
    """MobileAppointment (endpoints §13)."""
    return {**render(item, company, now), "geofence": item.geofence}


def rep_names(rep_ids) -> dict[str, str]:
    """Display names of users by id, in one query ("Unknown" when a user has none)."""
    ids = {rep_id for rep_id in rep_ids if rep_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name or "Unknown" for user_id, name in rows}


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _minutes(appointment: Appointment) -> int:
    start, end = appointment.scheduled_start, appointment.scheduled_end
    if end is None or end <= start:
        return DEFAULT_DURATION_MINUTES
    return int((end - start).total_seconds() // 60)


def _call_geofence(call: Call) -> dict | None:
    """The legacy call geofence (radius in metres), when the call has one."""
    fence = call.geofence or {}
    if fence.get("latitude") is None or fence.get("longitude") is None:
        return None
    return {"latitude": fence["latitude"], "longitude": fence["longitude"],
            "radius": fence.get("radius")}


def _appointment_geofence(appointment: Appointment) -> dict | None:
    """The appointment's geofence centre and radii (feet), when it has a centre."""
    if appointment.location_lat is None or appointment.location_lng is None:
        return None
    return {"latitude": appointment.location_lat, "longitude": appointment.location_lng,
            "radius_start": appointment.geofence_radius_start,
            "radius_stop": appointment.geofence_radius_stop}
