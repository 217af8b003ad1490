"""Post-call analysis routes: a call's analysis row, rep performance, coaching, team summary."""

from flask.views import MethodView
from flask_smorest import Blueprint

from otto.responses import EnvelopeSchema, envelope
from otto.analysis.service import visible_call
from otto.auth.identity import current_identity, ensure_acting_for, roles
from otto.post_call import service
from otto.post_call.schemas import CoachingArgs, PerformanceArgs, SummaryArgs

blp = Blueprint("post_call", __name__, url_prefix="/api/v1/post-call-analysis",
                description="Post-Call Analysis")


@blp.route("/call/<int:call_id>")
class CallAnalysisRecord(MethodView):
    @roles("manager", "csr")
    @blp.response(200, EnvelopeSchema)
    def get(self, call_id):
        """The newest stored analysis row of a call."""
        call = visible_call(call_id, current_identity())
        return envelope(service.call_analysis_record(call), "Call analysis retrieved successfully")


@blp.route("/sales-rep/<string:sales_rep_id>/performance")
class RepPerformance(MethodView):
    @roles("manager")
    @blp.arguments(PerformanceArgs, location="query")
    @blp.response(200, EnvelopeSchema)
    def get(self, args, sales_rep_id):
        """A rep's analysed calls in the window: average score and coaching breakdown."""
        data, message = service.rep_performance(sales_rep_id, args["days"])
        return envelope(data, message)


@blp.route("/coaching-recommendations")
class CoachingRecommendations(MethodView):
    @roles("csr", "sales_rep")
    @blp.arguments(CoachingArgs, location="query")
    @blp.response(200, EnvelopeSchema)
    def get(self, args):
        """Coaching tips of recent analyses, highest priority first (a rep sees its own)."""
        identity = current_identity()
        rep_id = args["sales_rep_id"]
        if identity.role == "sales_rep":
            if rep_id is not None:
                ensure_acting_for(rep_id)
            rep_id = identity.user_id
        data = service.coaching_recommendations(rep_id, args["category"], args["priority"],
                                                args["days"])
        return envelope(data, "Coaching recommendations retrieved successfully")


@blp.route("/performance-summary")
class PerformanceSummary(MethodView):
    @roles("manager")
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, EnvelopeSchema)
    def get(self, args):
        """Per-rep scores of the window, top performers and coaching opportunities."""
        return envelope(service.performance_summary(args["days"]),
                        "Performance summary retrieved successfully")


@blp.route("/status")
class AnalysisStatus(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, EnvelopeSchema)
    def get(self):
        """Whether the post-call scheduler runs, and which analysis provider is configured."""
        return envelope(service.analysis_status(),
                        "Post-call analysis status retrieved successfully")
