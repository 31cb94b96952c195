"""The audit log's hash chain, as a format: what is hashed and how.

An entry's hash is SHA-256 over its content and the hash of the clinic's previous entry
(`GENESIS` for the first). Changing, deleting or inserting an entry anywhere breaks the link
to the entry after it. The format is fixed: migration 0003 chained the entries written before
it with this same function, so changing it means a new format version, never an edit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64


def entry_hash(
    *,
    clinic_id: int,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    at: datetime,
    prev_hash: str,
) -> str:
    """The hex SHA-256 of one entry, chained to `prev_hash`."""
    when = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    content = [
        "dorsum-audit/1",
        clinic_id,
        user_id,
        action,
        entity,
        entity_id,
        patient_id,
        when.isoformat(timespec="microseconds"),
        prev_hash,
    ]
    encoded = json.dumps(content, separators=(",", ":"), ensure_ascii=True).encode()
    return hashlib.sha256(encoded).hexdigest()
