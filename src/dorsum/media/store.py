"""Where photo files live: one interface, a local folder or an S3 bucket behind it.

Keys are paths such as "clinic-7/photos/3f2a.jpg". Every clinic's files are under its own
prefix (`clinic_key`), so listing, backing up or erasing one clinic's photos never touches
another's. Keys are checked the same way in every store: a key that works on the local disk
works in a bucket, and no key can reach outside the store's folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dorsum.settings import Settings

_KEY = re.compile(r"[a-z0-9_.-]+(?:/[a-z0-9_.-]+)*")
_PREFIX = re.compile(r"(?:[a-z0-9_.-]+/)*[a-z0-9_.-]*")
_MAX_KEY = 1024  # S3's limit, in bytes; keys are ASCII


class MissingFile(Exception):
    """No file is stored under the key."""


class InvalidKey(ValueError):
    """The key is not a store key: lower-case letters, digits, "_", ".", "-" in segments
    separated by "/", none of them "." or "..", at most 1024 characters."""


class PhotoStore(Protocol):
    """Stores file contents by key. `LocalStore` and `S3Store` are the two kinds."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there, all at once or not at all."""

    def get(self, key: str) -> bytes:
        """The stored contents, or MissingFile."""

    def delete(self, key: str) -> None:
        """Remove the file; a key with no file is fine."""

    def keys(self, prefix: str = "") -> list[str]:
        """Every stored key that starts with `prefix`, sorted."""


def checked_key(key: str) -> str:
    """`key` if it is a valid store key, else InvalidKey."""
    if (
        len(key) > _MAX_KEY
        or not _KEY.fullmatch(key)
        or any(part in {".", ".."} for part in key.split("/"))
    ):
        raise InvalidKey(f"{key!r} is not a valid photo store key")
    return key


def is_key(key: str) -> bool:
    """Whether `key` is a valid store key (files under other names are not the store's)."""
    try:
        checked_key(key)
    except InvalidKey:
        return False
    return True


def checked_prefix(prefix: str) -> str:
    """`prefix` if keys could start with it ("" and "clinic-7/" are prefixes), else
    InvalidKey."""
    if (
        len(prefix) > _MAX_KEY
        or not _PREFIX.fullmatch(prefix)
        or any(part in {".", ".."} for part in prefix.split("/"))
    ):
        raise InvalidKey(f"{prefix!r} is not a valid photo store prefix")
    return prefix


def clinic_key(clinic_id: int, *parts: str) -> str:
    """The key of a clinic's file, "clinic-<id>/<parts...>"; with no parts, the prefix of
    all the clinic's files, "clinic-<id>/" (the slash keeps clinic 1 apart from clinic 10)."""
    if isinstance(clinic_id, bool) or not isinstance(clinic_id, int) or clinic_id <= 0:
        raise InvalidKey(f"{clinic_id!r} is not a clinic id")
    prefix = f"clinic-{clinic_id}/"
    return checked_key(prefix + "/".join(parts)) if parts else prefix


def store_from_settings(settings: Settings) -> PhotoStore:
    """The store that DORSUM_PHOTO_STORE names, configured from the other settings."""
    if settings.photo_store == "s3":
        from dorsum.media.s3_store import S3Store

        if not settings.s3_bucket:
            raise ValueError("DORSUM_S3_BUCKET must be set when DORSUM_PHOTO_STORE is s3")
        return S3Store(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key.get_secret_value(),
        )
    from dorsum.media.local_store import LocalStore

    return LocalStore(Path(settings.photo_dir))
