"""Bearer tokens: every way a token can fail, the role alias table, and the Clerk (JWKS) issuer."""

import base64
import hashlib
import hmac
import json
import time

import support
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from local_http_stub import StubServer
from support import TEST_SECRET, bearer

WHOAMI = "/api/v1/users/company"


def local_token(org_value="org_x", secret=TEST_SECRET, algorithm="HS256", drop=(), **claims) -> str:
    now = int(time.time())
    payload = {
        "sub": "user_auth_test",
        "org_id": org_value,
        "org_role": "org:admin",
        "iss": "otto-local",
        "iat": now,
        "exp": now + 600,
    }
    payload.update(claims)
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, secret, algorithm=algorithm)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, error_code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    assert response.json["error_code"] == error_code


# --- 401 UNAUTHORIZED: no usable Authorization header ------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"]
)
def test_missing_or_malformed_header_is_unauthorized(client, header):
    headers = {} if header is None else {"Authorization": header}
    assert_problem(client.get(WHOAMI, headers=headers), 401, "UNAUTHORIZED")


# --- 401 INVALID_TOKEN ---------------------------------------------------------------------------


def test_tampered_signature_is_invalid(client, company):
    header, payload, signature = local_token(company.id).split(".")
    forged = "A" * len(signature) if not signature.startswith("A") else "B" * len(signature)
    assert_problem(
        client.get(WHOAMI, headers=auth(f"{header}.{payload}.{forged}")), 401, "INVALID_TOKEN"
    )


def test_tampered_payload_is_invalid(client, company, make_company):
    header, _, signature = local_token(company.id, org_role="org:csr").split(".")
    other = json.dumps(
        {
            "sub": "user_auth_test",
            "org_id": make_company().id,
            "org_role": "org:admin",
            "iss": "otto-local",
            "exp": int(time.time()) + 600,
        }
    ).encode()
    payload = base64.urlsafe_b64encode(other).rstrip(b"=").decode()
    assert_problem(
        client.get(WHOAMI, headers=auth(f"{header}.{payload}.{signature}")), 401, "INVALID_TOKEN"
    )


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        "eyJhbGciOiJIUzI1NiJ9.e30",
    ],
    ids=["garbage", "three-garbage-parts", "two-parts"],
)
def test_garbage_token_is_invalid(client, token):
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_wrong_issuer_is_invalid(client, company):
    token = local_token(company.id, iss="https://clerk.example.com")
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_missing_issuer_is_invalid(client, company):
    assert_problem(
        client.get(WHOAMI, headers=auth(local_token(company.id, drop=("iss",)))),
        401,
        "INVALID_TOKEN",
    )


def test_alg_none_is_invalid(client, company):
    token = jwt.encode(
        {
            "sub": "user_x",
            "org_id": company.id,
            "org_role": "org:admin",
            "iss": "otto-local",
            "exp": int(time.time()) + 600,
        },
        None,
        algorithm="none",
    )
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_hs256_with_another_secret_is_invalid(client, company):
    token = local_token(company.id, secret="some-other-secret-of-enough-length")
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_hs512_with_the_right_secret_is_invalid(client, company):
    """The accepted algorithm is fixed by the issuer: HS256 only for the local issuer."""
    token = local_token(company.id, secret=TEST_SECRET * 2, algorithm="HS512")
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


@pytest.mark.parametrize("sub", [None, ""], ids=["absent", "empty"])
def test_missing_subject_is_invalid(client, company, sub):
    token = (
        local_token(company.id, drop=("sub",)) if sub is None else local_token(company.id, sub=sub)
    )
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_user_id_claim_is_the_subject_fallback(client, company):
    token = local_token(company.id, drop=("sub",), user_id="user_fallback")
    assert client.get(WHOAMI, headers=auth(token)).status_code == 200


def test_missing_expiry_is_invalid(client, company):
    assert_problem(
        client.get(WHOAMI, headers=auth(local_token(company.id, drop=("exp",)))),
        401,
        "INVALID_TOKEN",
    )


def test_not_yet_valid_token_is_invalid(client, company):
    token = local_token(company.id, nbf=int(time.time()) + 600)
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


# --- 401 TOKEN_EXPIRED (with the 60 s leeway) -----------------------------------------------------


def test_expired_token(client, company):
    token = local_token(company.id, exp=int(time.time()) - 120)
    assert_problem(client.get(WHOAMI, headers=auth(token)), 401, "TOKEN_EXPIRED")


def test_token_expired_within_leeway_still_passes(client, company):
    token = local_token(company.id, exp=int(time.time()) - 20)
    assert client.get(WHOAMI, headers=auth(token)).status_code == 200


# --- 403: tenant and role ------------------------------------------------------------------------


def test_no_organization_claim_is_missing_tenant(client):
    token = local_token(drop=("org_id",))
    assert_problem(client.get(WHOAMI, headers=auth(token)), 403, "MISSING_TENANT_ID")


def test_empty_organization_claim_is_missing_tenant(client):
    assert_problem(client.get(WHOAMI, headers=auth(local_token(""))), 403, "MISSING_TENANT_ID")


@pytest.mark.parametrize("claim", ["organization_id", "tenant_id", "company_id"])
def test_alternative_organization_claims(client, company, claim):
    token = local_token(drop=("org_id",), **{claim: company.id})
    response = client.get(WHOAMI, headers=auth(token))
    assert response.status_code == 200
    assert response.json["company_id"] == company.id


def test_nested_org_id_claim(client, company):
    token = local_token(drop=("org_id",), org={"id": company.id})
    assert client.get(WHOAMI, headers=auth(token)).json["company_id"] == company.id


def test_org_id_wins_over_later_claims(client, company, make_company):
    token = local_token(company.id, tenant_id=make_company().id)
    assert client.get(WHOAMI, headers=auth(token)).json["company_id"] == company.id


def test_compact_session_claims(client, company):
    """Clerk's compact session token: `o.id` is the org, `o.rol` the role."""
    token = local_token(drop=("org_id", "org_role"), o={"id": company.id, "rol": "csr"})
    response = client.get(WHOAMI, headers=auth(token))
    assert response.status_code == 200
    assert response.json == {
        "company_id": company.id,
        "company_name": company.name,
        "user_role": "csr",
    }


def test_no_role_is_missing_role(client, company):
    token = local_token(company.id, drop=("org_role",))
    assert_problem(client.get(WHOAMI, headers=auth(token)), 403, "MISSING_USER_ROLE")


def test_role_in_custom_metadata_is_not_a_role(client, company):
    token = local_token(
        company.id,
        drop=("org_role",),
        metadata={"role": "manager"},
        public_metadata={"role": "manager"},
    )
    assert_problem(client.get(WHOAMI, headers=auth(token)), 403, "MISSING_USER_ROLE")


@pytest.mark.parametrize(
    "role", ["superuser", "org:owner", "guest", "managerx", "org:", "sales rep"]
)
def test_unknown_role_is_invalid_role(client, company, role):
    token = local_token(company.id, org_role=role)
    assert_problem(client.get(WHOAMI, headers=auth(token)), 403, "INVALID_USER_ROLE")


ALIASES = [
    ("admin", "manager"),
    ("org:admin", "manager"),
    ("exec", "manager"),
    ("executive", "manager"),
    ("manager", "manager"),
    ("org:manager", "manager"),
    ("csr", "csr"),
    ("org:csr", "csr"),
    ("rep", "sales_rep"),
    ("sales_rep", "sales_rep"),
    ("org:sales_rep", "sales_rep"),
    ("org:member", "sales_rep"),
    ("basic_member", "sales_rep"),
]


@pytest.mark.parametrize("clerk_role,otto_role", ALIASES)
def test_every_clerk_alias_maps_to_its_otto_role(client, company, clerk_role, otto_role):
    token = local_token(company.id, org_role=clerk_role)
    response = client.get(WHOAMI, headers=auth(token))
    assert response.status_code == 200
    assert response.json["user_role"] == otto_role


@pytest.mark.parametrize(
    "clerk_role,otto_role",
    [("  ORG:Admin ", "manager"), ("CSR", "csr"), ("Basic_Member\t", "sales_rep")],
)
def test_aliases_are_case_insensitive_and_trimmed(client, company, clerk_role, otto_role):
    response = client.get(WHOAMI, headers=auth(local_token(company.id, org_role=clerk_role)))
    assert response.json["user_role"] == otto_role


@pytest.mark.parametrize("claim", ["role", "o"])
def test_role_fallback_claims(client, company, claim):
    value = "org:csr" if claim == "role" else {"rol": "org:csr"}
    token = local_token(company.id, drop=("org_role",), **{claim: value})
    assert client.get(WHOAMI, headers=auth(token)).json["user_role"] == "csr"


# --- Identity never comes from headers -----------------------------------------------------------

IDENTITY_HEADERS = {
    "X-Tenant-ID": "org_someone_else",
    "X-Company-Id": "org_someone_else",
    "X-User-Id": "user_someone_else",
    "X-User-Role": "manager",
    "X-Role": "manager",
}


def test_identity_headers_alone_are_unauthorized(client):
    assert_problem(client.get(WHOAMI, headers=IDENTITY_HEADERS), 401, "UNAUTHORIZED")


def test_identity_headers_do_not_override_the_token(client, csr, make_company):
    other = make_company()
    headers = {**bearer(csr), **IDENTITY_HEADERS, "X-Tenant-ID": other.id, "X-Company-Id": other.id}
    response = client.get(WHOAMI, headers=headers)
    assert response.json == {
        "company_id": csr.company_id,
        "company_name": "Test Roofing",
        "user_role": "csr",
    }

    created = client.post(
        "/api/v1/companies", headers=headers, json={"name": "X", "phone_number": "+15555550100"}
    )
    assert_problem(created, 403, "INSUFFICIENT_PERMISSIONS")


def test_no_dev_fallback_for_invalid_tokens(client):
    """An invalid token is refused; it never turns into a default session."""
    assert_problem(
        client.post(
            "/api/v1/companies",
            headers=auth("x.y.z"),
            json={"name": "X", "phone_number": "+15555550100"},
        ),
        401,
        "INVALID_TOKEN",
    )


# --- Clerk issuer: RS256 from a JWKS on a local stub server --------------------------------------


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key, kid: str) -> dict:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


class ClerkIssuer:
    """A stubbed Clerk instance: a JWKS endpoint and the keys that sign its session tokens."""

    def __init__(self, stub: StubServer):
        self.stub = stub
        self.keys = {"kid_one": rsa_key()}
        self.published = ["kid_one"]
        stub.routes[("GET", "/.well-known/jwks.json")] = lambda path, body: (
            200,
            {"keys": [jwk(self.keys[kid], kid) for kid in self.published]},
        )

    @property
    def jwks_url(self) -> str:
        return f"{self.stub.url}/.well-known/jwks.json"

    @property
    def fetches(self) -> int:
        return self.stub.hits("GET", "/.well-known/jwks.json")

    def token(self, org_value: str, kid: str = "kid_one", drop=(), **claims) -> str:
        now = int(time.time())
        payload = {
            "sub": "user_clerk_1",
            "org_id": org_value,
            "org_role": "org:admin",
            "iss": self.stub.url,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "azp": "http://localhost:3000",
        }
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        return jwt.encode(payload, self.keys[kid], algorithm="RS256", headers={"kid": kid})


def clerk_app_client(servers, issuer: ClerkIssuer):
    import otto

    settings = support.settings_for_tests(CLERK_JWKS_URL=issuer.jwks_url)
    app = otto.create_app(settings, database_url=servers.database_url, redis_url=servers.redis_url)
    return app.test_client()


@pytest.fixture(scope="module")
def clerk_issuer():
    with StubServer() as stub:
        yield ClerkIssuer(stub)


@pytest.fixture(scope="module")
def clerk_client(servers, clerk_issuer):
    return clerk_app_client(servers, clerk_issuer)


@pytest.fixture
def rotating_issuer(servers):
    """An issuer and app of their own: the test counts key-set fetches and rotates keys."""
    with StubServer() as stub:
        issuer = ClerkIssuer(stub)
        yield issuer, clerk_app_client(servers, issuer)


def test_clerk_rs256_token_passes(clerk_client, clerk_issuer, company):
    response = clerk_client.get(WHOAMI, headers=auth(clerk_issuer.token(company.id)))
    assert response.status_code == 200
    assert response.json == {
        "company_id": company.id,
        "company_name": company.name,
        "user_role": "manager",
    }


def test_clerk_issuer_defaults_to_the_jwks_origin_and_is_checked(
    clerk_client, clerk_issuer, company
):
    token = clerk_issuer.token(company.id, iss="https://evil.example.com")
    assert_problem(clerk_client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")
    token = clerk_issuer.token(company.id, drop=("iss",))
    assert_problem(clerk_client.get(WHOAMI, headers=auth(token)), 401, "INVALID_TOKEN")


def test_clerk_expired_token(clerk_client, clerk_issuer, company):
    token = clerk_issuer.token(company.id, exp=int(time.time()) - 300)
    assert_problem(clerk_client.get(WHOAMI, headers=auth(token)), 401, "TOKEN_EXPIRED")


def test_clerk_refuses_local_tokens(clerk_client, manager):
    """One issuer at a time: with Clerk configured, `otto token` tokens are refused."""
    assert_problem(clerk_client.get(WHOAMI, headers=bearer(manager)), 401, "INVALID_TOKEN")


def test_clerk_refuses_hs256_signed_with_the_public_key(clerk_client, clerk_issuer, company):
    """Algorithm confusion: an HMAC over the RSA public key must not verify."""
    pem = (
        clerk_issuer.keys["kid_one"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "kid_one"}).encode())
    payload = b64(
        json.dumps(
            {
                "sub": "user_x",
                "org_id": company.id,
                "org_role": "org:admin",
                "iss": clerk_issuer.stub.url,
                "exp": int(time.time()) + 600,
            }
        ).encode()
    )
    signature = b64(hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert_problem(
        clerk_client.get(WHOAMI, headers=auth(f"{header}.{payload}.{signature}")),
        401,
        "INVALID_TOKEN",
    )


def test_clerk_token_signed_by_an_unpublished_key_is_invalid(clerk_client, clerk_issuer, company):
    forged = jwt.encode(
        {
            "sub": "user_x",
            "org_id": company.id,
            "org_role": "org:admin",
            "iss": clerk_issuer.stub.url,
            "exp": int(time.time()) + 600,
        },
        rsa_key(),
        algorithm="RS256",
        headers={"kid": "kid_one"},
    )
    assert_problem(clerk_client.get(WHOAMI, headers=auth(forged)), 401, "INVALID_TOKEN")


def test_clerk_unknown_kid_refetches_the_key_set_once(rotating_issuer, company):
    clerk_issuer, clerk_client = rotating_issuer
    assert clerk_client.get(WHOAMI, headers=auth(clerk_issuer.token(company.id))).status_code == 200
    assert clerk_issuer.fetches == 1
    assert clerk_client.get(WHOAMI, headers=auth(clerk_issuer.token(company.id))).status_code == 200
    assert clerk_issuer.fetches == 1  # cached

    # Clerk rotates: a new key appears in the JWKS.
    clerk_issuer.keys["kid_two"] = rsa_key()
    clerk_issuer.published.append("kid_two")
    response = clerk_client.get(WHOAMI, headers=auth(clerk_issuer.token(company.id, kid="kid_two")))
    assert response.status_code == 200
    assert clerk_issuer.fetches == 2

    # A kid that is nowhere: exactly one more fetch, then 401.
    clerk_issuer.keys["kid_three"] = rsa_key()
    response = clerk_client.get(
        WHOAMI, headers=auth(clerk_issuer.token(company.id, kid="kid_three"))
    )
    assert_problem(response, 401, "INVALID_TOKEN")
    assert clerk_issuer.fetches == 3


def test_clerk_missing_org_without_backend_api_is_missing_tenant(clerk_client, clerk_issuer):
    token = clerk_issuer.token("unused", drop=("org_id",))
    assert_problem(clerk_client.get(WHOAMI, headers=auth(token)), 403, "MISSING_TENANT_ID")


def test_clerk_compact_claims(clerk_client, clerk_issuer, company):
    token = clerk_issuer.token(
        "unused", drop=("org_id", "org_role"), o={"id": company.id, "rol": "org:sales_rep"}
    )
    assert clerk_client.get(WHOAMI, headers=auth(token)).json["user_role"] == "sales_rep"


def test_clerk_authorized_parties(servers, clerk_issuer, company):
    import otto

    settings = support.settings_for_tests(
        CLERK_JWKS_URL=clerk_issuer.jwks_url, CLERK_AUTHORIZED_PARTIES="https://app.example.com"
    )
    client = otto.create_app(
        settings, database_url=servers.database_url, redis_url=servers.redis_url
    ).test_client()
    allowed = clerk_issuer.token(company.id, azp="https://app.example.com")
    assert client.get(WHOAMI, headers=auth(allowed)).status_code == 200
    other = clerk_issuer.token(company.id, azp="https://evil.example.com")
    assert_problem(client.get(WHOAMI, headers=auth(other)), 401, "INVALID_TOKEN")
