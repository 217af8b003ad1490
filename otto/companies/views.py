"""Companies: the caller's own organization, its settings, CallRail credentials and members."""

from datetime import datetime, timezone

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.auth.identity import current_identity, roles
from otto.companies import service
from otto.companies.models import Company
from otto.db import db
from otto.companies.schemas import (CallRailAccountArgs, CallRailKeyArgs, CompanyCreateArgs, CompanySchema,
                                    CompanyUpdateArgs, MembershipArgs, OrganizationListArgs)
from otto.errors import CompanyNotFound, ExternalServiceError
from otto.fields import utc_iso
from otto.health.service import now_iso
from otto.users import service as users_service

blp = Blueprint("companies", __name__, url_prefix="/api/v1/companies", description="Companies")


def own_company(company_id: str) -> Company:
    return Company.get_own(company_id, current_identity().company_id)


@blp.route("")
class Companies(MethodView):
    @roles("manager")
    @blp.arguments(CompanyCreateArgs)
    @blp.response(201)
    def post(self, args):
        """Register the caller's organization as a company."""
        company = service.register(current_identity().company_id, **args)
        return {"status": "success", "company_id": company.id, "clerk_org_id": company.id}


@blp.route("/<string:company_id>")
class CompanyItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, CompanySchema)
    def get(self, company_id):
        """Read the caller's own company (any other id is a 404)."""
        return own_company(company_id)

    @roles("manager")
    @blp.arguments(CompanyUpdateArgs)
    @blp.response(200)
    def put(self, args, company_id):
        """Update settings, services and the write-only Twilio credentials."""
        service.update(own_company(company_id), args)
        return {"status": "success", "company_id": company_id}


@blp.route("/<string:company_id>/set-callrail-api-key")
class CallRailKey(MethodView):
    @roles("manager")
    @blp.arguments(CallRailKeyArgs)
    @blp.response(200)
    def post(self, args, company_id):
        """Store the CallRail API key (and webhook signing key) encrypted, write-only."""
        service.set_callrail_key(own_company(company_id), args["api_key"], args.get("webhook_signing_key"))
        return {"success": True, "message": "CallRail API key updated successfully"}


@blp.route("/<string:company_id>/set-callrail-account-id")
class CallRailAccount(MethodView):
    @roles("manager")
    @blp.arguments(CallRailAccountArgs)
    @blp.response(200)
    def post(self, args, company_id):
        """Set the CallRail account id used to route CallRail webhooks."""
        service.set_callrail_account(own_company(company_id), args["account_id"])
        return {"success": True, "message": "CallRail account ID updated successfully"}


@blp.route("/by-phone/<string:phone_number>")
class CompanyByPhone(MethodView):
    @roles("manager")
    @blp.response(200)
    def get(self, phone_number):
        """Whether a number is the caller's own main or tracking line."""
        company = service.by_phone(current_identity().company_id, phone_number)
        return {"company_name": company.name}


@blp.route("/get-user-company/<string:username>")
class UserCompany(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, username):
        """The company of a username inside the caller's company."""
        from otto.users.models import User

        return {"company_id": User.by_username(username).company_id}


@blp.route("/list-organizations")
class Organizations(MethodView):
    @roles("manager")
    @blp.arguments(OrganizationListArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The caller's own organization only (no cross-tenant listing)."""
        identity = current_identity()
        clerk = current_app.extensions["otto"].clerk
        organization = None
        if clerk.configured:
            try:
                org = clerk.get_organization(identity.company_id)
                organization = {"id": org["id"], "name": org.get("name"), "slug": org.get("slug"),
                                "created_at": _clerk_time(org.get("created_at"))}
            except (ExternalServiceError, CompanyNotFound):
                organization = None  # Clerk down, or the org is unknown there: the row answers
        if organization is None:
            company = db.session.get(Company, identity.company_id)
            if company is None:
                raise ExternalServiceError("Clerk is unavailable and the company is not registered.")
            organization = {"id": company.id, "name": company.name, "slug": None,
                            "created_at": utc_iso(company.created_at)}
        return {"total": 1, "organizations": [organization], "timestamp": now_iso()}


def _clerk_time(value) -> str | None:
    """Clerk sends unix milliseconds; Otto answers ISO-8601 UTC."""
    if not isinstance(value, (int, float)):
        return None
    return utc_iso(datetime.fromtimestamp(value / 1000, timezone.utc))


class ManagerSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)


@blp.route("/<string:company_id>/sales-managers")
class SalesManagers(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, company_id):
        """The company's sales managers."""
        company = own_company(company_id)
        managers = ManagerSchema(many=True).dump(service.sales_managers(company))
        return {"company": {"id": company.id, "name": company.name, "phone_number": company.phone_number},
                "sales_managers": managers, "total_managers": len(managers)}


@blp.route("/organizations/<string:org_id>/memberships")
class Memberships(MethodView):
    @roles("manager")
    @blp.arguments(MembershipArgs)
    @blp.response(200)
    def post(self, args, org_id):
        """Add or change a membership of the caller's own organization (through Clerk)."""
        if org_id != current_identity().company_id:
            raise CompanyNotFound()
        role = users_service.set_membership(org_id, args["user_id"], args["role"])
        return {"status": "success", "message": "Membership updated",
                "data": {"organization_id": org_id, "user_id": args["user_id"], "role": role}}
