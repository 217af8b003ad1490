"""The call status machine (provider events and API updates share one table of moves)."""

import logging

from otto import enums
from otto.calls.models import Call
from otto.errors import Conflict, ValidationFailed

log = logging.getLogger(__name__)

LIVE_STATUSES = ("incoming", "ringing", "in_progress", "answered")

# From a status (None = not yet known) to the statuses it may move to.
CALL_STATUS_MOVES: dict[str | None, frozenset[str]] = {
    None: frozenset(enums.CALL_STATUS),
    "incoming": frozenset({"ringing", "in_progress", "answered", "completed", "missed"}),
    "ringing": frozenset({"in_progress", "answered", "completed", "missed"}),
    "in_progress": frozenset({"in_progress", "answered", "completed"}),
    "answered": frozenset({"in_progress", "answered", "completed"}),
    "missed": frozenset({"ai_recovery_sent"}),
    "completed": frozenset(),
    "ai_recovery_sent": frozenset(),
}


def call_status_allowed(current: str | None, new: str) -> bool:
    return new in CALL_STATUS_MOVES.get(current, frozenset())


def set_call_status(call: Call, new_status: str, *, from_provider: bool = False) -> bool:
    """Move `call` to `new_status`; True when the status changed.

    Repeating the current status is a no-op. A move the machine refuses is a 409 for API
    callers; provider events arrive out of order, so theirs are ignored and logged instead.
    """
    if new_status not in enums.CALL_STATUS:
        raise ValidationFailed(f"Unknown call status: {new_status}")
    current = call.status
    if new_status == current:
        return False
    if not call_status_allowed(current, new_status):
        if from_provider:
            log.info("call %s: provider status %s after %s ignored",
                     call.call_id, new_status, current)
            return False
        raise Conflict(f"Call status cannot change from {current} to {new_status}.",
                       details={"current_status": current, "requested_status": new_status})

    call.status = new_status
    log.info("call %s moved %s -> %s", call.call_id, current, new_status)
    return True
