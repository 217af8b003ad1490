"""Dashboard & Metrics: call KPIs and lists, and the live sales-floor metrics."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import envelope
from otto.auth.identity import current_identity, ensure_own_company, roles
from otto.calls.schemas import call_row
from otto.companies.models import Company
from otto.dashboard import live
from otto.dashboard.broadcast import service_status
from otto.dashboard.schemas import CompanyQueryArgs, DashboardCallsArgs, RevenueArgs
from otto.dashboard.service import dashboard_calls, dashboard_metrics
from otto.db import db

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1", description="Dashboard & Metrics")

REVENUE_KEYS = {"today": "today", "week": "this_week", "month": "this_month"}


def caller_company() -> Company | None:
    """The caller's company row (its timezone); None before the company is registered."""
    return db.session.get(Company, current_identity().company_id)


@blp.route("/dashboard/metrics")
class DashboardMetrics(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(CompanyQueryArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """KPI counts over the company's calls (a sales rep: its assigned calls)."""
        ensure_own_company(args.get("company_id"))
        identity = current_identity()
        return dashboard_metrics(identity.role, identity.user_id)


@blp.route("/dashboard/calls")
class DashboardCalls(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(DashboardCallsArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The calls behind one KPI (or all), newest first, with every call column."""
        ensure_own_company(args.get("company_id"))
        identity = current_identity()
        calls, total = dashboard_calls(identity.role, identity.user_id, args["status"],
                                       limit=args["limit"], offset=args["offset"])
        return {"calls": [call_row(call) for call in calls], "total": total,
                "limit": args["limit"], "offset": args["offset"]}


@blp.route("/live-metrics/current")
class LiveMetricsCurrent(MethodView):
    @roles("manager", "csr")
    @blp.response(200)
    def get(self):
        """Every live-metrics section, computed now for the caller's company."""
        return envelope(live.snapshot(caller_company()), "Live metrics retrieved successfully")


@blp.route("/live-metrics/revenue")
class LiveMetricsRevenue(MethodView):
    @roles("manager")
    @blp.arguments(RevenueArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """Revenue for today, this week, this month, or all three with the average deal."""
        period = args["period"]
        revenue = live.section(caller_company(), "revenue")
        data = revenue if period == "all" else {REVENUE_KEYS[period]: revenue[REVENUE_KEYS[period]]}
        return envelope(data, f"Revenue metrics for {period} retrieved successfully")


@blp.route("/live-metrics/calls")
class LiveMetricsCalls(MethodView):
    @roles("manager", "csr")
    @blp.response(200)
    def get(self):
        """Active calls, today's calls and their success rate and mean duration."""
        return envelope(live.section(caller_company(), "calls"),
                        "Call metrics retrieved successfully")


@blp.route("/live-metrics/leads")
class LiveMetricsLeads(MethodView):
    @roles("manager", "csr")
    @blp.response(200)
    def get(self):
        """Active leads, today's new callers and how many booked."""
        return envelope(live.section(caller_company(), "leads"),
                        "Lead metrics retrieved successfully")


@blp.route("/live-metrics/csr-performance")
class LiveMetricsCsrPerformance(MethodView):
    @roles("manager")
    @blp.response(200)
    def get(self):
        """Today's top CSR and all CSRs together, by the calls they handled."""
        return envelope(live.section(caller_company(), "csr_performance"),
                        "CSR performance metrics retrieved successfully")


@blp.route("/live-metrics/status")
class LiveMetricsStatus(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    def get(self):
        """Whether live updates are being broadcast, how often, and the company's last one."""
        return envelope(service_status(current_identity().company_id),
                        "Live metrics service status retrieved successfully")
