"""CallRail webhooks over HTTP: signatures, store first, exactly-once effects on calls and texts."""

import json
import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import update
from webhook_helpers import (
    at_delivery_time,
    callrail_signature,
    count,
    daytime_zone,
    empty_queue,
    fixture_bytes,
    queued_functions,
    rows,
    run_jobs,
    settings_changed,
    unique_id,
    unique_number,
    variant,
    webhook_event,
)

from otto.calls.models import Call
from otto.companies.models import Company
from otto.contacts.models import ContactCard, EventLog
from otto.leads.models import Lead
from otto.messages.models import MessageThread
from otto.webhooks.inbox import WebhookEvent

VECTOR = json.loads(fixture_bytes("callrail/signature_vector.json"))
DOCS_BODY = fixture_bytes("callrail/post_call_voicemail_docs_sample.json")
NEGATIVES = {case["case"]: case for case in VECTOR["negative_cases"]}
PLATFORM_KEY = "platform-callrail-signing-key"

# Values the captured and derived fixtures share, swapped per test for fresh ones.
FIXTURE_CALL_ID = "CAL09c8a75d189149a482e881a9590ac1ba"
FIXTURE_OUTBOUND_CALL_ID = "CALd093946bec9743b2a822cd4e4240a471"
FIXTURE_ACCOUNT_ID = "COMdcdc6f0d953941e8bebbd8bf22a03662"
FIXTURE_TEXT_IDS = (
    "SCI0c14896tw1b64fb970ab62aaf4fbefd9",
    "SCI2e36a18vy3d86hd192cd84cch6dhgf1",
    "SCI1d25907ux2c75gc081bc73bbg5cgfe0",
)


@dataclass
class CallRailAccount:
    """A company set up for CallRail, and the fixture bodies rewritten to point at it."""

    app: object
    client: object
    company: Company
    tracking: str
    key: str
    account_id: str
    call_id: str
    outbound_call_id: str
    text_ids: dict

    def body(self, fixture: str, **extra) -> bytes:
        swaps = {
            "+15550100103": self.tracking,
            "+15550100106": self.tracking,
            "555-010-0122": self.tracking,
            FIXTURE_ACCOUNT_ID: self.account_id,
            FIXTURE_CALL_ID: self.call_id,
            FIXTURE_OUTBOUND_CALL_ID: self.outbound_call_id,
            **self.text_ids,
            **extra,
        }
        raw = fixture_bytes(f"callrail/{fixture}")
        return variant(raw, {old: new for old, new in swaps.items() if old.encode() in raw})

    def post(self, path: str, body: bytes, signature: str | None = None, **headers):
        headers.setdefault("Content-Type", "application/json")
        headers["Signature"] = (
            signature if signature is not None else callrail_signature(body, self.key)
        )
        with at_delivery_time(body):
            return self.client.post(path, data=body, headers=headers)


@pytest.fixture(autouse=True)
def analysis_jobs_stay_queued(app):
    """Recordings queue analysis jobs; these tests check the queueing and never run them."""
    empty_queue(app, "ai")
    yield
    empty_queue(app, "ai")


@pytest.fixture
def account(app, client, make_company):
    tracking, key = unique_number(), unique_id("key_")
    company = make_company(
        primary_tracking_number=tracking,
        phone_number=unique_number(),
        callrail_webhook_signing_key=key,
        callrail_account_id=unique_id("COM"),
        timezone=daytime_zone(),
        name="Example Roofing",
    )
    return CallRailAccount(
        app,
        client,
        company,
        tracking,
        key,
        company.callrail_account_id,
        unique_id("CAL"),
        unique_id("CAL"),
        {old: unique_id("SCI") for old in FIXTURE_TEXT_IDS},
    )


def total_events(app) -> int:
    return count(app, WebhookEvent)


def calls_of(app, company_id):
    return rows(app, Call, company_id, order_by=Call.call_id)


def timeline(app, company_id) -> list[str]:
    return [row.event_type for row in rows(app, EventLog, company_id, order_by=EventLog.timestamp)]


def assert_problem(response, status: int, error_code: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["error_code"] == error_code


class TestPublishedVector:
    def test_docs_sample_with_its_published_key_creates_a_missed_voicemail_call(
        self, app, client, make_company
    ):
        company = make_company(
            primary_tracking_number="+15550100112",
            timezone=daytime_zone(),
            callrail_webhook_signing_key=VECTOR["signing_key"],
        )
        headers = {"Signature": VECTOR["expected_signature"], "Content-Type": "application/json"}

        with at_delivery_time(DOCS_BODY):
            response = client.post("/callrail/call.completed", data=DOCS_BODY, headers=headers)
        run_jobs(app)

        assert response.status_code == 200
        event = webhook_event(app, response.json["event_id"])
        assert response.json == {"status": "received", "event_id": event.id}
        assert (event.status, event.event_key, event.company_id) == (
            "processed",
            "callrail:call.completed:766970532",
            company.id,
        )
        assert event.raw_body == DOCS_BODY
        [call] = calls_of(app, company.id)
        assert (call.provider, call.external_call_id, call.status, call.missed_call) == (
            "callrail",
            "766970532",
            "missed",
            True,
        )
        assert call.phone_number == "+15550100111" and call.name == "Casey Example"
        assert call.recording_url.startswith("https://app.callrail.com/calls/766970532/recording")
        assert call.last_call_duration == 13
        assert (call.analysis_status, queued_functions(app, "ai")) == (
            "in_progress",
            ["jobs.analysis.analyze_call"],
        )
        [contact] = rows(app, ContactCard, company.id)
        [lead] = rows(app, Lead, company.id)
        assert (contact.primary_phone, contact.first_name, lead.status) == (
            "+15550100111",
            "Casey",
            "new",
        )
        assert (call.contact_card_id, call.lead_id) == (contact.id, lead.id)
        assert timeline(app, company.id) == ["call_missed"]

        with at_delivery_time(DOCS_BODY):
            again = client.post("/callrail/call.completed", data=DOCS_BODY, headers=headers)
        run_jobs(app)

        assert again.status_code == 200 and again.json == response.json
        assert len(calls_of(app, company.id)) == 1
        assert timeline(app, company.id) == ["call_missed"]

    @pytest.mark.parametrize(
        "case",
        [
            "body with trailing newline appended",
            "signature computed with HMAC-SHA256 instead of SHA1",
            "hex-encoded SHA1 instead of base64",
            "same body re-serialized with json.dumps(indent=2)",
            "same body re-serialized, signed as re-serialized with another key",
            "no signature header",
            "empty signature header",
            "signature of another company's key",
        ],
    )
    def test_forged_or_altered_deliveries_are_refused_and_not_stored(self, app, account, case):
        body, signature = account.body("post_call_inbound_abandoned_captured.json"), None
        if case == "body with trailing newline appended":
            signature, body = callrail_signature(body, account.key), body + b"\n"
        elif case in NEGATIVES and "signature" in NEGATIVES[case]:
            signature = NEGATIVES[case]["signature"]
        elif case == "same body re-serialized with json.dumps(indent=2)":
            signature = callrail_signature(body, account.key)
            body = json.dumps(json.loads(body), indent=2).encode()
        elif case == "same body re-serialized, signed as re-serialized with another key":
            body = json.dumps(json.loads(body), indent=2).encode()
            signature = callrail_signature(body, "another-key")
        elif case == "empty signature header":
            signature = ""
        elif case == "signature of another company's key":
            signature = callrail_signature(body, VECTOR["signing_key"])
        before = total_events(app)

        if case == "no signature header":
            with at_delivery_time(body):
                response = account.client.post(
                    "/callrail/call.completed",
                    data=body,
                    headers={"Content-Type": "application/json"},
                )
        else:
            response = account.post("/callrail/call.completed", body, signature=signature)

        assert_problem(response, 401, "UNAUTHORIZED")
        assert total_events(app) == before
        assert calls_of(app, account.company.id) == []

    def test_a_company_without_a_key_and_no_platform_key_refuses_everything(
        self, app, client, make_company
    ):
        tracking = unique_number()
        make_company(primary_tracking_number=tracking)
        body = DOCS_BODY.replace(b"+15550100112", tracking.encode())

        with at_delivery_time(body):
            response = client.post(
                "/callrail/call.completed",
                data=body,
                headers={"Signature": callrail_signature(body, "guess")},
            )

        assert_problem(response, 401, "UNAUTHORIZED")


class TestFixtures:
    def test_every_fixture_creates_exactly_its_rows_and_a_replay_creates_nothing(
        self, app, account
    ):
        company_id = account.company.id
        deliveries = [
            ("/callrail/call.incoming", "pre_call_DERIVED.json"),
            ("/callrail/call.completed", "post_call_inbound_abandoned_captured.json"),
            ("/callrail/call.completed", "call_modified_DERIVED.json"),
            ("/callrail/call.completed", "post_call_outbound_captured.json"),
            ("/sms/callrail-webhook", "text_message_received.json"),
            ("/sms/callrail-webhook", "text_message_received_mms.json"),
            ("/sms/callrail-webhook", "text_message_sent.json"),
            ("/callrail/call.completed", "form_submission_captured.json"),
        ]
        answers = {}
        for path, fixture in deliveries:
            response = account.post(path, account.body(fixture))
            assert response.status_code == 200, (fixture, response.json)
            answers[fixture] = response.json["event_id"]
            run_jobs(app)

        statuses = {
            fixture: webhook_event(app, event_id).status for fixture, event_id in answers.items()
        }
        assert statuses == {
            **{fixture: "processed" for _, fixture in deliveries},
            "form_submission_captured.json": "ignored",
        }
        assert (
            webhook_event(app, answers["call_modified_DERIVED.json"]).event_type == "call.modified"
        )

        inbound, outbound, texts = calls_of(app, company_id)
        assert (
            inbound.external_call_id,
            inbound.status,
            inbound.missed_call,
            inbound.direction,
        ) == (account.call_id, "missed", True, "inbound")
        assert (inbound.phone_number, inbound.call_type, inbound.last_call_duration) == (
            "+15550100101",
            "csr_call",
            15,
        )
        assert (
            outbound.external_call_id,
            outbound.status,
            outbound.direction,
            outbound.missed_call,
        ) == (account.outbound_call_id, "completed", "outbound", False)
        assert (texts.provider, texts.status, texts.mobile_texts_count) == ("sms", None, 2)
        assert [entry["message"] for entry in json.loads(texts.text_messages)] == [
            "Is someone free on Thursday",
            "Here is a photo of the leak",
        ]

        contacts = {row.primary_phone for row in rows(app, ContactCard, company_id)}
        assert contacts == {"+15550100101", "+15550100104", "+15550100121"}
        assert count(app, Lead, company_id) == 3
        messages = rows(app, MessageThread, company_id, order_by=MessageThread.created_at)
        by_role = sorted((m.direction, m.sender_role, m.message_type, m.provider) for m in messages)
        assert by_role == [
            ("inbound", "customer", "manual", "callrail"),
            ("inbound", "customer", "manual", "callrail"),
            ("outbound", "csr", "manual", "callrail"),
            ("outbound", "otto", "automated", "local"),  # the welcome reply to the first text
        ]
        mms = next(m for m in messages if m.media_urls)
        assert mms.media_urls == ["https://media.example.com/callrail-mms/IMG_0001.jpg"]
        welcome = next(m for m in messages if m.provider == "local")
        assert (welcome.encoding, welcome.segments) == ("gsm7", 1)
        assert welcome.message_sid.startswith("local_")
        assert sorted(timeline(app, company_id)) == sorted(
            [
                "call_received",
                "call_missed",
                "call_completed",
                "sms_received",
                "sms_received",
                "sms_sent",
                "sms_sent",
            ]
        )

        snapshot = (
            total_events(app),
            len(calls_of(app, company_id)),
            count(app, ContactCard, company_id),
            count(app, Lead, company_id),
            count(app, MessageThread, company_id),
            count(app, EventLog, company_id),
        )
        for path, fixture in deliveries:
            response = account.post(path, account.body(fixture))
            assert response.status_code == 200
            assert response.json["event_id"] == answers[fixture]
        run_jobs(app)

        assert snapshot == (
            total_events(app),
            len(calls_of(app, company_id)),
            count(app, ContactCard, company_id),
            count(app, Lead, company_id),
            count(app, MessageThread, company_id),
            count(app, EventLog, company_id),
        )

    def test_a_call_answered_by_a_csr_ends_completed_and_owned(self, app, account, make_user):
        csr = make_user(account.company, "csr")
        pre_call = account.body("pre_call_DERIVED.json")
        answered = json.loads(pre_call)
        answered.update(answered=True, duration="42", csr_id=csr.id)
        post_call = json.loads(account.body("post_call_inbound_abandoned_captured.json"))
        post_call.update(answered=True, call_type="inbound", duration="95")

        for path, body in [
            ("/callrail/call.incoming", pre_call),
            ("/callrail/call.answered", json.dumps(answered).encode()),
            ("/callrail/call.completed", json.dumps(post_call).encode()),
        ]:
            assert account.post(path, body).status_code == 200
            run_jobs(app)

        [call] = calls_of(app, account.company.id)
        assert (call.status, call.missed_call, call.owner_id, call.last_call_duration) == (
            "completed",
            False,
            csr.id,
            95,
        )
        assert timeline(app, account.company.id) == ["call_received", "call_completed"]

    def test_a_recording_that_arrives_late_updates_the_call_without_duplicating_it(
        self, app, account
    ):
        first = account.body("post_call_inbound_abandoned_captured.json")
        later = json.loads(first)
        later.update(
            recording="https://app.callrail.com/calls/x/recording",
            transcription="Hi, my roof leaks.",
        )
        later = json.dumps(later).encode()

        responses = [
            account.post("/callrail/call.completed", body) for body in (first, later, later)
        ]
        run_jobs(app)

        assert [r.status_code for r in responses] == [200, 200, 200]
        assert responses[1].json["event_id"] != responses[0].json["event_id"]
        assert responses[2].json["event_id"] == responses[1].json["event_id"]
        assert webhook_event(app, responses[1].json["event_id"]).event_type == "call.modified"
        [call] = calls_of(app, account.company.id)
        assert (call.recording_url, call.transcript) == (
            "https://app.callrail.com/calls/x/recording",
            "Hi, my roof leaks.",
        )
        assert timeline(app, account.company.id) == ["call_missed"]
        assert queued_functions(app, "ai") == ["jobs.analysis.analyze_call"]  # once, not per copy

    def test_the_company_is_found_by_callrail_account_id_when_the_number_is_unknown(
        self, app, account
    ):
        body = account.body(
            "post_call_inbound_abandoned_captured.json", **{"+15550100102": unique_number()}
        )
        body = body.replace(account.tracking.encode(), unique_number().encode())

        response = account.post("/callrail/call.completed", body)
        run_jobs(app)

        assert response.status_code == 200
        assert webhook_event(app, response.json["event_id"]).company_id == account.company.id
        assert len(calls_of(app, account.company.id)) == 1

    def test_a_day_old_delivery_is_stored_ignored(self, app, account):
        body = account.body("post_call_inbound_abandoned_captured.json")

        response = account.client.post(
            "/callrail/call.completed",
            data=body,
            headers={"Signature": callrail_signature(body, account.key)},
        )
        run_jobs(app)

        event = webhook_event(app, response.json["event_id"])
        assert (response.status_code, event.status, event.last_error) == (
            200,
            "ignored",
            "stale_delivery",
        )
        assert calls_of(app, account.company.id) == []


class TestUnmatchedAndFailures:
    def test_an_unknown_number_is_stored_unmatched_and_replayed_after_setup(
        self, app, client, make_company
    ):
        from otto.db import db
        from otto.webhooks.processing import replay

        tracking = unique_number()
        body = variant(
            fixture_bytes("callrail/post_call_inbound_abandoned_captured.json"),
            {
                "+15550100103": tracking,
                FIXTURE_CALL_ID: unique_id("CAL"),
                FIXTURE_ACCOUNT_ID: unique_id("COM"),
                "422269185": "1",
            },
        )
        companies = count(app, Company)

        with (
            settings_changed(app, callrail_webhook_signing_key=PLATFORM_KEY),
            at_delivery_time(body),
        ):
            response = client.post(
                "/callrail/call.completed",
                data=body,
                headers={"Signature": callrail_signature(body, PLATFORM_KEY)},
            )
        run_jobs(app)

        event = webhook_event(app, response.json["event_id"])
        assert (response.status_code, event.status, event.company_id) == (200, "unmatched", None)
        assert count(app, Company) == companies

        company = make_company(primary_tracking_number=tracking, timezone=daytime_zone())
        with app.app_context():
            outcome = replay(event.id)
            db.session.remove()

        assert outcome == f"event {event.id}: processed"
        assert webhook_event(app, event.id).company_id == company.id
        assert len(calls_of(app, company.id)) == 1

    def test_a_failed_handler_leaves_the_event_failed_and_replay_applies_it_once(
        self, app, account, monkeypatch
    ):
        from otto.db import db
        from otto.webhooks import callrail
        from otto.webhooks.processing import replay

        def broken(*args, **kwargs):
            raise RuntimeError("database hiccup")

        monkeypatch.setattr(callrail, "_voice", broken)
        response = account.post(
            "/callrail/call.completed", account.body("post_call_inbound_abandoned_captured.json")
        )
        run_jobs(app)

        event = webhook_event(app, response.json["event_id"])
        assert (event.status, event.attempts) == ("failed", 1)
        assert event.last_error == "RuntimeError: database hiccup"
        assert calls_of(app, account.company.id) == []

        monkeypatch.undo()
        with app.app_context():
            outcome = replay(event.id)
            again = replay(event.id)
            db.session.remove()

        assert outcome == f"event {event.id}: processed"
        assert again.endswith("only failed or unmatched events are replayed")
        assert len(calls_of(app, account.company.id)) == 1

    def test_a_delivery_stored_while_the_queue_is_down_is_answered_and_swept_later(
        self, app, account, monkeypatch
    ):
        from otto.db import db
        from otto.webhooks import intake
        from otto.webhooks.processing import sweep_stuck_events

        def queue_down(event):
            raise ConnectionError("redis is unreachable")

        monkeypatch.setattr(intake, "enqueue_processing", queue_down)
        response = account.post(
            "/callrail/call.completed", account.body("post_call_inbound_abandoned_captured.json")
        )
        monkeypatch.undo()
        run_jobs(app)

        with app.app_context():
            sweep_stuck_events()
            db.session.remove()
        run_jobs(app)

        assert response.status_code == 200
        assert webhook_event(app, response.json["event_id"]).status == "received"  # too young
        with app.app_context():
            db.session.execute(
                update(WebhookEvent)
                .where(WebhookEvent.id == response.json["event_id"])
                .values(received_at=WebhookEvent.received_at - db_interval(10))
            )
            db.session.commit()
            swept = sweep_stuck_events()
            db.session.remove()
        run_jobs(app)

        assert swept >= 1
        assert webhook_event(app, response.json["event_id"]).status == "processed"
        assert len(calls_of(app, account.company.id)) == 1

    def test_settled_events_are_purged_after_ninety_days(self, app, account):
        from otto.db import db
        from otto.webhooks.processing import purge_settled_events

        old, recent = [
            account.post(
                "/callrail/call.completed",
                account.body(
                    "post_call_inbound_abandoned_captured.json",
                    **{FIXTURE_CALL_ID: unique_id("CAL")},
                ),
            ).json["event_id"]
            for _ in range(2)
        ]
        run_jobs(app)
        with app.app_context():
            for event_id, days in ((old, 91), (recent, 10)):
                db.session.execute(
                    update(WebhookEvent)
                    .where(WebhookEvent.id == event_id)
                    .values(processed_at=WebhookEvent.processed_at - db_interval(days * 1440))
                )
            db.session.commit()
            purged = purge_settled_events()
            db.session.remove()

        assert purged >= 1
        assert webhook_event(app, old) is None
        assert webhook_event(app, recent).status == "processed"


def db_interval(minutes: int):
    from sqlalchemy import text

    return text(f"interval '{int(minutes)} minutes'")


class TestConcurrency:
    def test_concurrent_first_deliveries_store_one_event_and_one_call(self, app, account):
        body = account.body("post_call_inbound_abandoned_captured.json")
        signature = callrail_signature(body, account.key)
        start, answers = threading.Barrier(8), []

        def deliver():
            client = app.test_client()
            start.wait()
            answers.append(
                client.post("/callrail/call.completed", data=body, headers={"Signature": signature})
            )

        with at_delivery_time(body):
            threads = [threading.Thread(target=deliver) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        run_jobs(app)

        assert [r.status_code for r in answers] == [200] * 8
        assert len({r.json["event_id"] for r in answers}) == 1
        assert count(app, WebhookEvent, None, WebhookEvent.company_id == account.company.id) == 1
        assert len(calls_of(app, account.company.id)) == 1

    def test_events_of_one_call_processed_at_once_meet_on_one_row(self, app, account):
        from otto.db import db
        from otto.tenancy import tenant_scope
        from otto.webhooks.processing import process_webhook

        ids = []
        for path, fixture in [
            ("/callrail/call.incoming", "pre_call_DERIVED.json"),
            ("/callrail/call.completed", "post_call_inbound_abandoned_captured.json"),
            ("/callrail/call.answered", "pre_call_DERIVED.json"),
        ]:
            ids.append(account.post(path, account.body(fixture)).json["event_id"])
        app.extensions["otto"].redis.delete("rq:queue:default")
        start, errors = threading.Barrier(len(ids)), []

        def process(event_id):
            with app.app_context(), tenant_scope(None):
                start.wait()
                try:
                    process_webhook(event_id)
                except Exception as error:  # a deadlock victim is retried like RQ would
                    errors.append(error)
                    db.session.rollback()
                    process_webhook(event_id)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=process, args=(event_id,)) for event_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert {webhook_event(app, event_id).status for event_id in ids} == {"processed"}
        [call] = calls_of(app, account.company.id)
        assert call.status in ("missed", "answered")
        assert count(app, ContactCard, account.company.id) == 1
        assert count(app, Lead, account.company.id) == 1


class TestMalformedBodies:
    @pytest.mark.parametrize(
        "name, body, content_type, expected",
        [
            (
                "truncated JSON",
                b'{"resource_id": "CAL1", "tracking_phone_n',
                "application/json",
                422,
            ),
            ("garbage bytes", b"\x00\xff\xfe not json", "application/json", 422),
            ("empty body", b"", "application/json", 422),
            ("JSON array", b"[1, 2, 3]", "application/json", 422),
            ("wrong content type, valid JSON", None, "text/plain", 200),
            ("form-encoded legacy fields", None, "application/x-www-form-urlencoded", 200),
            ("missing fields", b"{}", "application/json", 200),
            ("2 MB body", None, "application/json", 200),
            ("duplicate keys", None, "application/json", 200),
        ],
    )
    def test_signed_bodies_never_500_and_are_always_kept(
        self, app, client, name, body, content_type, expected
    ):
        tracking = unique_number()
        if name == "wrong content type, valid JSON":
            body = json.dumps(
                {
                    "resource_id": unique_id("CAL"),
                    "tracking_phone_number": tracking,
                    "customer_phone_number": "+15550100101",
                    "answered": "false",
                }
            ).encode()
        elif name == "form-encoded legacy fields":
            call_id, number = unique_id("CAL"), tracking[2:]
            body = f"call_id={call_id}&trackingnum=%2B1{number}&callernum=5550100101".encode()
        elif name == "2 MB body":
            body = json.dumps({"resource_id": unique_id("CAL"), "note": "x" * 2_000_000}).encode()
        elif name == "duplicate keys":
            body = fixture_bytes("callrail/form_submission_captured.json").replace(
                b"FRMdcd4509d27ac457f85f337a3aa1b960b", unique_id("FRM").encode()
            )
        before = total_events(app)

        with settings_changed(app, callrail_webhook_signing_key=PLATFORM_KEY):
            response = client.post(
                "/callrail/call.completed",
                data=body,
                headers={
                    "Signature": callrail_signature(body, PLATFORM_KEY),
                    "Content-Type": content_type,
                },
            )
        run_jobs(app)

        assert response.status_code == expected, response.json
        assert total_events(app) == before + 1
        if expected == 422:
            assert_problem(response, 422, "VALIDATION_ERROR")
            [event] = rows(app, WebhookEvent, None, WebhookEvent.raw_body == body)
            assert (event.status, event.last_error, event.event_type) == (
                "failed",
                "unparseable_body",
                "unparseable",
            )
        else:
            event = webhook_event(app, response.json["event_id"])
            assert event.raw_body == body
            assert event.status in ("unmatched", "ignored")

    def test_a_body_over_five_megabytes_is_413_and_not_stored(self, app, client):
        body = b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
        before = total_events(app)

        with settings_changed(app, callrail_webhook_signing_key=PLATFORM_KEY):
            response = client.post(
                "/callrail/call.completed",
                data=body,
                headers={
                    "Signature": callrail_signature(body, PLATFORM_KEY),
                    "Content-Type": "application/json",
                },
            )

        assert_problem(response, 413, "VALIDATION_ERROR")
        assert total_events(app) == before

    @pytest.mark.parametrize(
        "path",
        [
            "/callrail/call.incoming",
            "/callrail/call.answered",
            "/callrail/call.missed",
            "/callrail/call.completed",
            "/sms/callrail-webhook",
        ],
    )
    def test_unsigned_garbage_is_401_on_every_route(self, client, path):
        response = client.post(path, data=b"\x00garbage", headers={"Content-Type": "text/plain"})

        assert_problem(response, 401, "UNAUTHORIZED")


def test_webhook_routes_are_public_and_outside_the_api_prefix(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}

    assert {
        "/callrail/call.incoming",
        "/callrail/call.answered",
        "/callrail/call.missed",
        "/callrail/call.completed",
        "/sms/callrail-webhook",
    } <= rules


def test_missed_route_marks_the_call_for_the_missed_call_queue(app, account):
    body = account.body("pre_call_DERIVED.json")

    response = account.post("/callrail/call.missed", body)
    run_jobs(app)

    assert response.status_code == 200
    [call] = calls_of(app, account.company.id)
    assert (call.status, call.missed_call) == ("missed", True)
    assert timeline(app, account.company.id) == ["call_missed"]
