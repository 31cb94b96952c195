"""The JSON API of a clinic's resources: rooms, devices, staff, closures, treatment session
settings, and patients' unavailable days. Thin, like `api`: validate, call one service
function, return. Every role reads; only admins change resources (403 otherwise); another
clinic's ids answer 404. DELETE deactivates a room, device or staff member (past bookings
keep naming them), deletes a closure or a patient's period, and returns a treatment's settings
to the defaults."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from dorsum.core.dates import SupportedDate
from dorsum.services import closures, devices, rooms, staff, treatment_setups, unavailability
from dorsum.web.deps import KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.routes.api import ERRORS
from dorsum.web.routes.ids import RecordId

router = APIRouter(prefix="/api", tags=["resources"])
Treatment = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,60}$", max_length=60)]


def _done() -> Response:
    return Response(status_code=204)


# ---- rooms ----------------------------------------------------------------------------------


@router.get("/rooms", response_model=list[rooms.RoomPublic], responses=ERRORS)
def list_rooms(who: SignedInDep) -> list[rooms.RoomPublic]:
    return rooms.list_rooms(who.db, actor=who.signed_in())


@router.post("/rooms", status_code=201, response_model=rooms.RoomPublic, responses=ERRORS)
def create_room(data: rooms.RoomInput, who: WriteDep) -> rooms.RoomPublic:
    """Add a room (admins); its name must be new in the clinic."""
    return rooms.create_room(who.db, actor=who.signed_in(), data=data)


@router.get("/rooms/{room_id}", response_model=rooms.RoomPublic, responses=ERRORS)
def get_room(room_id: RecordId, who: SignedInDep) -> rooms.RoomPublic:
    return rooms.get_room(who.db, actor=who.signed_in(), room_id=room_id)


@router.put("/rooms/{room_id}", response_model=rooms.RoomPublic, responses=ERRORS)
def update_room(room_id: RecordId, data: rooms.RoomInput, who: WriteDep) -> rooms.RoomPublic:
    return rooms.update_room(who.db, actor=who.signed_in(), room_id=room_id, data=data, now=who.now)


@router.delete("/rooms/{room_id}", status_code=204, responses=ERRORS)
def deactivate_room(room_id: RecordId, who: WriteDep) -> Response:
    """Deactivate the room: no new bookings in it. Refused (422) while bookings are ahead."""
    rooms.deactivate_room(who.db, actor=who.signed_in(), room_id=room_id, now=who.now)
    return _done()


# ---- devices --------------------------------------------------------------------------------


@router.get("/devices", response_model=list[devices.DevicePublic], responses=ERRORS)
def list_devices(who: SignedInDep) -> list[devices.DevicePublic]:
    return devices.list_devices(who.db, actor=who.signed_in())


@router.post("/devices", status_code=201, response_model=devices.DevicePublic, responses=ERRORS)
def create_device(data: devices.DeviceInput, who: WriteDep) -> devices.DevicePublic:
    """Add a device of a known kind, usable in rooms of the clinic (admins)."""
    return devices.create_device(who.db, actor=who.signed_in(), data=data)


@router.get("/devices/{device_id}", response_model=devices.DevicePublic, responses=ERRORS)
def get_device(device_id: RecordId, who: SignedInDep) -> devices.DevicePublic:
    return devices.get_device(who.db, actor=who.signed_in(), device_id=device_id)


@router.put("/devices/{device_id}", response_model=devices.DevicePublic, responses=ERRORS)
def update_device(
    device_id: RecordId, data: devices.DeviceInput, who: WriteDep
) -> devices.DevicePublic:
    return devices.update_device(
        who.db, actor=who.signed_in(), device_id=device_id, data=data, now=who.now
    )


@router.delete("/devices/{device_id}", status_code=204, responses=ERRORS)
def deactivate_device(device_id: RecordId, who: WriteDep) -> Response:
    devices.deactivate_device(who.db, actor=who.signed_in(), device_id=device_id, now=who.now)
    return _done()


# ---- staff ----------------------------------------------------------------------------------


@router.get("/staff", response_model=list[staff.StaffPublic], responses=ERRORS)
def list_staff(who: SignedInDep) -> list[staff.StaffPublic]:
    return staff.list_staff(who.db, actor=who.signed_in())


@router.post("/staff", status_code=201, response_model=staff.StaffPublic, responses=ERRORS)
def create_staff(data: staff.StaffInput, who: WriteDep, index: KnowledgeDep) -> staff.StaffPublic:
    """Add a staff member (admins). Skills are treatments given in sessions; a physician-only
    one needs `physician`. The roster is written like the opening hours."""
    return staff.create_staff(who.db, actor=who.signed_in(), data=data, index=index)


@router.get("/staff/{staff_id}", response_model=staff.StaffPublic, responses=ERRORS)
def get_staff(staff_id: RecordId, who: SignedInDep) -> staff.StaffPublic:
    return staff.get_staff(who.db, actor=who.signed_in(), staff_id=staff_id)


@router.put("/staff/{staff_id}", response_model=staff.StaffPublic, responses=ERRORS)
def update_staff(
    staff_id: RecordId, data: staff.StaffInput, who: WriteDep, index: KnowledgeDep
) -> staff.StaffPublic:
    return staff.update_staff(
        who.db, actor=who.signed_in(), staff_id=staff_id, data=data, index=index, now=who.now
    )


@router.delete("/staff/{staff_id}", status_code=204, responses=ERRORS)
def deactivate_staff(staff_id: RecordId, who: WriteDep) -> Response:
    staff.deactivate_staff(who.db, actor=who.signed_in(), staff_id=staff_id, now=who.now)
    return _done()


# ---- closures -------------------------------------------------------------------------------


@router.get("/closures", response_model=list[closures.ClosurePublic], responses=ERRORS)
def list_closures(
    who: SignedInDep, since: Annotated[SupportedDate | None, Query()] = None
) -> list[closures.ClosurePublic]:
    """The clinic's closures; with `since`, those ending on or after that day."""
    return closures.list_closures(who.db, actor=who.signed_in(), since=since)


@router.post("/closures", status_code=201, response_model=closures.ClosurePublic, responses=ERRORS)
def create_closure(data: closures.ClosureInput, who: WriteDep) -> closures.ClosurePublic:
    """Close the whole clinic (no resource named) or one room, device or staff member."""
    return closures.create_closure(who.db, actor=who.signed_in(), data=data)


@router.get("/closures/{closure_id}", response_model=closures.ClosurePublic, responses=ERRORS)
def get_closure(closure_id: RecordId, who: SignedInDep) -> closures.ClosurePublic:
    return closures.get_closure(who.db, actor=who.signed_in(), closure_id=closure_id)


@router.put("/closures/{closure_id}", response_model=closures.ClosurePublic, responses=ERRORS)
def update_closure(
    closure_id: RecordId, data: closures.ClosureInput, who: WriteDep
) -> closures.ClosurePublic:
    return closures.update_closure(who.db, actor=who.signed_in(), closure_id=closure_id, data=data)


@router.delete("/closures/{closure_id}", status_code=204, responses=ERRORS)
def delete_closure(closure_id: RecordId, who: WriteDep) -> Response:
    closures.delete_closure(who.db, actor=who.signed_in(), closure_id=closure_id)
    return _done()


# ---- treatment session settings -------------------------------------------------------------


@router.get(
    "/treatment-setups",
    response_model=list[treatment_setups.TreatmentSetupPublic],
    responses=ERRORS,
)
def list_treatment_setups(
    who: SignedInDep, index: KnowledgeDep
) -> list[treatment_setups.TreatmentSetupPublic]:
    """Every treatment given in sessions: the clinic's settings (null: default) and defaults."""
    return treatment_setups.list_treatment_setups(who.db, actor=who.signed_in(), index=index)


@router.get(
    "/treatment-setups/{treatment}",
    response_model=treatment_setups.TreatmentSetupPublic,
    responses=ERRORS,
)
def get_treatment_setup(
    treatment: Treatment, who: SignedInDep, index: KnowledgeDep
) -> treatment_setups.TreatmentSetupPublic:
    return treatment_setups.get_treatment_setup(
        who.db, actor=who.signed_in(), treatment=treatment, index=index
    )


@router.put(
    "/treatment-setups/{treatment}",
    response_model=treatment_setups.TreatmentSetupPublic,
    responses=ERRORS,
)
def set_treatment_setup(
    treatment: Treatment,
    data: treatment_setups.TreatmentSetupInput,
    who: WriteDep,
    index: KnowledgeDep,
) -> treatment_setups.TreatmentSetupPublic:
    """Set the clinic's figures (admins); null keeps the default, "" as device kind: none."""
    return treatment_setups.set_treatment_setup(
        who.db, actor=who.signed_in(), treatment=treatment, data=data, index=index
    )


@router.delete("/treatment-setups/{treatment}", status_code=204, responses=ERRORS)
def reset_treatment_setup(treatment: Treatment, who: WriteDep, index: KnowledgeDep) -> Response:
    """Return the treatment to the defaults."""
    treatment_setups.set_treatment_setup(
        who.db,
        actor=who.signed_in(),
        treatment=treatment,
        data=treatment_setups.TreatmentSetupInput(),
        index=index,
    )
    return _done()


# ---- a patient's unavailable days -----------------------------------------------------------


@router.get(
    "/patients/{patient_id}/unavailability",
    response_model=list[unavailability.UnavailabilityPublic],
    responses=ERRORS,
)
def list_unavailability(
    patient_id: RecordId, who: SignedInDep
) -> list[unavailability.UnavailabilityPublic]:
    return unavailability.list_unavailability(who.db, actor=who.signed_in(), patient_id=patient_id)


@router.post(
    "/patients/{patient_id}/unavailability",
    status_code=201,
    response_model=unavailability.UnavailabilityPublic,
    responses=ERRORS,
)
def add_unavailability(
    patient_id: RecordId, data: unavailability.UnavailabilityInput, who: WriteDep
) -> unavailability.UnavailabilityPublic:
    """Record days the patient cannot come ("unavailable") or will be in strong sun ("sun")."""
    return unavailability.add_unavailability(
        who.db, actor=who.signed_in(), patient_id=patient_id, data=data
    )


@router.put(
    "/patients/{patient_id}/unavailability/{period_id}",
    response_model=unavailability.UnavailabilityPublic,
    responses=ERRORS,
)
def update_unavailability(
    patient_id: RecordId,
    period_id: RecordId,
    data: unavailability.UnavailabilityInput,
    who: WriteDep,
) -> unavailability.UnavailabilityPublic:
    return unavailability.update_unavailability(
        who.db, actor=who.signed_in(), patient_id=patient_id, period_id=period_id, data=data
    )


@router.delete(
    "/patients/{patient_id}/unavailability/{period_id}", status_code=204, responses=ERRORS
)
def remove_unavailability(patient_id: RecordId, period_id: RecordId, who: WriteDep) -> Response:
    unavailability.remove_unavailability(
        who.db, actor=who.signed_in(), patient_id=patient_id, period_id=period_id
    )
    return _done()
