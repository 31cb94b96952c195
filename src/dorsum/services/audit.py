"""The audit log: who read or changed which patient record, and when. Append-only and
tamper-evident: each entry is chained to the clinic's previous one by its hash
(`dorsum.storage.audit_chain`), and `verify` walks the chains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dorsum.services.actors import Actor
from dorsum.storage.audit_chain import GENESIS, entry_hash
from dorsum.storage.tables import AuditEntry, AuditHead, Clinic, Patient, User


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
    """Append an entry. It holds ids only, never names or clinical content."""
    append(
        db,
        clinic_id=actor.clinic_id,
        user_id=actor.user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
    )


def append(
    db: Session,
    *,
    clinic_id: int,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    patient_id: int | None = None,
) -> None:
    """Chain a new entry to the clinic's head, holding the head's row lock until commit."""
    head = _locked_head(db, clinic_id)
    content = {
        "clinic_id": clinic_id,
        "user_id": user_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "patient_id": patient_id,
        "at": datetime.now(UTC),
        "prev_hash": head.last_hash,
    }
    digest = entry_hash(**content)  # type: ignore[arg-type]
    entry = AuditEntry(**content, hash=digest)
    db.add(entry)
    db.flush()
    head.last_id, head.last_hash = entry.id, digest
    db.flush()


def _locked_head(db: Session, clinic_id: int) -> AuditHead:
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        insert(AuditHead)
        .values(clinic_id=clinic_id, last_id=0, last_hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["clinic_id"])
    )
    head = db.scalar(
        select(AuditHead)
        .where(AuditHead.clinic_id == clinic_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert head is not None
    return head


def entries(
    db: Session,
    *,
    actor: Actor,
    patient_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditPublic]:
    """The clinic's entries, newest first, a page at a time, for admins."""
    actor.require("admin")
    query = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.clinic_id == actor.clinic_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
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


@dataclass(frozen=True)
class BrokenLink:
    """Where a clinic's chain stops holding, and why."""

    clinic_id: int
    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class Verification:
    entries: int
    clinics: int
    broken: list[BrokenLink]

    @property
    def intact(self) -> bool:
        return not self.broken


def verify(db: Session) -> Verification:
    """Walk every clinic's chain; report the first broken link of each."""
    broken: list[BrokenLink] = []
    heads = {head.clinic_id: head for head in db.scalars(select(AuditHead))}
    clinic_ids = set(db.scalars(select(Clinic.id))) | set(heads)
    counted = 0
    for clinic_id in sorted(clinic_ids):
        count, problem = _verify_clinic(db, clinic_id, heads.get(clinic_id))
        counted += count
        if problem is not None:
            broken.append(problem)
    return Verification(entries=counted, clinics=len(clinic_ids), broken=broken)


def _verify_clinic(
    db: Session, clinic_id: int, head: AuditHead | None
) -> tuple[int, BrokenLink | None]:
    query = select(AuditEntry).where(AuditEntry.clinic_id == clinic_id).order_by(AuditEntry.id)
    entries = db.scalars(query.execution_options(yield_per=500))
    try:
        count, last_id, previous, problem = _walk(clinic_id, entries)
    finally:
        entries.close()
    if problem is not None:
        return count, problem
    if head is None and count:
        return count, BrokenLink(clinic_id, None, "the record of the chain's last entry is gone")
    if head is not None and (head.last_id, head.last_hash) != (last_id, previous):
        reason = "entries at the end of the log were removed (the head points past them)"
        return count, BrokenLink(clinic_id, last_id or None, reason)
    if count == 0 and db.scalar(select(Patient.id).where(Patient.clinic_id == clinic_id)):
        return count, BrokenLink(clinic_id, None, "the clinic has patients but no audit entries")
    return count, None


def _walk(clinic_id: int, entries: Iterable[AuditEntry]) -> tuple[int, int, str, BrokenLink | None]:
    """Follow the chain: (entries seen, last id, last hash, the first broken link)."""
    previous, last_id, count = GENESIS, 0, 0
    for entry in entries:
        count += 1
        if entry.prev_hash != previous:
            reason = "an entry before this one was removed, inserted or changed"
            return count, last_id, previous, BrokenLink(clinic_id, entry.id, reason)
        if entry.hash != _expected(entry):
            return (
                count,
                last_id,
                previous,
                BrokenLink(clinic_id, entry.id, "this entry was changed"),
            )
        previous, last_id = entry.hash, entry.id
    return count, last_id, previous, None


def _expected(entry: AuditEntry) -> str:
    return entry_hash(
        clinic_id=entry.clinic_id,
        user_id=entry.user_id,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        patient_id=entry.patient_id,
        at=entry.at,
        prev_hash=entry.prev_hash,
    )
