"""The Clerk webhook: Svix vectors over HTTP, store-first delivery, processing by the worker."""

import hashlib
import json
import uuid
from datetime import datetime, timezone

import support
import pytest
import time_machine
from support import FIXTURES
from sqlalchemy import func, select
from svix.webhooks import Webhook

from otto.db import db
from otto.tenancy import tenant_scope

CLERK = FIXTURES / "webhooks" / "clerk"
VECTORS = json.loads((CLERK / "svix_signature_vectors.json").read_text())
PUBLISHED = VECTORS["published_vector"]
FIXTURE_VECTOR = VECTORS["fixture_vector"]
URL = "/api/v1/users/clerk-webhook"
APP_SECRET = support.settings_for_tests().clerk_webhook_secret

# The fixtures' own ids, rewritten per test so every test owns its organization and users.
FIXTURE_ORG = "org_29w9IfBrPmcpi0IeBVaKtA7R94W"
FIXTURE_USERS = (
    "user_29w83sxmDNGwOuEthce5gg56FcC",
    "user_29wBMCtzATuFJut8jO2VNTVekS4",
    "user_29wACSk1DjeUCwsS6SbbgIgilMy",
)


def svix_headers(msg_id: str, timestamp: int, signature: str) -> dict:
    return {"svix-id": msg_id, "svix-timestamp": str(timestamp), "svix-signature": signature}


def signed(
    body: bytes, msg_id: str | None = None, secret: str = APP_SECRET, at: int | None = None
) -> dict:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or int(datetime.now(timezone.utc).timestamp())
    signature = Webhook(secret).sign(
        msg_id, datetime.fromtimestamp(at, timezone.utc), body.decode()
    )
    return svix_headers(msg_id, at, signature)


def post(client, body: bytes, headers: dict):
    return client.post(URL, data=body, headers=headers, content_type="application/json")


def event_rows(app, **filters) -> list:
    from otto.webhooks.inbox import WebhookEvent

    with app.app_context():
        statement = select(WebhookEvent).filter_by(**filters).order_by(WebhookEvent.received_at)
        rows = db.session.execute(statement).scalars().all()
        db.session.close()
    return rows


def event_count(app) -> int:
    from otto.webhooks.inbox import WebhookEvent

    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(WebhookEvent)).scalar()
        db.session.close()
    return count


def run_worker(app) -> None:
    from jobs.worker import make_worker

    make_worker(app, ["default"], app.extensions["otto"].redis).work(burst=True)


def assert_unauthorized(response) -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["error_code"] == "UNAUTHORIZED"


# --- The published Svix vector, through the HTTP route --------------------------------------------


def test_published_vector_is_accepted_once(client, app):
    body = PUBLISHED["payload"].encode()
    several = VECTORS["negative_cases"][2]["header"]  # a bad v1 entry, then the good one
    with time_machine.travel(PUBLISHED["timestamp"], tick=False):
        response = post(
            client, body, svix_headers(PUBLISHED["msg_id"], PUBLISHED["timestamp"], several)
        )
        assert response.status_code == 200
        assert response.json["status"] == "received" and response.json["provider"] == "clerk"
        event_id = response.json["event_id"]

        again = post(
            client,
            body,
            svix_headers(
                PUBLISHED["msg_id"], PUBLISHED["timestamp"], PUBLISHED["expected_signature_header"]
            ),
        )
    assert again.status_code == 200
    assert again.json == {
        "status": "duplicate_ignored",
        "provider": "clerk",
        "first_processed_at": None,
    }

    (row,) = event_rows(app, provider="clerk", event_key=PUBLISHED["msg_id"])
    assert row.id == event_id and bytes(row.raw_body) == body and row.status == "received"

    run_worker(app)
    (row,) = event_rows(app, id=event_id)
    assert row.status == "ignored"  # a valid delivery of no event type Otto handles


def test_fixture_vector_over_user_created_bytes(servers):
    import otto

    body = (CLERK / FIXTURE_VECTOR["payload_file"]).read_bytes()
    assert hashlib.sha256(body).hexdigest() == FIXTURE_VECTOR["payload_sha256"]
    settings = support.settings_for_tests(CLERK_WEBHOOK_SECRET=FIXTURE_VECTOR["secret"])
    fixture_app = otto.create_app(
        settings, database_url=servers.database_url, redis_url=servers.redis_url
    )
    headers = svix_headers(
        FIXTURE_VECTOR["msg_id"],
        FIXTURE_VECTOR["timestamp"],
        FIXTURE_VECTOR["expected_signature_header"],
    )
    with time_machine.travel(FIXTURE_VECTOR["timestamp"] + 120, tick=False):
        response = post(fixture_app.test_client(), body, headers)
    assert response.status_code == 200
    assert response.json["event_type"] == "user.created"
    (row,) = event_rows(fixture_app, provider="clerk", event_key=FIXTURE_VECTOR["msg_id"])
    assert bytes(row.raw_body) == body  # the exact bytes, trailing newline included


# --- Deliveries that are not authentic: 401 problem, nothing stored ------------------------------


def _published(**overrides) -> tuple[bytes, dict]:
    body = overrides.pop("body", PUBLISHED["payload"].encode())
    headers = svix_headers(
        PUBLISHED["msg_id"], PUBLISHED["timestamp"], PUBLISHED["expected_signature_header"]
    )
    headers.update(overrides)
    return body, {name: value for name, value in headers.items() if value is not None}


NEGATIVE = {
    "payload re-serialized without the space": (_published(body=b'{"test":2432232314}'), 0),
    "verified 301 s after the timestamp": (_published(), 301),
    "verified 301 s before the timestamp": (_published(), -301),
    "v2 prefix instead of v1": (
        _published(**{"svix-signature": VECTORS["negative_cases"][3]["header"]}),
        0,
    ),
    "no svix-signature": (_published(**{"svix-signature": None}), 0),
    "no svix-id": (_published(**{"svix-id": None}), 0),
    "no svix-timestamp": (_published(**{"svix-timestamp": None}), 0),
    "another message id": (_published(**{"svix-id": "msg_someone_else"}), 0),
    "garbage signature": (_published(**{"svix-signature": "v1,not-base64!!"}), 0),
    "timestamp in milliseconds": (
        _published(**{"svix-timestamp": str(PUBLISHED["timestamp"] * 1000)}),
        0,
    ),
}


@pytest.mark.parametrize("case", list(NEGATIVE))
def test_inauthentic_delivery_is_refused_and_not_stored(client, app, case):
    (body, headers), skew = NEGATIVE[case]
    before = event_count(app)
    with time_machine.travel(PUBLISHED["timestamp"] + skew, tick=False):
        response = post(client, body, headers)
    assert_unauthorized(response)
    assert event_count(app) == before


def test_signature_made_with_another_secret(client, app):
    body = b'{"type": "user.updated", "data": {}}'
    before = event_count(app)
    assert_unauthorized(post(client, body, signed(body, secret="whsec_" + "A" * 43 + "=")))
    assert event_count(app) == before


def test_without_a_configured_secret_every_delivery_is_refused(servers):
    import otto

    settings = support.settings_for_tests(CLERK_WEBHOOK_SECRET="")
    no_secret = otto.create_app(
        settings, database_url=servers.database_url, redis_url=servers.redis_url
    )
    body = b'{"type": "user.updated", "data": {}}'
    before = event_count(no_secret)
    assert_unauthorized(post(no_secret.test_client(), body, signed(body)))
    assert event_count(no_secret) == before


def test_webhook_needs_no_bearer_token_and_ignores_one(client, manager):
    from support import bearer

    body = b'{"type": "session.created", "data": {}}'
    response = post(client, body, {**signed(body), **bearer(manager)})
    assert response.status_code == 200 and response.json["event_type"] == "session.created"


# --- Signed but unparseable: kept as failed, answered 422 ---------------------------------------


@pytest.mark.parametrize(
    "template",
    ['{"type": "user.updated", "data": {"id": "user_%s', '[1, 2, "%s"]', "not json at all %s"],
    ids=["truncated", "not-an-object", "garbage"],
)
def test_unparseable_signed_body_is_stored_failed(client, app, template):
    body = (template % uuid.uuid4().hex).encode()
    headers = signed(body)
    response = post(client, body, headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"

    key = f"clerk:unparseable:{hashlib.sha256(body).hexdigest()}"
    (row,) = event_rows(app, provider="clerk", event_key=key)
    assert row.status == "failed" and row.last_error == "unparseable_body"
    assert bytes(row.raw_body) == body


# --- Each event has its effect once the worker runs ---------------------------------------------


class ClerkEvents:
    """The fixture events with their ids rewritten, signed and delivered like Svix would."""

    def __init__(self, client, app):
        self.client, self.app = client, app
        self.org_id = f"org_{uuid.uuid4().hex[:20]}"
        self.user_ids = {old: f"user_{uuid.uuid4().hex[:20]}" for old in FIXTURE_USERS}

    def body(self, name: str) -> bytes:
        text = (CLERK / f"{name}.json").read_text().replace(FIXTURE_ORG, self.org_id)
        for old, new in self.user_ids.items():
            text = text.replace(old, new)
        return text.encode()

    def user(self, fixture_user_id: str) -> str:
        return self.user_ids[fixture_user_id]

    def deliver(self, name: str, msg_id: str | None = None, process: bool = True):
        body = self.body(name)
        response = post(self.client, body, signed(body, msg_id))
        assert response.status_code == 200, response.get_data(as_text=True)
        if process:
            run_worker(self.app)
        return response


@pytest.fixture
def events(client, app):
    return ClerkEvents(client, app)


def load_user(app, company_id: str, user_id: str):
    from otto.users.models import User

    with app.app_context(), tenant_scope(company_id):
        user = db.session.execute(select(User).where(User.id == user_id)).scalar_one_or_none()
        if user is not None:
            user.has_manager_profile = user.manager_profile is not None
        db.session.close()
    return user


def audit_actions(app, company_id: str) -> list:
    from otto.audit import AuditLog

    with app.app_context(), tenant_scope(company_id):
        actions = list(db.session.execute(select(AuditLog.action)).scalars())
        db.session.close()
    return actions


def test_organization_created(events, app):
    from otto.companies.models import Company

    response = events.deliver("organization.created")
    assert response.json["event_type"] == "organization.created"
    with app.app_context():
        company = db.session.get(Company, events.org_id)
        assert company.name == "Acme Inc"
        db.session.close()
    (row,) = event_rows(app, id=response.json["event_id"])
    assert (
        row.status == "processed"
        and row.company_id == events.org_id
        and row.processed_at is not None
    )


def test_membership_created_as_admin_makes_a_manager(events, app):
    events.deliver("organization.created")
    response = events.deliver("organizationMembership.created")
    user = load_user(app, events.org_id, events.user(FIXTURE_USERS[0]))
    assert user.role == "manager" and user.has_manager_profile
    assert user.email == "example@example.org" and user.name == "Example Example" and user.is_active
    assert audit_actions(app, events.org_id) == ["membership_added"]
    (row,) = event_rows(app, id=response.json["event_id"])
    assert row.status == "processed"


def test_membership_for_an_unregistered_organization_is_unmatched(events, app):
    response = events.deliver("organizationMembership.created")
    (row,) = event_rows(app, id=response.json["event_id"])
    assert row.status == "unmatched"
    assert load_user(app, events.org_id, events.user(FIXTURE_USERS[0])) is None


def test_user_created_waits_for_its_membership(events, app):
    from otto.users.models import User

    events.deliver("organization.created")
    early = events.deliver("user.created")
    (row,) = event_rows(app, id=early.json["event_id"])
    assert row.status == "ignored"  # the user row arrives with the membership

    events.deliver("organizationMembership.created")
    user_id = events.user(FIXTURE_USERS[0])
    with app.app_context(), tenant_scope(events.org_id):
        db.session.get(User, user_id).name = "Stale Name"
        db.session.commit()
    events.deliver("user.created")
    assert load_user(app, events.org_id, user_id).name == "Example Example"


def test_user_updated(events, app):
    events.deliver("organization.created")
    events.deliver("organizationMembership.created")
    events.deliver("user.updated")
    user = load_user(app, events.org_id, events.user(FIXTURE_USERS[0]))
    assert user.name == "Example" and user.email == "example@example.org"
    assert user.role == "manager"  # public_metadata never changes a role


def test_user_deleted_deactivates(events, app, make_user):
    from otto.companies.models import Company

    events.deliver("organization.created")
    make_user(Company(id=events.org_id), "csr", user_id=events.user(FIXTURE_USERS[1]))
    events.deliver("user.deleted")
    assert load_user(app, events.org_id, events.user(FIXTURE_USERS[1])).is_active is False


def test_membership_deleted_deactivates(events, app, make_user):
    from otto.companies.models import Company

    events.deliver("organization.created")
    make_user(Company(id=events.org_id), "sales_rep", user_id=events.user(FIXTURE_USERS[2]))
    events.deliver("organizationMembership.deleted")
    assert load_user(app, events.org_id, events.user(FIXTURE_USERS[2])).is_active is False


def test_duplicate_delivery_has_no_second_effect(events, app):
    from otto.users.models import User

    events.deliver("organization.created")
    msg_id = f"msg_{uuid.uuid4().hex}"
    first = events.deliver("organizationMembership.created", msg_id=msg_id)
    user_id = events.user(FIXTURE_USERS[0])

    # A manager changes the role in Otto after the first delivery was applied.
    with app.app_context(), tenant_scope(events.org_id):
        db.session.get(User, user_id).role = "csr"
        db.session.commit()

    again = events.deliver("organizationMembership.created", msg_id=msg_id)
    assert again.json["status"] == "duplicate_ignored"
    assert again.json["first_processed_at"].endswith("Z")
    assert load_user(app, events.org_id, user_id).role == "csr"
    assert audit_actions(app, events.org_id) == ["membership_added"]
    assert len(event_rows(app, provider="clerk", event_key=msg_id)) == 1
    assert first.json["event_id"] == event_rows(app, event_key=msg_id)[0].id
