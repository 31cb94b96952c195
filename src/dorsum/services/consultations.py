"""Consultations: assessed on save, versioned on edit, never lost or silently changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import dorsum
from dorsum.core.validation import parse_intake
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.bodymap import BodyMap, apply_body_map
from dorsum.services.errors import NotFound
from dorsum.services.patients import patient_row
from dorsum.services.text import LongText
from dorsum.storage.tables import Consultation, ConsultationVersion, TreatmentPlan, User


class ConsultationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intake: dict[str, Any]
    body_map: BodyMap = Field(default_factory=BodyMap)
    visit_date: date | None = None
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
    intake, assessment = assess_input(data, today=data.visit_date or today)
    consultation = Consultation(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        visit_date=data.visit_date or today,
        created_by=actor.user_id,
    )
    db.add(consultation)
    db.flush()
    _add_version(
        db,
        actor=actor,
        consultation=consultation,
        data=data,
        intake=intake,
        assessment=assessment,
        number=1,
    )
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
    db: Session, *, actor: Actor, consultation_id: int, data: ConsultationInput, today: date
) -> ConsultationPublic:
    """An edit: the next version. Earlier versions stay as they were."""
    actor.require_clinical()
    consultation = _row(db, actor=actor, consultation_id=consultation_id)
    intake, assessment = assess_input(data, today=consultation.visit_date)
    number = (
        db.scalar(
            select(func.max(ConsultationVersion.version)).where(
                ConsultationVersion.consultation_id == consultation.id
            )
        )
        or 0
    ) + 1
    _add_version(
        db,
        actor=actor,
        consultation=consultation,
        data=data,
        intake=intake,
        assessment=assessment,
        number=number,
    )
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
    consultation = _row(db, actor=actor, consultation_id=consultation_id)
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
    return [_public(db, row, version=None) for row in rows]


def _row(db: Session, *, actor: Actor, consultation_id: int) -> Consultation:
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
    intake: dict[str, Any],
    assessment: dict[str, Any],
    number: int,
) -> None:
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
    versions = list(
        db.scalars(
            select(ConsultationVersion)
            .where(ConsultationVersion.consultation_id == consultation.id)
            .order_by(ConsultationVersion.version)
        )
    )
    chosen = (
        versions[-1]
        if version is None
        else next((v for v in versions if v.version == version), None)
    )
    if chosen is None:
        raise NotFound(f"consultation {consultation.id} has no version {version}")
    names = dict(
        db.execute(
            select(User.id, User.name).where(
                User.id.in_([v.created_by for v in versions if v.created_by])
            )
        ).all()
    )
    plan_ids = list(
        db.scalars(
            select(TreatmentPlan.id)
            .where(TreatmentPlan.consultation_version_id.in_([v.id for v in versions]))
            .order_by(TreatmentPlan.id)
        )
    )
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
        plan_ids=plan_ids,
    )
