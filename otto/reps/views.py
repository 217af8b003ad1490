"""Sales Reps: the company's reps, a rep's appointments, creating reps and assigning calls."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.auth.identity import current_identity, ensure_acting_for, ensure_own_company, roles
from otto.calls.assignment import assign_call
from otto.calls.models import Call
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import CompanyNotFound, field_error
from otto.idempotency import idempotent
from otto.reps import agenda, service
from otto.reps.schemas import (AssignBodyArgs, AssignQueryArgs, CompanyArgs, RepAppointmentsArgs,
                               RepCreateArgs, RepUpdateArgs)

blp = Blueprint("reps", __name__, url_prefix="/api/v1/sales-reps", description="Sales Reps")


@blp.route("")
class SalesReps(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(CompanyArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The company's active sales reps."""
        ensure_own_company(args.get("company_id"))
        return {"sales_reps": service.active_reps()}

    @roles("manager")
    @blp.arguments(RepCreateArgs)
    @blp.response(201)
    @idempotent("sales_rep_create")
    def post(self, args):
        """Create a sales rep (a Clerk user when Clerk is configured, else a local-only user)."""
        ensure_own_company(args.pop("company_id", None))
        company_id = current_identity().company_id
        if db.session.get(Company, company_id) is None:
            raise CompanyNotFound()
        user = service.create_rep(args)
        clerk = current_app.extensions["otto"].clerk.configured
        return {"status": "success", "rep_id": user.id, "user_id": user.id,
                "has_clerk_account": clerk, "clerk_user_id": user.id if clerk else None,
                "clerk_org_id": company_id if clerk else None}


@blp.route("/<string:rep_id>")
class SalesRepItem(MethodView):
    @roles("manager")
    @blp.arguments(RepUpdateArgs)
    @blp.response(200)
    def put(self, args, rep_id):
        """Update a rep's name, contact details, username or manager."""
        if "company_id" in args:
            raise field_error("body.company_id", "Reps cannot move between companies.",
                              "not_allowed")
        rep = service.company_rep(rep_id)
        service.update_rep(rep, args, current_identity().user_id)
        return {"status": "success", "rep_id": rep.user_id}


@blp.route("/<string:rep_id>/appointments")
class SalesRepAppointments(MethodView):
    @roles("sales_rep")
    @blp.arguments(RepAppointmentsArgs, location="query")
    @blp.response(200)
    def get(self, args, rep_id):
        """A rep's booked calls and appointments: upcoming, past (show_past) or all (show_all)."""
        ensure_acting_for(rep_id)
        rep = service.company_rep(rep_id)
        company = db.session.get(Company, current_identity().company_id)
        when = agenda.UPCOMING
        if args["show_all"]:
            when = agenda.ALL
        elif args["show_past"]:
            when = agenda.PAST
        now = utcnow()
        items = agenda.agenda(rep_id=rep.user_id, when=when, now=now)
        return {"appointments": [agenda.rep_appointment(item, company, now) for item in items],
                "total": len(items), "show_past": args["show_past"],
                "rep_name": rep.user.name or "Unknown"}


@blp.route("/assign/<int:call_id>")
class AssignRep(MethodView):
    @roles("manager", "csr")
    @blp.arguments(AssignQueryArgs, location="query")
    @blp.arguments(AssignBodyArgs, required=False)
    @blp.response(200)
    def post(self, query_args, body_args, call_id):
        """Assign a sales rep to a call (new_sales_rep_id in the JSON body or the query)."""
        rep_id = (body_args or {}).get("new_sales_rep_id") or query_args.get("new_sales_rep_id")
        if not rep_id:
            raise field_error("body.new_sales_rep_id", "Missing data for required field.",
                              "required")
        identity = current_identity()
        call = Call.get_for_company(call_id)
        assign_call(call, rep_id, actor=identity.user_id, role=identity.role)
        return {"message": "Sales rep assigned and follow-up scheduled"}
