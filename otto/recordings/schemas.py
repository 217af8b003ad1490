"""Recording session request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from otto import enums
from otto.fields import UtcDateTime
from otto.recordings.service import visible_audio_url

MAX_AUDIO_BYTES_FIELD = 10**12  # a sanity bound for reported sizes, far above any upload


class LocationArgs(ma.Schema):
    lat = ma.fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class SessionStartArgs(ma.Schema):
    rep_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    appointment_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    mode = ma.fields.String(validate=validate.OneOf(enums.RECORDING_MODE))
    location = ma.fields.Nested(LocationArgs, required=True)


class SessionStopArgs(ma.Schema):
    location = ma.fields.Nested(LocationArgs, required=True)


class UploadCompleteArgs(ma.Schema):
    audio_url = ma.fields.String(required=True, validate=validate.Length(min=1, max=2048))
    audio_duration_seconds = ma.fields.Float(required=True, validate=validate.Range(min=0))
    audio_size_bytes = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=MAX_AUDIO_BYTES_FIELD))


class SessionMetadataArgs(ma.Schema):
    """Non-null values are applied; the rest stays."""

    audio_duration_seconds = ma.fields.Float(allow_none=True, validate=validate.Range(min=0))
    audio_size_bytes = ma.fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_AUDIO_BYTES_FIELD))


class RecordingSessionSchema(ma.Schema):
    """RecordingSessionBase (endpoints §8)."""

    id = ma.fields.String()
    company_id = ma.fields.String()
    rep_id = ma.fields.String()
    appointment_id = ma.fields.String()
    shift_id = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    mode = ma.fields.String()
    audio_storage_mode = ma.fields.String()
    started_at = UtcDateTime()
    ended_at = UtcDateTime(allow_none=True)
    start_lat = ma.fields.Float(allow_none=True)
    start_lng = ma.fields.Float(allow_none=True)
    end_lat = ma.fields.Float(allow_none=True)
    end_lng = ma.fields.Float(allow_none=True)
    geofence_radius_start = ma.fields.Float(allow_none=True)
    geofence_radius_stop = ma.fields.Float(allow_none=True)
    # Never exposed for not-stored or expired ephemeral audio.
    audio_url = ma.fields.Function(visible_audio_url)
    audio_duration_seconds = ma.fields.Float(allow_none=True)
    audio_size_bytes = ma.fields.Integer(allow_none=True)
    transcription_status = ma.fields.String()
    analysis_status = ma.fields.String()
    shunya_asr_job_id = ma.fields.String(allow_none=True)
    shunya_analysis_job_id = ma.fields.String(allow_none=True)
    error_message = ma.fields.String(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)


def session_view(session) -> dict:
    return {"session": RecordingSessionSchema().dump(session)}
