"""The outbound SMS service, its transports, the opt-out store, keywords, segments, quiet hours."""

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient
from webhook_helpers import count, daytime_zone, rows, run_jobs, unique_number

from otto.contacts.models import ContactCard, EventLog
from otto.messages.models import MessageThread
from otto.sms.models import SmsOptOut

CUSTOMER = "+15550100301"


@pytest.fixture
def company_with_contact(app, make_company):
    from otto.db import db
    from otto.tenancy import tenant_scope

    company = make_company(
        primary_tracking_number=unique_number(), timezone=daytime_zone(), name="Example Solar"
    )
    with app.app_context(), tenant_scope(company.id):
        contact = ContactCard(company_id=company.id, primary_phone=CUSTOMER)
        db.session.add(contact)
        db.session.commit()
        return company, contact.id


def send(app, company_id, to, body, **options):
    from otto.db import db
    from otto.sms.service import send_sms

    with app.app_context():
        result = send_sms(company_id, to, body, **options)
        db.session.commit()
        db.session.remove()
    return result


class TestSegments:
    @pytest.mark.parametrize(
        "body, expected",
        [
            ("", ("gsm7", 1)),
            ("a" * 160, ("gsm7", 1)),
            ("a" * 161, ("gsm7", 2)),
            ("a" * 306, ("gsm7", 2)),
            ("a" * 307, ("gsm7", 3)),
            ("€" * 80, ("gsm7", 1)),  # extension characters take two septets
            ("€" * 81, ("gsm7", 2)),
            ("Café déjà vu", ("gsm7", 1)),
            ("ç" * 70, ("ucs2", 1)),  # lower-case ç is not in the GSM alphabet
            ("ç" * 71, ("ucs2", 2)),
            ("Roof done 👍" + "x" * 59, ("ucs2", 2)),  # the emoji counts as two UTF-16 units
        ],
    )
    def test_encoding_and_segment_count(self, body, expected):
        from otto.sms.segments import encoding_and_segments

        assert encoding_and_segments(body) == expected


class TestKeywords:
    @pytest.mark.parametrize(
        "body, opt_out_type, opted_out, expected",
        [
            ("STOP", None, False, "stop"),
            ("  stop!! ", None, False, "stop"),
            ("Unsubscribe.", None, False, "stop"),
            ("stopall", None, False, "stop"),
            ("please stop texting me", None, False, None),
            ("Start", None, True, "start"),
            ("unstop", None, False, "start"),
            ("yes", None, True, "start"),
            ("yes", None, False, None),
            ("HELP?", None, False, "help"),
            ("info", None, False, "help"),
            ("Ahoy", "STOP", False, "stop"),
            ("", "HELP", False, "help"),
        ],
    )
    def test_whole_message_keywords(self, body, opt_out_type, opted_out, expected):
        from otto.sms.optouts import keyword_of

        assert keyword_of(body, opt_out_type, opted_out=opted_out) == expected


class TestQuietHours:
    @pytest.mark.parametrize(
        "utc, company_tz, customer_tz, expected",
        [
            ("2026-03-02T15:00:00", "America/New_York", None, None),
            ("2026-03-03T02:30:00", "America/New_York", None, "2026-03-03T13:00:00"),
            ("2026-03-02T13:30:00", "America/New_York", None, None),
            ("2026-03-02T12:30:00", "America/New_York", None, "2026-03-02T13:00:00"),
            (
                "2026-03-02T14:00:00",
                "America/New_York",
                "America/Los_Angeles",
                "2026-03-02T16:00:00",
            ),
            ("2026-03-08T05:00:00", "America/New_York", None, "2026-03-08T12:00:00"),  # DST night
        ],
    )
    def test_automated_texts_wait_for_eight_in_both_zones(
        self, utc, company_tz, customer_tz, expected
    ):
        from otto.sms.quiet_hours import send_not_before

        now = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
        result = send_not_before(company_tz, customer_tz, now=now)

        assert (
            result.astimezone(timezone.utc).replace(tzinfo=None).isoformat() if result else None
        ) == expected


class TestLocalTransport:
    def test_a_send_is_logged_and_recorded_on_the_thread(self, app, company_with_contact):
        company, contact_id = company_with_contact

        result = send(app, company.id, "(555) 010-0301", "Your estimate is ready 😀")

        assert (result.status, result.provider, result.encoding, result.segments) == (
            "sent",
            "local",
            "ucs2",
            1,
        )
        assert result.message_sid.startswith("local_")
        [message] = rows(app, MessageThread, company.id)
        assert (
            message.contact_card_id,
            message.direction,
            message.sender_role,
            message.message_type,
        ) == (contact_id, "outbound", "otto", "automated")
        assert (message.message_sid, message.encoding, message.segments, message.delivered) == (
            result.message_sid,
            "ucs2",
            1,
            True,
        )
        assert [e.event_type for e in rows(app, EventLog, company.id)] == ["sms_sent"]

    def test_numbers_without_a_contact_are_texted_but_not_threaded(self, app, company_with_contact):
        company, _ = company_with_contact

        result = send(app, company.id, unique_number(), "Reminder: 3 unassigned calls today")

        assert result.sent and result.message_id is None
        assert count(app, MessageThread, company.id) == 0

    def test_opted_out_numbers_are_refused_except_for_keyword_replies(
        self, app, company_with_contact
    ):
        from otto.db import db
        from otto.sms.optouts import is_opted_out, record_opt_in, record_opt_out

        company, _ = company_with_contact
        with app.app_context():
            record_opt_out(company.id, "555-010-0301", source="manual", keyword="STOP")
            db.session.commit()
            assert is_opted_out(company.id, "+1 (555) 010-0301")

        refused = send(app, company.id, CUSTOMER, "Special offer")
        confirmation = send(app, company.id, CUSTOMER, "You are unsubscribed.", keyword_reply=True)

        assert (refused.status, refused.message_sid) == ("opted_out", None)
        assert confirmation.sent
        assert [m.body for m in rows(app, MessageThread, company.id)] == ["You are unsubscribed."]

        with app.app_context():
            record_opt_in(company.id, CUSTOMER, source="inbound_keyword", keyword="START")
            db.session.commit()
        assert send(app, company.id, CUSTOMER, "Welcome back").sent
        [store] = rows(app, SmsOptOut, company.id)
        assert (store.status, store.keyword, store.opted_out_at is not None) == (
            "opted_in",
            "START",
            True,
        )

    def test_the_opt_out_store_is_per_company(self, app, company_with_contact, make_company):
        from otto.db import db
        from otto.sms.optouts import record_opt_out

        company, _ = company_with_contact
        other = make_company()
        with app.app_context():
            record_opt_out(other.id, CUSTOMER, source="manual")
            db.session.commit()

        assert send(app, company.id, CUSTOMER, "Hello").sent
        assert send(app, other.id, CUSTOMER, "Hello").status == "opted_out"

    @pytest.mark.parametrize("to", ["", "555-0132", "not a number", None])
    def test_undialable_numbers_are_not_texted(self, app, company_with_contact, to):
        company, _ = company_with_contact

        result = send(app, company.id, to, "Hello")

        assert (result.status, result.error_code) == ("undeliverable", "invalid_number")


class StubTwilio:
    """A local stand-in for Twilio's Messages API; `answers` pops one (status, json) per send."""

    def __init__(self):
        self.answers, self.sent = [], []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                stub.sent.append((self.path, {k: v[0] for k, v in form.items()}))
                status, payload = (
                    stub.answers.pop(0)
                    if stub.answers
                    else (201, {"sid": f"SM{len(stub.sent):032d}", "status": "queued"})
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def client(self):
        base = f"http://127.0.0.1:{self.server.server_port}"

        class LocalTwilio(TwilioHttpClient):
            def request(self, method, url, *args, **kwargs):
                return super().request(
                    method, url.replace("https://api.twilio.com", base), *args, **kwargs
                )

        return LocalTwilio()


@pytest.fixture
def twilio_api(monkeypatch):
    from otto.sms import service

    stub = StubTwilio()
    monkeypatch.setattr(service, "twilio_http_client", stub.client)
    yield stub
    stub.server.shutdown()


@pytest.fixture
def twilio_company(app, make_company):
    from otto.db import db
    from otto.tenancy import tenant_scope

    number = unique_number()
    company = make_company(
        primary_tracking_number=number,
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token="company-token",
        timezone=daytime_zone(),
    )
    with app.app_context(), tenant_scope(company.id):
        db.session.add(ContactCard(company_id=company.id, primary_phone=CUSTOMER))
        db.session.commit()
    return company


class TestTwilioTransport:
    def test_a_send_goes_to_twilio_from_the_company_number(self, app, twilio_company, twilio_api):
        result = send(app, twilio_company.id, CUSTOMER, "See you Thursday at 10")

        assert (result.status, result.provider, result.message_sid) == (
            "sent",
            "twilio",
            "SM" + "0" * 31 + "1",
        )
        [(path, form)] = twilio_api.sent
        assert path == f"/2010-04-01/Accounts/{'AC' + '1' * 32}/Messages.json"
        assert form == {
            "To": CUSTOMER,
            "From": twilio_company.primary_tracking_number,
            "Body": "See you Thursday at 10",
        }
        [message] = rows(app, MessageThread, twilio_company.id)
        assert (message.provider, message.delivered) == (
            "twilio",
            False,
        )  # until the status callback

    @pytest.mark.parametrize(
        "status, code, expected, retryable",
        [
            (400, 21610, "opted_out", False),
            (400, 21211, "undeliverable", False),
            (429, 20429, "failed", True),
            (500, 20500, "failed", True),
            (400, 21602, "failed", False),
        ],
    )
    def test_provider_errors_are_classified(
        self, app, twilio_company, twilio_api, status, code, expected, retryable
    ):
        twilio_api.answers.append((status, {"code": code, "message": "refused", "status": status}))

        result = send(app, twilio_company.id, CUSTOMER, "Hello")

        assert (result.status, result.error_code, result.retryable) == (
            expected,
            str(code),
            retryable,
        )
        assert count(app, MessageThread, twilio_company.id) == 0
        store = rows(app, SmsOptOut, twilio_company.id)
        assert [(s.status, s.source) for s in store] == (
            [("opted_out", "provider_error_21610")] if code == 21610 else []
        )

    def test_the_platform_account_is_used_when_the_company_has_none(
        self, app, make_company, twilio_api
    ):
        from webhook_helpers import settings_changed

        company = make_company(primary_tracking_number=unique_number())
        with settings_changed(
            app,
            twilio_account_sid="AC" + "2" * 32,
            twilio_auth_token="platform",
            twilio_from_number="+15550100999",
        ):
            result = send(app, company.id, CUSTOMER, "Hello")

        assert result.provider == "twilio"
        assert twilio_api.sent[0][1]["From"] == "+15550100999"


class TestSendLater:
    def test_a_queued_send_happens_only_after_commit(self, app, company_with_contact):
        from otto.db import db
        from otto.sms.service import send_sms_later
        from otto.tenancy import tenant_scope

        company, _ = company_with_contact
        with app.app_context(), tenant_scope(company.id):
            db.session.execute(select(ContactCard.id)).all()  # inside a transaction, as jobs are
            send_sms_later(company.id, CUSTOMER, "rolled back")
            db.session.rollback()
            send_sms_later(company.id, CUSTOMER, "committed", key="test-once")
            send_sms_later(company.id, CUSTOMER, "committed", key="test-once")
            db.session.commit()
            db.session.remove()
        run_jobs(app, queues=("sms",))

        assert [m.body for m in rows(app, MessageThread, company.id)] == ["committed"]

    def test_a_deferred_send_is_scheduled_not_sent(self, app, company_with_contact):
        from rq.registry import ScheduledJobRegistry

        from jobs.queues import queue
        from otto.db import db
        from otto.sms.service import send_sms_later

        company, _ = company_with_contact
        later = datetime(2099, 1, 1, 13, tzinfo=timezone.utc)
        with app.app_context():
            send_sms_later(
                company.id, CUSTOMER, "good morning", not_before=later, key=f"defer-{company.id}"
            )
            db.session.commit()
            registry = ScheduledJobRegistry(queue=queue("sms"))
            assert f"sms-defer-{company.id}" in registry.get_job_ids()
            db.session.remove()
        run_jobs(app, queues=("sms",))

        assert count(app, MessageThread, company.id) == 0
