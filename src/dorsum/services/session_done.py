"""Marking a session as done. A plan session is treatment: it is marked done only while the
patient's consent to treatment under that plan stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.appointments import AppointmentPublic, appointment_row, as_public
from dorsum.services.consents import active_consent
from dorsum.services.errors import InvalidInput
from dorsum.services.transaction import use_case

ALREADY_MARKED = N_("This session is already marked as done or missed.")
NO_TREATMENT_CONSENT = N_(
    "This session cannot be marked as done: the patient has not consented to treatment under "
    "this plan, or has withdrawn that consent. Record the consent first."
)


@use_case
def mark_done(
    db: Session, *, actor: Actor, appointment_id: int, now: datetime
) -> AppointmentPublic:
    """The session took place. Clinical roles only: it records that a treatment was given."""
    actor.require_clinical()
    row, patient = appointment_row(db, actor=actor, appointment_id=appointment_id)
    if row.cancelled_at is not None:
        raise InvalidInput(N_("This appointment was cancelled; book a new one instead."))
    if row.status != "booked":
        raise InvalidInput(ALREADY_MARKED)
    if row.starts_at > now:
        raise InvalidInput(N_("A session can be marked as done only once its time has come."))
    if (
        row.plan_id is not None
        and active_consent(
            db,
            clinic_id=actor.clinic_id,
            patient_id=row.patient_id,
            purpose="treatment",
            plan_id=row.plan_id,
        )
        is None
    ):
        raise InvalidInput(NO_TREATMENT_CONSENT)
    row.status = "done"
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="done",
        entity="appointment",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return as_public(row, patient.name)
