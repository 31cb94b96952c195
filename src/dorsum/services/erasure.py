"""Erasing a patient on request (right to erasure, GDPR art. 17): every row about them and every
photo file. The rows go in the use case's transaction; the files go once it commits, so a failed
erasure leaves the record and its photos whole."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dorsum.media.store import PhotoStore
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.patients import patient_row
from dorsum.services.photos import erase_files_with_patient
from dorsum.services.transaction import use_case
from dorsum.storage.tables import (
    Appointment,
    Consent,
    Consultation,
    ConsultationVersion,
    OutboxMessage,
    PatientUnavailability,
    TreatmentPlan,
)


@use_case
def erase_patient(db: Session, *, actor: Actor, store: PhotoStore, patient_id: int) -> None:
    """Delete the patient and all their records and photos. Admins only.

    The audit log keeps its entries: they hold ids, not personal data, and show the erasure.
    """
    actor.require("admin")
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    erase_files_with_patient(db, store=store, clinic_id=actor.clinic_id, patient_id=patient.id)
    db.execute(
        delete(Consent).where(
            Consent.patient_id == patient.id, Consent.clinic_id == actor.clinic_id
        )
    )
    consultation_ids = select(Consultation.id).where(Consultation.patient_id == patient.id)
    version_ids = select(ConsultationVersion.id).where(
        ConsultationVersion.consultation_id.in_(consultation_ids)
    )
    db.execute(delete(TreatmentPlan).where(TreatmentPlan.consultation_version_id.in_(version_ids)))
    db.execute(
        delete(ConsultationVersion).where(ConsultationVersion.consultation_id.in_(consultation_ids))
    )
    db.execute(delete(Consultation).where(Consultation.patient_id == patient.id))
    db.execute(delete(OutboxMessage).where(OutboxMessage.patient_id == patient.id))
    db.execute(delete(Appointment).where(Appointment.patient_id == patient.id))
    db.execute(delete(PatientUnavailability).where(PatientUnavailability.patient_id == patient.id))
    db.delete(patient)
    audit.record(
        db,
        actor=actor,
        action="erase",
        entity="patient",
        entity_id=patient_id,
        patient_id=patient_id,
    )
