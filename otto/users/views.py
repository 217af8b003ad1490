"""Users of the caller's company, Clerk sync and the Clerk webhook."""

import hashlib

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.auth.identity import current_identity, ensure_own_company, public, roles
from otto.companies.models import Company
from otto.db import db
from otto.errors import CompanyNotFound, Unauthorized, ValidationFailed
from otto.http import raw_body
from otto.idempotency import idempotent
from otto.users import service
from otto.users.models import User
from otto.users.schemas import (
    MetadataArgs,
    UserBriefSchema,
    UserCreateArgs,
    UserSchema,
    UserUpdateArgs,
)

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users")


@blp.route("")
class Users(MethodView):
    @roles("manager")
    @blp.arguments(UserCreateArgs)
    @blp.response(201)
    @idempotent("user_create")
    def post(self, args):
        """Create a user (in Clerk first when configured, else local-only)."""
        ensure_own_company(args.pop("company_id", None))
        user = service.create_user(args)
        return {"success": True, "user_id": user.id}


@blp.route("/<string:user_id>")
class UserItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """A user of the caller's company."""
        return service.view(service.get_user(user_id))

    @roles("manager")
    @blp.arguments(UserUpdateArgs)
    @blp.response(200)
    def put(self, args, user_id):
        """Update a user; a role change swaps profiles and the Clerk membership role."""
        user = service.update_user(service.get_user(user_id), args, current_identity().user_id)
        return {"success": True, "user_id": user.id}


@blp.route("/<string:user_id>/sync-to-clerk")
class SyncToClerk(MethodView):
    @roles("manager")
    @blp.response(200)
    def post(self, user_id):
        """Push the user's profile to Clerk (503 when Clerk is not configured)."""
        user = service.get_user(user_id)
        service.sync_to_clerk(user)
        return {"success": True, "user_id": user.id}


@blp.route("/company")
class CallerCompany(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self):
        """The caller's company and role, from the token."""
        identity = current_identity()
        company = db.session.get(Company, identity.company_id)
        if company is None:
            raise CompanyNotFound()
        return {"company_id": company.id, "company_name": company.name, "user_role": identity.role}


@blp.route("/by-username/<string:username>")
class UserByUsername(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, UserBriefSchema)
    def get(self, username):
        """A user of the caller's company by username."""
        return User.by_username(username)


@blp.route("/metadata/<string:user_id>")
class UserMetadata(MethodView):
    @roles("manager")
    @blp.arguments(MetadataArgs)
    @blp.response(200)
    def patch(self, args, user_id):
        """Merge Clerk metadata; role and company keys are refused."""
        user = service.get_user(user_id)
        return service.update_metadata(user, args.get("publicMetadata"), args.get("privateMetadata"))


@blp.route("/clerk-webhook")
class ClerkWebhook(MethodView):
    @public
    @raw_body
    @blp.doc(security=[])
    @blp.response(200)
    def post(self):
        """Clerk events via Svix: verified on the raw bytes, stored, processed by a job."""
        from otto.webhooks.inbox import store_event
        from otto.webhooks.intake import read_body
        from otto.webhooks.processing import enqueue_processing
        from otto.webhooks.signatures import SignatureError, UnparseableBody, verify_svix

        body = read_body()
        settings = current_app.extensions["otto"].settings
        metrics = current_app.extensions["otto"].metrics
        headers = {name: request.headers.get(name)
                   for name in ("svix-id", "svix-timestamp", "svix-signature")}
        try:
            payload = verify_svix(body, {k: v for k, v in headers.items() if v is not None},
                                  settings.clerk_webhook_secret)
        except UnparseableBody:
            # Kept under the body's digest (ai-and-integrations §9), so the raw delivery is never lost.
            event_key = f"clerk:unparseable:{hashlib.sha256(body).hexdigest()}"
            store_event(provider="clerk", event_type="unparseable", event_key=event_key,
                        raw_body=body, headers=headers, status="failed", last_error="unparseable_body")
            metrics.webhook_events.labels("clerk", "unparseable").inc()
            raise ValidationFailed("The signed body is not a JSON object.")
        except SignatureError:
            metrics.webhook_events.labels("clerk", "rejected").inc()
            raise Unauthorized("The Svix signature is missing, invalid or stale.")

        event_type = str(payload.get("type") or "unknown")[:100]
        event, created = store_event(provider="clerk", event_type=event_type, event_key=headers["svix-id"],
                                     raw_body=body, headers=headers)
        metrics.webhook_events.labels("clerk", "received" if created else "duplicate").inc()
        if not created:
            processed = event.processed_at.isoformat().replace("+00:00", "Z") if event.processed_at else None
            return {"status": "duplicate_ignored", "provider": "clerk", "first_processed_at": processed}
        enqueue_processing(event)
        return {"status": "received", "provider": "clerk", "event_type": event_type, "event_id": event.id}
