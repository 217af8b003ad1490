"""Appointment Management: book, read and update a lead's visits."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.appointments import service
from otto.appointments.schemas import AppointmentCreateArgs, AppointmentUpdateArgs, appointment_view
from otto.auth.identity import current_identity, roles
from otto.companies.models import Company
from otto.db import db
from otto.idempotency import idempotent
from otto.responses import envelope

blp = Blueprint("appointments", __name__, url_prefix="/api/v1/appointments",
                description="Appointment Management")


def _company():
    """The caller's company row (None while the org is not registered: defaults apply)."""
    return db.session.get(Company, current_identity().company_id)


@blp.route("")
class Appointments(MethodView):
    @roles("manager", "csr")
    @blp.arguments(AppointmentCreateArgs)
    @blp.response(201)
    @idempotent("appointment_create")
    def post(self, args):
        """Book an appointment for a lead; the lead becomes qualified_booked, its deal booked."""
        identity = current_identity()
        appointment = service.create_appointment(args, company=_company(), actor=identity.user_id,
                                                 role=identity.role)
        return envelope(appointment_view(appointment), "Appointment created")


@blp.route("/<string:appointment_id>")
class AppointmentItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self, appointment_id):
        """An appointment with its lead and contact (a sales rep: only its own)."""
        identity = current_identity()
        appointment = service.visible_appointment(appointment_id, user_id=identity.user_id,
                                                  role=identity.role)
        return envelope(appointment_view(appointment))

    @roles("manager", "csr", "sales_rep")
    @blp.arguments(AppointmentUpdateArgs)
    @blp.response(200)
    def patch(self, args, appointment_id):
        """Change an appointment; status and outcome follow their state machines."""
        identity = current_identity()
        appointment = service.visible_appointment(appointment_id, user_id=identity.user_id,
                                                  role=identity.role)
        service.update_appointment(appointment, args, company=_company(), actor=identity.user_id,
                                   role=identity.role)
        return envelope(appointment_view(appointment), "Appointment updated")
