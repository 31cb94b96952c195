"""The page "Rooms, devices and staff": rooms, devices, staff, closures and holidays, and the
treatment session settings. Every role may look (reception books with them); an admin adds
and edits. Each section's form keeps what was typed when something is refused and shows the
problem next to its field; the fields are named by section (`room_name`, `staff_roster`, ...)
so that one page holds them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.scheduling.needs import DEVICE_KINDS
from dorsum.services import closures, devices, rooms, staff, treatment_setups, users
from dorsum.services.errors import InvalidInput
from dorsum.services.resources import MAX_ID
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.resource_forms import (
    closure_input,
    device_input,
    prefixed_problems,
    room_input,
    setup_input,
    setup_values,
    staff_input,
    typed,
    worded,
)
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/resources"
Editing = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _page(
    request: Request,
    who: Caller,
    index: KnowledgeIndex,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Problem] | None = None,
    editing: tuple[str, int] | None = None,
    refused: str | None = None,
) -> Response:
    """The page; `refused` names the section whose form was refused, shown as typed."""
    actor = who.signed_in()
    setups = treatment_setups.list_treatment_setups(who.db, actor=actor, index=index)
    found_rooms = rooms.list_rooms(who.db, actor=actor)
    found_devices = devices.list_devices(who.db, actor=actor)
    found_staff = staff.list_staff(who.db, actor=actor)
    return render(
        request,
        who,
        "resources.html.j2",
        status=422 if errors else 200,
        rooms=found_rooms,
        devices=found_devices,
        staff=found_staff,
        room_names={room.id: room.name for room in found_rooms},
        device_names={device.id: device.name for device in found_devices},
        staff_names={member.id: member.name for member in found_staff},
        closures=closures.list_closures(who.db, actor=actor, since=who.today),
        setups=setups,
        users=users.list_users(who.db, actor=actor) if actor.role == "admin" else [],
        kinds=DEVICE_KINDS,
        treatment_names={s.treatment: index.treatments[s.treatment].name for s in setups},
        values={**setup_values(setups), **(values or {})},
        errors=worded(errors or {}, who.localizer),
        editing=editing,
        refused=refused,
    )


@router.get("/resources", response_class=HTMLResponse)
def resources_page(
    request: Request,
    who: SignedInDep,
    index: KnowledgeDep,
    room: Editing = None,
    device: Editing = None,
    member: Editing = None,
) -> Response:
    """The page; `?room=`, `?device=` or `?member=` opens that record in its section's form."""
    actor = who.signed_in()
    if room is not None:
        found = rooms.get_room(who.db, actor=actor, room_id=room).model_dump()
        return _page(request, who, index, values=_prefixed("room", found), editing=("room", room))
    if device is not None:
        shown = devices.get_device(who.db, actor=actor, device_id=device).model_dump()
        values = _prefixed("device", {**shown, "room_ids": [str(i) for i in shown["room_ids"]]})
        return _page(request, who, index, values=values, editing=("device", device))
    if member is not None:
        shown = staff.get_staff(who.db, actor=actor, staff_id=member).model_dump()
        values = _prefixed("staff", {**shown, "user_id": str(shown["user_id"] or "")})
        return _page(request, who, index, values=values, editing=("staff", member))
    return _page(request, who, index)


@router.post("/resources/closures", response_class=HTMLResponse)
def add_closure(request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep) -> Response:
    def save() -> object:
        data = closure_input(form)
        return closures.create_closure(who.db, actor=who.signed_in(), data=data)

    return _saved(request, who, index, form, section="closure", record_id=None, save=save)


@router.post("/resources/closures/{closure_id}/delete", response_class=HTMLResponse)
def delete_closure(who: WriteDep, closure_id: RecordId) -> Response:
    closures.delete_closure(who.db, actor=who.signed_in(), closure_id=closure_id)
    return RedirectResponse(f"{PAGE}?saved=closure#closures", status_code=303)


@router.post("/resources/treatments/{treatment}", response_class=HTMLResponse)
def save_setup(
    request: Request,
    form: FormDep,
    who: WriteDep,
    index: KnowledgeDep,
    treatment: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,60}$")],
) -> Response:
    def save() -> object:
        data = setup_input(form, treatment)
        return treatment_setups.set_treatment_setup(
            who.db, actor=who.signed_in(), treatment=treatment, data=data, index=index
        )

    return _saved(request, who, index, form, section=treatment, record_id=None, save=save)


# ---- rooms, devices and staff: each added with its form, or edited (`/resources/{kind}/{id}`)

Kind = Literal["rooms", "devices", "staff"]
Saver = Callable[[Caller, FormData, KnowledgeIndex, "int | None"], object]


def _save_room(
    who: Caller, form: FormData, _index: KnowledgeIndex, record_id: int | None
) -> object:
    actor, data = who.signed_in(), room_input(form, editing=record_id is not None)
    if record_id is None:
        return rooms.create_room(who.db, actor=actor, data=data)
    return rooms.update_room(who.db, actor=actor, room_id=record_id, data=data, now=who.now)


def _save_device(
    who: Caller, form: FormData, _index: KnowledgeIndex, record_id: int | None
) -> object:
    actor, data = who.signed_in(), device_input(form, editing=record_id is not None)
    if record_id is None:
        return devices.create_device(who.db, actor=actor, data=data)
    return devices.update_device(who.db, actor=actor, device_id=record_id, data=data, now=who.now)


def _save_staff(
    who: Caller, form: FormData, index: KnowledgeIndex, record_id: int | None
) -> object:
    actor, data = who.signed_in(), staff_input(form, editing=record_id is not None)
    if record_id is None:
        return staff.create_staff(who.db, actor=actor, data=data, index=index)
    return staff.update_staff(
        who.db, actor=actor, staff_id=record_id, data=data, index=index, now=who.now
    )


# the page's kind, its form's section (the fields' prefix), and how it is saved
KINDS: dict[str, tuple[str, Saver]] = {
    "rooms": ("room", _save_room),
    "devices": ("device", _save_device),
    "staff": ("staff", _save_staff),
}


@router.post("/resources/{kind}", response_class=HTMLResponse)
def add_record(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, kind: Kind
) -> Response:
    return _record(request, form, who, index, kind, None)


@router.post("/resources/{kind}/{record_id}", response_class=HTMLResponse)
def edit_record(
    request: Request,
    form: FormDep,
    who: WriteDep,
    index: KnowledgeDep,
    kind: Kind,
    record_id: RecordId,
) -> Response:
    return _record(request, form, who, index, kind, record_id)


def _record(
    request: Request,
    form: FormData,
    who: Caller,
    index: KnowledgeIndex,
    kind: str,
    record_id: int | None,
) -> Response:
    section, saver = KINDS[kind]
    return _saved(
        request,
        who,
        index,
        form,
        section=section,
        record_id=record_id,
        save=lambda: saver(who, form, index, record_id),
    )


def _saved(
    request: Request,
    who: Caller,
    index: KnowledgeIndex,
    form: FormData,
    *,
    section: str,
    record_id: int | None,
    save: Callable[[], object],
) -> Response:
    """Save one section's form; a refusal shows the page again as typed, the problem next to
    its field."""
    try:
        save()
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        editing = (section, record_id) if record_id is not None else None
        problems = prefixed_problems(section, refusal(error))
        return _page(
            request,
            who,
            index,
            values=typed(form),
            errors=problems,
            editing=editing,
            refused=section,
        )
    return RedirectResponse(f"{PAGE}?saved={section}", status_code=303)


def _prefixed(section: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{section}_{name}": value for name, value in values.items()}
