"""One transaction per request or job; side effects (enqueues, SMS) run only after commit."""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from otto.db import db

log = logging.getLogger(__name__)


def on_commit(callback) -> None:
    """Run `callback()` after the current transaction commits; dropped if it rolls back."""
    db.session().info.setdefault("on_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session) -> None:
    # The data is committed: a failing side effect (Redis down) is logged, never turned into
    # an error for work that already happened. Stored webhooks are swept and re-enqueued.
    callbacks = session.info.pop("on_commit", [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit side effect %s failed", getattr(callback, "__qualname__", callback))


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("on_commit", None)
