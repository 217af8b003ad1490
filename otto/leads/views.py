"""Lead management: read one lead with its contact and appointments, create, edit."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import envelope
from otto.auth.identity import current_identity, roles
from otto.auth.roles import SALES_REP
from otto.errors import NotFound, ValidationFailed, field_error
from otto.idempotency import idempotent
from otto.leads.editing import create_lead_from_request, update_lead
from otto.leads.models import Lead
from otto.leads.schemas import LeadCreateArgs, LeadUpdateArgs, lead_view
from otto.phones import normalize_phone

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Lead Management")


def visible_lead(lead_id: str) -> Lead:
    """The lead in the caller's company; a sales rep sees its own leads and the pool's."""
    lead = Lead.get_for_company(lead_id)
    identity = current_identity()
    if identity.role == SALES_REP and not (
            lead.assigned_rep_id == identity.user_id or lead.pool_status == "in_pool"):
        raise NotFound("Lead not found", details={"lead_id": lead_id})
    return lead


@blp.route("")
class Leads(MethodView):
    @roles("manager", "csr")
    @blp.arguments(LeadCreateArgs)
    @blp.response(201)
    @idempotent("lead_create")
    def post(self, args):
        """Create one lead for a contact given by id or by phone (found or created)."""
        if args.get("contact_card_id") is None:
            phone = args.get("primary_phone")
            if phone is None:
                raise ValidationFailed(
                    "Either contact_card_id or primary_phone must be provided",
                    error_code="MISSING_REQUIRED_FIELD",
                    validation_errors=[{"field": "body.primary_phone", "code": "required",
                                        "message": "Give contact_card_id or primary_phone."}])
            if normalize_phone(phone).e164 is None:
                raise field_error("body.primary_phone", "Not a dialable phone number.",
                                  "invalid_phone")
        identity = current_identity()
        lead = create_lead_from_request(identity.company_id, args, actor=identity.user_id)
        return envelope(lead_view(lead), "Lead created successfully")


@blp.route("/<string:lead_id>")
class LeadItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, lead_id):
        """The lead with its contact card and appointments (soonest first)."""
        return envelope(lead_view(visible_lead(lead_id)))

    @roles("manager", "csr")
    @blp.arguments(LeadUpdateArgs)
    @blp.response(200)
    def patch(self, args, lead_id):
        """Edit a lead; status moves follow the lead machine, archiving is a manager's."""
        identity = current_identity()
        lead = visible_lead(lead_id)
        update_lead(lead, args, actor=identity.user_id, role=identity.role)
        return envelope(lead_view(lead), "Lead updated successfully")
