"""Treatment rooms: listed for every role, added, renamed and deactivated by an admin."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.deactivation import refuse_if_booked_ahead
from dorsum.services.errors import NotFound
from dorsum.services.resources import (
    ResourceName,
    change_action,
    check_name_free,
    require_reader,
)
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment, Room

STILL_BOOKED = N_(
    "Bookings ahead in this room: %(count)s. "
    "Move them to another room (or cancel them) first, then deactivate it."
)


class RoomInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ResourceName
    active: bool = True


class RoomPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    active: bool


def list_rooms(db: Session, *, actor: Actor) -> list[RoomPublic]:
    """The clinic's rooms, active ones first."""
    require_reader(actor)
    rows = db.scalars(
        select(Room).where(Room.clinic_id == actor.clinic_id).order_by(Room.active.desc(), Room.id)
    )
    return [RoomPublic.model_validate(row) for row in rows]


def get_room(db: Session, *, actor: Actor, room_id: int) -> RoomPublic:
    require_reader(actor)
    return RoomPublic.model_validate(room_row(db, clinic_id=actor.clinic_id, room_id=room_id))


@use_case
def create_room(db: Session, *, actor: Actor, data: RoomInput) -> RoomPublic:
    actor.require("admin")
    check_name_free(db, Room, clinic_id=actor.clinic_id, name=data.name)
    room = Room(clinic_id=actor.clinic_id, name=data.name, active=data.active)
    db.add(room)
    db.flush()
    audit.record(db, actor=actor, action="create", entity="room", entity_id=room.id)
    return RoomPublic.model_validate(room)


@use_case
def update_room(
    db: Session, *, actor: Actor, room_id: int, data: RoomInput, now: datetime
) -> RoomPublic:
    """Rename, deactivate (no new bookings in it; none may be left ahead) or reactivate a
    room."""
    actor.require("admin")
    room = room_row(db, clinic_id=actor.clinic_id, room_id=room_id)
    check_name_free(db, Room, clinic_id=actor.clinic_id, name=data.name, record_id=room.id)
    was_active = room.active
    if was_active and not data.active:
        _refuse_if_booked(db, room_id=room.id, now=now)
    room.name, room.active = data.name, data.active
    db.flush()
    action = change_action(was_active=was_active, active=data.active)
    audit.record(db, actor=actor, action=action, entity="room", entity_id=room.id)
    return RoomPublic.model_validate(room)


@use_case
def deactivate_room(db: Session, *, actor: Actor, room_id: int, now: datetime) -> None:
    """Rooms are deactivated, never deleted: past bookings keep naming them. Bookings still
    ahead must be moved first."""
    actor.require("admin")
    room = room_row(db, clinic_id=actor.clinic_id, room_id=room_id)
    _refuse_if_booked(db, room_id=room.id, now=now)
    room.active = False
    db.flush()
    audit.record(db, actor=actor, action="deactivate", entity="room", entity_id=room.id)


def _refuse_if_booked(db: Session, *, room_id: int, now: datetime) -> None:
    refuse_if_booked_ahead(
        db, column=Appointment.room_id, record_id=room_id, now=now, message=STILL_BOOKED
    )


def room_row(db: Session, *, clinic_id: int, room_id: int) -> Room:
    room = db.scalar(select(Room).where(Room.id == room_id, Room.clinic_id == clinic_id))
    if room is None:
        raise NotFound(N_("There is no such room in your clinic."))
    return room
