"""A clinic's treatment session settings: per booked treatment, the minutes of a session, of
set-up before it and clean-down after it, and the kind of device it needs. An unset value
keeps the packaged default (`dorsum.scheduling.needs`); a treatment with nothing set has no
row at all."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_
from dorsum.scheduling.needs import DEVICE_KINDS, Setting, booked_treatments, session_needs
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import NotFound
from dorsum.services.resources import one_of, require_reader
from dorsum.services.transaction import use_case
from dorsum.storage.tables import TreatmentSetup

NO_DEVICE = ""  # a device kind of "" says the clinic does this treatment without a device
SetupDeviceKind = Annotated[
    str,
    StringConstraints(max_length=40),
    one_of((NO_DEVICE, *DEVICE_KINDS)),
    WithJsonSchema({"type": "string", "enum": [NO_DEVICE, *DEVICE_KINDS]}),
]


class TreatmentSetupInput(BaseModel):
    """The clinic's own figures; null keeps the default."""

    model_config = ConfigDict(extra="forbid")

    device_kind: SetupDeviceKind | None = None
    session_minutes: int | None = Field(default=None, ge=5, le=480)
    setup_minutes: int | None = Field(default=None, ge=0, le=120)
    cleanup_minutes: int | None = Field(default=None, ge=0, le=120)


class SessionDefaults(BaseModel):
    device_kind: str | None
    session_minutes: int
    setup_minutes: int
    cleanup_minutes: int


class TreatmentSetupPublic(TreatmentSetupInput):
    """A booked treatment's settings (null where the default applies), and the defaults."""

    model_config = ConfigDict(extra="ignore")

    treatment: str
    physician_required: bool
    defaults: SessionDefaults


def list_treatment_setups(
    db: Session, *, actor: Actor, index: KnowledgeIndex
) -> list[TreatmentSetupPublic]:
    """Every treatment given in sessions, with the clinic's settings and the defaults."""
    require_reader(actor)
    own = {row.treatment: row for row in _rows(db, clinic_id=actor.clinic_id)}
    return [_public(t, own.get(t), index) for t in booked_treatments(index)]


def get_treatment_setup(
    db: Session, *, actor: Actor, treatment: str, index: KnowledgeIndex
) -> TreatmentSetupPublic:
    require_reader(actor)
    _booked(treatment, index)
    row = db.get(TreatmentSetup, (actor.clinic_id, treatment))
    return _public(treatment, row, index)


@use_case
def set_treatment_setup(
    db: Session,
    *,
    actor: Actor,
    treatment: str,
    data: TreatmentSetupInput,
    index: KnowledgeIndex,
) -> TreatmentSetupPublic:
    """Store the clinic's figures for one treatment; all null returns it to the defaults."""
    actor.require("admin")
    _booked(treatment, index)
    row = db.get(TreatmentSetup, (actor.clinic_id, treatment))
    if data == TreatmentSetupInput():
        if row is not None:
            db.delete(row)
        row = None
    else:
        row = row or TreatmentSetup(clinic_id=actor.clinic_id, treatment=treatment)
        for name, value in data.model_dump().items():
            setattr(row, name, value)
        db.add(row)
    db.flush()
    audit.record(db, actor=actor, action="update", entity="treatment_setup")
    return _public(treatment, row, index)


def clinic_settings(db: Session, *, clinic_id: int) -> dict[str, Setting]:
    """The clinic's settings as the scheduler reads them (`session_needs(settings=...)`)."""
    return {
        row.treatment: Setting(
            device_kind=row.device_kind,
            minutes=row.session_minutes,
            setup=row.setup_minutes,
            cleanup=row.cleanup_minutes,
        )
        for row in _rows(db, clinic_id=clinic_id)
    }


def _rows(db: Session, *, clinic_id: int) -> list[TreatmentSetup]:
    return list(db.scalars(select(TreatmentSetup).where(TreatmentSetup.clinic_id == clinic_id)))


def _booked(treatment: str, index: KnowledgeIndex) -> None:
    if treatment not in booked_treatments(index):
        raise NotFound(N_("There is no such treatment among those given in sessions."))


def _public(
    treatment: str, row: TreatmentSetup | None, index: KnowledgeIndex
) -> TreatmentSetupPublic:
    needs = session_needs(treatment, index)
    own = {
        name: getattr(row, name) if row is not None else None
        for name in TreatmentSetupInput.model_fields
    }
    return TreatmentSetupPublic(
        treatment=treatment,
        physician_required=needs.physician,
        defaults=SessionDefaults(
            device_kind=needs.device_kind,
            session_minutes=needs.minutes,
            setup_minutes=needs.setup,
            cleanup_minutes=needs.cleanup,
        ),
        **own,
    )
