"""Rep Shifts: clock in, clock out and today's shift, in the company's local day."""

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import envelope
from otto.auth.identity import current_identity, ensure_acting_for, roles
from otto.companies.models import Company
from otto.db import db, utcnow
from otto.errors import field_error
from otto.leads.service import require_sales_rep
from otto.recordings.processing import start_visit_analysis
from otto.shifts import service
from otto.shifts.clock import as_utc
from otto.shifts.schemas import ClockInArgs, RepShiftSchema, shift_response

blp = Blueprint("shifts", __name__, url_prefix="/api/v1/reps", description="Rep Shifts")

MAX_START_OFFSET = timedelta(hours=12)


def _rep_and_company(rep_id: str):
    """The rep (a sales rep may name only itself: 403) and the caller's company row."""
    ensure_acting_for(rep_id)
    rep = require_sales_rep(rep_id)
    return rep, db.session.get(Company, current_identity().company_id)


@blp.route("/<string:rep_id>/shifts/clock-in")
class ClockIn(MethodView):
    @roles("sales_rep")
    @blp.arguments(ClockInArgs)
    @blp.response(200)
    def post(self, args, rep_id):
        """Start (or reopen) today's shift; 409 when the rep is already clocked in."""
        rep, company = _rep_and_company(rep_id)
        now = utcnow()
        desired = args.get("desired_start_time")
        if desired is not None:
            desired = as_utc(desired, company)
            if abs(desired - now) > MAX_START_OFFSET:
                raise field_error("body.desired_start_time",
                                  "desired_start_time must be within 12 hours of now.",
                                  "out_of_range")
        shift = service.clock_in(company, rep, desired_start=desired, notes=args.get("notes"),
                                 now=now)
        return envelope(shift_response(shift, rep, company), "Clocked in")


@blp.route("/<string:rep_id>/shifts/clock-out")
class ClockOut(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def post(self, rep_id):
        """End today's shift; the rep's open recording session is stopped with it."""
        rep, company = _rep_and_company(rep_id)
        shift, stopped = service.clock_out(company, rep)
        if stopped is not None:
            session, processing = stopped
            if processing:
                start_visit_analysis(session)
        return envelope(RepShiftSchema().dump(shift), "Clocked out")


@blp.route("/<string:rep_id>/shifts/today")
class TodaysShift(MethodView):
    @roles("sales_rep")
    @blp.response(200)
    def get(self, rep_id):
        """Today's shift (company-local date), or `shift: null` with the rep's flags."""
        rep, company = _rep_and_company(rep_id)
        shift = service.todays_shift(company, rep.user_id)
        return envelope(shift_response(shift, rep, company))
