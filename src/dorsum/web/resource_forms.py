"""The forms of the resources page, read into the services' inputs. Every field is named by
its section (`room_name`, `device_room_ids`, `<treatment>_session_minutes`), so one page
holds all the forms and each problem finds its field."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from dorsum.i18n import N_, Localizer
from dorsum.services.closures import RESOURCES, ClosureInput
from dorsum.services.devices import DeviceInput
from dorsum.services.errors import InvalidInput
from dorsum.services.rooms import RoomInput
from dorsum.services.staff import StaffInput
from dorsum.services.treatment_setups import TreatmentSetupInput, TreatmentSetupPublic
from dorsum.web.problems import Problem

LISTS = frozenset({"device_room_ids", "staff_skills"})  # groups of boxes
NO_DEVICE = "none"  # the settings' choice "without a device" (stored as "")


def typed(form: FormData) -> dict[str, Any]:
    """The form as typed, to show again: text as sent, a list for a group of boxes."""
    return {
        key: [str(v) for v in form.getlist(key)] if key in LISTS else str(form.get(key) or "")
        for key in form
    }


def room_input(form: FormData, *, editing: bool) -> RoomInput:
    return RoomInput.model_validate(
        {"name": _text(form, "room_name"), "active": _active(form, "room", editing)}
    )


def device_input(form: FormData, *, editing: bool) -> DeviceInput:
    return DeviceInput.model_validate(
        {
            "name": _text(form, "device_name"),
            "kind": _text(form, "device_kind"),
            "room_ids": form.getlist("device_room_ids"),
            "active": _active(form, "device", editing),
        }
    )


def staff_input(form: FormData, *, editing: bool) -> StaffInput:
    return StaffInput.model_validate(
        {
            "name": _text(form, "staff_name"),
            "user_id": _text(form, "staff_user_id") or None,
            "physician": bool(form.get("staff_physician")),
            "skills": form.getlist("staff_skills"),
            "roster": _text(form, "staff_roster"),
            "active": _active(form, "staff", editing),
        }
    )


def closure_input(form: FormData) -> ClosureInput:
    """The closure's days and reason, and the one resource it names ("room:3"), if any."""
    values: dict[str, Any] = {"reason": _text(form, "closure_reason")}
    for name in ("starts_on", "ends_on"):
        if day := _text(form, f"closure_{name}"):
            values[name] = day
    resource = _text(form, "closure_resource")
    if resource:
        kind, _, record = resource.partition(":")
        if f"{kind}_id" not in RESOURCES or not record:
            raise InvalidInput(N_("Choose one of the options."), field="resource")
        values[f"{kind}_id"] = record
    return ClosureInput.model_validate(values)


def setup_input(form: FormData, treatment: str) -> TreatmentSetupInput:
    """One treatment's settings; a blank keeps the default."""
    values: dict[str, Any] = {
        name: _text(form, f"{treatment}_{name}") or None
        for name in TreatmentSetupInput.model_fields
    }
    if values["device_kind"] == NO_DEVICE:
        values["device_kind"] = ""
    return TreatmentSetupInput.model_validate(values)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _active(form: FormData, section: str, editing: bool) -> bool:
    """A new record is active; an edited one is as its box says."""
    return bool(form.get(f"{section}_active")) if editing else True


# a closure names its resource in one select, "resource"; the service names the id field
_CLOSURE_FIELDS = {"room_id": "resource", "device_id": "resource", "staff_id": "resource"}


def prefixed_problems(section: str, problems: dict[str, Problem]) -> dict[str, Problem]:
    """A section's problems at its form's fields (`name` → `room_name`)."""
    renamed: dict[str, Problem] = {}
    for name, problem in problems.items():
        field = _CLOSURE_FIELDS.get(name, name) if section == "closure" else name
        key = f"{section}_{field}"
        renamed.setdefault(key, Problem(key, problem.message, problem.values))
    return renamed


def worded(problems: dict[str, Problem], loc: Localizer) -> dict[str, Problem]:
    """A treatment a problem names, in the reader's language (the services name it in the
    knowledge base's English)."""
    return {
        key: Problem(
            problem.field,
            problem.message,
            {
                name: loc.kb(str(value)) if name == "treatment" else value
                for name, value in problem.values.items()
            },
        )
        for key, problem in problems.items()
    }


def setup_values(setups: list[TreatmentSetupPublic]) -> dict[str, Any]:
    """What each treatment's settings row shows: the clinic's figures (blank: the default)."""
    values: dict[str, Any] = {}
    for setup in setups:
        for name in TreatmentSetupInput.model_fields:
            value = getattr(setup, name)
            shown = NO_DEVICE if name == "device_kind" and value == "" else value
            values[f"{setup.treatment}_{name}"] = "" if shown is None else str(shown)
    return values
