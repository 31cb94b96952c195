"""Patients' consents: recorded with the text shown and a signature drawn on screen, witnessed
by a member of staff, withdrawn at any time. What a consent allows is checked where it is
used: photos are taken and shown only under an unwithdrawn photo consent (`photos`), and a plan
session is marked done only under the plan's treatment consent (`session_done`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dorsum.i18n import N_, Language
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.consent_purposes import Purpose
from dorsum.services.consent_texts import stored_text, text_digest
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.plans import plan_rows
from dorsum.services.resources import MAX_ID
from dorsum.services.signatures import signature_png
from dorsum.services.transaction import use_case
from dorsum.storage.tables import (
    Consent,
    User,
)

TEXT_CHANGED = N_(
    "The consent text was changed while this form was open. Read the new version with the "
    "patient, and ask them to sign again."
)


class ConsentInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: Purpose
    plan_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    language: Language = "en"
    signed_by: str = Field(min_length=1, max_length=200)
    signature: str = Field(max_length=500_000)  # a PNG data URL from the signature pad
    witness_id: int | None = Field(default=None, ge=1, le=MAX_ID)  # default: who records it
    # the fingerprint of the text the patient read; a text changed meanwhile is refused
    shown_text: str | None = Field(default=None, max_length=64)


class ConsentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    purpose: str
    plan_id: int | None
    language: str
    version: int
    title: str
    text_shown: str
    signed_by: str
    signed_at: datetime
    witness_name: str
    withdrawn_at: datetime | None
    withdrawal_note: str

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@use_case
def record_consent(
    db: Session, *, actor: Actor, patient_id: int, data: ConsentInput, now: datetime
) -> ConsentPublic:
    """Store a signed consent with a copy of the current text of its purpose and language."""
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    _check_plan(db, actor=actor, patient_id=patient.id, data=data)
    witness = _witness(db, actor=actor, witness_id=data.witness_id)
    signature = signature_png(data.signature)
    text = stored_text(db, clinic_id=actor.clinic_id, purpose=data.purpose, language=data.language)
    if data.shown_text is not None and data.shown_text != text_digest(text.title, text.body):
        raise InvalidInput(TEXT_CHANGED, field="form")
    row = Consent(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        purpose=data.purpose,
        plan_id=data.plan_id,
        consent_text_id=text.id,
        language=text.language,
        version=text.version,
        title=text.title,
        text_shown=text.body,
        signed_by=data.signed_by,
        signature=signature,
        signed_at=now,
        witness_id=witness.id,
        witness_name=witness.name,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="consent",
        entity_id=row.id,
        patient_id=patient.id,
    )
    return ConsentPublic.model_validate(row)


@use_case
def withdraw_consent(
    db: Session, *, actor: Actor, consent_id: int, now: datetime, note: str = ""
) -> ConsentPublic:
    """The patient withdraws: from this moment the consent allows nothing."""
    actor.require_clinical()
    row = consent_row(db, actor=actor, consent_id=consent_id)
    # one statement that only a standing consent matches: of two tabs, the second is refused
    changed = db.execute(
        update(Consent)
        .where(Consent.id == row.id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by=actor.user_id, withdrawal_note=note.strip()[:300])
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(N_("This consent was already withdrawn."))
    db.refresh(row)
    audit.record(
        db,
        actor=actor,
        action="withdraw",
        entity="consent",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return ConsentPublic.model_validate(row)


def list_consents(db: Session, *, actor: Actor, patient_id: int) -> list[ConsentPublic]:
    """The patient's consents, newest first, withdrawn ones included."""
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    rows = db.scalars(
        select(Consent)
        .where(Consent.patient_id == patient.id, Consent.clinic_id == actor.clinic_id)
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
    )
    return [ConsentPublic.model_validate(row) for row in rows]


def get_consent(db: Session, *, actor: Actor, consent_id: int) -> ConsentPublic:
    actor.require_clinical()
    row = consent_row(db, actor=actor, consent_id=consent_id)
    audit.record(
        db,
        actor=actor,
        action="read",
        entity="consent",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return ConsentPublic.model_validate(row)


def signature_of(db: Session, *, actor: Actor, consent_id: int) -> bytes:
    """The signature image; every view is audited, like a photo's."""
    actor.require_clinical()
    row = consent_row(db, actor=actor, consent_id=consent_id)
    audit.record(
        db,
        actor=actor,
        action="view",
        entity="consent",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return row.signature


def consent_row(db: Session, *, actor: Actor, consent_id: int) -> Consent:
    row = db.scalar(
        select(Consent).where(Consent.id == consent_id, Consent.clinic_id == actor.clinic_id)
    )
    if row is None:
        raise NotFound(N_("There is no such consent in your clinic."))
    return row


def active_consent(
    db: Session, *, clinic_id: int, patient_id: int, purpose: Purpose, plan_id: int | None = None
) -> Consent | None:
    """The newest unwithdrawn consent to `purpose` (for a treatment: to that plan), if any."""
    query = select(Consent).where(
        Consent.clinic_id == clinic_id,
        Consent.patient_id == patient_id,
        Consent.purpose == purpose,
        Consent.withdrawn_at.is_(None),
    )
    if plan_id is not None:
        query = query.where(Consent.plan_id == plan_id)
    return db.scalar(query.order_by(Consent.signed_at.desc(), Consent.id.desc()).limit(1))


class Witness(BaseModel):
    id: int
    name: str


def witnesses(db: Session, *, actor: Actor) -> list[Witness]:
    """The clinic's active staff, who may witness a signature."""
    rows = db.execute(
        select(User.id, User.name)
        .where(User.clinic_id == actor.clinic_id, User.active)
        .order_by(User.name)
    )
    return [Witness(id=row.id, name=row.name) for row in rows]


def _check_plan(db: Session, *, actor: Actor, patient_id: int, data: ConsentInput) -> None:
    """A treatment consent names one of the patient's plans; a photo consent names none."""
    if data.purpose != "treatment":
        if data.plan_id is not None:
            raise InvalidInput(N_("Only a treatment consent is given for a plan."), field="plan_id")
        return
    if data.plan_id is None:
        raise InvalidInput(N_("Choose the plan the patient consents to."), field="plan_id")
    try:
        _plan, _version, consultation = plan_rows(
            db, clinic_id=actor.clinic_id, plan_id=data.plan_id
        )
    except NotFound:
        consultation = None
    if consultation is None or consultation.patient_id != patient_id:
        raise InvalidInput(N_("This patient has no such plan."), field="plan_id")


def _witness(db: Session, *, actor: Actor, witness_id: int | None) -> User:
    """The member of staff who saw the patient sign: an active user of the same clinic."""
    chosen = witness_id or actor.user_id
    user = db.scalar(
        select(User).where(User.id == chosen, User.clinic_id == actor.clinic_id, User.active)
    )
    if user is None:
        raise InvalidInput(N_("Choose a member of staff as the witness."), field="witness_id")
    return user
