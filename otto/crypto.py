"""Encryption at rest for write-only secrets (CallRail keys, Twilio tokens)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_fernet: Fernet | None = None


def configure_encryption(secret_key: str) -> None:
    global _fernet
    digest = hashlib.sha256(f"otto-secrets:{secret_key}".encode()).digest()
    _fernet = Fernet(base64.urlsafe_b64encode(digest))


def _cipher() -> Fernet:
    if _fernet is None:
        raise RuntimeError("encryption is not configured; create_app sets it up")
    return _fernet


class EncryptedString(TypeDecorator):
    """A string column stored as a Fernet token; the plain value exists only in memory."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _cipher().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return _cipher().decrypt(value.encode()).decode()
        except InvalidToken:
            # Encrypted under another OTTO_SECRET_KEY: treat as unset rather than failing reads.
            return None
