"""Consultations: assessed on save, versioned on edit, never lost or silently changed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import dorsum
from dorsum.core.dates import SupportedDate
from dorsum.core.validation import parse_intake
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.bodymap import BodyMap, apply_body_map
from dorsum.services.errors import Conflict, InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.text import LongText
from dorsum.storage.tables import Consultation, ConsultationVersion, TreatmentPlan, User


class ConsultationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intake: dict[str, Any]
    body_map: BodyMap = Field(default_factory=BodyMap)
    visit_date: SupportedDate | None = None
    note: LongText = ""


class VersionSummary(BaseModel):
    version: int
    created_at: datetime
    created_by: str


class ConsultationPublic(BaseModel):
    id: int
    patient_id: int
    visit_date: date
    version: int
    versions: list[VersionSummary]
    intake: dict[str, Any]
    body_map: dict[str, Any]
    assessment: dict[str, Any]
    knowledge_base_version: str
    note: str
    plan_ids: list[int]


def assess_input(data: ConsultationInput, *, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The intake with the body map applied, and its assessment (raises IntakeError)."""
    intake = apply_body_map(data.intake, data.body_map)
    assessment = dorsum.assess(parse_intake(intake), today=today)
    return intake, assessment.model_dump(mode="json")


def create_consultation(
    db: Session, *, actor: Actor, patient_id: int, data: ConsultationInput, today: date
) -> ConsultationPublic:
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    consultation = Consultation(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        visit_date=data.visit_date or today,
        created_by=actor.user_id,
    )
    db.add(consultation)
    db.flush()
    _add_version(db, actor=actor, consultation=consultation, data=data, number=1)
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="consultation",
        entity_id=consultation.id,
        patient_id=patient.id,
    )
    return _public(db, consultation, version=None)


def revise_consultation(
    db: Session, *, actor: Actor, consultation_id: int, data: ConsultationInput
) -> ConsultationPublic:
    """An edit: the next version, assessed as of the visit. Earlier versions stay as they were.

    The visit date belongs to the visit, not to a version: another date is another visit.
    """
    actor.require_clinical()
    consultation = consultation_row(db, actor=actor, consultation_id=consultation_id)
    if data.visit_date is not None and data.visit_date != consultation.visit_date:
        raise InvalidInput(
            N_("A saved visit keeps its date. For another day, start a new consultation.")
        )
    number = next_version(db, consultation.id)
    try:
        _add_version(db, actor=actor, consultation=consultation, data=data, number=number)
    except IntegrityError:  # another edit took this version number a moment ago
        raise Conflict(
            N_("Someone else saved this consultation a moment ago. Reload it and edit again.")
        ) from None
    audit.record(
        db,
        actor=actor,
        action="update",
        entity="consultation",
        entity_id=consultation.id,
        patient_id=consultation.patient_id,
    )
    db.refresh(consultation)
    return _public(db, consultation, version=None)


def get_consultation(
    db: Session, *, actor: Actor, consultation_id: int, version: int | None = None
) -> ConsultationPublic:
    actor.require_clinical()
    consultation = consultation_row(db, actor=actor, consultation_id=consultation_id)
    audit.record(
        db,
        actor=actor,
        action="read",
        entity="consultation",
        entity_id=consultation.id,
        patient_id=consultation.patient_id,
    )
    return _public(db, consultation, version=version)


def list_consultations(db: Session, *, actor: Actor, patient_id: int) -> list[ConsultationPublic]:
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    rows = db.scalars(
        select(Consultation)
        .where(Consultation.patient_id == patient.id)
        .order_by(Consultation.visit_date.desc(), Consultation.id.desc())
    )
    audit.record(db, actor=actor, action="read", entity="consultations", patient_id=patient.id)
    return _publics(db, list(rows), version=None)


def next_version(db: Session, consultation_id: int) -> int:
    """The number the next version takes (two editors at once may both get it: see revise)."""
    latest = db.scalar(
        select(func.max(ConsultationVersion.version)).where(
            ConsultationVersion.consultation_id == consultation_id
        )
    )
    return (latest or 0) + 1


def consultation_row(db: Session, *, actor: Actor, consultation_id: int) -> Consultation:
    """The consultation, if it belongs to the actor's clinic (NotFound otherwise)."""
    row = db.scalar(
        select(Consultation).where(
            Consultation.id == consultation_id, Consultation.clinic_id == actor.clinic_id
        )
    )
    if row is None:
        raise NotFound(f"no consultation {consultation_id}")
    return row


def _add_version(
    db: Session,
    *,
    actor: Actor,
    consultation: Consultation,
    data: ConsultationInput,
    number: int,
) -> None:
    """Assess `data` as of the visit and store it as version `number`."""
    intake, assessment = assess_input(data, today=consultation.visit_date)
    db.add(
        ConsultationVersion(
            consultation_id=consultation.id,
            version=number,
            intake=intake,
            body_map=data.body_map.model_dump(mode="json"),
            assessment=assessment,
            knowledge_base_version=assessment["knowledge_base_version"],
            note=data.note,
            created_by=actor.user_id,
        )
    )
    db.flush()


def _public(db: Session, consultation: Consultation, *, version: int | None) -> ConsultationPublic:
    return _publics(db, [consultation], version=version)[0]


def _publics(
    db: Session, rows: list[Consultation], *, version: int | None
) -> list[ConsultationPublic]:
    """Consultations as the API shows them, in three queries whatever their number."""
    versions: dict[int, list[ConsultationVersion]] = defaultdict(list)
    for row in db.scalars(
        select(ConsultationVersion)
        .where(ConsultationVersion.consultation_id.in_([r.id for r in rows]))
        .order_by(ConsultationVersion.version)
    ):
        versions[row.consultation_id].append(row)
    every = [v for kept in versions.values() for v in kept]
    authors = {v.created_by for v in every if v.created_by}
    names = dict(db.execute(select(User.id, User.name).where(User.id.in_(authors))).all())
    plans: dict[int, list[int]] = defaultdict(list)
    for version_id, plan_id in db.execute(
        select(TreatmentPlan.consultation_version_id, TreatmentPlan.id)
        .where(TreatmentPlan.consultation_version_id.in_([v.id for v in every]))
        .order_by(TreatmentPlan.id)
    ):
        plans[version_id].append(plan_id)
    return [_assemble(row, versions[row.id], names, plans, version) for row in rows]


def _assemble(
    consultation: Consultation,
    versions: list[ConsultationVersion],
    names: dict[int, str],
    plans: dict[int, list[int]],
    version: int | None,
) -> ConsultationPublic:
    chosen = (
        versions[-1]
        if version is None
        else next((v for v in versions if v.version == version), None)
    )
    if chosen is None:
        raise NotFound(f"consultation {consultation.id} has no version {version}")
    return ConsultationPublic(
        id=consultation.id,
        patient_id=consultation.patient_id,
        visit_date=consultation.visit_date,
        version=chosen.version,
        versions=[
            VersionSummary(
                version=v.version,
                created_at=v.created_at,
                created_by=names.get(v.created_by or 0, "?"),
            )
            for v in versions
        ],
        intake=chosen.intake,
        body_map=chosen.body_map,
        assessment=chosen.assessment,
        knowledge_base_version=chosen.knowledge_base_version,
        note=chosen.note,
        plan_ids=sorted(plan for v in versions for plan in plans[v.id]),
    )
