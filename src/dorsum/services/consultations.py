"""Consultations: assessed on save, versioned on edit, never lost or silently changed.

What is stored is the validated, normalised intake (every field, numbers as numbers), never the
raw request. A read never fails because of one odd stored row: a consultation that cannot be
shown says so (`damaged`), and the rest of the patient's record is shown as usual.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.dates import EARLIEST, LATEST, SupportedDate
from dorsum.core.intake import AcneInducingDrug, Allergen, Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.bodymap import BodyMap, apply_body_map
from dorsum.services.errors import Conflict, InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.text import LongText
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Consultation, ConsultationVersion, TreatmentPlan, User

MAX_VERSION = 100_000


class ConsultationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intake: Intake
    body_map: BodyMap = Field(default_factory=BodyMap)
    visit_date: SupportedDate | None = None
    note: LongText = ""
    base_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VERSION,
        description="The version this edit started from. When another version was saved "
        "since, the edit is refused with 409 instead of silently replacing it.",
    )

    @field_validator("intake")
    @classmethod
    def _normalised(cls, intake: Intake) -> Intake:
        return normalise(intake)

    @field_validator("intake")
    @classmethod
    def _target_date_in_range(cls, intake: Intake) -> Intake:
        target = intake.goals.target_date
        if target is not None and not EARLIEST <= target <= LATEST:
            raise PydanticCustomError(
                "date_range",
                "goals.target_date must be between {first} and {last}",
                {"path": "goals.target_date", "first": EARLIEST.year, "last": LATEST.year},
            )
        return intake


def normalise(intake: Intake) -> Intake:
    """The intake as stored: allergies and acne-inducing medicines once each, in the
    contract's order (the order they were listed in means nothing, and a form lists them in its
    own order)."""
    history = intake.history
    allergies = tuple(a for a in get_args(Allergen) if a in history.allergies)
    drugs = tuple(d for d in get_args(AcneInducingDrug) if d in history.acne_inducing_drugs)
    if allergies == history.allergies and drugs == history.acne_inducing_drugs:
        return intake
    history = history.model_copy(update={"allergies": allergies, "acne_inducing_drugs": drugs})
    return intake.model_copy(update={"history": history})


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
    damaged: str | None = Field(
        default=None,
        description="Set when this stored consultation cannot be read as an intake and "
        "assessment (written by an earlier fault): what is wrong with it.",
    )

    # the values read from storage, kept so that pages and progress do not validate again
    _values: tuple[Intake, Assessment] | None = PrivateAttr(default=None)

    def parsed(self) -> tuple[Intake, Assessment] | None:
        """The intake and assessment as values, or None for a damaged record."""
        if self.damaged is not None:
            return None
        if self._values is None:
            self._values = (
                Intake.model_validate(self.intake),
                Assessment.model_validate(self.assessment),
            )
        return self._values


def assess_input(
    data: ConsultationInput, *, index: KnowledgeIndex, today: date
) -> tuple[Intake, dict[str, Any]]:
    """The intake with the body map applied, and its assessment as of `today`."""
    intake = apply_body_map(data.intake, data.body_map)
    assessment = dorsum.assess(intake, index=index, today=today)
    return intake, assessment.model_dump(mode="json")


@use_case
def create_consultation(
    db: Session,
    *,
    actor: Actor,
    patient_id: int,
    data: ConsultationInput,
    index: KnowledgeIndex,
    today: date,
) -> ConsultationPublic:
    """A new visit, dated `data.visit_date` or else `today` (the clinic's), assessed with
    `index` as of that date."""
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    visit_date = data.visit_date or today
    intake, assessment = assess_input(data, index=index, today=visit_date)
    consultation = Consultation(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        visit_date=visit_date,
        created_by=actor.user_id,
    )
    db.add(consultation)
    db.flush()
    _add_version(
        db, actor=actor, consultation=consultation, data=data, number=1, result=(intake, assessment)
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


@use_case
def revise_consultation(
    db: Session,
    *,
    actor: Actor,
    consultation_id: int,
    data: ConsultationInput,
    index: KnowledgeIndex,
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
    if data.base_version is not None and data.base_version != number - 1:
        raise Conflict(
            N_(
                "A newer version of this consultation was saved after the one this form "
                "started from. Your changes are still in the form: compare them with the latest "
                "version, then save again."
            )
        )
    result = assess_input(data, index=index, today=consultation.visit_date)
    try:
        _add_version(
            db, actor=actor, consultation=consultation, data=data, number=number, result=result
        )
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
        .where(Consultation.patient_id == patient.id, Consultation.clinic_id == actor.clinic_id)
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
        raise NotFound(N_("There is no such consultation in your clinic."))
    return row


def _add_version(
    db: Session,
    *,
    actor: Actor,
    consultation: Consultation,
    data: ConsultationInput,
    number: int,
    result: tuple[Intake, dict[str, Any]],
) -> None:
    """Store the assessed input as version `number`."""
    intake, assessment = result
    db.add(
        ConsultationVersion(
            consultation_id=consultation.id,
            version=number,
            intake=intake.model_dump(mode="json"),
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
    if not versions:
        return _damaged(consultation, N_("it was saved without any content"))
    chosen = (
        versions[-1]
        if version is None
        else next((v for v in versions if v.version == version), None)
    )
    if chosen is None:
        raise NotFound(N_("This consultation has no such version."))
    intake, assessment, values, problem = _readable(chosen)
    public = ConsultationPublic(
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
        intake=intake,
        body_map=chosen.body_map if isinstance(chosen.body_map, dict) else {},
        assessment=assessment,
        knowledge_base_version=chosen.knowledge_base_version,
        note=chosen.note,
        plan_ids=sorted(plan for v in versions for plan in plans[v.id]),
        damaged=problem,
    )
    public._values = values
    return public


def _readable(
    version: ConsultationVersion,
) -> tuple[dict[str, Any], dict[str, Any], tuple[Intake, Assessment] | None, str | None]:
    """The stored intake normalised (older rows may hold numbers as text), the assessment,
    and both as values; or the raw content with what is wrong with it."""
    raw_intake = version.intake if isinstance(version.intake, dict) else {}
    raw_assessment = version.assessment if isinstance(version.assessment, dict) else {}
    try:
        intake = Intake.model_validate(version.intake)
    except ValidationError:
        return raw_intake, raw_assessment, None, N_("its intake is not a valid intake")
    shown = intake.model_dump(mode="json")
    try:
        assessment = Assessment.model_validate(version.assessment)
    except ValidationError:
        return shown, raw_assessment, None, N_("its stored result is not a valid assessment")
    return shown, raw_assessment, (intake, assessment), None


def _damaged(consultation: Consultation, why: str) -> ConsultationPublic:
    return ConsultationPublic(
        id=consultation.id,
        patient_id=consultation.patient_id,
        visit_date=consultation.visit_date,
        version=0,
        versions=[],
        intake={},
        body_map={},
        assessment={},
        knowledge_base_version="",
        note="",
        plan_ids=[],
        damaged=why,
    )
