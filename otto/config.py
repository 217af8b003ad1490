"""Settings read from the environment once, with defaults for the embedded mode."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _secret_from_file(path: Path, nbytes: int = 32) -> str:
    """Return the secret stored at `path`, generating it on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None
    database_owner_url: str | None
    redis_url: str | None
    storage_dir: Path
    jwt_secret: str
    secret_key: str
    clerk_jwks_url: str | None
    clerk_issuer: str | None
    clerk_authorized_parties: list[str]
    clerk_secret_key: str | None
    clerk_api_url: str
    clerk_webhook_secret: str | None
    public_base_url: str | None
    trusted_proxy: bool
    cors_origins: list[str]
    metrics_token: str | None
    platform_admin_user_ids: list[str]
    openai_api_key: str | None
    openai_base_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    log_level: str
    max_upload_bytes: int = 200 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    callrail_webhook_signing_key: str | None = None
    twilio_from_number: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def clerk_enabled(self) -> bool:
        return bool(self.clerk_jwks_url)

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("OTTO_DATA_DIR") or "./var").resolve()
        jwks_url = env.get("CLERK_JWKS_URL") or None
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or None,
            database_owner_url=env.get("DATABASE_OWNER_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            storage_dir=Path(env.get("OTTO_STORAGE_DIR") or data_dir / "blobs").resolve(),
            jwt_secret=env.get("OTTO_JWT_SECRET") or _secret_from_file(data_dir / "jwt-secret"),
            secret_key=env.get("OTTO_SECRET_KEY") or _secret_from_file(data_dir / "secret-key"),
            clerk_jwks_url=jwks_url,
            clerk_issuer=env.get("CLERK_ISSUER") or _origin(jwks_url),
            clerk_authorized_parties=_list(env.get("CLERK_AUTHORIZED_PARTIES")),
            clerk_secret_key=env.get("CLERK_SECRET_KEY") or None,
            clerk_api_url=env.get("CLERK_API_URL") or "https://api.clerk.com/v1",
            clerk_webhook_secret=env.get("CLERK_WEBHOOK_SECRET") or None,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            trusted_proxy=_flag(env.get("OTTO_TRUSTED_PROXY")),
            cors_origins=_list(env.get("CORS_ORIGINS")) or ["*"],
            metrics_token=env.get("METRICS_TOKEN") or None,
            platform_admin_user_ids=_list(env.get("PLATFORM_ADMIN_USER_IDS")),
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            log_level=env.get("LOG_LEVEL") or "INFO",
            callrail_webhook_signing_key=env.get("CALLRAIL_WEBHOOK_SIGNING_KEY") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
        )


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
