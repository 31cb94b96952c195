"""The JSON API of booking: a plan's proposed series, accepting it, moving a session and
marking a no-show. Thin: validate, call one booking service, return. A refusal is 422 with
`reasons`, each a sentence in the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from dorsum.core.dates import SupportedDateTime
from dorsum.services import booking, moves
from dorsum.services.appointments import MAX_ID, AppointmentPublic
from dorsum.services.booking import Proposal, SessionChoice
from dorsum.services.booking_checks import BookingRefused
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem
from dorsum.web.routes.api import ERRORS
from dorsum.web.routes.appointments import booking_rules
from dorsum.web.routes.ids import RecordId

router = APIRouter(prefix="/api", tags=["booking"])


class SessionBooking(SessionChoice):
    """A session to book, at a time within the supported years."""

    model_config = ConfigDict(extra="forbid")
    starts_at: SupportedDateTime


class SessionMove(BaseModel):
    """Where a booking goes; a resource left out stays as booked."""

    model_config = ConfigDict(extra="forbid")
    starts_at: SupportedDateTime
    room_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    device_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected: SupportedDateTime | None = Field(
        default=None,
        description="Where the booking was when the caller read it; 409 if it has moved since.",
    )


def _refused(reasons: list[str]) -> JSONResponse:
    return JSONResponse({"detail": " ".join(reasons), "reasons": reasons}, status_code=422)


def _worded(who: Caller, error: InvalidInput) -> list[str]:
    return [Problem(error.field or "body", error.message, error.values).text(who.localizer)]


@router.get("/plans/{plan_id}/proposal", response_model=Proposal, responses=ERRORS)
def proposal(
    request: Request, plan_id: RecordId, who: SignedInDep, index: KnowledgeDep
) -> Proposal:
    """Dates for the plan's sessions still to book; nothing is stored."""
    return booking.propose_plan(
        who.db,
        actor=who.signed_in(),
        plan_id=plan_id,
        index=index,
        rules=booking_rules(request),
        today=who.today,
        language=who.language,
    )


@router.post(
    "/plans/{plan_id}/bookings",
    status_code=201,
    response_model=list[AppointmentPublic],
    responses=ERRORS,
)
def book_plan(
    request: Request,
    plan_id: RecordId,
    sessions: Annotated[list[SessionBooking], Body(max_length=100)],
    who: WriteDep,
    index: KnowledgeDep,
) -> Response | list[AppointmentPublic]:
    """Book the sessions, all or none; 422 with every reason when they break a constraint."""
    rules = booking_rules(request)
    try:
        return booking.accept_plan(
            who.db,
            actor=who.signed_in(),
            plan_id=plan_id,
            sessions=list(sessions),
            index=index,
            rules=rules,
            now=who.now,
            language=who.language,
        )
    except BookingRefused as refused:
        who.db.rollback()
        return _refused(refused.reasons)
    except InvalidInput as error:
        who.db.rollback()
        return _refused(_worded(who, error))


@router.post(
    "/appointments/{appointment_id}/move", response_model=AppointmentPublic, responses=ERRORS
)
def move(
    request: Request,
    appointment_id: RecordId,
    data: SessionMove,
    who: WriteDep,
    index: KnowledgeDep,
) -> Response | AppointmentPublic:
    """Move a booking, checked like the optimiser's bookings; 422 with every reason if not."""
    rules = booking_rules(request)
    try:
        return moves.move_session(
            who.db,
            actor=who.signed_in(),
            appointment_id=appointment_id,
            starts_at=data.starts_at,
            room_id=data.room_id,
            staff_id=data.staff_id,
            device_id=data.device_id,
            expected=data.expected,
            index=index,
            rules=rules,
            now=who.now,
            language=who.language,
        )
    except BookingRefused as refused:
        who.db.rollback()
        return _refused(refused.reasons)
    except InvalidInput as error:
        who.db.rollback()
        return _refused(_worded(who, error))


@router.post(
    "/appointments/{appointment_id}/no-show", response_model=AppointmentPublic, responses=ERRORS
)
def no_show(appointment_id: RecordId, who: WriteDep) -> Response | AppointmentPublic:
    """The patient did not come; refused (422) before the session's time."""
    try:
        return moves.mark_no_show(
            who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now
        )
    except InvalidInput as error:
        who.db.rollback()
        return _refused(_worded(who, error))
