"""The mobile recording machine: pending → processing (upload) → completed | error."""

import logging

from otto.errors import Conflict
from otto.mobile.models import MobileRecording

log = logging.getLogger(__name__)

MOBILE_RECORDING_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"processing", "error"}),
    "processing": frozenset({"completed", "error"}),
    "completed": frozenset(),
    "error": frozenset(),
}


def set_recording_status(recording: MobileRecording, new_status: str,
                         error: str | None = None) -> bool:
    """Move a mobile recording forward; True when it changed, 409 when refused."""
    current = recording.status
    if new_status == current:
        return False
    if new_status not in MOBILE_RECORDING_MOVES.get(current, frozenset()):
        raise Conflict(f"Mobile recording cannot change from {current} to {new_status}.",
                       details={"current_status": current, "requested_status": new_status})
    recording.status = new_status
    if new_status == "error":
        recording.error = error
    log.info("mobile recording %s (call %s) %s -> %s", recording.id, recording.call_id, current,
             new_status)
    return True
