"""Patients: create, find, read and export the whole record (GDPR). Erasure, which reaches
every part of the record, is `dorsum.services.erasure`."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDate
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.text import Email, Name, ShortText, search_key
from dorsum.services.transaction import use_case
from dorsum.storage.tables import (
    Appointment,
    AuditEntry,
    Consent,
    Consultation,
    Patient,
    PatientUnavailability,
    Photo,
    TreatmentPlan,
)


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    birth_date: SupportedDate | None = None
    sex: Literal["female", "male", "other"] | None = None
    email: Email | None = None
    phone: Annotated[ShortText, StringConstraints(max_length=40)] | None = None
    # the language of the patient's report and messages
    language: Literal["en", "es"] = "en"


class PatientPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    birth_date: date | None
    sex: str | None
    email: str | None
    phone: str | None
    language: str
    created_at: datetime


class PatientList(BaseModel):
    patients: list[PatientPublic]
    total: int


def age_on(birth_date: date | None, day: date) -> int | None:
    """Age in whole years on `day`; None when unknown or when the birth date is after `day`."""
    if birth_date is None or birth_date > day:
        return None
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


@use_case
def create_patient(db: Session, *, actor: Actor, data: PatientCreate, today: date) -> PatientPublic:
    """Any role may register a patient (reception books new patients)."""
    if data.birth_date is not None and data.birth_date > today:
        raise InvalidInput(
            N_("A birth date cannot be in the future."),
            field="birth_date",
        )
    patient = Patient(
        clinic_id=actor.clinic_id,
        created_by=actor.user_id,
        search_text=search_key(data.name, data.email, data.phone)[:800],
        **data.model_dump(),
    )
    db.add(patient)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    return PatientPublic.model_validate(patient)


@use_case
def update_patient(
    db: Session, *, actor: Actor, patient_id: int, data: PatientCreate, today: date
) -> PatientPublic:
    """Correct a patient's name, birth date, sex or contact details (any role: reception
    keeps contact details current)."""
    if data.birth_date is not None and data.birth_date > today:
        raise InvalidInput(N_("A birth date cannot be in the future."), field="birth_date")
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    for name, value in data.model_dump().items():
        setattr(patient, name, value)
    patient.search_text = search_key(data.name, data.email, data.phone)[:800]
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="update",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    return PatientPublic.model_validate(patient)


def find_patients(
    db: Session, *, actor: Actor, query: str | None = None, limit: int = 50, offset: int = 0
) -> PatientList:
    """The clinic's patients, newest first, filtered by name, e-mail or phone; case and
    accents do not matter ("lopez" finds "López")."""
    conditions = [Patient.clinic_id == actor.clinic_id]
    for word in search_key(query).split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Patient.search_text.like(f"%{escaped}%", escape="\\"))
    total = db.scalar(select(func.count()).select_from(Patient).where(*conditions)) or 0
    rows = db.scalars(
        select(Patient)
        .where(*conditions)
        .order_by(Patient.created_at.desc(), Patient.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return PatientList(patients=[PatientPublic.model_validate(p) for p in rows], total=total)


def patient_row(db: Session, *, actor: Actor, patient_id: int) -> Patient:
    """The row, if it is in the actor's clinic; otherwise NotFound (never Forbidden, which
    would tell that the id exists elsewhere)."""
    patient = db.scalar(
        select(Patient).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    )
    if patient is None:
        raise NotFound(N_("There is no such patient in your clinic."))
    return patient


def preferred_language(db: Session, *, actor: Actor, patient_id: int) -> str:
    """The language the patient reads their report and messages in."""
    return patient_row(db, actor=actor, patient_id=patient_id).language


def get_patient(db: Session, *, actor: Actor, patient_id: int) -> PatientPublic:
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    audit.record(
        db,
        actor=actor,
        action="read",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    return PatientPublic.model_validate(patient)


def export_patient(db: Session, *, actor: Actor, patient_id: int) -> dict[str, Any]:
    """Everything held about one patient, as JSON-ready data (right of access, GDPR art. 15)."""
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    consultations = db.scalars(
        select(Consultation)
        .where(Consultation.patient_id == patient.id, Consultation.clinic_id == actor.clinic_id)
        .order_by(Consultation.id)
    )
    exported_consultations = []
    for consultation in consultations:
        versions = []
        for version in consultation.versions:
            plans = db.scalars(
                select(TreatmentPlan).where(TreatmentPlan.consultation_version_id == version.id)
            )
            versions.append(
                {
                    "version": version.version,
                    "created_at": version.created_at.isoformat(),
                    "intake": version.intake,
                    "body_map": version.body_map,
                    "assessment": version.assessment,
                    "note": version.note,
                    "plans": [{"id": p.id, "chosen": p.chosen, "plan": p.plan} for p in plans],
                }
            )
        exported_consultations.append(
            {
                "id": consultation.id,
                "visit_date": consultation.visit_date.isoformat(),
                "versions": versions,
            }
        )
    appointments = db.scalars(
        select(Appointment).where(
            Appointment.patient_id == patient.id, Appointment.clinic_id == actor.clinic_id
        )
    )
    unavailable = db.scalars(
        select(PatientUnavailability)
        .where(
            PatientUnavailability.patient_id == patient.id,
            PatientUnavailability.clinic_id == actor.clinic_id,
        )
        .order_by(PatientUnavailability.starts_on, PatientUnavailability.id)
    )
    given = db.scalars(
        select(Consent)
        .where(Consent.patient_id == patient.id, Consent.clinic_id == actor.clinic_id)
        .order_by(Consent.id)
    )
    photos = db.scalars(
        select(Photo)
        .where(Photo.patient_id == patient.id, Photo.clinic_id == actor.clinic_id)
        .order_by(Photo.id)
    )
    audit.record(
        db,
        actor=actor,
        action="export",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    trail = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.patient_id == patient.id, AuditEntry.clinic_id == actor.clinic_id)
        .order_by(AuditEntry.id)
    )
    return {
        "format": "dorsum-patient-export/1",
        "patient": PatientPublic.model_validate(patient).model_dump(mode="json"),
        "consultations": exported_consultations,
        "appointments": [
            {
                "starts_at": a.starts_at.isoformat(),
                "minutes": a.minutes,
                "purpose": a.purpose,
                "cancelled": a.cancelled_at is not None,
            }
            for a in appointments
        ],
        "unavailability": [
            {"starts_on": u.starts_on.isoformat(), "ends_on": u.ends_on.isoformat(), "kind": u.kind}
            for u in unavailable
        ],
        "consents": [_exported_consent(c) for c in given],
        "photos": [
            {
                "id": ph.id,
                "zone": ph.zone,
                "visit_date": ph.visit_date.isoformat(),
                "consultation_id": ph.consultation_id,
                "content_type": ph.content_type,
                "sha256": ph.sha256,
            }
            for ph in photos
        ],
        "access_log": [
            {"at": e.at.isoformat(), "user_id": e.user_id, "action": e.action, "entity": e.entity}
            for e in trail
        ],
    }


def _exported_consent(consent: Consent) -> dict[str, Any]:
    """A consent as the patient may ask for it: the text shown and the signature (base64 PNG)."""
    return {
        "purpose": consent.purpose,
        "plan_id": consent.plan_id,
        "language": consent.language,
        "version": consent.version,
        "title": consent.title,
        "text_shown": consent.text_shown,
        "signed_by": consent.signed_by,
        "signed_at": consent.signed_at.isoformat(),
        "witness": consent.witness_name,
        "signature_png_base64": base64.b64encode(consent.signature).decode("ascii"),
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
    }
