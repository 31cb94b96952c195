"""Devices (a cryolipolysis applicator, an ablative laser): their kind, from
`dorsum.scheduling.needs.DEVICE_KINDS`, and the rooms they can be used in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.deactivation import refuse_if_booked_ahead
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.resources import (
    DeviceKind,
    ResourceId,
    ResourceName,
    change_action,
    check_name_free,
    require_reader,
)
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment, Device, Room

MAX_ROOMS = 100
STILL_BOOKED = N_(
    "Bookings ahead with this device: %(count)s. "
    "Move them to another device (or cancel them) first, then deactivate it."
)
NO_ROOM = N_("Choose at least one room the device can be used in.")


class DeviceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ResourceName
    kind: DeviceKind
    room_ids: list[ResourceId] = Field(default_factory=list, max_length=MAX_ROOMS)
    active: bool = True


class DevicePublic(BaseModel):
    id: int
    name: str
    kind: str
    room_ids: list[int]
    active: bool


def list_devices(db: Session, *, actor: Actor) -> list[DevicePublic]:
    """The clinic's devices, active ones first, each with the rooms it can be used in."""
    require_reader(actor)
    rows = db.scalars(
        select(Device)
        .where(Device.clinic_id == actor.clinic_id)
        .order_by(Device.active.desc(), Device.id)
    )
    return [_public(row) for row in rows]


def get_device(db: Session, *, actor: Actor, device_id: int) -> DevicePublic:
    require_reader(actor)
    return _public(device_row(db, clinic_id=actor.clinic_id, device_id=device_id))


@use_case
def create_device(db: Session, *, actor: Actor, data: DeviceInput) -> DevicePublic:
    actor.require("admin")
    check_name_free(db, Device, clinic_id=actor.clinic_id, name=data.name)
    device = Device(clinic_id=actor.clinic_id, name=data.name, kind=data.kind, active=data.active)
    device.rooms = _rooms(db, clinic_id=actor.clinic_id, room_ids=data.room_ids)
    db.add(device)
    db.flush()
    audit.record(db, actor=actor, action="create", entity="device", entity_id=device.id)
    return _public(device)


@use_case
def update_device(
    db: Session, *, actor: Actor, device_id: int, data: DeviceInput, now: datetime
) -> DevicePublic:
    """Rename, change the kind or the rooms, deactivate (none of its bookings left ahead) or
    reactivate a device."""
    actor.require("admin")
    device = device_row(db, clinic_id=actor.clinic_id, device_id=device_id)
    check_name_free(db, Device, clinic_id=actor.clinic_id, name=data.name, record_id=device.id)
    if device.active and not data.active:
        _refuse_if_booked(db, device_id=device.id, now=now)
    action = change_action(was_active=device.active, active=data.active)
    device.name, device.kind, device.active = data.name, data.kind, data.active
    device.rooms = _rooms(db, clinic_id=actor.clinic_id, room_ids=data.room_ids)
    db.flush()
    audit.record(db, actor=actor, action=action, entity="device", entity_id=device.id)
    return _public(device)


@use_case
def deactivate_device(db: Session, *, actor: Actor, device_id: int, now: datetime) -> None:
    """Devices are deactivated, never deleted: past bookings keep naming them. Bookings still
    ahead must be moved first."""
    actor.require("admin")
    device = device_row(db, clinic_id=actor.clinic_id, device_id=device_id)
    _refuse_if_booked(db, device_id=device.id, now=now)
    device.active = False
    db.flush()
    audit.record(db, actor=actor, action="deactivate", entity="device", entity_id=device.id)


def _refuse_if_booked(db: Session, *, device_id: int, now: datetime) -> None:
    refuse_if_booked_ahead(
        db, column=Appointment.device_id, record_id=device_id, now=now, message=STILL_BOOKED
    )


def device_row(db: Session, *, clinic_id: int, device_id: int) -> Device:
    device = db.scalar(select(Device).where(Device.id == device_id, Device.clinic_id == clinic_id))
    if device is None:
        raise NotFound(N_("There is no such device in your clinic."))
    return device


def _rooms(db: Session, *, clinic_id: int, room_ids: list[int]) -> list[Room]:
    """The clinic's rooms with these ids, at least one (a device used nowhere could never be
    booked); another clinic's id is refused like a missing one."""
    wanted = set(room_ids)
    if not wanted:
        raise InvalidInput(NO_ROOM, field="room_ids")
    rooms = list(db.scalars(select(Room).where(Room.clinic_id == clinic_id, Room.id.in_(wanted))))
    if len(rooms) != len(wanted):
        raise InvalidInput(N_("Choose rooms of your clinic."), field="room_ids")
    return sorted(rooms, key=lambda room: room.id)


def _public(device: Device) -> DevicePublic:
    return DevicePublic(
        id=device.id,
        name=device.name,
        kind=device.kind,
        room_ids=[room.id for room in device.rooms],
        active=device.active,
    )
