"""Signed upload URLs for visit audio, served by Otto's own /files/{token} route offline."""

import posixpath

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from otto.errors import Forbidden, field_error
from otto.recordings.models import RecordingSession
from otto.storage import storage

UPLOAD_CONTENT_TYPE = "audio/m4a"
UPLOAD_TTL_SECONDS = 3600
UPLOAD_MAX_BYTES = 200 * 1024 * 1024
FILES_PATH = "/files/"
_SALT = "otto-signed-files"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def session_prefix(session: RecordingSession) -> str:
    return f"{session.company_id}/recordings/{session.id}/"


def session_audio_key(session: RecordingSession) -> str:
    return f"{session_prefix(session)}{session.id}.m4a"


def signed_upload_url(key: str) -> str:
    """A PUT URL for `key` (audio/m4a, ≤ 200 MB, valid one hour) on this server."""
    token = _serializer().dumps({"key": key, "method": "PUT", "content_type": UPLOAD_CONTENT_TYPE,
                                 "max_bytes": UPLOAD_MAX_BYTES})
    settings = current_app.extensions["otto"].settings
    base = settings.public_base_url or request.host_url.rstrip("/")
    return f"{base}{FILES_PATH}{token}"


def read_token(token: str, method: str) -> dict:
    """The grant a token carries; 403 when it is forged, expired or for another method."""
    try:
        grant = _serializer().loads(token, max_age=UPLOAD_TTL_SECONDS)
    except SignatureExpired:
        raise Forbidden("This signed URL has expired.") from None
    except BadSignature:
        raise Forbidden("This signed URL is not valid.") from None
    if grant.get("method") != method:
        raise Forbidden("This signed URL does not allow this method.")
    return grant


def key_from_audio_url(audio_url: str) -> str:
    """The storage key named by `audio_url`: a key as is, or the key inside a signed URL."""
    marker = audio_url.find(FILES_PATH)
    if audio_url.startswith(("http://", "https://")) and marker != -1:
        token = audio_url[marker + len(FILES_PATH):].split("?", 1)[0]
        try:
            return str(_serializer().loads(token)["key"])  # any age: the object is what counts
        except (BadSignature, KeyError, TypeError):
            raise field_error("body.audio_url", "Not an upload URL issued by Otto.", "invalid")
    return audio_url


def require_stored(session: RecordingSession, key: str) -> None:
    """422 unless `key` is an object of this session's folder that exists in storage."""
    normalized = posixpath.normpath(key)
    if normalized != key or not key.startswith(session_prefix(session)):
        raise field_error("body.audio_url", "The audio must be in this session's upload folder.",
                          "invalid")
    if not storage().path(key).is_file():
        raise field_error("body.audio_url", "No uploaded audio was found at this location.",
                          "not_found")
