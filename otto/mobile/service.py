"""Mobile recordings (their machine, upload and progress) and the rep app's views of a call."""

import logging

from sqlalchemy import select

from otto.calls.models import Call
from otto.db import db, utcnow
from otto.errors import CallNotFound, Conflict, NotFound, field_error
from otto.fields import json_list, parse_utc, utc_iso
from otto.messages.models import MessageThread
from otto.mobile.models import MobileRecording
from otto.shifts.clock import company_zone
from otto.storage import blob_key, storage

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


# Requests of the rep app -------------------------------------------------------------------

TRANSCRIPTION_MODULE = "otto.analysis.service"  # the transcription job's entry points
NO_TRANSCRIPTION = "Transcription is not available in this installation; the audio is stored."
DISPLAY_TIME = "%Y-%m-%d %I:%M %p"


def visible_call(call_id, *, user_id: str, role: str) -> Call:
    """A call the caller may see (a sales rep: only calls assigned to it), else 404."""
    call = Call.get_for_company(call_id)
    if role == "sales_rep" and call.assigned_rep_id != user_id:
        raise CallNotFound()
    return call


def visible_recording(recording_id: str, *, user_id: str, role: str) -> MobileRecording:
    """A recording the caller may see (a sales rep: only its own), else 404."""
    recording = MobileRecording.get_for_company(
        recording_id, not_found=lambda: NotFound("Recording session not found"))
    if role == "sales_rep" and recording.rep_id != user_id:
        raise NotFound("Recording session not found")
    return recording


def start_recording(call: Call, args: dict, *, user_id: str, role: str) -> MobileRecording:
    """A `pending` recording for a call, and the call's recording-start telemetry."""
    now = utcnow()
    rep_id = user_id if role == "sales_rep" else (call.assigned_rep_id or user_id)
    recording = MobileRecording(
        company_id=call.company_id, call_id=call.call_id, rep_id=rep_id,
        trigger_type=args["trigger_type"], scheduled_time=args.get("scheduled_time"),
        location_trigger=args.get("location_trigger"),
        battery_percentage=args.get("battery_percentage"), is_charging=args.get("is_charging"))
    db.session.add(recording)

    call.recording_started_ts = now
    call.battery_at_recording_start = args.get("battery_percentage")
    call.charging_at_recording_start = args.get("is_charging")
    if call.geofence_entry_1_ts is not None:
        call.time_to_start_recording_s = int((now - call.geofence_entry_1_ts).total_seconds())
    db.session.flush()
    log.info("mobile recording %s started for call %s by %s (%s trigger)",
             recording.id, call.call_id, user_id, recording.trigger_type)
    return recording


def store_upload(recording: MobileRecording, stream, filename: str | None) -> MobileRecording:
    """Store uploaded audio (size checked while it streams, format from its bytes), mark the
    recording `processing` and queue its transcription when that job is installed."""
    from otto.mobile import audio

    if recording.status != "pending":
        raise Conflict(f"Audio was already uploaded for this recording ({recording.status}).",
                       details={"current_status": recording.status})
    files = storage()
    key = blob_key(recording.company_id, "mobile-recordings", recording.id, filename or "recording")
    blob = files.save_stream(key, stream, audio.MAX_AUDIO_BYTES)
    extension = audio.audio_extension(blob.head)
    if extension is None:
        files.delete(key)
        raise field_error("body.file", f"The file is not audio ({audio.ACCEPTED_FORMATS}).",
                          "unsupported_audio")

    now = utcnow()
    recording.storage_key = key
    set_recording_status(recording, "processing")
    call = recording.call
    call.recording_stopped_ts = now
    if call.recording_started_ts is not None:
        call.recording_duration_s = int((now - call.recording_started_ts).total_seconds())
    db.session.flush()
    log.info("mobile recording %s: %s audio stored (%d bytes)", recording.id, extension, blob.size)

    enqueue_transcription = _transcription("enqueue_transcription")
    if enqueue_transcription is not None:
        enqueue_transcription(recording)
    else:
        log.warning("mobile recording %s: no transcription job installed", recording.id)
    return recording


def recording_status(recording: MobileRecording) -> dict:
    """The audio status route's body; progress comes from the transcription job when it runs."""
    progress_of = _transcription("transcription_progress")
    if progress_of is not None:
        progress = progress_of(recording)
    else:
        progress = _progress_from_row(recording)
    body = {
        "status": recording.status, "stage": progress.get("stage"),
        "progress": progress.get("progress", 0), "trigger_type": recording.trigger_type,
        "scheduled_time": utc_iso(recording.scheduled_time),
        "location_trigger": recording.location_trigger, "call_id": recording.call_id,
        "created_at": utc_iso(recording.created_at),
    }
    if recording.raw_transcript is not None:
        body["transcript"] = recording.raw_transcript
    if recording.formatted_transcript is not None:
        body["formatted_transcript"] = recording.formatted_transcript
    if recording.status == "error":
        body["error"] = recording.error
    if recording.status == "processing" and _transcription("enqueue_transcription") is None:
        body["message"] = NO_TRANSCRIPTION
    return body


def raw_data(recording: MobileRecording) -> dict:
    if recording.raw_transcript is None and recording.formatted_transcript is None:
        return {"status": "no_transcript", "message": "No transcript data available yet"}
    return {"raw_transcript": recording.raw_transcript,
            "formatted_transcript": recording.formatted_transcript, "status": recording.status}


def call_messages(call: Call, company) -> list[dict]:
    """The call's texts, oldest first: the legacy `text_messages` list merged with the
    message_threads rows of the call (a message in both appears once, by its sid)."""
    zone = company_zone(company)
    entries, seen_sids = [], set()
    threads = db.session.execute(
        select(MessageThread).where(MessageThread.call_id == call.call_id)
        .order_by(MessageThread.created_at)).scalars()
    for row in threads:
        if row.message_sid:
            seen_sids.add(row.message_sid)
        entries.append((row.created_at, row.body, row.direction))
    for item in _json_list(call.text_messages, "text_messages", call.call_id):
        if item.get("message_sid") and item["message_sid"] in seen_sids:
            continue
        entries.append((parse_utc(item.get("timestamp")), item.get("message"),
                        item.get("direction")))

    entries.sort(key=lambda entry: (entry[0] is not None, entry[0] or utcnow()))
    return [{"message": message, "direction": direction,
             "timestamp": at.astimezone(zone).strftime(DISPLAY_TIME) if at else None,
             "raw_timestamp": utc_iso(at)}
            for at, message, direction in entries]


def call_transcripts(call: Call) -> list[dict]:
    """The phone-call transcripts of the rep app stored on the call (`mobile_transcript`)."""
    keys = ("timestamp", "duration", "call_sid", "recording_sid", "recording_url", "transcript")
    return [{key: item.get(key) for key in keys}
            for item in _json_list(call.mobile_transcript, "mobile_transcript", call.call_id)]


def _transcription(name: str):
    """`enqueue_transcription` or `transcription_progress`, when transcription is installed."""
    from otto.recordings.processing import optional_job

    return optional_job(TRANSCRIPTION_MODULE, name)


def _progress_from_row(recording: MobileRecording) -> dict:
    stages = {"pending": (None, 0), "processing": ("uploaded", 5), "completed": ("done", 100),
              "error": (None, 0)}
    stage, progress = stages[recording.status]
    return {"stage": stage, "progress": progress}


def _json_list(text: str | None, column: str, call_id: int) -> list[dict]:
    items = json_list(text)
    if text and not items:
        log.debug("call %s: %s holds no JSON list; read as empty", call_id, column)
    return [item for item in items if isinstance(item, dict)]
