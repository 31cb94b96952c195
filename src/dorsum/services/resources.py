"""What a clinic books with: rooms (`rooms`), devices (`devices`), staff (`staff`), closures
and holidays (`closures`) and its treatment session settings (`treatment_setups`); the
scheduler reads them all at once through `clinic_resources`.

Every role of the clinic may read them (reception books with them); only an admin changes
them, and every change is audited. Records of another clinic look absent (NotFound). This
module holds what the five share: the field types and the checks on names and ids.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.scheduling.needs import DEVICE_KINDS
from dorsum.services.actors import ROLES, Actor
from dorsum.services.errors import InvalidInput

# audit entity names, marked so the audit page can word them
ENTITIES = (
    N_("room"),
    N_("device"),
    N_("staff"),
    N_("closure"),
    N_("treatment_setup"),
    N_("unavailability"),
)
MAX_ID = 2_147_483_647


def refuse_nul(value: str) -> str:
    """NUL characters are refused: PostgreSQL cannot store them."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


ResourceId = Annotated[int, Field(ge=1, le=MAX_ID)]
# like `dorsum.services.text.Name`, sized to the columns (a room's or device's name, a reason)
ResourceName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(refuse_nul),
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(refuse_nul)
]


def one_of(allowed: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "literal_error", "Input should be one of {expected}", {"expected": allowed}
            )
        return value

    return AfterValidator(check)


DeviceKind = Annotated[
    str,
    StringConstraints(max_length=40),
    one_of(DEVICE_KINDS),
    WithJsonSchema({"type": "string", "enum": list(DEVICE_KINDS)}),
]
# a treatment's id as the knowledge base writes it; whether it is booked is the service's check
TreatmentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,60}$", max_length=60)]


def require_reader(actor: Actor) -> None:
    """Any role of the clinic may read its resources: reception books with them."""
    actor.require(*ROLES)


def check_name_free(
    db: Session, table: Any, *, clinic_id: int, name: str, record_id: int | None = None
) -> None:
    """Names are unique per clinic (case aside), so a list or a booking never shows two
    "Room 1"; the refusal names the field."""
    # compared here, not in SQL: SQLite's lower() folds only ASCII ("Sala Ñ" and "sala ñ")
    named = db.execute(select(table.id, table.name).where(table.clinic_id == clinic_id))
    wanted = name.casefold()
    if any(other.casefold() == wanted and owner != record_id for owner, other in named):
        raise InvalidInput(
            N_("The clinic already has one called “%(name)s”. Choose another name."),
            field="name",
            name=name,
        )


def change_action(*, was_active: bool, active: bool) -> str:
    """The audit action of an edit: a switch on or off shows as such in the log."""
    if was_active == active:
        return "update"
    return "activate" if active else "deactivate"
