"""Call analysis routes (Call Management) and the mobile v0 transcript-analysis routes."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.analysis import analytics, service, visits
from otto.analysis.schemas import (AnalyzeBatchArgs, AnalyzeCallArgs, AnalyzeTranscriptArgs,
                                   BatchSyncArgs, BatchSyncBody, ObjectionAnalyticsArgs,
                                   SyncCallFieldsArgs, TranscriptAnalysisArgs)
from otto.auth.identity import current_identity, ensure_own_company, roles
from otto.responses import EnvelopeSchema, envelope
from otto.errors import ApiError, InsufficientPermissions, field_error

blp = Blueprint("analysis", __name__, description="Call Management")

MOBILE = ["Mobile APIs"]
ANALYZE_TRANSCRIPT_PER_MINUTE = 20


@blp.route("/api/v1/calls/<int:call_id>/analyze")
class AnalyzeCall(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(AnalyzeCallArgs, required=False)
    @blp.response(202, EnvelopeSchema)
    def post(self, args, call_id):
        """Queue an analysis of the call (200 when one exists and `force` is not set)."""
        identity = current_identity()
        if args.get("force") and identity.role == "sales_rep":
            raise InsufficientPermissions("Only a manager or CSR can force a re-analysis.")
        call = service.visible_call(call_id, identity)
        status, code = service.request_analysis(call, force=args.get("force", False))
        return envelope(status, status.get("message")), code


@blp.route("/api/v1/calls/<int:call_id>/analysis")
class CallAnalysisItem(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200, EnvelopeSchema)
    def get(self, call_id):
        """The newest analysis of the call, or where its analysis stands."""
        call = service.visible_call(call_id, current_identity())
        return envelope(service.analysis_view(call))


@blp.route("/api/v1/calls/analyze-batch")
class AnalyzeBatch(MethodView):
    @roles("manager")
    @blp.arguments(AnalyzeBatchArgs)
    @blp.response(202, EnvelopeSchema)
    def post(self, args):
        """Queue analyses of up to 50 calls; one JobStatus per id, in input order."""
        return envelope(service.request_batch(args["call_ids"]))


@blp.route("/api/v1/calls/analytics/objections")
class ObjectionAnalytics(MethodView):
    @roles("manager")
    @blp.arguments(ObjectionAnalyticsArgs, location="query")
    @blp.response(200, EnvelopeSchema)
    def get(self, args):
        """The most frequent objections of a period, with example quotes."""
        return envelope(analytics.objection_analytics(args["date_range"], args["rep_id"]))


@blp.route("/api/v1/mobile/audio/analyze-transcript/<int:call_id>")
class AnalyzeTranscript(MethodView):
    @roles("sales_rep")
    @blp.arguments(AnalyzeTranscriptArgs, location="query")
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def post(self, args, call_id):
        """Run the v0 visit extraction on the call's transcript and sync the call's fields."""
        identity = current_identity()
        ensure_own_company(args["company_id"])
        _rate_limit(identity.user_id)
        process = args["process_name"]
        if process not in visits.PROCESSES:
            raise field_error("query.process_name",
                              f"Unknown process; available: {', '.join(visits.PROCESSES)}.",
                              "invalid_choice")
        call = service.visible_call(call_id, identity)
        transcript = visits.visit_transcript(call)

        if args["run_in_background"]:
            from jobs.analysis import analyze_transcript_v0
            from jobs.queues import enqueue

            enqueue("ai", analyze_transcript_v0, call.company_id, call.call_id, process,
                    job_id=f"v0-{call.call_id}", retry=service.ANALYSIS_RETRY)
            return {"status": "processing", "message": "Transcript analysis started",
                    "call_id": call.call_id}, 202

        row, degraded, _ = visits.analyze_visit_v0(call, transcript)
        return {"status": "success", "call_id": call.call_id, "process": process,
                "analysis": row.raw_analysis, "degraded": degraded}


@blp.route("/api/v1/mobile/audio/transcript-analysis/<int:call_id>")
class TranscriptAnalysisItem(MethodView):
    @roles("csr", "sales_rep")
    @blp.arguments(TranscriptAnalysisArgs, location="query")
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def get(self, args, call_id):
        """The newest (or the given) v0 analysis of the call."""
        ensure_own_company(args["company_id"])
        call = service.visible_call(call_id, current_identity())
        return visits.v0_view(visits.find_v0(call, args["version"]))


@blp.route("/api/v1/mobile/audio/transcript-analyses/<int:call_id>/versions")
class TranscriptAnalysisVersions(MethodView):
    @roles("csr", "sales_rep")
    @blp.arguments(TranscriptAnalysisArgs, location="query")
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def get(self, args, call_id):
        """Every v0 analysis version of the call, newest first."""
        ensure_own_company(args["company_id"])
        call = service.visible_call(call_id, current_identity())
        return {"versions": visits.v0_versions(call)}


@blp.route("/api/v1/mobile/audio/sync-call-fields-from-analysis/<int:call_id>")
class SyncCallFields(MethodView):
    @roles("sales_rep")
    @blp.arguments(SyncCallFieldsArgs, location="query")
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def post(self, args, call_id):
        """Apply the call sync rule from a v0 analysis (default: the newest)."""
        ensure_own_company(args["company_id"])
        call = service.visible_call(call_id, current_identity())
        row = visits.find_v0(call, args["analysis_version"])
        changes = visits.sync_call_fields(call, row)
        return {"status": "success", "call_id": call.call_id, "changes": changes,
                "analysis_version": row.analysis_version}


@blp.route("/api/v1/mobile/audio/batch-sync-call-fields")
class BatchSyncCallFields(MethodView):
    @roles("manager")
    @blp.arguments(BatchSyncArgs, location="query")
    @blp.arguments(BatchSyncBody, required=False)
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def post(self, args, body):
        """Re-apply the newest v0 analysis to the company's visit calls."""
        ensure_own_company(args["company_id"])
        return visits.batch_sync((body or {}).get("call_ids"), args["start_date"],
                                 args["end_date"], args["limit"])


@blp.route("/api/v1/mobile/audio/analysis-processes")
class AnalysisProcesses(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.response(200)
    @blp.doc(tags=MOBILE)
    def get(self):
        """The transcript-analysis processes the mobile app can ask for."""
        return {"processes": [{"name": name, "description": description}
                              for name, description in visits.PROCESSES.items()]}


def _rate_limit(user_id: str) -> None:
    """At most 20 analyze-transcript requests per user per clock minute (counted in Redis)."""
    import time

    redis = current_app.extensions["otto"].redis
    window = int(time.time() // 60)
    key = f"otto:ratelimit:analyze-transcript:{user_id}:{window}"
    count = redis.incr(key)
    if count == 1:
        redis.expire(key, 120)
    if count > ANALYZE_TRANSCRIPT_PER_MINUTE:
        retry_after = 60 - int(time.time()) % 60
        raise ApiError("At most 20 transcript analyses per minute; try again shortly.",
                       status=429, error_code="RATE_LIMIT_EXCEEDED",
                       details={"retry_after": retry_after},
                       headers={"Retry-After": str(retry_after)})
