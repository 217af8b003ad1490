"""Webhook signatures against published and fixture vectors, and the ways they are forged."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import time_machine
from svix.webhooks import Webhook

from otto.webhooks.signatures import (
    SignatureError,
    UnparseableBody,
    parse_signature_timestamp,
    sign_hmac_sha256_with_timestamp,
    twilio_public_url,
    verify_callrail,
    verify_hmac_sha256_with_timestamp,
    verify_svix,
    verify_twilio,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"


def load_json(relative_path: str) -> dict:
    return json.loads((FIXTURES / relative_path).read_text(encoding="utf-8"))


CALLRAIL = load_json("callrail/signature_vector.json")
CALLRAIL_BODY = (FIXTURES / "callrail" / CALLRAIL["body_file"]).read_bytes()
CALLRAIL_KEY = CALLRAIL["signing_key"]
CALLRAIL_NEGATIVES = {case["case"]: case for case in CALLRAIL["negative_cases"]}

TWILIO = load_json("twilio/signature_vectors.json")
TWILIO_PUBLISHED = TWILIO["published_vectors"]
TWILIO_FIXTURES = TWILIO["fixture_vectors"]

SVIX = load_json("clerk/svix_signature_vectors.json")
SVIX_PUBLISHED = SVIX["published_vector"]
SVIX_FIXTURE = SVIX["fixture_vector"]
SVIX_NEGATIVES = {case["case"]: case for case in SVIX["negative_cases"]}


def frozen_at(unix_seconds: float):
    return time_machine.travel(datetime.fromtimestamp(unix_seconds, timezone.utc), tick=False)


def svix_headers(vector: dict, signature: str | None = None) -> dict:
    return {
        "svix-id": vector["msg_id"],
        "svix-timestamp": str(vector["timestamp"]),
        "svix-signature": signature or vector["expected_signature_header"],
    }


class TestCallRail:
    def test_fixture_bytes_are_the_vector_bytes(self):
        assert len(CALLRAIL_BODY) == CALLRAIL["body_length_bytes"]
        assert hashlib.sha256(CALLRAIL_BODY).hexdigest() == CALLRAIL["body_sha256"]

    def test_vector_verifies(self):
        assert verify_callrail(CALLRAIL_BODY, CALLRAIL["expected_signature"], CALLRAIL_KEY)

    def test_surrounding_whitespace_in_header_is_tolerated(self):
        assert verify_callrail(CALLRAIL_BODY, f" {CALLRAIL['expected_signature']}\t", CALLRAIL_KEY)

    def test_trailing_newline_is_refused(self):
        assert "body with trailing newline appended" in CALLRAIL_NEGATIVES

        signature = CALLRAIL["expected_signature"]

        assert not verify_callrail(CALLRAIL_BODY + b"\n", signature, CALLRAIL_KEY)

    @pytest.mark.parametrize(
        "case",
        [
            "signature computed with HMAC-SHA256 instead of SHA1",
            "hex-encoded SHA1 instead of base64",
        ],
    )
    def test_wrong_algorithm_or_encoding_is_refused(self, case):
        signature = CALLRAIL_NEGATIVES[case]["signature"]

        assert not verify_callrail(CALLRAIL_BODY, signature, CALLRAIL_KEY)

    def test_reserialized_json_is_refused(self):
        case = CALLRAIL_NEGATIVES["same body re-serialized with json.dumps(indent=2)"]
        reserialized = json.dumps(json.loads(CALLRAIL_BODY), indent=2).encode()

        assert not verify_callrail(reserialized, CALLRAIL["expected_signature"], CALLRAIL_KEY)
        assert not verify_callrail(CALLRAIL_BODY, case["signature_of_reserialized"], CALLRAIL_KEY)
        # The signature is right for the bytes it was made over; only exact bytes count.
        assert verify_callrail(reserialized, case["signature_of_reserialized"], CALLRAIL_KEY)

    @pytest.mark.parametrize(
        "signature, key",
        [
            (None, CALLRAIL_KEY),
            ("", CALLRAIL_KEY),
            ("MTQazKhSzrd1FyRKCb21NUAqMQM=", ""),
            ("MTQazKhSzrd1FyRKCb21NUAqMQM=", None),
            ("MTQazKhSzrd1FyRKCb21NUAqMQM=", "another-company-key"),
            ("MTQazKhSzrd1FyRKCb21NUAqMQ\u00e9", CALLRAIL_KEY),
        ],
        ids=["no-header", "empty-header", "empty-key", "no-key", "other-key", "non-ascii-header"],
    )
    def test_missing_or_forged_signature_is_refused(self, signature, key):
        assert not verify_callrail(CALLRAIL_BODY, signature, key)


class TestTwilio:
    @pytest.mark.parametrize(
        "vector", [v for v in TWILIO_PUBLISHED if "params" in v and "expected_signature" in v]
    )
    def test_published_form_vectors(self, vector):
        assert verify_twilio(
            vector["url"], vector["params"], vector["expected_signature"], vector["auth_token"]
        )

    def test_repeated_parameter_names_all_count(self):
        vector = next(v for v in TWILIO_PUBLISHED if "params_ordered_pairs" in v)
        pairs = [tuple(pair) for pair in vector["params_ordered_pairs"]]

        assert verify_twilio(vector["url"], pairs, vector["expected_signature"], "12345")
        as_lists = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
        assert verify_twilio(vector["url"], as_lists, vector["expected_signature"], "12345")
        assert not verify_twilio(vector["url"], pairs[:-1], vector["expected_signature"], "12345")

    def test_url_with_port_verifies_against_signature_made_without_it(self):
        vector = next(v for v in TWILIO_PUBLISHED if "expected_valid_with_signature" in v)

        assert verify_twilio(
            vector["url"], vector["params"], vector["expected_valid_with_signature"], "12345"
        )

    def test_json_body_is_bound_through_body_sha256(self):
        vector = next(v for v in TWILIO_PUBLISHED if "raw_body" in v)
        raw_body = vector["raw_body"].encode()

        assert hashlib.sha256(raw_body).hexdigest() == vector["body_sha256_hex"]
        assert verify_twilio(vector["url"], None, vector["expected_signature"], "12345", raw_body)

    def test_json_body_that_does_not_match_body_sha256_is_refused(self):
        vector = next(v for v in TWILIO_PUBLISHED if "raw_body" in v)
        altered = vector["raw_body"].replace("true", "false").encode()

        signature = vector["expected_signature"]

        assert not verify_twilio(vector["url"], None, signature, "12345", altered)
        assert not verify_twilio(vector["url"], None, signature, "12345", None)

    @pytest.mark.parametrize("vector", TWILIO_FIXTURES, ids=lambda v: v["params_file"])
    def test_fixture_vectors_from_json_params(self, vector):
        params = load_json(f"twilio/{vector['params_file']}")

        assert verify_twilio(
            vector["url"], params, vector["expected_signature"], vector["auth_token"]
        )

    @pytest.mark.parametrize("vector", TWILIO_FIXTURES, ids=lambda v: v["params_file"])
    def test_fixture_vectors_from_exact_form_bodies(self, vector):
        body_file = vector["params_file"].replace(".json", ".body.txt")
        raw_body = (FIXTURES / "twilio" / body_file).read_bytes()
        pairs = parse_qsl(raw_body.decode(), keep_blank_values=True)

        assert verify_twilio(
            vector["url"], pairs, vector["expected_signature"], vector["auth_token"], raw_body
        )

    def test_forged_requests_are_refused(self):
        vector = TWILIO_PUBLISHED[0]
        tampered = dict(vector["params"], Digits="9999")
        added = dict(vector["params"], Extra="1")

        url, params, signature = vector["url"], vector["params"], vector["expected_signature"]

        assert not verify_twilio(url, tampered, signature, "12345")
        assert not verify_twilio(url, added, signature, "12345")
        assert not verify_twilio(url.replace("https:", "http:"), params, signature, "12345")
        assert not verify_twilio(url, params, signature, "54321")
        assert not verify_twilio(url, params, None, "12345")
        assert not verify_twilio(url, params, signature, "")


class TestTwilioBehindProxy:
    """Twilio calls https://api.example.com; the app sees http://otto-web:8000 behind TLS."""

    VECTOR = TWILIO_FIXTURES[0]
    PARAMS = load_json("twilio/sms_inbound.json")
    INTERNAL_REQUEST = {
        "path": "/webhooks/twilio/sms",
        "query_string": b"tenant=acme",
        "host": "otto-web:8000",
        "scheme": "http",
    }
    PROXY_HEADERS = {"forwarded_proto": "https", "forwarded_host": "api.example.com"}

    def validates(self, url: str) -> bool:
        return verify_twilio(
            url, self.PARAMS, self.VECTOR["expected_signature"], self.VECTOR["auth_token"]
        )

    def test_public_base_url_rebuilds_the_signed_url(self):
        url = twilio_public_url(**self.INTERNAL_REQUEST, public_base_url="https://api.example.com/")

        assert url == self.VECTOR["url"]
        assert self.validates(url)

    def test_public_base_url_wins_over_forwarded_headers(self):
        url = twilio_public_url(
            **self.INTERNAL_REQUEST,
            forwarded_proto="http",
            forwarded_host="evil.example",
            public_base_url="https://api.example.com",
            trusted_proxy=True,
        )

        assert self.validates(url)

    def test_trusted_proxy_headers_rebuild_the_signed_url(self):
        url = twilio_public_url(**self.INTERNAL_REQUEST, **self.PROXY_HEADERS, trusted_proxy=True)

        assert url == self.VECTOR["url"]
        assert self.validates(url)

    def test_forwarded_headers_from_an_untrusted_client_are_ignored(self):
        url = twilio_public_url(**self.INTERNAL_REQUEST, **self.PROXY_HEADERS, trusted_proxy=False)

        assert url == "http://otto-web:8000/webhooks/twilio/sms?tenant=acme"
        assert not self.validates(url)

    def test_trusted_proxy_reads_its_own_entry_not_the_client_supplied_one(self):
        url = twilio_public_url(
            **self.INTERNAL_REQUEST,
            forwarded_proto="http, https",
            forwarded_host="evil.example, api.example.com",
            trusted_proxy=True,
        )

        assert self.validates(url)

    def test_second_proxy_from_us_is_counted(self):
        url = twilio_public_url(
            **self.INTERNAL_REQUEST,
            forwarded_proto="https, http",
            forwarded_host="api.example.com, lb.internal",
            trusted_proxy=True,
            proxy_count=2,
        )

        assert self.validates(url)

    def test_malformed_forwarded_values_fall_back_to_the_request(self):
        url = twilio_public_url(
            **self.INTERNAL_REQUEST,
            forwarded_proto="javascript",
            forwarded_host="api.example.com/evil?x=",
            trusted_proxy=True,
        )

        assert url == "http://otto-web:8000/webhooks/twilio/sms?tenant=acme"

    def test_default_port_in_host_still_validates(self):
        url = twilio_public_url(
            path="/webhooks/twilio/sms",
            query_string="tenant=acme",
            host="api.example.com:443",
            scheme="https",
        )

        assert self.validates(url)

    def test_decoded_path_is_quoted_again(self):
        url = twilio_public_url(path="/hooks/a b", host="h.example", scheme="https")

        assert url == "https://h.example/hooks/a%20b"


class TestSvix:
    def test_published_vector(self):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"]):
            payload = verify_svix(body, svix_headers(SVIX_PUBLISHED), SVIX_PUBLISHED["secret"])

        assert payload == {"test": 2432232314}

    def test_fixture_vector_over_exact_file_bytes(self):
        body = (FIXTURES / "clerk" / SVIX_FIXTURE["payload_file"]).read_bytes()
        headers = {name.title(): value for name, value in svix_headers(SVIX_FIXTURE).items()}

        assert hashlib.sha256(body).hexdigest() == SVIX_FIXTURE["payload_sha256"]
        with frozen_at(SVIX_FIXTURE["timestamp"]):
            payload = verify_svix(body, headers, SVIX_FIXTURE["secret"])

        assert payload["type"] == "user.created"

    def test_reserialized_payload_is_refused(self):
        body = b'{"test":2432232314}'

        with frozen_at(SVIX_PUBLISHED["timestamp"]), pytest.raises(SignatureError):
            verify_svix(body, svix_headers(SVIX_PUBLISHED), SVIX_PUBLISHED["secret"])

    @pytest.mark.parametrize("offset_s", [301, -301])
    def test_timestamp_outside_five_minutes_is_refused(self, offset_s):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"] + offset_s), pytest.raises(SignatureError):
            verify_svix(body, svix_headers(SVIX_PUBLISHED), SVIX_PUBLISHED["secret"])

    def test_timestamp_inside_five_minutes_is_accepted(self):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"] + 299):
            verify_svix(body, svix_headers(SVIX_PUBLISHED), SVIX_PUBLISHED["secret"])

    def test_one_matching_signature_among_several_is_enough(self):
        header = SVIX_NEGATIVES["multiple signatures in header, one valid"]["header"]
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"]):
            verify_svix(body, svix_headers(SVIX_PUBLISHED, header), SVIX_PUBLISHED["secret"])

    @pytest.mark.parametrize(
        "signature",
        [
            SVIX_NEGATIVES["v2 prefix instead of v1"]["header"],
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "not-a-signature",
            "v1,***",
        ],
    )
    def test_forged_or_malformed_signatures_are_refused(self, signature):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"]), pytest.raises(SignatureError):
            verify_svix(body, svix_headers(SVIX_PUBLISHED, signature), SVIX_PUBLISHED["secret"])

    @pytest.mark.parametrize("secret", ["", None, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    def test_missing_or_wrong_secret_is_refused(self, secret):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"]), pytest.raises(SignatureError):
            verify_svix(body, svix_headers(SVIX_PUBLISHED), secret)

    def test_missing_headers_are_refused(self):
        body = SVIX_PUBLISHED["payload"].encode()

        with frozen_at(SVIX_PUBLISHED["timestamp"]), pytest.raises(SignatureError):
            verify_svix(body, {"svix-id": SVIX_PUBLISHED["msg_id"]}, SVIX_PUBLISHED["secret"])

    @pytest.mark.parametrize("body", [b'{"type": "user.created"', b"[1, 2]"])
    def test_signed_body_that_is_not_a_json_object_is_unparseable_not_forged(self, body):
        secret = SVIX_FIXTURE["secret"]
        signed_at = datetime.fromtimestamp(SVIX_FIXTURE["timestamp"], timezone.utc)
        signature = Webhook(secret).sign(SVIX_FIXTURE["msg_id"], signed_at, body.decode())

        with frozen_at(SVIX_FIXTURE["timestamp"]), pytest.raises(UnparseableBody):
            verify_svix(body, svix_headers(SVIX_FIXTURE, signature), secret)


SECRET = "uwc-test-secret"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
BODY = b'{"shunya_job_id": "job-1", "status": "completed", "company_id": "org_1"}'


class TestTimestampedHmac:
    def test_shunya_scheme_matches_a_hand_computed_digest(self):
        timestamp = str(int(NOW.timestamp() * 1000))
        by_hand = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + BODY, "sha256").hexdigest()

        assert sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET) == by_hand
        verify_hmac_sha256_with_timestamp(BODY, by_hand, timestamp, SECRET, now=NOW)
        verify_hmac_sha256_with_timestamp(BODY, by_hand.upper(), timestamp, SECRET, now=NOW)

    def test_uwc_scheme_matches_a_hand_computed_digest(self):
        timestamp = "2025-06-01T12:00:00Z"
        by_hand = hmac.new(SECRET.encode(), f"{timestamp}:".encode() + BODY, "sha256").hexdigest()

        assert sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET, separator=":") == by_hand
        verify_hmac_sha256_with_timestamp(BODY, by_hand, timestamp, SECRET, separator=":", now=NOW)

    @pytest.mark.parametrize(
        "timestamp",
        [
            "1748779200",
            "1748779200000",
            "1748779200.5",
            "2025-06-01T12:00:00Z",
            "2025-06-01T12:00:00.123456Z",
            "2025-06-01T14:00:00+02:00",
            "2025-06-01T07:00:00-05:00",
            "2025-06-01T12:00:00",
        ],
    )
    def test_every_timestamp_form_compares_as_an_aware_instant(self, timestamp):
        signature = sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET)

        assert abs(parse_signature_timestamp(timestamp) - NOW) < timedelta(seconds=1)
        verify_hmac_sha256_with_timestamp(BODY, signature, timestamp, SECRET, now=NOW)

    def test_real_clock_is_used_without_now(self):
        timestamp = datetime.now(timezone.utc).isoformat()
        signature = sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET, separator=":")

        verify_hmac_sha256_with_timestamp(BODY, signature, timestamp, SECRET, separator=":")

    @pytest.mark.parametrize("offset_s", [301, -301])
    def test_timestamp_outside_the_window_is_refused(self, offset_s):
        timestamp = str(int((NOW + timedelta(seconds=offset_s)).timestamp() * 1000))
        signature = sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET)

        with pytest.raises(SignatureError, match="window"):
            verify_hmac_sha256_with_timestamp(BODY, signature, timestamp, SECRET, now=NOW)

    def test_window_is_configurable(self):
        timestamp = str(int((NOW - timedelta(seconds=100)).timestamp()))
        signature = sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET)

        with pytest.raises(SignatureError, match="window"):
            verify_hmac_sha256_with_timestamp(
                BODY, signature, timestamp, SECRET, tolerance_s=60, now=NOW
            )

    def test_forgeries_are_refused(self):
        timestamp = "2025-06-01T12:00:00Z"
        signature = sign_hmac_sha256_with_timestamp(BODY, timestamp, SECRET)
        other_timestamp = "2025-06-01T12:00:01Z"

        for body, ts, secret in [
            (BODY + b"\n", timestamp, SECRET),
            (BODY, other_timestamp, SECRET),
            (BODY, timestamp, "other-secret"),
        ]:
            with pytest.raises(SignatureError, match="does not match"):
                verify_hmac_sha256_with_timestamp(body, signature, ts, secret, now=NOW)
        with pytest.raises(SignatureError, match="does not match"):
            verify_hmac_sha256_with_timestamp(
                BODY, signature, timestamp, SECRET, separator=":", now=NOW
            )

    @pytest.mark.parametrize(
        "signature, timestamp, secret, reason",
        [
            ("ab", "1748779200", None, "secret"),
            ("ab", "1748779200", "", "secret"),
            (None, "1748779200", SECRET, "signature"),
            ("ab", None, SECRET, "timestamp"),
            ("ab", "", SECRET, "timestamp"),
            ("ab", "yesterday", SECRET, "timestamp"),
            ("ab", "nan", SECRET, "timestamp"),
            ("ab", "1e400", SECRET, "timestamp"),
            ("\u00e9\u00e9", "1748779200", SECRET, "does not match"),
        ],
    )
    def test_missing_or_malformed_inputs_name_the_failed_check(
        self, signature, timestamp, secret, reason
    ):
        with pytest.raises(SignatureError, match=reason):
            verify_hmac_sha256_with_timestamp(BODY, signature, timestamp, secret, now=NOW)

    def test_sorted_json_compatibility_mode(self):
        body = b'{"status": "completed", "company_id": "org_1"}'
        timestamp = "1748779200000"
        sorted_body = json.dumps(json.loads(body), sort_keys=True).encode()
        signature = sign_hmac_sha256_with_timestamp(sorted_body, timestamp, SECRET, separator=":")

        sorted_mode = {"separator": ":", "sorted_json": True, "now": NOW}

        verify_hmac_sha256_with_timestamp(body, signature, timestamp, SECRET, **sorted_mode)
        with pytest.raises(SignatureError, match="does not match"):
            verify_hmac_sha256_with_timestamp(
                body, signature, timestamp, SECRET, separator=":", now=NOW
            )
        with pytest.raises(SignatureError, match="not JSON"):
            verify_hmac_sha256_with_timestamp(b"{", signature, timestamp, SECRET, **sorted_mode)
