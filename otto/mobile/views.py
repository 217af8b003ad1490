"""Mobile APIs: the rep app's appointments, audio recordings, texts and call transcripts."""

import re
import uuid

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.appointments.service import visible_appointment
from otto.auth.identity import current_identity, roles
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import ApiError, NotFound, field_error
from otto.http import accepts
from otto.idempotency import idempotent
from otto.mobile import audio, service
from otto.mobile.schemas import (
    MobileAppointmentsArgs,
    StartRecordingBodyArgs,
    StartRecordingQueryArgs,
)
from otto.reps import agenda
from otto.users.models import SalesRep

blp = Blueprint("mobile", __name__, url_prefix="/api/v1/mobile", description="Mobile APIs")

UPLOAD_ENDPOINT = "mobile.AudioUpload"
# Room for the multipart framing around a file at the size limit; the file itself is counted
# exactly while it is copied to storage.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
CALL_ID = re.compile(r"[0-9]{1,10}")


@blp.before_request
def limit_upload_size() -> None:
    """Stop reading an oversize upload while it streams, before anything parses it."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = audio.MAX_AUDIO_BYTES + MULTIPART_OVERHEAD_BYTES


def _company():
    return db.session.get(Company, current_identity().company_id)


def _assignment(item: agenda.AgendaItem, names: dict[str, str]) -> dict:
    return {"assigned_to": names.get(item.rep_id, "Unassigned") if item.rep_id else "Unassigned",
            "is_assigned_to_me": item.rep_id == current_identity().user_id}


def visible_recording(recording_id: str):
    """The caller's recording (a sales rep sees only its own; others are a 404)."""
    identity = current_identity()
    return service.visible_recording(recording_id, user_id=identity.user_id, role=identity.role)


@blp.route("/appointments")
class MyAppointments(MethodView):
    @roles("sales_rep")
    @blp.arguments(MobileAppointmentsArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The caller's booked calls and appointments; a manager (no rep row) gets none."""
        identity = current_identity()
        now = utcnow()
        items = []
        if db.session.get(SalesRep, identity.user_id) is not None:
            when = agenda.PAST if args["show_past"] else agenda.UPCOMING
            items = agenda.agenda(rep_id=identity.user_id, when=when, now=now)
        company = _company()
        return {"appointments": [agenda.mobile_appointment(item, company, now) for item in items],
                "total": len(items), "show_past": args["show_past"]}


@blp.route("/appointments/company")
class CompanyAppointments(MethodView):
    @roles("manager")
    @blp.response(200)
    def get(self):
        """Every booked, non-cancelled call and open appointment of the company, by time."""
        now = utcnow()
        items = agenda.ordered(agenda.agenda(rep_id=None, when=agenda.ALL, now=now),
                               descending=False)
        names = agenda.rep_names(item.rep_id for item in items)
        company = _company()
        appointments = [{**agenda.mobile_appointment(item, company, now),
                         **_assignment(item, names)} for item in items]
        return {"appointments": appointments, "total": len(appointments),
                "company_name": company.name if company else None}


@blp.route("/appointments/<string:appointment_id>")
class AppointmentDetail(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def get(self, appointment_id):
        """One appointment: an integer id is a booked call, a uuid an appointment."""
        identity = current_identity()
        item = _agenda_item(appointment_id, identity)
        now = utcnow()
        row = item.row
        if item.source == "call":
            extra = {"transcript": row.transcript, "rescheduled": row.rescheduled,
                     "reason_for_cancellation": row.reason_for_cancellation}
        else:
            extra = {"transcript": None, "rescheduled": row.outcome == "rescheduled",
                     "reason_for_cancellation": None}
        names = agenda.rep_names([item.rep_id])
        return {**agenda.mobile_appointment(item, _company(), now), **_assignment(item, names),
                **extra, "bought": item.bought, "cancelled": item.cancelled,
                "price_quote": float(item.price_quote) if item.price_quote is not None else None}


def _agenda_item(appointment_id: str, identity) -> agenda.AgendaItem:
    not_found = NotFound("Appointment not found", details={"appointment_id": appointment_id})
    if CALL_ID.fullmatch(appointment_id):
        call = Call.get_for_company(appointment_id, not_found=lambda: not_found)
        if not call.booked or (identity.role == "sales_rep"
                               and call.assigned_rep_id != identity.user_id):
            raise not_found
        return agenda.AgendaItem.of_call(call)
    try:
        uuid.UUID(appointment_id)
    except ValueError:
        raise not_found from None
    return agenda.AgendaItem.of_appointment(
        visible_appointment(appointment_id, user_id=identity.user_id, role=identity.role))


@blp.route("/audio/start-recording")
class StartRecording(MethodView):
    @roles("sales_rep")
    @blp.arguments(StartRecordingQueryArgs, location="query")
    @blp.arguments(StartRecordingBodyArgs, required=False)
    @blp.response(201)
    @idempotent("mobile_start_recording")
    def post(self, query_args, body_args):
        """Register a recording for a call (query string or JSON body) before its audio exists."""
        args = {**query_args, **(body_args or {})}
        for name in ("trigger_type", "call_id"):
            if args.get(name) is None:
                raise field_error(f"body.{name}", "Missing data for required field.", "required")
        identity = current_identity()
        call = service.visible_call(args["call_id"], user_id=identity.user_id, role=identity.role)
        recording = service.start_recording(call, args, user_id=identity.user_id,
                                            role=identity.role)
        return {"recording_id": recording.id}


@blp.route("/audio/upload/<string:recording_id>")
class AudioUpload(MethodView):
    @roles("sales_rep")
    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}}}}}})
    @blp.response(202)
    @accepts("multipart/form-data")
    def post(self, recording_id):
        """Upload a recording's audio (≤ 200 MB; WAV, MP3, M4A/MP4, AAC, OGG/Opus, WebM, FLAC)."""
        if request.mimetype != "multipart/form-data":
            raise ApiError("Upload the audio as multipart/form-data.", status=415,
                           error_code="UNSUPPORTED_MEDIA_TYPE")
        recording = visible_recording(recording_id)
        upload = request.files.get("file")
        if upload is None:
            raise field_error("body.file", "Missing data for required field.", "required")
        service.store_upload(recording, upload.stream, upload.filename)
        return {"status": "processing", "recording_id": recording.id}


@blp.route("/audio/status/<string:recording_id>")
class AudioStatus(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def get(self, recording_id):
        """Where a recording is: pending, processing (stage and progress), completed or error."""
        recording = visible_recording(recording_id)
        return service.recording_status(recording)


@blp.route("/audio/raw-data/<string:recording_id>")
class AudioRawData(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def get(self, recording_id):
        """The recording's transcript as stored, once there is one."""
        recording = visible_recording(recording_id)
        return service.raw_data(recording)


@blp.route("/messages/<int:call_id>")
class CallMessages(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, call_id):
        """A call's text messages, oldest first, times in the company's timezone."""
        identity = current_identity()
        call = service.visible_call(call_id, user_id=identity.user_id, role=identity.role)
        return {"call": {"id": call.call_id, "name": call.name, "address": call.address,
                         "phone": call.phone_number, "mobile_texts_count": call.mobile_texts_count,
                         "mobile_calls_count": call.mobile_calls_count},
                "messages": service.call_messages(call, _company())}


@blp.route("/call-transcripts/<int:call_id>")
class CallTranscripts(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, call_id):
        """Transcripts of the rep app's phone calls with this customer."""
        identity = current_identity()
        call = service.visible_call(call_id, user_id=identity.user_id, role=identity.role)
        return {"call": {"id": call.call_id, "name": call.name, "phone": call.phone_number},
                "transcripts": service.call_transcripts(call)}
