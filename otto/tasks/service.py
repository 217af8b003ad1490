"""Task and key-signal machines (§4.8 of the domain spec), dedupe keys and the automatic moves."""

import hashlib
import logging
import uuid
from datetime import datetime

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert

from otto.db import db, utcnow
from otto.errors import Conflict
from otto.tasks.models import KeySignal, Task
from otto.tenancy import current_company_id

log = logging.getLogger(__name__)

OTTO = "otto"
# The predicates of the partial unique indexes that dedupe tasks and signals (models).
LIVE_KEY = text("unique_key IS NOT NULL AND status <> 'cancelled'")
OPEN_KEY = text("unique_key IS NOT NULL AND NOT acknowledged")
LIVE_TASK_STATUSES = ("open", "overdue")
TASK_STATUS_MOVES = {
    "open": frozenset({"completed", "cancelled", "overdue"}),
    "overdue": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
CALLBACK_ACTIONS = ("call_back", "follow_up_call")
SCHEDULING_ACTIONS = ("schedule_appointment", "schedule_visit", "reschedule", "confirm_appointment")
DEFAULT_ASSIGNEE = {
    "site_visit": "rep", "inspection": "rep", "measurement": "rep",
    "escalate": "manager", "manager_review": "manager", "get_approval": "manager",
}


def _sha256(*parts) -> str:
    joined = ":".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()


def task_unique_key(source: str, description: str, contact_card_id: str | None) -> str:
    return _sha256(source, description, contact_card_id)


def signal_unique_key(signal_type: str, title: str, contact_card_id: str) -> str:
    return _sha256(signal_type, title, contact_card_id)


def default_assignee(action_type: str | None) -> str:
    """Who a task of `action_type` goes to when nobody is named: rep, manager, else CSR."""
    return DEFAULT_ASSIGNEE.get(action_type, "csr")


def create_task(*, description: str, source: str, contact_card_id: str | None = None,
                lead_id: str | None = None, appointment_id: str | None = None,
                call_id: int | None = None, action_type: str | None = None,
                assigned_to: str | None = None, assignee_id: str | None = None,
                due_at: datetime | None = None, priority: str | None = None,
                metadata: dict | None = None) -> Task | None:
    """Insert a task unless a non-cancelled one with the same dedupe key exists (then None).

    The partial unique index decides between concurrent writers, so exactly one row wins.
    """
    unique_key = task_unique_key(source, description, contact_card_id)
    values = dict(
        company_id=current_company_id(), contact_card_id=contact_card_id, lead_id=lead_id,
        appointment_id=appointment_id, call_id=call_id, description=description,
        assigned_to=assigned_to or default_assignee(action_type), assignee_id=assignee_id,
        source=source, action_type=action_type, unique_key=unique_key, due_at=due_at,
        status="open", priority=priority, task_metadata=metadata,
    )
    statement = (
        insert(Task).values(id=str(uuid.uuid4()), **values)
        .on_conflict_do_nothing(index_elements=["company_id", "unique_key"], index_where=LIVE_KEY)
        .returning(Task.id)
    )
    task_id = db.session.execute(statement).scalar_one_or_none()
    if task_id is None:
        log.info("task for contact %s skipped: same task already exists", contact_card_id)
        return None
    log.info("task %s created (%s) for contact %s", task_id, action_type or source, contact_card_id)
    return db.session.get(Task, task_id)


def set_task_status(task: Task, new_status: str, *, by: str | None = None,
                    now: datetime | None = None) -> bool:
    """Move a task: open/overdue → completed | cancelled, open → overdue; True when it changed."""
    if new_status == task.status:
        return False
    if new_status not in TASK_STATUS_MOVES.get(task.status, frozenset()):
        raise Conflict(f"Task status cannot change from {task.status} to {new_status}.",
                       details={"current_status": task.status, "requested_status": new_status})
    previous = task.status
    task.status = new_status
    if new_status == "completed":
        task.completed_at = now or utcnow()
        task.completed_by = by
    log.info("task %s moved %s -> %s by %s", task.id, previous, new_status, by)
    return True


def reported_status(task: Task, now: datetime | None = None) -> str:
    """The status readers show: an open task past its due time is overdue, stored yet or not."""
    if task.status == "open" and task.due_at is not None and task.due_at < (now or utcnow()):
        return "overdue"
    return task.status


def mark_overdue_tasks(now: datetime | None = None) -> int:
    """Store `overdue` on the current company's open tasks past `due_at`; returns how many."""
    result = db.session.execute(
        update(Task).where(Task.status == "open", Task.due_at < (now or utcnow()))
        .values(status="overdue").execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def complete_callback_tasks(contact_card_id: str, happened_at: datetime) -> int:
    """An answered call or a manual outbound text with the contact completes its callback tasks."""
    return _complete_live_tasks(
        Task.contact_card_id == contact_card_id, Task.action_type.in_(CALLBACK_ACTIONS),
        Task.created_at < happened_at, now=happened_at)


def complete_scheduling_tasks(lead_id: str, happened_at: datetime) -> int:
    """An appointment created or confirmed for the lead completes its scheduling tasks."""
    return _complete_live_tasks(
        Task.lead_id == lead_id, Task.action_type.in_(SCHEDULING_ACTIONS), now=happened_at)


def _complete_live_tasks(*criteria, now: datetime) -> int:
    result = db.session.execute(
        update(Task).where(Task.status.in_(LIVE_TASK_STATUSES), *criteria)
        .values(status="completed", completed_at=now, completed_by=OTTO)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def close_lead_work(lead_id: str, now: datetime | None = None) -> None:
    """A closed lead leaves no work behind: live tasks cancelled, open signals acknowledged."""
    now = now or utcnow()
    cancelled = db.session.execute(
        update(Task).where(Task.lead_id == lead_id, Task.status.in_(LIVE_TASK_STATUSES))
        .values(status="cancelled").execution_options(synchronize_session="fetch")
    ).rowcount
    acknowledged = db.session.execute(
        update(KeySignal).where(KeySignal.lead_id == lead_id, KeySignal.acknowledged.is_(False))
        .values(acknowledged=True, acknowledged_at=now, acknowledged_by=OTTO)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if cancelled or acknowledged:
        log.info("lead %s closed: %d task(s) cancelled, %d signal(s) acknowledged",
                 lead_id, cancelled, acknowledged)


def create_signal(*, contact_card_id: str, signal_type: str, title: str,
                  severity: str = "medium", description: str | None = None,
                  lead_id: str | None = None, appointment_id: str | None = None,
                  metadata: dict | None = None) -> KeySignal | None:
    """Insert a key signal unless an unacknowledged one with the same key exists (then None)."""
    statement = (
        insert(KeySignal).values(
            id=str(uuid.uuid4()), company_id=current_company_id(),
            contact_card_id=contact_card_id, lead_id=lead_id, appointment_id=appointment_id,
            signal_type=signal_type, severity=severity, title=title, description=description,
            unique_key=signal_unique_key(signal_type, title, contact_card_id),
            signal_metadata=metadata, acknowledged=False,
        )
        .on_conflict_do_nothing(index_elements=["company_id", "unique_key"], index_where=OPEN_KEY)
        .returning(KeySignal.id)
    )
    signal_id = db.session.execute(statement).scalar_one_or_none()
    if signal_id is None:
        log.info("%s signal for contact %s skipped: still unacknowledged",
                 signal_type, contact_card_id)
        return None
    log.info("key signal %s (%s) raised for contact %s", signal_id, signal_type, contact_card_id)
    return db.session.get(KeySignal, signal_id)


def acknowledge_signal(signal: KeySignal, *, by: str, now: datetime | None = None) -> bool:
    """unacknowledged → acknowledged; acknowledging again changes nothing (False)."""
    if signal.acknowledged:
        return False
    signal.acknowledged = True
    signal.acknowledged_at = now or utcnow()
    signal.acknowledged_by = by
    log.info("key signal %s acknowledged by %s", signal.id, by)
    return True

