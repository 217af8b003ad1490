"""Reading the lead pool: one page of visible leads with their signals and last activity."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from otto.appointments.models import Appointment
from otto.auth.roles import MANAGER
from otto.contacts.models import ContactCard
from otto.db import db
from otto.leads.models import Lead
from otto.tasks.models import KeySignal

SIGNALS_PER_LEAD = 3


@dataclass
class PoolPage:
    leads: list[dict]
    total_count: int
    in_pool_count: int
    assigned_count: int


def visibility(role: str, user_id: str):
    """Managers see every lead; CSRs and reps see the pool plus leads assigned to themselves."""
    if role == MANAGER:
        return None
    return or_(Lead.pool_status == "in_pool",
               (Lead.pool_status == "assigned") & (Lead.assigned_rep_id == user_id))


def pool_page(role: str, user_id: str, *, status: str | None, limit: int, offset: int) -> PoolPage:
    """The visible leads (optionally of one pool status), newest first, and the pool counts."""
    criteria = [criterion for criterion in (visibility(role, user_id),) if criterion is not None]
    if status is not None:
        criteria.append(Lead.pool_status == status)

    newest_appointment = (
        select(func.max(Appointment.scheduled_start)).where(Appointment.lead_id == Lead.id)
        .correlate(Lead).scalar_subquery())
    rows = db.session.execute(
        select(Lead, ContactCard, newest_appointment)
        .join(ContactCard, ContactCard.id == Lead.contact_card_id)
        .where(*criteria).order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(limit).offset(offset)
    ).all()
    total_count = db.session.execute(
        select(func.count()).select_from(Lead)
        .join(ContactCard, ContactCard.id == Lead.contact_card_id).where(*criteria)
    ).scalar_one()
    in_pool_count, assigned_count = db.session.execute(
        select(func.count().filter(Lead.pool_status == "in_pool"),
               func.count().filter(Lead.pool_status == "assigned")).select_from(Lead)
    ).one()

    signals = signal_titles([lead.id for lead, _, _ in rows])
    leads = [_summary(lead, contact, newest_start, signals.get(lead.id, []))
             for lead, contact, newest_start in rows]
    return PoolPage(leads, total_count, in_pool_count, assigned_count)


def signal_titles(lead_ids: list[str]) -> dict[str, list[str]]:
    """Titles of each lead's newest unacknowledged key signals (at most three per lead)."""
    if not lead_ids:
        return {}
    rank = func.row_number().over(partition_by=KeySignal.lead_id,
                                  order_by=(KeySignal.created_at.desc(), KeySignal.id))
    ranked = (select(KeySignal.lead_id, KeySignal.title, rank.label("rank"))
              .where(KeySignal.lead_id.in_(lead_ids), KeySignal.acknowledged.is_(False))
              .subquery())
    titles = defaultdict(list)
    for lead_id, title in db.session.execute(
            select(ranked.c.lead_id, ranked.c.title).where(ranked.c.rank <= SIGNALS_PER_LEAD)
            .order_by(ranked.c.lead_id, ranked.c.rank)):
        titles[lead_id].append(title)
    return titles


def _summary(lead: Lead, contact: ContactCard, newest_start, signals: list[str]) -> dict:
    activity = [moment for moment in (lead.last_contacted_at, newest_start) if moment is not None]
    return {
        "lead_id": lead.id, "contact_card_id": contact.id, "contact_name": contact.full_name,
        "primary_phone": contact.primary_phone, "address": contact.address,
        "lead_status": lead.status, "deal_status": lead.deal_status,
        "pool_status": lead.pool_status, "signals": signals,
        "last_activity": max(activity) if activity else None,
        "assigned_rep_id": lead.assigned_rep_id,
        "requested_by_rep_ids": list(lead.requested_by_rep_ids or []),
        "created_at": lead.created_at,
    }
