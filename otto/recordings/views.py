"""Recording Sessions: geofenced visit recordings started and stopped by a rep's phone."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import envelope
from otto.auth.identity import current_identity, ensure_acting_for, public, roles
from otto.companies.models import Company
from otto.db import db
from otto.errors import ApiError, CompanyNotFound
from otto.http import raw_body
from otto.idempotency import idempotent
from otto.leads.service import require_sales_rep
from otto.recordings import service, uploads
from otto.recordings.processing import start_visit_analysis
from otto.recordings.schemas import (SessionMetadataArgs, SessionStartArgs, SessionStopArgs,
                                     UploadCompleteArgs, session_view)
from otto.storage import storage

blp = Blueprint("recordings", __name__, description="Recording Sessions")

SESSIONS = "/api/v1/recording-sessions"


def _visible_session(session_id: str):
    identity = current_identity()
    return service.visible_session(session_id, user_id=identity.user_id, role=identity.role)


@blp.route(f"{SESSIONS}/start")
class SessionStart(MethodView):
    @roles("sales_rep")
    @blp.arguments(SessionStartArgs)
    @blp.response(201)
    @idempotent("recording_session_start")
    def post(self, args):
        """Start recording a visit (guards of domain §4.4 in order); returns the upload URL."""
        rep = require_sales_rep(args["rep_id"])
        ensure_acting_for(rep.user_id)
        company = db.session.get(Company, current_identity().company_id)
        if company is None:
            raise CompanyNotFound()

        location = args["location"]
        session = service.start_session(company, rep, args["appointment_id"], lat=location["lat"],
                                        lng=location["lng"], mode=args.get("mode"))
        service.arrival_from_start(session)
        upload_url = None
        if session.audio_storage_mode != "not_stored":
            upload_url = uploads.signed_upload_url(uploads.session_audio_key(session))
        data = {"recording_session_id": session.id, "status": session.status, "mode": session.mode,
                "audio_storage_mode": session.audio_storage_mode, "audio_upload_url": upload_url,
                "shunya_job_config": None}
        return envelope(data, "Recording session started")


@blp.route(f"{SESSIONS}/<string:session_id>/stop")
class SessionStop(MethodView):
    @roles("sales_rep")
    @blp.arguments(SessionStopArgs)
    @blp.response(200)
    @idempotent("recording_session_stop")
    def post(self, args, session_id):
        """Stop a recording session; with audio already uploaded its analysis is queued."""
        session = _visible_session(session_id)
        location = args["location"]
        processing = service.stop_session(session, lat=location["lat"], lng=location["lng"])
        service.departure_from_stop(session)
        if processing:
            start_visit_analysis(session)
        return envelope(session_view(session), "Recording session stopped")


@blp.route(f"{SESSIONS}/<string:session_id>/upload-audio-complete")
class SessionUploadComplete(MethodView):
    @roles("sales_rep")
    @blp.arguments(UploadCompleteArgs)
    @blp.response(200)
    def post(self, args, session_id):
        """Attach the uploaded audio; a stopped session's analysis is queued once."""
        session = _visible_session(session_id)
        key = uploads.key_from_audio_url(args["audio_url"])
        processing = service.record_audio_upload(
            session, audio_url=key, duration_seconds=args["audio_duration_seconds"],
            size_bytes=args["audio_size_bytes"])
        uploads.require_stored(session, key)
        if processing:
            start_visit_analysis(session)
        return envelope({"status": "uploaded", "recording_session_id": session.id})


@blp.route(f"{SESSIONS}/<string:session_id>/metadata")
class SessionMetadata(MethodView):
    @roles("sales_rep")
    @blp.arguments(SessionMetadataArgs)
    @blp.response(200)
    def put(self, args, session_id):
        """Correct the audio duration or size of a session."""
        session = _visible_session(session_id)
        if args.get("audio_duration_seconds") is not None:
            session.audio_duration_seconds = args["audio_duration_seconds"]
        if args.get("audio_size_bytes") is not None:
            session.audio_size_bytes = args["audio_size_bytes"]
        db.session.flush()
        return envelope(session_view(session))


@blp.route(f"{SESSIONS}/<string:session_id>")
class SessionItem(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def get(self, session_id):
        """A recording session (a sales rep: only its own)."""
        return envelope(session_view(_visible_session(session_id)))


@blp.route(f"{uploads.FILES_PATH}<string:token>")
class SignedFile(MethodView):
    @public
    @raw_body
    @blp.doc(security=[])
    @blp.response(200)
    def put(self, token):
        """Upload the object a signed URL grants (the local stand-in for presigned storage)."""
        grant = uploads.read_token(token, "PUT")
        if request.mimetype != grant["content_type"]:
            raise ApiError(f"Send the body as {grant['content_type']}.", status=415,
                           error_code="UNSUPPORTED_MEDIA_TYPE")
        blob = storage().save_stream(grant["key"], request.stream, grant["max_bytes"])
        return {"key": blob.key, "size": blob.size}
