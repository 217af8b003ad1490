"""Twilio webhooks over HTTP: public-URL signatures, TwiML answers, voice and SMS effects once."""

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from twilio.request_validator import RequestValidator
from webhook_helpers import (
    count,
    daytime_zone,
    empty_queue,
    fixture_bytes,
    queued_functions,
    rows,
    run_jobs,
    settings_changed,
    twilio_signature,
    unique_id,
    unique_number,
    variant,
)

from otto.calls.models import Call
from otto.contacts.models import ContactCard, EventLog
from otto.leads.models import Lead
from otto.messages.models import MessageThread
from otto.sms.models import SmsOptOut
from otto.webhooks.inbox import WebhookEvent

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
FIXTURE_ACCOUNT = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
FIXTURE_TWILIO_NUMBER = "+15550100201"
FIXTURE_CUSTOMER = "+15550100202"
FIXTURE_SIDS = (
    "SMcea2a3bd6f50296f8fab60f377db03eb",
    "MM0123456789abcdef0123456789abcdef",
    "CA5f0e4c7f6a2b4d1c9e8f7a6b5c4d3e2f",
    "RE0123456789abcdef0123456789abcdef",
)


@dataclass
class TwilioAccount:
    app: object
    client: object
    company: object
    number: str
    token: str
    account_sid: str
    sids: dict

    def body(self, fixture: str, **fields) -> bytes:
        """The fixture's exact form body pointed at this company, with some fields replaced."""
        raw = fixture_bytes(f"twilio/{fixture}.body.txt")
        swaps = {
            quote(FIXTURE_TWILIO_NUMBER, safe=""): quote(self.number, safe=""),
            FIXTURE_ACCOUNT: self.account_sid,
            **self.sids,
        }
        raw = variant(raw, {old: new for old, new in swaps.items() if old.encode() in raw})
        for name, value in fields.items():
            start = raw.index(f"&{name}=".encode()) + 1 if f"&{name}=".encode() in raw else None
            pair = f"{name}={quote(str(value), safe='')}".encode()
            if start is None:
                raw += b"&" + pair
            else:
                end = raw.find(b"&", start)
                raw = raw[:start] + pair + (raw[end:] if end != -1 else b"")
        return raw

    def post(
        self,
        path: str,
        body: bytes,
        *,
        url: str | None = None,
        token: str | None = None,
        signature: str | None = None,
        **headers,
    ):
        url = url or f"http://localhost{path}"
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        headers["X-Twilio-Signature"] = (
            signature if signature is not None else twilio_signature(url, body, token or self.token)
        )
        return self.client.post(path, data=body, headers=headers)


@pytest.fixture(autouse=True)
def texts_stay_local(monkeypatch):
    """These companies hold Twilio credentials (to sign webhooks); their replies go to the log.

    The Twilio transport itself is tested against a local stub in test_sms.py.
    """
    from otto.sms import service

    monkeypatch.setattr(
        service,
        "transport_for",
        lambda company: service.LocalTransport(company.primary_tracking_number),
    )


@pytest.fixture(autouse=True)
def analysis_jobs_stay_queued(app):
    """Recordings queue analysis jobs; these tests check the queueing and never run them."""
    empty_queue(app, "ai")
    yield
    empty_queue(app, "ai")


@pytest.fixture
def twilio_account(app, client, make_company):
    number, token, account_sid = unique_number(), unique_id("token"), unique_id("AC")[:34]
    company = make_company(
        primary_tracking_number=number,
        phone_number=unique_number(),
        twilio_account_sid=account_sid,
        twilio_auth_token=token,
        timezone=daytime_zone(),
        name="Example HVAC",
        call_provider="twilio",
    )
    sids = {old: old[:2] + unique_id("")[:32] for old in FIXTURE_SIDS}
    return TwilioAccount(app, client, company, number, token, account_sid, sids)


def messages_of(app, company_id):
    return rows(app, MessageThread, company_id, order_by=MessageThread.created_at)


def calls_of(app, company_id):
    return rows(app, Call, company_id, order_by=Call.call_id)


def opt_out_of(app, company_id, phone=FIXTURE_CUSTOMER):
    found = rows(app, SmsOptOut, company_id, SmsOptOut.phone == phone)
    return found[0] if found else None


def assert_twiml(response, expected: str = EMPTY_TWIML) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == expected


def assert_problem(response, status: int, error_code: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["error_code"] == error_code


class TestInboundSms:
    @pytest.mark.parametrize(
        "path", ["/sms/twilio-webhook", "/mobile/twilio-sms-webhook", "/twilio-webhook"]
    )
    def test_a_first_text_makes_contact_lead_thread_and_one_welcome(
        self, app, twilio_account, path
    ):
        company_id = twilio_account.company.id
        body = twilio_account.body("sms_inbound")

        assert_twiml(twilio_account.post(path, body))
        run_jobs(app)
        assert_twiml(twilio_account.post(path, body))
        run_jobs(app)

        [event] = rows(app, WebhookEvent, None, WebhookEvent.company_id == company_id)
        assert (event.status, event.event_type, event.event_key) == (
            "processed",
            "sms.inbound",
            twilio_account.sids[FIXTURE_SIDS[0]],
        )
        [contact] = rows(app, ContactCard, company_id)
        [lead] = rows(app, Lead, company_id)
        [call] = calls_of(app, company_id)
        assert contact.primary_phone == FIXTURE_CUSTOMER and lead.status == "new"
        assert (call.provider, call.status, call.mobile_texts_count, call.lead_id) == (
            "sms",
            None,
            1,
            lead.id,
        )
        inbound, welcome = messages_of(app, company_id)
        assert (inbound.direction, inbound.sender_role, inbound.body, inbound.provider) == (
            "inbound",
            "customer",
            "Ahoy!",
            "twilio",
        )
        assert inbound.message_sid == twilio_account.sids[FIXTURE_SIDS[0]]
        assert (welcome.direction, welcome.sender_role, welcome.message_type, welcome.provider) == (
            "outbound",
            "otto",
            "automated",
            "local",
        )
        assert "Example HVAC" in welcome.body and (welcome.encoding, welcome.segments) == (
            "gsm7",
            1,
        )
        assert sorted(e.event_type for e in rows(app, EventLog, company_id)) == [
            "sms_received",
            "sms_sent",
        ]

    def test_a_second_text_joins_the_call_log_and_gets_no_welcome(self, app, twilio_account):
        company_id = twilio_account.company.id
        twilio_account.post("/sms/twilio-webhook", twilio_account.body("sms_inbound"))
        run_jobs(app)

        assert_twiml(twilio_account.post("/sms/twilio-webhook", twilio_account.body("mms_inbound")))
        run_jobs(app)

        [call] = calls_of(app, company_id)
        assert call.mobile_texts_count == 2
        assert [m["direction"] for m in json.loads(call.text_messages)] == ["inbound", "inbound"]
        messages = messages_of(app, company_id)
        assert [m.direction for m in messages] == ["inbound", "outbound", "inbound"]
        media = (
            f"https://api.twilio.com/2010-04-01/Accounts/{twilio_account.account_sid}/Messages/"
            f"{twilio_account.sids[FIXTURE_SIDS[1]]}/Media/ME0123456789abcdef0123456789abcdef"
        )
        assert messages[-1].media_urls == [media]
        assert count(app, Lead, company_id) == 1

    def test_stop_with_opt_out_type_is_recorded_without_our_own_confirmation(
        self, app, twilio_account
    ):
        from otto.sms.service import send_sms

        company_id = twilio_account.company.id

        assert_twiml(
            twilio_account.post("/sms/twilio-webhook", twilio_account.body("sms_inbound_stop"))
        )
        run_jobs(app)

        opt_out = opt_out_of(app, company_id)
        assert (opt_out.status, opt_out.source, opt_out.keyword) == (
            "opted_out",
            "provider_opt_out_type",
            "STOP",
        )
        [message] = messages_of(app, company_id)
        assert (message.direction, message.body) == ("inbound", "STOP")
        assert count(app, Lead, company_id) == 0
        with app.app_context():
            result = send_sms(company_id, FIXTURE_CUSTOMER, "Still there?")
        assert (result.status, result.message_sid) == ("opted_out", None)
        assert len(messages_of(app, company_id)) == 1

    @pytest.mark.parametrize(
        "texts, status, source, replies",
        [
            (["stop."], "opted_out", "inbound_keyword", ["unsubscribed"]),
            (["Unsubscribe"], "opted_out", "inbound_keyword", ["unsubscribed"]),
            (
                ["STOP", "start"],
                "opted_in",
                "inbound_keyword",
                ["unsubscribed", "subscribed again"],
            ),
            (["STOP", "yes!"], "opted_in", "inbound_keyword", ["unsubscribed", "subscribed again"]),
            (["help"], None, None, ["reply STOP to opt out"]),
        ],
    )
    def test_keywords_update_the_store_and_are_answered_once(
        self, app, twilio_account, texts, status, source, replies
    ):
        company_id = twilio_account.company.id
        for index, text in enumerate(texts):
            body = twilio_account.body(
                "sms_inbound", Body=text, MessageSid=f"SM{unique_id('')[:32]}"
            )
            assert_twiml(twilio_account.post("/sms/twilio-webhook", body))
            run_jobs(app)

        opt_out = opt_out_of(app, company_id)
        assert (opt_out.status if opt_out else None, opt_out.source if opt_out else None) == (
            status,
            source,
        )
        sent = [m.body for m in messages_of(app, company_id) if m.direction == "outbound"]
        assert len(sent) == len(replies)
        for text, expected in zip(sent, replies):
            assert expected in text and "Example HVAC" in text
        assert count(app, Lead, company_id) == 0

    def test_yes_from_a_number_that_never_opted_out_is_an_ordinary_text(self, app, twilio_account):
        body = twilio_account.body("sms_inbound", Body="Yes")

        twilio_account.post("/sms/twilio-webhook", body)
        run_jobs(app)

        assert opt_out_of(app, twilio_account.company.id) is None
        assert count(app, Lead, twilio_account.company.id) == 1


class TestVoice:
    def test_an_inbound_call_is_forwarded_recorded_and_completed(self, app, twilio_account):
        company = twilio_account.company
        call_sid = twilio_account.sids[FIXTURE_SIDS[2]]

        response = twilio_account.post(
            "/mobile/twilio-voice-webhook", twilio_account.body("voice_incoming_call")
        )
        run_jobs(app)

        assert_twiml(
            response,
            (
                '<?xml version="1.0" encoding="UTF-8"?><Response>'
                '<Dial action="http://localhost/twilio-webhook" record="record-from-answer" '
                'recordingStatusCallback="http://localhost/twilio-webhook" '
                f'timeout="20"><Number>{company.phone_number}</Number></Dial></Response>'
            ),
        )
        [call] = calls_of(app, company.id)
        assert (
            call.status,
            call.provider,
            call.call_sid,
            call.external_call_id,
            call.phone_number,
        ) == ("incoming", "twilio", call_sid, call_sid, FIXTURE_CUSTOMER)

        assert_twiml(
            twilio_account.post(
                "/twilio-webhook", twilio_account.body("voice_status_callback_completed")
            )
        )
        run_jobs(app)

        [call] = calls_of(app, company.id)
        assert (call.status, call.last_call_status, call.last_call_duration) == (
            "completed",
            "completed",
            187,
        )
        assert call.last_call_timestamp == "2025-01-14T17:42:10Z"
        [recording] = json.loads(call.mobile_transcript)
        assert (recording["recording_sid"], recording["duration"], recording["transcript"]) == (
            twilio_account.sids[FIXTURE_SIDS[3]],
            "3:01",
            None,
        )
        assert call.recording_url == recording["recording_url"]
        assert queued_functions(app, "ai") == ["jobs.analysis.analyze_call"]
        timeline = sorted(e.event_type for e in rows(app, EventLog, company.id))
        assert timeline == ["call_completed", "call_received"]

    def test_no_answer_marks_an_inbound_call_missed(self, app, twilio_account):
        twilio_account.post(
            "/mobile/twilio-voice-webhook", twilio_account.body("voice_incoming_call")
        )
        twilio_account.post(
            "/twilio-webhook", twilio_account.body("voice_status_callback_no_answer")
        )
        run_jobs(app)

        [call] = calls_of(app, twilio_account.company.id)
        assert (call.status, call.missed_call, call.last_call_status) == (
            "missed",
            True,
            "no-answer",
        )

    def test_every_status_of_a_call_is_applied_once(self, app, twilio_account):
        answers = []
        for sequence, status in enumerate(["ringing", "in-progress", "completed", "completed"]):
            body = twilio_account.body(
                "voice_status_callback_completed",
                CallStatus=status,
                SequenceNumber=min(sequence, 2),
            )
            answers.append(twilio_account.post("/twilio-webhook", body))
            run_jobs(app)

        assert [r.status_code for r in answers] == [200] * 4

        keys = sorted(
            e.event_key.split(":", 1)[1]
            for e in rows(
                app, WebhookEvent, None, WebhookEvent.company_id == twilio_account.company.id
            )
        )
        assert keys == ["completed:2", "in-progress:1", "ringing:0"]
        [call] = calls_of(app, twilio_account.company.id)
        assert (call.status, call.last_call_status) == ("completed", "completed")

    @pytest.mark.parametrize(
        "dial_status, expected", [("completed", "completed"), ("busy", "missed")]
    )
    def test_the_dial_outcome_completes_or_misses_the_call(
        self, app, twilio_account, dial_status, expected
    ):
        twilio_account.post(
            "/mobile/twilio-voice-webhook", twilio_account.body("voice_incoming_call")
        )
        dial = twilio_account.body(
            "voice_incoming_call",
            DialCallStatus=dial_status,
            DialCallDuration="33",
            CallStatus="completed",
        )
        assert_twiml(twilio_account.post("/twilio-webhook", dial))
        run_jobs(app)

        [call] = calls_of(app, twilio_account.company.id)
        assert call.status == expected
        assert call.missed_call is (expected == "missed")

    def test_a_recording_callback_adds_the_recording_once(self, app, twilio_account):
        twilio_account.post(
            "/mobile/twilio-voice-webhook", twilio_account.body("voice_incoming_call")
        )
        recording = twilio_account.body(
            "voice_incoming_call",
            RecordingSid=f"RE{unique_id('')[:32]}",
            RecordingStatus="completed",
            RecordingUrl="https://api.twilio.com/Recordings/RE1",
            RecordingDuration="65",
        )
        for _ in range(2):
            assert_twiml(twilio_account.post("/twilio-webhook", recording))
        run_jobs(app)

        [call] = calls_of(app, twilio_account.company.id)
        [entry] = json.loads(call.mobile_transcript)
        assert (entry["duration"], call.recording_url) == (
            "1:05",
            "https://api.twilio.com/Recordings/RE1",
        )
        assert queued_functions(app, "ai") == ["jobs.analysis.analyze_call"]

    def test_a_call_to_an_unknown_number_hangs_up_and_is_kept_unmatched(self, app, twilio_account):
        body = twilio_account.body("voice_incoming_call").replace(
            quote(twilio_account.number, safe="").encode(), quote(unique_number(), safe="").encode()
        )

        with settings_changed(app, twilio_auth_token="platform-token"):
            response = twilio_account.post(
                "/mobile/twilio-voice-webhook", body, token="platform-token"
            )

        assert_twiml(
            response,
            '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, this number '
            "cannot take calls right now. Goodbye.</Say><Hangup /></Response>",
        )
        [event] = rows(app, WebhookEvent, None, WebhookEvent.raw_body == body)
        assert (event.status, event.company_id) == ("unmatched", None)


class TestSignatures:
    @pytest.mark.parametrize(
        "case",
        ["wrong token", "no header", "tampered body", "other url", "parameter dropped", "hex sha1"],
    )
    def test_forged_deliveries_are_refused_and_not_stored(self, app, twilio_account, case):
        body = twilio_account.body("sms_inbound")
        url = "http://localhost/sms/twilio-webhook"
        signature = twilio_signature(url, body, twilio_account.token)
        if case == "wrong token":
            signature = twilio_signature(url, body, "not-the-token")
        elif case == "no header":
            signature = ""
        elif case == "tampered body":
            body = body.replace(b"Body=Ahoy%21", b"Body=Ahoy%3F")
        elif case == "other url":
            signature = twilio_signature(
                "http://localhost/twilio-webhook", body, twilio_account.token
            )
        elif case == "parameter dropped":
            body = body.replace(b"&ApiVersion=2010-04-01", b"")
        elif case == "hex sha1":
            signature = hashlib.sha1(url.encode() + body).hexdigest()
        before = count(app, WebhookEvent)

        response = twilio_account.post("/sms/twilio-webhook", body, signature=signature)

        assert_problem(response, 401, "UNAUTHORIZED")
        assert count(app, WebhookEvent) == before

    def test_behind_a_tls_proxy_the_public_base_url_is_what_twilio_signed(
        self, app, twilio_account
    ):
        body = twilio_account.body("sms_inbound")
        public = "https://otto.example.com/sms/twilio-webhook"

        with settings_changed(app, public_base_url="https://otto.example.com"):
            response = twilio_account.post("/sms/twilio-webhook", body, url=public)

        assert_twiml(response)

    def test_forwarded_headers_count_only_from_a_trusted_proxy(self, app, twilio_account):
        body = twilio_account.body("sms_inbound")
        public = "https://otto.example.com/sms/twilio-webhook"
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "otto.example.com"}

        untrusted = twilio_account.post("/sms/twilio-webhook", body, url=public, **forwarded)
        with settings_changed(app, trusted_proxy=True):
            trusted = twilio_account.post("/sms/twilio-webhook", body, url=public, **forwarded)

        assert_problem(untrusted, 401, "UNAUTHORIZED")
        assert_twiml(trusted)

    def test_the_platform_token_verifies_companies_without_their_own(
        self, app, client, make_company
    ):
        number = unique_number()
        company = make_company(primary_tracking_number=number, timezone=daytime_zone())
        body = (
            fixture_bytes("twilio/sms_inbound.body.txt")
            .replace(
                quote(FIXTURE_TWILIO_NUMBER, safe="").encode(), quote(number, safe="").encode()
            )
            .replace(FIXTURE_SIDS[0].encode(), f"SM{unique_id('')[:32]}".encode())
        )
        url = "http://localhost/sms/twilio-webhook"

        refused = client.post(
            "/sms/twilio-webhook",
            data=body,
            headers={"X-Twilio-Signature": twilio_signature(url, body, "platform-token")},
        )
        with settings_changed(app, twilio_auth_token="platform-token"):
            accepted = client.post(
                "/sms/twilio-webhook",
                data=body,
                headers={"X-Twilio-Signature": twilio_signature(url, body, "platform-token")},
            )
        run_jobs(app)

        assert_problem(refused, 401, "UNAUTHORIZED")
        assert_twiml(accepted)
        assert count(app, MessageThread, company.id, MessageThread.direction == "inbound") == 1


class TestOtherDeliveries:
    def test_message_status_callbacks_mark_delivery_and_21610_opts_out(self, app, twilio_account):
        from otto.db import db
        from otto.tenancy import tenant_scope

        company_id = twilio_account.company.id
        sids = [f"SM{unique_id('')[:32]}" for _ in range(2)]
        with app.app_context(), tenant_scope(company_id):
            contact = ContactCard(company_id=company_id, primary_phone=FIXTURE_CUSTOMER)
            db.session.add(contact)
            db.session.flush()
            for sid in sids:
                db.session.add(
                    MessageThread(
                        company_id=company_id,
                        contact_card_id=contact.id,
                        sender=twilio_account.number,
                        sender_role="otto",
                        body="Hello",
                        message_type="automated",
                        direction="outbound",
                        provider="twilio",
                        message_sid=sid,
                        delivered=False,
                    )
                )
            db.session.commit()
        common = (
            f"AccountSid={twilio_account.account_sid}&From={quote(twilio_account.number, safe='')}"
            f"&To={quote(FIXTURE_CUSTOMER, safe='')}&ApiVersion=2010-04-01"
        )

        for body in [
            f"MessageSid={sids[0]}&MessageStatus=delivered&{common}",
            f"MessageSid={sids[1]}&MessageStatus=undelivered&ErrorCode=21610&{common}",
        ]:
            assert_twiml(twilio_account.post("/twilio-webhook", body.encode()))
        run_jobs(app)

        delivered, refused = sorted(
            messages_of(app, company_id), key=lambda m: sids.index(m.message_sid)
        )
        assert (delivered.delivered, delivered.delivered_at is not None) == (True, True)
        assert refused.delivered is False
        opt_out = opt_out_of(app, company_id)
        assert (opt_out.status, opt_out.source) == ("opted_out", "provider_error_21610")

    def test_an_unrecognised_router_delivery_is_stored_ignored(self, app, twilio_account):
        account, number = twilio_account.account_sid, quote(twilio_account.number)
        body = f"AccountSid={account}&To={number}&Foo=bar".encode()

        assert_twiml(twilio_account.post("/twilio-webhook", body))

        [event] = rows(app, WebhookEvent, None, WebhookEvent.raw_body == body)
        assert (event.status, event.event_type) == ("ignored", "unrecognised")

    @pytest.mark.parametrize(
        "name, expected",
        [
            ("truncated JSON with bodySHA256", 422),
            ("form body declared as JSON", 200),
            ("2 MB form body", 200),
            ("only an account sid", 200),
        ],
    )
    def test_signed_bodies_never_500_and_are_always_kept(self, app, twilio_account, name, expected):
        path, url = "/twilio-webhook", "http://localhost/twilio-webhook"
        headers = {}
        if name == "truncated JSON with bodySHA256":
            body = b'{"CallSid": "CA1", "CallStatus": "ring'
            path = f"/twilio-webhook?bodySHA256={hashlib.sha256(body).hexdigest()}"
            url = f"http://localhost{path}"
            signature = RequestValidator(twilio_account.token).compute_signature(url, {})
            headers["Content-Type"] = "application/json"
            with settings_changed(app, twilio_auth_token=twilio_account.token):
                response = twilio_account.post(path, body, url=url, signature=signature, **headers)
        else:
            if name == "form body declared as JSON":
                body = twilio_account.body("sms_inbound")
                headers["Content-Type"] = "application/json"
            elif name == "2 MB form body":
                body = twilio_account.body("sms_inbound", Body="x" * 2_000_000)
            else:
                body = f"AccountSid={twilio_account.account_sid}".encode()
            with settings_changed(app, twilio_auth_token=twilio_account.token):
                response = twilio_account.post(path, body, url=url, **headers)
        run_jobs(app)

        assert response.status_code == expected
        [event] = rows(app, WebhookEvent, None, WebhookEvent.raw_body == body)
        if expected == 422:
            assert_problem(response, 422, "VALIDATION_ERROR")
            assert (event.status, event.last_error) == ("failed", "unparseable_body")
        else:
            assert response.mimetype == "text/xml"
            assert event.status in ("processed", "ignored", "unmatched")

    def test_webhook_routes_exist(self, app):
        rules = {rule.rule for rule in app.url_map.iter_rules()}

        assert {
            "/twilio-webhook",
            "/mobile/twilio-voice-webhook",
            "/mobile/twilio-sms-webhook",
            "/sms/twilio-webhook",
        } <= rules
