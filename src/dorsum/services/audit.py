"""The audit log: who read or changed which patient record, and when. Append-only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.services.actors import Actor
from dorsum.storage.tables import AuditEntry, User


class AuditPublic(BaseModel):
    at: datetime
    user: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None


def record(
    db: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    patient_id: int | None = None,
) -> None:
    """Add an entry. It holds ids only, never names or clinical content."""
    db.add(
        AuditEntry(
            clinic_id=actor.clinic_id,
            user_id=actor.user_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
        )
    )


def entries(
    db: Session, *, actor: Actor, patient_id: int | None = None, limit: int = 200
) -> list[AuditPublic]:
    """The clinic's latest entries, for admins."""
    actor.require("admin")
    query = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.clinic_id == actor.clinic_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    return [
        AuditPublic(
            at=entry.at,
            user=name or "?",
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            patient_id=entry.patient_id,
        )
        for entry, name in db.execute(query)
    ]
