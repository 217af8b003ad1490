"""Expo push notifications about calls: a booked call nobody owns, a rep's new assignment."""

import logging
import os

import requests
from rq import Retry
from sqlalchemy import select

from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db
from otto.fields import utc_iso
from otto.shifts.clock import company_zone
from otto.users.models import SalesManager, SalesRep

log = logging.getLogger(__name__)

EXPO_PUSH_URL = "https://exp.host/--/api/v2/push/send"
PUSH_RETRY = Retry(max=3, interval=[10, 60, 300])
PUSH_TIMEOUT_SECONDS = 10


class PushUnavailable(Exception):
    """Expo could not be reached or refused the batch; the job retries."""


def send_push(messages: list[dict]) -> list[dict]:
    """Send Expo messages `{to, title, body, data}`; returns Expo's ticket per message.

    EXPO_PUSH_URL overrides the endpoint (a self-hosted relay, or a stub in tests).
    """
    if not messages:
        return []
    try:
        answer = requests.post(os.environ.get("EXPO_PUSH_URL") or EXPO_PUSH_URL, json=messages,
                               headers={"Accept": "application/json"}, timeout=PUSH_TIMEOUT_SECONDS)
        answer.raise_for_status()
        return answer.json().get("data") or []
    except (requests.RequestException, ValueError) as error:
        raise PushUnavailable(type(error).__name__) from None


def enqueue_unassigned_call_push(call: Call) -> None:
    from jobs.queues import enqueue

    enqueue("default", push_unassigned_booked_call, call.company_id, call.call_id,
            job_id=f"push-unassigned-{call.company_id}-{call.call_id}", retry=PUSH_RETRY)


def enqueue_assignment_push(call: Call, rep_id: str) -> None:
    from jobs.queues import enqueue

    enqueue("default", push_rep_assignment, call.company_id, call.call_id, rep_id, retry=PUSH_RETRY)


def push_unassigned_booked_call(company_id: str, call_id: int) -> dict:
    """Job: tell every manager with a push token that a booked call has no rep yet."""
    call = Call.get_for_company(call_id)
    if call.assigned_rep_id is not None:
        return {"status": "skipped", "reason": "call already assigned"}
    tokens = _tokens(select(SalesManager.expo_push_token))
    if not tokens:
        log.info("call %s booked without a rep: no manager has a push token", call_id)
        return {"status": "skipped", "reason": "no manager push token"}
    body = f"{call.name or 'A customer'} booked for {_when(call)} needs a sales rep."
    tickets = send_push([{"to": token, "title": "Unassigned appointment", "body": body,
                          "data": {"call_id": call.call_id,
                                   "quote_date": utc_iso(call.quote_date)}} for token in tokens])
    log.info("call %s: unassigned push sent to %d manager(s)", call_id, len(tokens))
    return {"status": "sent", "tickets": tickets}


def push_rep_assignment(company_id: str, call_id: int, rep_id: str) -> dict:
    """Job: tell the rep about the call it was just given (customer, date, address)."""
    call = Call.get_for_company(call_id)
    if call.assigned_rep_id != rep_id:
        return {"status": "skipped", "reason": "call no longer assigned to this rep"}
    tokens = _tokens(select(SalesRep.expo_push_token).where(SalesRep.user_id == rep_id))
    if not tokens:
        log.info("call %s assigned to rep %s, who has no push token", call_id, rep_id)
        return {"status": "skipped", "reason": "rep has no push token"}
    body = f"{call.name or 'Customer'}, {_when(call)}, {call.address or 'no address given'}"
    tickets = send_push([{"to": tokens[0], "title": "New appointment assigned", "body": body,
                          "data": {"call_id": call.call_id}}])
    log.info("call %s: assignment push sent to rep %s", call_id, rep_id)
    return {"status": "sent", "tickets": tickets}


def _tokens(query) -> list[str]:
    return [token for token in db.session.execute(query).scalars() if token]


def _when(call: Call) -> str:
    """The appointment time as the company reads it, e.g. "Jun 15, 2026 at 02:00 PM"."""
    if call.quote_date is None:
        return "an open date"
    zone = company_zone(db.session.get(Company, call.company_id))
    return call.quote_date.astimezone(zone).strftime("%b %d, %Y at %I:%M %p")
