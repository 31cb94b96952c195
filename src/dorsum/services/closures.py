"""Closures and holidays: days the whole clinic is closed, or one room, device or staff
member is not available (maintenance, leave). The days are inclusive."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDate
from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.resources import Reason, ResourceId, require_reader
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Closure, Device, Room, StaffMember

# the field naming each kind of resource, and its table
RESOURCES: dict[str, Any] = {"room_id": Room, "device_id": Device, "staff_id": StaffMember}


class ClosureInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_on: SupportedDate
    ends_on: SupportedDate
    reason: Reason = ""
    room_id: ResourceId | None = None
    device_id: ResourceId | None = None
    staff_id: ResourceId | None = None


class ClosurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_on: date
    ends_on: date
    reason: str
    room_id: int | None
    device_id: int | None
    staff_id: int | None


def list_closures(db: Session, *, actor: Actor, since: date | None = None) -> list[ClosurePublic]:
    """The clinic's closures in date order; with `since`, those ending on or after it."""
    require_reader(actor)
    query = select(Closure).where(Closure.clinic_id == actor.clinic_id)
    if since is not None:
        query = query.where(Closure.ends_on >= since)
    rows = db.scalars(query.order_by(Closure.starts_on, Closure.id))
    return [ClosurePublic.model_validate(row) for row in rows]


def get_closure(db: Session, *, actor: Actor, closure_id: int) -> ClosurePublic:
    require_reader(actor)
    return ClosurePublic.model_validate(_row(db, clinic_id=actor.clinic_id, closure_id=closure_id))


@use_case
def create_closure(db: Session, *, actor: Actor, data: ClosureInput) -> ClosurePublic:
    actor.require("admin")
    values = _checked(db, clinic_id=actor.clinic_id, data=data)
    closure = Closure(clinic_id=actor.clinic_id, **values)
    db.add(closure)
    db.flush()
    audit.record(db, actor=actor, action="create", entity="closure", entity_id=closure.id)
    return ClosurePublic.model_validate(closure)


@use_case
def update_closure(
    db: Session, *, actor: Actor, closure_id: int, data: ClosureInput
) -> ClosurePublic:
    actor.require("admin")
    closure = _row(db, clinic_id=actor.clinic_id, closure_id=closure_id)
    for name, value in _checked(db, clinic_id=actor.clinic_id, data=data).items():
        setattr(closure, name, value)
    db.flush()
    audit.record(db, actor=actor, action="update", entity="closure", entity_id=closure.id)
    return ClosurePublic.model_validate(closure)


@use_case
def delete_closure(db: Session, *, actor: Actor, closure_id: int) -> None:
    """A closure entered by mistake, or called off, is deleted."""
    actor.require("admin")
    closure = _row(db, clinic_id=actor.clinic_id, closure_id=closure_id)
    db.delete(closure)
    db.flush()
    audit.record(db, actor=actor, action="erase", entity="closure", entity_id=closure_id)


def _checked(db: Session, *, clinic_id: int, data: ClosureInput) -> dict[str, Any]:
    """The closure's columns, once its days run forwards and it names at most one resource,
    of this clinic."""
    if data.ends_on < data.starts_on:
        raise InvalidInput(
            N_("The last day cannot be before the first day (%(starts_on)s)."),
            field="ends_on",
            starts_on=data.starts_on,
        )
    named = [field for field in RESOURCES if getattr(data, field) is not None]
    if len(named) > 1:
        raise InvalidInput(
            N_("Name one room, device or staff member, or none to close the whole clinic."),
            field=named[1],
        )
    for field in named:
        table = RESOURCES[field]
        found = db.scalar(
            select(table.id).where(table.id == getattr(data, field), table.clinic_id == clinic_id)
        )
        if found is None:
            raise InvalidInput(
                N_("Choose a room, device or staff member of your clinic."), field=field
            )
    return data.model_dump()


def _row(db: Session, *, clinic_id: int, closure_id: int) -> Closure:
    closure = db.scalar(
        select(Closure).where(Closure.id == closure_id, Closure.clinic_id == clinic_id)
    )
    if closure is None:
        raise NotFound(N_("There is no such closure in your clinic."))
    return closure
