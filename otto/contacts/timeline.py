"""Writing moments onto a customer's timeline (event_logs)."""

import logging
from datetime import datetime

from otto.contacts.models import EventLog
from otto.db import db, utcnow
from otto.tenancy import current_company_id

log = logging.getLogger(__name__)

# Request roles as timeline actor roles; Otto's own automations and Shunya count as `ai`.
ACTOR_ROLE_BY_USER_ROLE = {"manager": "manager", "csr": "csr", "sales_rep": "rep"}
AI_ACTORS = ("otto", "shunya")


def actor_role_of(actor_id: str | None, user_role: str | None) -> str | None:
    """The timeline actor role for a user of `user_role`, an AI actor or a system component."""
    if user_role in ACTOR_ROLE_BY_USER_ROLE:
        return ACTOR_ROLE_BY_USER_ROLE[user_role]
    if actor_id in AI_ACTORS:
        return "ai"
    return "system" if actor_id else None


def record_event(contact_card_id: str | None, event_type: str, *, lead_id: str | None = None,
                 appointment_id: str | None = None, call_id: int | None = None,
                 description: str | None = None, metadata: dict | None = None,
                 actor_id: str | None = None, actor_role: str | None = None,
                 at: datetime | None = None) -> EventLog | None:
    """Add a timeline row to the current transaction; without a contact card there is none."""
    if contact_card_id is None:
        log.debug("no contact card: %s event skipped", event_type)
        return None

    entry = EventLog(
        company_id=current_company_id(), contact_card_id=contact_card_id, lead_id=lead_id,
        appointment_id=appointment_id, call_id=call_id, event_type=event_type,
        timestamp=at or utcnow(), event_metadata=metadata, description=description,
        actor_id=actor_id, actor_role=actor_role,
    )
    db.session.add(entry)
    return entry
