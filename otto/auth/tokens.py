"""Bearer JWT verification: Clerk JWKS (RS256) when configured, else the local HS256 issuer."""

import time
from dataclasses import dataclass

import jwt

from otto.auth.roles import CLERK_ROLE_FOR, otto_role
from otto.errors import ApiError, InvalidToken, TokenExpired

LOCAL_ISSUER = "otto-local"
LEEWAY_SECONDS = 60
COMPANY_CLAIMS = ("org_id", "organization_id", "tenant_id", "company_id")


@dataclass(frozen=True)
class Identity:
    user_id: str
    company_id: str
    role: str
    clerk_role: str


class MissingTenant(ApiError):
    status, error_code, detail = 403, "MISSING_TENANT_ID", "No organization could be resolved."


class MissingRole(ApiError):
    status, error_code, detail = 403, "MISSING_USER_ROLE", "No role could be resolved."


class InvalidRole(ApiError):
    status, error_code, detail = 403, "INVALID_USER_ROLE", "The role is not one Otto knows."


class TokenVerifier:
    """Verifies tokens of the one configured issuer; the accepted algorithm is fixed by it."""

    def __init__(self, settings, clerk_client=None):
        self.settings = settings
        self.clerk_client = clerk_client
        self._jwks = None
        if settings.clerk_enabled:
            self._jwks = jwt.PyJWKClient(settings.clerk_jwks_url, cache_keys=True, lifespan=3600)

    def claims(self, token: str) -> dict:
        try:
            if self._jwks is not None:
                key = self._signing_key(token)
                options = {"require": ["exp", "iss"]}
                return jwt.decode(token, key, algorithms=["RS256"], issuer=self.settings.clerk_issuer,
                                  leeway=LEEWAY_SECONDS, options=options)
            return jwt.decode(token, self.settings.jwt_secret, algorithms=["HS256"], issuer=LOCAL_ISSUER,
                              leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss"]})
        except jwt.ExpiredSignatureError as error:
            raise TokenExpired() from error
        except jwt.PyJWTError as error:
            raise InvalidToken() from error

    def _signing_key(self, token: str):
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError:
            # Unknown kid: the key set may have rotated; refetch once.
            self._jwks = jwt.PyJWKClient(self.settings.clerk_jwks_url, cache_keys=True, lifespan=3600)
            return self._jwks.get_signing_key_from_jwt(token).key

    def identity(self, token: str) -> Identity:
        claims = self.claims(token)
        parties = self.settings.clerk_authorized_parties
        if self._jwks is not None and parties and claims.get("azp") not in parties:
            raise InvalidToken("The token's authorized party is not accepted.")

        user_id = claims.get("sub") or claims.get("user_id")
        if not user_id or not isinstance(user_id, str):
            raise InvalidToken("The token has no subject.")

        company_id = _company_claim(claims)
        if not company_id and self.clerk_client is not None and self._jwks is not None:
            company_id = self.clerk_client.only_organization_of(user_id)
        if not company_id:
            raise MissingTenant()

        clerk_role = claims.get("org_role") or claims.get("role") or _nested(claims, "o", "rol")
        if not clerk_role and self.clerk_client is not None and self._jwks is not None:
            clerk_role = self.clerk_client.membership_role(user_id, company_id)
        if not clerk_role or not isinstance(clerk_role, str):
            raise MissingRole()

        role = otto_role(clerk_role)
        if role is None:
            raise InvalidRole()
        return Identity(user_id=user_id, company_id=company_id, role=role, clerk_role=clerk_role)


def _nested(claims: dict, outer: str, inner: str):
    value = claims.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


def _company_claim(claims: dict) -> str | None:
    for name in COMPANY_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    for outer in ("org", "o"):
        value = _nested(claims, outer, "id")
        if isinstance(value, str) and value:
            return value
    return None


def mint_local_token(secret: str, *, user_id: str, company_id: str, role: str,
                     ttl_seconds: int = 12 * 3600) -> str:
    """A local-issuer token as `otto token` prints it; the role is written in Clerk form."""
    now = int(time.time())
    claims = {
        "sub": user_id, "org_id": company_id, "org_role": CLERK_ROLE_FOR.get(role, role),
        "iss": LOCAL_ISSUER, "iat": now, "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
