"""Lead pool: list the visible pool, a rep's request for a lead, a manager's assignment."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import envelope
from otto.auth.identity import current_identity, roles
from otto.db import utcnow
from otto.fields import utc_iso
from otto.idempotency import idempotent
from otto.lead_pool.schemas import PoolAssignArgs, PoolLeadSchema, PoolListArgs
from otto.lead_pool.service import pool_page
from otto.leads.models import Lead
from otto.leads.service import assign_lead, request_lead

blp = Blueprint("lead_pool", __name__, url_prefix="/api/v1/lead-pool", description="Lead Pool")


@blp.route("")
class LeadPool(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(PoolListArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """Pool leads, newest first: managers see all, others the pool and their own leads."""
        identity = current_identity()
        page = pool_page(identity.role, identity.user_id, status=args.get("status"),
                         limit=args["limit"], offset=args["offset"])
        return envelope({
            "leads": PoolLeadSchema(many=True).dump(page.leads), "total_count": page.total_count,
            "in_pool_count": page.in_pool_count, "assigned_count": page.assigned_count,
        }, "Lead pool retrieved successfully")


@blp.route("/<string:lead_id>/request")
class LeadRequest(MethodView):
    @roles("sales_rep", exact=True)
    @blp.response(200)
    def post(self, lead_id):
        """A sales rep asks for a pooled lead; the lead stays in the pool until assigned."""
        identity = current_identity()
        request_row = request_lead(Lead.get_for_company(lead_id), identity.user_id, now=utcnow())
        return envelope({"lead_id": lead_id, "rep_id": identity.user_id, "status": "requested",
                         "requested_at": utc_iso(request_row.requested_at),
                         "message": "Lead request recorded successfully"})


@blp.route("/<string:lead_id>/assign")
class LeadAssign(MethodView):
    @roles("manager")
    @blp.arguments(PoolAssignArgs)
    @blp.response(200)
    @idempotent("lead_assign")
    def post(self, args, lead_id):
        """Assign the lead to a sales rep of the company, or (rep_id null) back to the pool."""
        identity = current_identity()
        lead = Lead.get_for_company(lead_id)
        rep_id = args["rep_id"]
        assign_lead(lead, rep_id, assigned_by=identity.user_id, notes=args.get("notes"),
                    now=utcnow())
        message = (f"Lead assigned to rep {rep_id} successfully" if rep_id
                   else "Lead returned to the pool successfully")
        return envelope({"lead_id": lead.id, "rep_id": lead.assigned_rep_id,
                         "assigned_by": lead.assigned_by, "assigned_at": utc_iso(lead.assigned_at),
                         "pool_status": lead.pool_status, "message": message})
