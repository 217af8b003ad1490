"""Contact cards: the full customer card by id or by phone, and a property research refresh."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.auth.identity import current_identity, ensure_own_company, roles
from otto.auth.roles import SALES_REP
from otto.companies.models import Company
from otto.contacts.detail import contact_card_detail, rep_may_see_contact
from otto.contacts.models import ContactCard
from otto.contacts.property import enqueue_refresh
from otto.contacts.schemas import ByPhoneArgs
from otto.contacts.service import find_contact_by_phone
from otto.db import db
from otto.errors import InvalidRequest, NotFound, field_error
from otto.responses import envelope

blp = Blueprint("contacts", __name__, url_prefix="/api/v1/contact-cards",
                description="Contact Cards")


def _hidden_from_rep(contact: ContactCard) -> bool:
    identity = current_identity()
    return identity.role == SALES_REP and not rep_may_see_contact(contact.id, identity.user_id)


def visible_contact(contact_card_id: str) -> ContactCard:
    """The contact in the caller's company; a sales rep sees contacts it works with."""
    contact = ContactCard.get_for_company(contact_card_id)
    if _hidden_from_rep(contact):
        raise NotFound("Contact card not found", details={"contact_id": contact_card_id})
    return contact


def detail(contact: ContactCard) -> dict:
    company = db.session.get(Company, contact.company_id)
    return envelope(contact_card_detail(contact, company), "Contact card retrieved successfully")


@blp.route("/by-phone")
class ContactByPhone(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(ByPhoneArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The contact whose primary (then secondary) phone matches, normalized."""
        ensure_own_company(args.get("company_id"))
        phone = args.get("phone") or args.get("phone_number")
        if not phone or not phone.strip():
            raise field_error("query.phone", "Missing data for required field.", "required")
        contact = find_contact_by_phone(phone)
        if contact is None or _hidden_from_rep(contact):
            raise NotFound("Contact card not found", details={"phone_number": phone})
        return detail(contact)


@blp.route("/<string:contact_card_id>")
class ContactItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, contact_card_id):
        """The contact card with leads, appointments, calls, messages, tasks and insights."""
        return detail(visible_contact(contact_card_id))


@blp.route("/<string:contact_card_id>/refresh-property-intelligence")
class ContactPropertyRefresh(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(202)
    def post(self, contact_card_id):
        """Queue property research for the contact's address, even if the snapshot is fresh."""
        contact = visible_contact(contact_card_id)
        if not contact.address:
            raise InvalidRequest("Contact card has no address",
                                 details={"contact_id": contact.id})
        enqueue_refresh(contact, force=True)
        return envelope({"status": "queued", "contact_id": contact.id},
                        "Property intelligence refresh queued")
