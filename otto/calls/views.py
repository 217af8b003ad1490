"""Call management: one call, the unassigned booked calls, add-call and update-call-status."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from otto.auth.identity import current_identity, roles
from otto.auth.roles import SALES_REP
from otto.calls import manual
from otto.calls.models import Call
from otto.calls.schemas import (AddCallArgs, AddCallQueryArgs, CallDetailSchema,
                                UnassignedCallSchema, UpdateCallStatusArgs,
                                parse_request_datetime)
from otto.companies.models import Company
from otto.db import db
from otto.errors import CallNotFound, CompanyNotFound, Forbidden, field_error
from otto.idempotency import idempotent
from otto.phones import normalize_phone
from otto.shifts.clock import as_utc

blp = Blueprint("calls", __name__, url_prefix="/api/v1/calls", description="Call Management")


def caller_company() -> Company:
    company = db.session.get(Company, current_identity().company_id)
    if company is None:
        raise CompanyNotFound()
    return company


def visible_call(call_id) -> Call:
    """The call by id in the caller's company; a sales rep sees only calls assigned to it."""
    call = Call.get_for_company(call_id)
    identity = current_identity()
    if identity.role == SALES_REP and call.assigned_rep_id != identity.user_id:
        raise CallNotFound()
    return call


@blp.route("/call/<int:call_id>")
class CallItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, CallDetailSchema)
    def get(self, call_id):
        """One call (a sales rep: only its own)."""
        return visible_call(call_id)


@blp.route("/unassigned-calls")
class UnassignedCalls(MethodView):
    @roles("manager")
    @blp.response(200)
    def get(self):
        """Booked, not cancelled calls without a rep, newest first."""
        calls = db.session.execute(
            select(Call).where(Call.booked.is_(True), Call.assigned_rep_id.is_(None),
                               Call.cancelled.is_(False))
            .order_by(Call.created_at.desc(), Call.call_id.desc())
        ).scalars()
        return {"calls": UnassignedCallSchema(many=True).dump(calls)}


@blp.route("/add-call")
class AddCall(MethodView):
    @roles("manager", "csr")
    @blp.arguments(AddCallQueryArgs, location="query")
    @blp.arguments(AddCallArgs, required=False)
    @blp.response(201)
    @idempotent("call_create")
    def post(self, query_args, body_args):
        """Record a call from the query string or a JSON body; contact and lead are ensured."""
        args = {**query_args, **(body_args or {})}
        phone = args.get("phone_number")
        if not phone or not phone.strip():
            raise field_error("body.phone_number", "Missing data for required field.", "required")
        if normalize_phone(phone).e164 is None:
            raise field_error("body.phone_number", "Not a dialable phone number.", "invalid_phone")
        company = caller_company()
        quote_date = parse_request_datetime(args.get("quote_date"), "body.quote_date")

        identity = current_identity()
        call = manual.add_call(
            company, phone_number=phone, actor=identity.user_id, role=identity.role,
            name=args.get("name"), address=args.get("address"),
            quote_date=as_utc(quote_date, company) if quote_date else None,
            booked=bool(args.get("booked")), missed_call=bool(args.get("missed_call")),
            transcript=args.get("transcript"), bland_call_id=args.get("bland_call_id"))
        return {"status": "success", "call_id": call.call_id,
                "message": "Call record created successfully"}


@blp.route("/update-call-status")
class UpdateCallStatus(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(UpdateCallStatusArgs)
    @blp.response(200)
    def post(self, args):
        """Set a call's outcome flags or its rep; a sales rep updates only its own calls."""
        identity = current_identity()
        call = visible_call(args.pop("call_id"))
        if "assigned_rep_id" in args and identity.role == SALES_REP:
            raise Forbidden("A sales rep cannot reassign calls.")
        if args.get("quote_date") is not None:
            quote_date = parse_request_datetime(args["quote_date"], "body.quote_date")
            args["quote_date"] = as_utc(quote_date, caller_company())

        geofence_removed = manual.update_call_status(call, args, actor=identity.user_id,
                                                     role=identity.role)
        return {"status": "success", "message": f"Call {call.call_id} status updated successfully",
                "geofence_removed": geofence_removed}
