"""Blob storage (documents, audio) on local disk, keyed {company_id}/{kind}/{id}/{filename}."""

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from otto.errors import ApiError

CHUNK_BYTES = 1024 * 1024


class TooLarge(ApiError):
    status, error_code, detail = 413, "VALIDATION_ERROR", "The upload is too large."


class StorageError(ApiError):
    status, error_code, detail = 502, "STORAGE_ERROR", "File storage failed."


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str
    head: bytes  # the first bytes, for type detection by content


def safe_filename(name: str | None) -> str:
    """A file name that cannot leave its folder."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base)
    stem, dot, extension = base.rpartition(".")
    if dot and 0 < len(extension) <= 10:  # shorten the stem, never the extension
        base = f"{stem[:110].strip(' .')}.{extension}"
    return base[:120].strip(" .") or "upload"


def blob_key(company_id: str, kind: str, object_id: str, filename: str) -> str:
    return f"{company_id}/{kind}/{object_id}/{safe_filename(filename)}"


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not str(path).startswith(str(self.root.resolve()) + os.sep):
            raise StorageError("Invalid storage key.")
        return path

    def save_stream(self, key: str, stream, max_bytes: int) -> StoredBlob:
        """Copy `stream` to `key`, counting bytes as they arrive; over `max_bytes` -> 413, nothing kept."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            with open(partial, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"Uploads are limited to {max_bytes} bytes.")
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(partial, target)
        except OSError as error:
            raise StorageError() from error
        finally:
            if partial.exists():
                partial.unlink()
        return StoredBlob(key=key, size=size, sha256=digest.hexdigest(), head=head)

    def open(self, key: str):
        return open(self.path(key), "rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def storage() -> LocalStorage:
    return LocalStorage(current_app.extensions["otto"].settings.storage_dir)
