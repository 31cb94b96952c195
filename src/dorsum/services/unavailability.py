"""Days a patient cannot come, or will be in strong sun (a beach holiday), which the
scheduler keeps sessions away from. Every role may record them: reception hears of holidays
when booking, practitioners in the consultation. Days are inclusive; a period already over may
still be recorded (it explains a gap in a series)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDate
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.resources import require_reader
from dorsum.services.transaction import use_case
from dorsum.storage.tables import PatientUnavailability

Kind = Literal["unavailable", "sun"]


class UnavailabilityInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_on: SupportedDate
    ends_on: SupportedDate
    kind: Kind = "unavailable"


class UnavailabilityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    starts_on: date
    ends_on: date
    kind: str
    created_at: datetime


def list_unavailability(
    db: Session, *, actor: Actor, patient_id: int
) -> list[UnavailabilityPublic]:
    """The patient's periods, earliest first."""
    require_reader(actor)
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    rows = db.scalars(
        select(PatientUnavailability)
        .where(
            PatientUnavailability.patient_id == patient.id,
            PatientUnavailability.clinic_id == actor.clinic_id,
        )
        .order_by(PatientUnavailability.starts_on, PatientUnavailability.id)
    )
    return [UnavailabilityPublic.model_validate(row) for row in rows]


@use_case
def add_unavailability(
    db: Session, *, actor: Actor, patient_id: int, data: UnavailabilityInput
) -> UnavailabilityPublic:
    require_reader(actor)
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    _check_days(data)
    row = PatientUnavailability(clinic_id=actor.clinic_id, patient_id=patient.id)
    _fill(row, data)
    db.add(row)
    db.flush()
    _audit(db, actor=actor, action="create", row=row)
    return UnavailabilityPublic.model_validate(row)


@use_case
def update_unavailability(
    db: Session, *, actor: Actor, patient_id: int, period_id: int, data: UnavailabilityInput
) -> UnavailabilityPublic:
    require_reader(actor)
    row = _row(db, actor=actor, patient_id=patient_id, period_id=period_id)
    _check_days(data)
    _fill(row, data)
    db.flush()
    _audit(db, actor=actor, action="update", row=row)
    return UnavailabilityPublic.model_validate(row)


@use_case
def remove_unavailability(db: Session, *, actor: Actor, patient_id: int, period_id: int) -> None:
    require_reader(actor)
    row = _row(db, actor=actor, patient_id=patient_id, period_id=period_id)
    _audit(db, actor=actor, action="erase", row=row)
    db.delete(row)
    db.flush()


def _check_days(data: UnavailabilityInput) -> None:
    if data.ends_on < data.starts_on:
        raise InvalidInput(
            N_("The last day cannot be before the first day (%(starts_on)s)."),
            field="ends_on",
            starts_on=data.starts_on,
        )


def _fill(row: PatientUnavailability, data: UnavailabilityInput) -> None:
    row.starts_on, row.ends_on, row.kind = data.starts_on, data.ends_on, data.kind


def _row(db: Session, *, actor: Actor, patient_id: int, period_id: int) -> PatientUnavailability:
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    row = db.scalar(
        select(PatientUnavailability).where(
            PatientUnavailability.id == period_id,
            PatientUnavailability.patient_id == patient.id,
            PatientUnavailability.clinic_id == actor.clinic_id,
        )
    )
    if row is None:
        raise NotFound(N_("There is no such period for this patient."))
    return row


def _audit(db: Session, *, actor: Actor, action: str, row: PatientUnavailability) -> None:
    audit.record(
        db,
        actor=actor,
        action=action,
        entity="unavailability",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
