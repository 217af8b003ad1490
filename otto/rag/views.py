"""Ask Otto endpoints: questions (JSON or an event stream), the query log, feedback, documents."""

import json
import uuid

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from otto.auth.identity import current_identity, roles
from otto.db import db
from otto.errors import ApiError, field_error, webargs_validation_errors
from otto.http import accepts
from otto.idempotency import idempotent
from otto.rag import ask, service
from otto.responses import envelope, page
from otto.rag.schemas import (
    DocumentListArgs,
    DocumentSchema,
    DocumentUploadArgs,
    FeedbackArgs,
    FeedbackQueryArgs,
    QueryLogArgs,
    RagQueryArgs,
    RagQuerySchema,
)

blp = Blueprint("rag", __name__, url_prefix="/api/v1/rag", description="RAG / Ask Otto")

UPLOAD_ENDPOINT = "rag.DocumentUpload"
# Room for the multipart framing around a file at the size limit; the file itself is counted
# exactly while it is copied to storage.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
TOKEN_WORDS = 3


@blp.before_request
def limit_upload_size() -> None:
    """Refuse an oversize upload from its length, or while it streams, before anything reads it."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = service.UPLOAD_LIMIT_BYTES + MULTIPART_OVERHEAD_BYTES


@blp.route("/query")
class Query(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(RagQueryArgs)
    @blp.response(200)
    def post(self, args):
        """Ask a question of the company's documents; `Accept: text/event-stream` streams it."""
        identity = current_identity()
        if not _wants_event_stream():
            return envelope(ask.ask(identity, args, g.get("request_id")).data())
        return _event_stream(identity, args)


@blp.route("/queries")
class Queries(MethodView):
    @roles("manager")
    @blp.arguments(QueryLogArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The company's Ask Otto log, newest first."""
        rows, total = ask.list_queries(args["page"], args["page_size"], args.get("user_id"))
        items = RagQuerySchema(many=True).dump(rows)
        return page(items, total, args["page"], args["page_size"])


@blp.route("/queries/<string:query_id>/feedback")
class QueryFeedback(MethodView):
    @roles("manager", "csr", "sales_rep")
    @blp.arguments(FeedbackQueryArgs, location="query")
    @blp.arguments(FeedbackArgs, required=False)
    @blp.response(200)
    def post(self, query_args, body_args, query_id):
        """Rate an answer 1-5 (JSON body or query string); the author or a manager only."""
        args = {**query_args, **(body_args or {})}
        if "rating" not in args:
            raise field_error("body.rating", "Missing data for required field.", "required")
        query = ask.record_feedback(current_identity(), query_id, args["rating"],
                                    args.get("feedback"))
        return envelope({"status": "feedback_recorded", "query_id": query.id})


@blp.route("/documents")
class Documents(MethodView):
    @roles("manager")
    @blp.arguments(DocumentListArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The company's documents, newest first; deleted ones only with status=deleted."""
        rows, total = service.list_documents(args["page"], args["page_size"],
                                             args.get("document_type"), args.get("status"))
        return page(DocumentSchema(many=True).dump(rows), total, args["page"], args["page_size"])


@blp.route("/documents/upload")
class DocumentUpload(MethodView):
    @roles("manager")
    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"},
                       "document_type": {"type": "string"}, "role_access": {"type": "string"}}}}}})
    @blp.response(202)
    @accepts("multipart/form-data")
    @idempotent("rag_document_upload")
    def post(self):
        """Upload a PDF, DOCX, HTML, Markdown or text file (≤ 50 MiB) and queue its indexing."""
        if request.mimetype != "multipart/form-data":
            raise ApiError("Upload the file as multipart/form-data.", status=415,
                           error_code="UNSUPPORTED_MEDIA_TYPE")
        options = _upload_options()
        upload = request.files.get("file")
        if upload is None:
            raise field_error("body.file", "Missing data for required field.", "required")

        document, duplicate = service.upload_document(
            upload.stream, upload.filename, document_type=options["document_type"],
            role_access=options["role_access"], uploaded_by=current_identity().user_id)
        data = {"document_id": document.id, "status": document.indexing_status,
                "filename": document.filename, "file_url": document.file_url,
                "uwc_job_id": document.uwc_job_id, "duplicate": duplicate}
        message = "Identical content is already uploaded." if duplicate else "Indexing queued."
        return envelope(data, message), 200 if duplicate else 202


@blp.route("/documents/<string:document_id>")
class DocumentItem(MethodView):
    @roles("manager")
    @blp.response(200)
    def get(self, document_id):
        """One document with its indexing status and progress."""
        return envelope(DocumentSchema().dump(service.get_document(document_id)))

    @roles("manager")
    @blp.response(200)
    def delete(self, document_id):
        """Delete a document and, in the same transaction, its chunks: never retrieved again."""
        document = service.delete_document(document_id, current_identity().user_id)
        return envelope({"status": "deleted", "document_id": document.id})


def _upload_options() -> dict:
    """document_type and role_access from the form, else the query string (422 lists the values)."""
    raw = {**request.args.to_dict(), **request.form.to_dict()}
    try:
        return DocumentUploadArgs().load(raw)
    except ValidationError as error:
        raise ApiError("The upload options are not valid.", status=422,
                       error_code="VALIDATION_ERROR",
                       validation_errors=webargs_validation_errors({"form": error.messages}))


def _wants_event_stream() -> bool:
    preferred = request.accept_mimetypes.best_match(["application/json", "text/event-stream"])
    return preferred == "text/event-stream"


def _event_stream(identity, args) -> Response:
    """Answer first, then stream the spec's events; the query row is committed before they flow.

    The generator touches neither the database nor the request: the request's transaction
    commits as soon as this response is returned.
    """
    query_id = str(uuid.uuid4())
    try:
        events = _answer_events(ask.ask(identity, args, g.get("request_id"), query_id=query_id))
    except ApiError as error:
        db.session.rollback()
        ask.record_failed_query(identity, args, g.get("request_id"), query_id, error)
        events = [
            ("start", {"query_id": query_id, "conversation_id": args.get("conversation_id"),
                       "question": args["query"]}),
            ("error", {"error": error.error_code.lower(), "message": error.detail,
                       "code": error.error_code}),
        ]

    def generate():
        for name, data in events:
            yield f"event: {name}\ndata: {json.dumps(data)}\n\n"

    return Response(generate(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _answer_events(result: "ask.AskResult") -> list[tuple[str, dict]]:
    data = result.data()
    words = result.answer.text.split(" ")
    tokens = [" ".join(words[i : i + TOKEN_WORDS]) + (" " if i + TOKEN_WORDS < len(words) else "")
              for i in range(0, len(words), TOKEN_WORDS)]
    return [
        ("start", {"query_id": data["query_id"], "conversation_id": data["conversation_id"],
                   "question": data["query"]}),
        ("classification", {"query_type": result.query_type, "intent": result.intent}),
        ("data_fetched", {"sources": result.sources()}),
        ("answer_start", {}),
        *[("token", {"content": token}) for token in tokens],
        ("answer_complete", {"full_answer": data["answer"]}),
        ("metadata", {"confidence": data["confidence_score"], "sources": result.sources(),
                      "citations": data["citations"],
                      "suggested_follow_ups": data["suggested_follow_ups"],
                      "processing_time_ms": data["latency_ms"], "provider": data["provider"],
                      "degraded_mode": data["degraded_mode"]}),
        ("done", {"query_id": data["query_id"], "conversation_id": data["conversation_id"]}),
    ]
