"""The recording session machine (§4.4), ghost-mode storage (§5.13) and geofence distances."""

import logging
import math
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from otto.appointments.models import Appointment
from otto.appointments.service import record_arrival, record_departure
from otto.contacts.timeline import record_event
from otto.db import db, utcnow
from otto.errors import Conflict, InvalidRequest, NotFound, OperationNotAllowed
from otto.leads.service import apply_deal_status
from otto.recordings.models import ACTIVE_SESSION_STATUSES, RecordingSession
from otto.shifts.clock import company_today
from otto.shifts.models import RepShift

log = logging.getLogger(__name__)

EARLIEST_START = timedelta(minutes=30)  # before the appointment's scheduled_start
DEFAULT_RADIUS_START_FEET = 200.0
DEFAULT_RADIUS_STOP_FEET = 500.0
EARTH_RADIUS_M = 6_371_008.8
FEET_PER_METRE = 1 / 0.3048
ALREADY_ACTIVE = "A recording session is already active for this appointment or rep."

# `pending` is never written by the API but counts as active: it can be stopped or failed, so
# a stale one never blocks the next session.
SESSION_STATUS_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"recording", "completed", "failed"}),
    "recording": frozenset({"completed", "failed"}),
    "completed": frozenset({"failed"}),
    "failed": frozenset(),
}
# transcription_status and analysis_status; a failed step may be retried.
PROCESSING_STATUS_MOVES: dict[str, frozenset[str]] = {
    "not_started": frozenset({"in_progress"}),
    "in_progress": frozenset({"completed", "failed"}),
    "failed": frozenset({"in_progress"}),
    "completed": frozenset(),
}
PROCESSING_FIELDS = ("transcription_status", "analysis_status")


def storage_for(company, mode: str, now: datetime | None = None) -> tuple[str, datetime | None]:
    """(audio_storage_mode, expires_at) of a new session in `mode` (§5.13)."""
    if mode != "ghost":
        return "persistent", None
    if getattr(company, "ghost_mode_storage", "not_stored") == "ephemeral":
        minutes = getattr(company, "ghost_mode_ephemeral_ttl_minutes", None) or 60
        return "ephemeral", (now or utcnow()) + timedelta(minutes=minutes)
    return "not_stored", None


def start_session(company, rep, appointment_id: str, *, lat: float, lng: float,
                  mode: str | None = None, now: datetime | None = None) -> RecordingSession:
    """Start recording a visit, with the guards of §4.4 in order; the row is born `recording`.

    `rep` is the company's SalesRep (the caller has checked who may act for it). The lead's
    deal becomes in-progress and the timeline gets `recording_started`.
    """
    now = now or utcnow()
    mode = mode or rep.recording_mode
    if not rep.allow_recording:
        raise OperationNotAllowed("Recording is not allowed for this rep", status=403)
    if not rep.allow_location_tracking:
        raise OperationNotAllowed("Location tracking is not allowed for this rep", status=403)
    if mode == "off":
        raise OperationNotAllowed("Recording mode is off for this rep", status=403)
    if mode == "ghost" and not company.allow_ghost_mode:
        raise OperationNotAllowed("Ghost mode is not allowed for this company", status=403)
    shift = _shift_today(company, rep.user_id, now)
    if company.require_clock_in and (shift is None or shift.status != "active"):
        raise InvalidRequest("Rep must be clocked in to start recording")
    appointment = db.session.execute(
        select(Appointment).where(Appointment.id == appointment_id)
    ).scalar_one_or_none()
    if appointment is None or appointment.assigned_rep_id != rep.user_id:
        raise NotFound(f"Appointment {appointment_id} not found or not assigned to rep")
    if now < appointment.scheduled_start - EARLIEST_START:
        raise InvalidRequest("Recording can start at most 30 minutes before the appointment.")
    if active_session(appointment_id=appointment.id, rep_id=rep.user_id) is not None:
        raise Conflict(ALREADY_ACTIVE)

    storage_mode, expires_at = storage_for(company, mode, now)
    session = RecordingSession(
        company_id=appointment.company_id, rep_id=rep.user_id, appointment_id=appointment.id,
        shift_id=shift.id if shift is not None else None, status="recording", mode=mode,
        audio_storage_mode=storage_mode, expires_at=expires_at, started_at=now,
        start_lat=lat, start_lng=lng,
        geofence_radius_start=appointment.geofence_radius_start or DEFAULT_RADIUS_START_FEET,
        geofence_radius_stop=appointment.geofence_radius_stop or DEFAULT_RADIUS_STOP_FEET,
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:
        # A concurrent start won the partial unique index.
        raise Conflict(ALREADY_ACTIVE) from None

    apply_deal_status(appointment.lead, "recording_started")
    record_event(appointment.contact_card_id, "recording_started", lead_id=appointment.lead_id,
                 appointment_id=appointment.id, actor_id=rep.user_id, actor_role="rep", at=now,
                 metadata={"recording_session_id": session.id, "mode": mode})
    log.info("recording session %s started by rep %s for appointment %s (%s, %s)",
             session.id, rep.user_id, appointment.id, mode, storage_mode)
    return session


def stop_session(session: RecordingSession, *, lat: float | None = None, lng: float | None = None,
                 now: datetime | None = None) -> bool:
    """recording → completed. Returns True when processing starts now (audio already uploaded):
    the caller then enqueues the visit analysis for `session.id`."""
    if session.status not in ACTIVE_SESSION_STATUSES:
        raise Conflict("Recording session is already stopped",
                       details={"current_status": session.status})
    now = now or utcnow()
    session.status = "completed"
    session.ended_at = now
    session.end_lat, session.end_lng = lat, lng
    record_event(session.appointment.contact_card_id, "recording_ended",
                 lead_id=session.appointment.lead_id, appointment_id=session.appointment_id,
                 actor_id=session.rep_id, actor_role="rep", at=now,
                 metadata={"recording_session_id": session.id})
    log.info("recording session %s stopped (rep %s)", session.id, session.rep_id)
    return _begin_processing(session)


def stop_open_session(rep_id: str, *, now: datetime | None = None):
    """Stop the rep's active session (clock-out, day end); (session, processing_started) or None."""
    session = active_session(rep_id=rep_id)
    if session is None:
        return None
    return session, stop_session(session, now=now)


def record_audio_upload(session: RecordingSession, *, audio_url: str, duration_seconds: float,
                        size_bytes: int) -> bool:
    """Attach uploaded audio. True when processing starts now (the session is already stopped)."""
    if session.audio_storage_mode == "not_stored":
        raise OperationNotAllowed("Audio is not stored for this recording session")
    if session.status not in ("recording", "completed"):
        raise Conflict(f"Cannot attach audio to a {session.status} recording session",
                       details={"current_status": session.status})
    session.audio_url = audio_url
    session.audio_duration_seconds = duration_seconds
    session.audio_size_bytes = size_bytes
    log.info("recording session %s: audio attached (%s bytes)", session.id, size_bytes)
    return session.status == "completed" and _begin_processing(session)


def fail_session(session: RecordingSession, message: str) -> bool:
    """recording/completed → failed when processing cannot start; True when it changed."""
    if session.status == "failed":
        return False
    if "failed" not in SESSION_STATUS_MOVES[session.status]:
        raise Conflict(f"Recording session cannot fail from {session.status}")
    session.status = "failed"
    session.error_message = message
    log.warning("recording session %s failed: %s", session.id, message)
    return True


def set_processing_status(session: RecordingSession, field: str, new_status: str,
                          error: str | None = None) -> bool:
    """Move transcription_status or analysis_status forward; True when it changed."""
    if field not in PROCESSING_FIELDS:
        raise ValueError(f"not a processing field: {field}")
    current = getattr(session, field)
    if new_status == current:
        return False
    if new_status not in PROCESSING_STATUS_MOVES[current]:
        raise Conflict(f"{field} cannot change from {current} to {new_status}",
                       details={"current_status": current, "requested_status": new_status})
    setattr(session, field, new_status)
    if error is not None:
        session.error_message = error
    log.info("recording session %s %s %s -> %s", session.id, field, current, new_status)
    return True


def visible_audio_url(session: RecordingSession, now: datetime | None = None) -> str | None:
    """The audio URL a client may see: none for not-stored or expired ephemeral audio."""
    if session.audio_storage_mode == "not_stored":
        return None
    if session.expires_at is not None and session.expires_at <= (now or utcnow()):
        return None
    return session.audio_url


def active_session(*, appointment_id: str | None = None,
                   rep_id: str | None = None) -> RecordingSession | None:
    """The active session of the appointment or of the rep (either matches), if any."""
    matches = []
    if appointment_id is not None:
        matches.append(RecordingSession.appointment_id == appointment_id)
    if rep_id is not None:
        matches.append(RecordingSession.rep_id == rep_id)
    return db.session.execute(
        select(RecordingSession).where(RecordingSession.status.in_(ACTIVE_SESSION_STATUSES),
                                       or_(*matches))
        .order_by(RecordingSession.started_at.desc()).limit(1)
    ).scalar_one_or_none()


def distance_feet(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance between two points, in feet."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    metres = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return metres * FEET_PER_METRE


def within_radius(lat: float, lng: float, centre_lat: float, centre_lng: float,
                  radius_feet: float) -> bool:
    """Whether a point lies inside a geofence given in feet (appointments and sessions)."""
    return distance_feet(lat, lng, centre_lat, centre_lng) <= radius_feet


def _begin_processing(session: RecordingSession) -> bool:
    if not session.audio_url or session.audio_storage_mode == "not_stored":
        return False
    if session.transcription_status not in ("not_started", "failed"):
        return False  # already queued or done: the analysis is enqueued once per session
    return set_processing_status(session, "transcription_status", "in_progress")


def _shift_today(company, rep_id: str, now: datetime) -> RepShift | None:
    return db.session.execute(
        select(RepShift).where(RepShift.rep_id == rep_id,
                               RepShift.shift_date == company_today(company, now))
    ).scalar_one_or_none()


def arrival_from_start(session: RecordingSession) -> bool:
    """A start inside the appointment's start radius marks the rep's arrival (§5.12)."""
    appointment = session.appointment
    if None in (appointment.location_lat, appointment.location_lng, session.start_lat,
                session.start_lng):
        return False
    if not within_radius(session.start_lat, session.start_lng, appointment.location_lat,
                         appointment.location_lng, session.geofence_radius_start):
        return False
    return record_arrival(appointment, session.started_at)


def departure_from_stop(session: RecordingSession) -> bool:
    """A stop outside the stop radius, after an arrival, marks the departure and time on site."""
    appointment = session.appointment
    if None in (appointment.location_lat, appointment.location_lng, session.end_lat,
                session.end_lng):
        return False
    if appointment.arrival_at is None or appointment.departure_at is not None:
        return False
    if within_radius(session.end_lat, session.end_lng, appointment.location_lat,
                     appointment.location_lng, session.geofence_radius_stop):
        return False
    return record_departure(appointment, session.ended_at)


def visible_session(session_id: str, *, user_id: str, role: str) -> RecordingSession:
    """The session if the caller may see it (a sales rep: only its own), else 404."""
    session = RecordingSession.get_for_company(session_id)
    if role == "sales_rep" and session.rep_id != user_id:
        raise NotFound(f"Recording session {session_id} not found")
    return session
