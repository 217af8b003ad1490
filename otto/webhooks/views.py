"""Provider webhooks (CallRail, Twilio): verified on raw bytes, stored, answered, then applied."""

from datetime import timedelta

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from otto.auth.identity import public
from otto.db import utcnow
from otto.http import raw_body
from otto.webhooks import callrail, intake, twilio
from otto.webhooks.signatures import twilio_public_url, verify_callrail, verify_twilio

blp = Blueprint("webhooks", __name__, description="Webhooks")

# CallRail may hold a post-call about 20 minutes; anything a day old on first sight is a replay.
STALE_AFTER = timedelta(hours=24)


def provider_view(handler):
    """No user token, the view reads the raw bytes itself, no bearer security in the docs."""
    return public(raw_body(blp.doc(security=[])(handler)))


@blp.route("/callrail/call.incoming")
class CallRailCallIncoming(MethodView):
    @provider_view
    @blp.response(200)
    def post(self):
        """CallRail pre-call: a call is ringing at a tracking number."""
        return _callrail_delivery("call.incoming")


@blp.route("/callrail/call.answered")
class CallRailCallAnswered(MethodView):
    @provider_view
    @blp.response(200)
    def post(self):
        """CallRail call routing complete: someone picked up."""
        return _callrail_delivery("call.answered")


@blp.route("/callrail/call.missed")
class CallRailCallMissed(MethodView):
    @provider_view
    @blp.response(200)
    def post(self):
        """A missed call (Otto-defined; CallRail also signals misses via post-call `answered`)."""
        return _callrail_delivery("call.missed")


@blp.route("/callrail/call.completed")
class CallRailCallCompleted(MethodView):
    @provider_view
    @blp.response(200)
    def post(self):
        """CallRail post-call, outbound post-call and call-modified deliveries."""
        return _callrail_delivery("call.completed")


@blp.route("/sms/callrail-webhook")
class CallRailTextMessage(MethodView):
    @provider_view
    @blp.response(200)
    def post(self):
        """CallRail text message received or sent."""
        return _callrail_delivery("text_message")


@blp.route("/twilio-webhook")
class TwilioRouter(MethodView):
    @provider_view
    def post(self):
        """Twilio callbacks (call status, dial outcome, recording, message status) and SMS."""
        return _twilio_delivery("router")


@blp.route("/mobile/twilio-voice-webhook")
class TwilioVoice(MethodView):
    @provider_view
    def post(self):
        """Twilio inbound call: answered with Dial TwiML to the company's line."""
        return _twilio_delivery("voice")


@blp.route("/mobile/twilio-sms-webhook")
class TwilioMobileSms(MethodView):
    @provider_view
    def post(self):
        """Twilio inbound SMS/MMS (mobile number)."""
        return _twilio_delivery("sms")


@blp.route("/sms/twilio-webhook")
class TwilioSms(MethodView):
    @provider_view
    def post(self):
        """Twilio inbound SMS/MMS."""
        return _twilio_delivery("sms")


def _callrail_delivery(path_event: str) -> dict:
    """Resolve the company from the unverified body (for its key), verify, then store."""
    body = intake.read_body()
    signature = request.headers.get("Signature")
    headers = {"Signature": signature, "Content-Type": request.headers.get("Content-Type"),
               "User-Agent": request.headers.get("User-Agent")}
    payload = intake.parse_fields(body)
    company = callrail.resolve_company(payload or {}, path_event)
    settings = current_app.extensions["otto"].settings
    key = callrail.signing_key(company, settings.callrail_webhook_signing_key)
    if not verify_callrail(body, signature, key):
        reason = "no signing key configured" if key is None else "signature mismatch"
        raise intake.refuse("callrail", reason)
    company_id = company.id if company else None
    if payload is None:
        raise intake.keep_unparseable("callrail", body, headers, company_id)

    event_type, event_key = callrail.classify(path_event, payload, body)
    status, reason = "received", None
    if company is None:
        status, reason = "unmatched", "no company owns this tracking number or CallRail account"
    if event_type not in callrail.HANDLED_EVENTS:
        status, reason = "ignored", f"unsupported event {event_type}"
    sent_at = callrail.sent_at(payload)
    if status == "received" and sent_at is not None and sent_at < utcnow() - STALE_AFTER:
        status, reason = "ignored", "stale_delivery"

    stored = dict(provider="callrail", event_type=event_type, raw_body=body, headers=headers,
                  company_id=company_id, status=status, last_error=reason)
    event, created = intake.accept(event_key=event_key, **stored)
    if not created and event_type == "call.completed" and event.raw_body != body:
        # A later post-call for the same call with new data (recording, transcript): its own event.
        stored["event_type"] = "call.modified"
        event, created = intake.accept(event_key=callrail.modified_key(payload, body), **stored)
    return {"status": "received", "event_id": event.id}


def _twilio_delivery(route: str) -> Response:
    """Verify against the public URL Twilio called, store, answer TwiML."""
    body = intake.read_body()
    settings = current_app.extensions["otto"].settings
    url = twilio_public_url(
        path=request.path, query_string=request.query_string, host=request.host,
        scheme=request.scheme, forwarded_proto=request.headers.get("X-Forwarded-Proto"),
        forwarded_host=request.headers.get("X-Forwarded-Host"),
        public_base_url=settings.public_base_url, trusted_proxy=settings.trusted_proxy)
    signature = request.headers.get("X-Twilio-Signature")
    headers = {"X-Twilio-Signature": signature, "Content-Type": request.headers.get("Content-Type"),
               "I-Twilio-Idempotency-Token": request.headers.get("I-Twilio-Idempotency-Token"),
               "url": url}
    fields = intake.parse_fields(body)
    company = twilio.resolve_company(fields or {})
    token = twilio.auth_token(company, fields or {}, settings.twilio_auth_token)
    if not verify_twilio(url, twilio.signed_params(body), signature, token, raw_body=body):
        reason = "no auth token configured" if token is None else "signature mismatch"
        raise intake.refuse("twilio", reason)
    company_id = company.id if company else None
    if fields is None:
        raise intake.keep_unparseable("twilio", body, headers, company_id)

    event_type, event_key = twilio.classify(route, fields, body)
    status, reason = "received", None
    if event_type not in twilio.HANDLED_EVENTS:
        status, reason = "ignored", f"unrecognised {route} delivery"
    elif company is None:
        status, reason = "unmatched", "no company owns this number, call or message"
    intake.accept(provider="twilio", event_type=event_type, event_key=event_key, raw_body=body,
                  headers=headers, company_id=company_id, status=status, last_error=reason)

    if event_type == "voice.incoming":
        twiml = twilio.dial_twiml(company, fields, settings.public_base_url or _origin(url))
    else:
        twiml = twilio.empty_twiml()
    return Response(twiml, status=200, mimetype="text/xml")


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"

