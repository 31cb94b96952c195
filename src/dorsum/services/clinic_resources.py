"""Everything a clinic books with, read at once as plain frozen values for the scheduler,
which never touches the database: the active rooms, devices (with their active rooms), staff
(with skills, physician flag and roster text), the closures and the session settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.scheduling.needs import Setting
from dorsum.services.treatment_setups import clinic_settings
from dorsum.storage.tables import Closure, Device, Room, StaffMember


@dataclass(frozen=True, slots=True)
class RoomInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    name: str
    kind: str
    room_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: int
    name: str
    physician: bool
    skills: frozenset[str]
    roster: str  # read with dorsum.services.opening_hours.OpeningHours.parse
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ClosureInfo:
    """Inclusive days; the whole clinic when it names no room, device or staff member."""

    id: int
    starts_on: date
    ends_on: date
    room_id: int | None = None
    device_id: int | None = None
    staff_id: int | None = None
    reason: str = ""

    @property
    def whole_clinic(self) -> bool:
        return self.room_id is None and self.device_id is None and self.staff_id is None


@dataclass(frozen=True, slots=True)
class ClinicResources:
    rooms: tuple[RoomInfo, ...] = ()
    devices: tuple[DeviceInfo, ...] = ()
    staff: tuple[StaffInfo, ...] = ()
    closures: tuple[ClosureInfo, ...] = ()
    settings: dict[str, Setting] = field(default_factory=dict)  # as session_needs reads them


def clinic_resources(db: Session, clinic_id: int, *, since: date | None = None) -> ClinicResources:
    """The clinic's active resources; closures of every resource (or, with `since`, those
    ending on or after it), so a closure of a deactivated room simply matches nothing."""
    rooms = tuple(
        RoomInfo(id=room.id, name=room.name)
        for room in db.scalars(
            select(Room).where(Room.clinic_id == clinic_id, Room.active.is_(True)).order_by(Room.id)
        )
    )
    active_rooms = {room.id for room in rooms}
    return ClinicResources(
        rooms=rooms,
        devices=_devices(db, clinic_id, active_rooms),
        staff=_staff(db, clinic_id),
        closures=_closures(db, clinic_id, since),
        settings=clinic_settings(db, clinic_id=clinic_id),
    )


def _devices(db: Session, clinic_id: int, active_rooms: set[int]) -> tuple[DeviceInfo, ...]:
    query = (
        select(Device)
        .where(Device.clinic_id == clinic_id, Device.active.is_(True))
        .order_by(Device.id)
    )
    return tuple(
        DeviceInfo(
            id=device.id,
            name=device.name,
            kind=device.kind,
            room_ids=tuple(room.id for room in device.rooms if room.id in active_rooms),
        )
        for device in db.scalars(query)
    )


def _staff(db: Session, clinic_id: int) -> tuple[StaffInfo, ...]:
    query = (
        select(StaffMember)
        .where(StaffMember.clinic_id == clinic_id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    )
    return tuple(
        StaffInfo(
            id=member.id,
            name=member.name,
            physician=member.physician,
            skills=frozenset((member.skills or {}).get("treatments", [])),
            roster=member.roster,
            user_id=member.user_id,
        )
        for member in db.scalars(query)
    )


def _closures(db: Session, clinic_id: int, since: date | None) -> tuple[ClosureInfo, ...]:
    query = select(Closure).where(Closure.clinic_id == clinic_id)
    if since is not None:
        query = query.where(Closure.ends_on >= since)
    return tuple(
        ClosureInfo(
            id=row.id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            room_id=row.room_id,
            device_id=row.device_id,
            staff_id=row.staff_id,
            reason=row.reason,
        )
        for row in db.scalars(query.order_by(Closure.starts_on, Closure.id))
    )
