"""Provider signature checks over the exact bytes a webhook delivered."""

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlsplit

from svix.webhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator

# A unix timestamp this large is in milliseconds: as seconds it would fall after the year 5000.
_MILLISECONDS_THRESHOLD = 100_000_000_000

_HOST_PATTERN = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")

# Characters left as they are when a decoded request path is turned back into a URL path.
_PATH_SAFE_CHARACTERS = "/:@!$&'()*+,;=-._~%"


class SignatureError(Exception):
    """A delivery whose signature, timestamp or secret does not check out."""


class UnparseableBody(ValueError):
    """A correctly signed delivery whose body is not a JSON object."""


def verify_callrail(raw_body: bytes, signature_header: str | None, signing_key: str | None) -> bool:
    """CallRail's `Signature` header: Base64(HMAC-SHA1(signing key, raw body))."""
    if not signature_header or not signing_key:
        return False

    digest = hmac.new(signing_key.encode(), bytes(raw_body), hashlib.sha1).digest()
    expected = base64.b64encode(digest)
    received = signature_header.strip().encode("utf-8", "replace")
    return hmac.compare_digest(expected, received)


def verify_twilio(
    url: str,
    params: Mapping | Iterable[tuple[str, str]] | None,
    signature: str | None,
    auth_token: str | None,
    raw_body: bytes | None = None,
) -> bool:
    """Twilio's `X-Twilio-Signature` for the public URL Twilio called.

    Form deliveries are signed over the URL plus every POST parameter (repeated names
    included); JSON deliveries carry `bodySHA256` in the URL and are signed over the URL
    alone, so the raw body must hash to that value.
    """
    if not signature or not auth_token:
        return False

    body_hashes = parse_qs(urlsplit(url).query).get("bodySHA256")
    if body_hashes:
        if raw_body is None:
            return False
        actual_hash = hashlib.sha256(bytes(raw_body)).hexdigest().encode()
        if not hmac.compare_digest(actual_hash, body_hashes[0].strip().lower().encode()):
            return False
        signed_params = _MultiValueParams()
    else:
        signed_params = _MultiValueParams.collect(params)

    try:
        return RequestValidator(auth_token).validate(url, signed_params, signature)
    except (TypeError, ValueError, UnicodeError):
        return False


def twilio_public_url(
    *,
    path: str,
    query_string: str | bytes = "",
    host: str,
    scheme: str = "http",
    forwarded_proto: str | None = None,
    forwarded_host: str | None = None,
    public_base_url: str | None = None,
    trusted_proxy: bool = False,
    proxy_count: int = 1,
) -> str:
    """The URL Twilio called, which is what it signed.

    `PUBLIC_BASE_URL` wins when set. Otherwise X-Forwarded-Proto/Host are honoured only
    behind a trusted proxy, reading the entry that the `proxy_count`-th proxy from us
    appended; anything a client sends is ignored. `path` is the request path below the
    public base (decoded paths are re-quoted); `query_string` is the raw query.
    """
    if isinstance(query_string, bytes):
        query_string = query_string.decode("utf-8", "replace")
    suffix = quote(path or "/", safe=_PATH_SAFE_CHARACTERS)
    if query_string:
        suffix += "?" + query_string

    if public_base_url:
        return public_base_url.rstrip("/") + suffix

    if trusted_proxy:
        proxied_scheme = _forwarded_entry(forwarded_proto, proxy_count)
        if proxied_scheme and proxied_scheme.lower() in ("http", "https"):
            scheme = proxied_scheme.lower()
        proxied_host = _forwarded_entry(forwarded_host, proxy_count)
        if proxied_host and _HOST_PATTERN.match(proxied_host):
            host = proxied_host

    return f"{scheme.lower()}://{host}{suffix}"


def verify_svix(raw_body: bytes, headers: Mapping[str, str], secret: str | None) -> dict:
    """Clerk's Svix signature (id, timestamp within 5 minutes, v1 HMAC-SHA256); the payload.

    Raises SignatureError when the delivery is not authentic, and UnparseableBody when it is
    authentic but not a JSON object (it must still be stored).
    """
    if not secret:
        raise SignatureError("webhook secret is not configured")

    try:
        webhook = Webhook(secret)
    except Exception as error:  # the library raises several types for an unusable secret
        raise SignatureError("webhook secret is malformed") from error

    plain_headers = {str(name).lower(): str(value) for name, value in headers.items()}
    try:
        webhook.verify(bytes(raw_body), plain_headers)
    except WebhookVerificationError as error:
        raise SignatureError(str(error) or "signature mismatch") from error
    except (ValueError, TypeError) as error:
        # Malformed signature entries, undecodable base64 or a non-UTF-8 body.
        raise SignatureError("malformed signature headers or body") from error

    return _json_object(raw_body)


def sign_hmac_sha256_with_timestamp(
    raw_body: bytes, timestamp: str, secret: str, *, separator: str = "."
) -> str:
    """Hex HMAC-SHA256 over `{timestamp}{separator}` followed by the body bytes.

    Shunya webhooks use separator "." with epoch-millisecond timestamps; legacy UWC
    webhooks and Otto's outbound `X-Signature` use ":" with ISO-8601 timestamps.
    """
    signed = f"{timestamp}{separator}".encode() + bytes(raw_body)
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_hmac_sha256_with_timestamp(
    raw_body: bytes,
    signature: str | None,
    timestamp: str | None,
    secret: str | None,
    tolerance_s: int = 300,
    *,
    separator: str = ".",
    sorted_json: bool = False,
    now: datetime | None = None,
) -> None:
    """Check a timestamped hex HMAC-SHA256; raises SignatureError naming the failed check.

    `sorted_json` accepts the compatibility form where the body is re-serialized with
    sorted keys (`json.dumps(payload, sort_keys=True)`) before signing.
    """
    if not secret:
        raise SignatureError("webhook secret is not configured")
    if not signature:
        raise SignatureError("signature header is missing")
    if not timestamp:
        raise SignatureError("timestamp header is missing")

    signed_at = parse_signature_timestamp(timestamp)
    current = now or datetime.now(timezone.utc)
    if current.tzinfo is None:
        current = current.replace(tzinfo=timezone.utc)
    if abs(current - signed_at) > timedelta(seconds=tolerance_s):
        raise SignatureError("timestamp is outside the allowed window")

    signed_body = bytes(raw_body)
    if sorted_json:
        try:
            signed_body = json.dumps(json.loads(signed_body), sort_keys=True).encode()
        except ValueError as error:
            raise SignatureError("body is not JSON, so it cannot be re-serialized") from error

    expected = sign_hmac_sha256_with_timestamp(signed_body, timestamp, secret, separator=separator)
    received = signature.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(expected.encode(), received):
        raise SignatureError("signature does not match")


def parse_signature_timestamp(value: str) -> datetime:
    """An aware UTC datetime from unix seconds, unix milliseconds or ISO-8601 (naive = UTC)."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None

    try:
        if number is not None:
            seconds = number / 1000 if abs(number) >= _MILLISECONDS_THRESHOLD else number
            return datetime.fromtimestamp(seconds, timezone.utc)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError) as error:
        raise SignatureError("timestamp is not a unix time or ISO-8601 value") from error

    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


class _MultiValueParams(dict):
    """POST parameters as name -> list of values, read by RequestValidator via getall()."""

    @classmethod
    def collect(cls, params: Mapping | Iterable[tuple[str, str]] | None) -> "_MultiValueParams":
        collected = cls()
        if params is None:
            return collected

        if hasattr(params, "lists"):
            pairs = [(name, value) for name, values in params.lists() for value in values]
        elif isinstance(params, Mapping):
            pairs = []
            for name, value in params.items():
                values = value if isinstance(value, (list, tuple)) else [value]
                pairs.extend((name, item) for item in values)
        else:
            pairs = list(params)

        for name, value in pairs:
            collected.setdefault(str(name), []).append("" if value is None else str(value))
        return collected

    def getall(self, name: str) -> list[str]:
        return self[name]


def _forwarded_entry(header_value: str | None, proxy_count: int) -> str | None:
    """The entry the `proxy_count`-th proxy from us appended to a comma-separated header."""
    if not header_value:
        return None
    entries = [entry.strip() for entry in header_value.split(",")]
    if proxy_count < 1 or len(entries) < proxy_count:
        return None
    return entries[-proxy_count] or None


def _json_object(raw_body: bytes) -> dict:
    try:
        payload = json.loads(raw_body)
    except ValueError as error:
        raise UnparseableBody("body is not valid JSON") from error
    if not isinstance(payload, dict):
        raise UnparseableBody("body is not a JSON object")
    return payload
