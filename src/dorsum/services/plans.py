"""Plans built from a saved consultation, stored with the version they were built from."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.assessment import Assessment
from dorsum.core.dates import SupportedDate
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.core.planner import build_plan
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.consultations import consultation_row
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Consultation, ConsultationVersion, TreatmentPlan


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choose: list[str] = Field(default_factory=list, max_length=17)
    start: SupportedDate | None = None
    target: SupportedDate | None = None
    hemisphere: str | None = Field(default=None, max_length=10)
    country: str | None = Field(default=None, max_length=10)
    version: int | None = Field(
        default=None, ge=1, le=100_000, description="The version to plan; the latest if omitted."
    )


class PlanRecord(BaseModel):
    id: int
    consultation_id: int
    consultation_version: int
    patient_id: int
    plan: Plan


@use_case
def create_plan(
    db: Session,
    *,
    actor: Actor,
    consultation_id: int,
    request: PlanRequest,
    index: KnowledgeIndex,
    today: date,
) -> PlanRecord:
    """Plan a version of a consultation, the latest by default (PlanError when it cannot).
    Without a start asked for, it starts on `today` (the clinic's), or on the day the version
    was assessed if that is later."""
    actor.require_clinical()
    consultation = consultation_row(db, actor=actor, consultation_id=consultation_id)
    version = _version(consultation, request.version)
    try:
        assessment = Assessment.model_validate(version.assessment)
    except ValidationError:
        raise InvalidInput(
            N_("This version's stored result cannot be read, so it cannot be planned.")
        ) from None
    plan = build_plan(
        assessment,
        index=index,
        start=request.start or max(today, assessment.assessed_on),
        chosen=request.choose or None,
        target=request.target or _goal(version.intake),
        hemisphere=request.hemisphere,
        country=request.country,
    )
    row = TreatmentPlan(
        clinic_id=actor.clinic_id,
        consultation_version_id=version.id,
        chosen=request.model_dump(mode="json"),
        plan=plan.model_dump(mode="json"),
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="plan",
        entity_id=row.id,
        patient_id=consultation.patient_id,
    )
    return PlanRecord(
        id=row.id,
        consultation_id=consultation.id,
        consultation_version=version.version,
        patient_id=consultation.patient_id,
        plan=plan,
    )


def _version(consultation: Consultation, number: int | None) -> ConsultationVersion:
    if not consultation.versions:
        raise InvalidInput(N_("This consultation has no saved content to plan."))
    if number is None:
        return consultation.versions[-1]
    for version in consultation.versions:
        if version.version == number:
            return version
    raise NotFound(N_("This consultation has no such version."))


def get_plan(db: Session, *, actor: Actor, plan_id: int) -> PlanRecord:
    actor.require_clinical()
    plan_row, version, consultation = plan_rows(db, clinic_id=actor.clinic_id, plan_id=plan_id)
    audit.record(
        db,
        actor=actor,
        action="read",
        entity="plan",
        entity_id=plan_row.id,
        patient_id=consultation.patient_id,
    )
    return PlanRecord(
        id=plan_row.id,
        consultation_id=consultation.id,
        consultation_version=version.version,
        patient_id=consultation.patient_id,
        plan=Plan.model_validate(plan_row.plan),
    )


def plan_rows(
    db: Session, *, clinic_id: int, plan_id: int
) -> tuple[TreatmentPlan, ConsultationVersion, Consultation]:
    """A plan of this clinic with the consultation version it was built from and its
    consultation; `NotFound` for another clinic's plan or none."""
    row = db.execute(
        select(TreatmentPlan, ConsultationVersion, Consultation)
        .join(ConsultationVersion, ConsultationVersion.id == TreatmentPlan.consultation_version_id)
        .join(Consultation, Consultation.id == ConsultationVersion.consultation_id)
        .where(TreatmentPlan.id == plan_id, TreatmentPlan.clinic_id == clinic_id)
    ).first()
    if row is None:
        raise NotFound(N_("There is no such plan in your clinic."))
    return row[0], row[1], row[2]


def _goal(intake: dict[str, Any]) -> date | None:
    goals = intake.get("goals") if isinstance(intake, dict) else None
    target = goals.get("target_date") if isinstance(goals, dict) else None
    try:
        return date.fromisoformat(target) if isinstance(target, str) else None
    except ValueError:
        return None
