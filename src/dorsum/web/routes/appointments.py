"""The appointment book for reception: book (from a patient's page, that patient is already
chosen), see what is coming, move or cancel a booking. Every refusal says why, next to the
field, and keeps what was typed. Times are the clinic's local time."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.services import appointments, patients
from dorsum.services.appointments import BookingRules
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
BOOKING_FIELDS = ("patient_id", "starts_at", "minutes", "purpose")


def booking_rules(request: Request) -> BookingRules:
    settings = request.app.state.settings
    return BookingRules(
        timezone=settings.zone, hours=settings.hours, horizon_days=settings.booking_horizon_days
    )


def _book_page(
    request: Request,
    who: Caller,
    *,
    values: dict[str, Any],
    errors: dict[str, Problem] | None = None,
) -> Response:
    """The book from the start of today on, and the form to book (with its problems)."""
    actor = who.signed_in()
    midnight = datetime.combine(who.today, time(0), tzinfo=who.zone)
    upcoming = appointments.appointments(who.db, actor=actor, after=midnight)
    everyone = patients.find_patients(who.db, actor=actor, limit=200).patients
    chosen = str(values.get("patient_id") or "")
    if chosen.isdigit() and len(chosen) < 10 and all(str(p.id) != chosen for p in everyone):
        try:  # a patient not among the newest 200 is still offered when asked for
            everyone.insert(0, patients.get_patient(who.db, actor=actor, patient_id=int(chosen)))
        except Exception:
            who.db.rollback()
    return render(
        request,
        who,
        "appointments.html.j2",
        status=422 if errors else 200,
        upcoming=upcoming,
        patients=everyone,
        values=values,
        errors=errors or {},
        hours=request.app.state.settings.hours.describe(),
    )


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request,
    who: SignedInDep,
    patient_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    values = {"patient_id": patient_id or "", "minutes": 30}
    return _book_page(request, who, values=values)


def _form_values(form: Any) -> dict[str, Any]:
    return {name: str(form.get(name) or "").strip() for name in BOOKING_FIELDS}


@router.post("/appointments", response_class=HTMLResponse)
def book(request: Request, form: FormDep, who: WriteDep) -> Response:
    values = _form_values(form)
    try:
        data = appointments.AppointmentCreate.model_validate(
            {**values, "minutes": values["minutes"] or 30}
        )
        appointments.book(
            who.db, actor=who.signed_in(), data=data, rules=booking_rules(request), now=who.now
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _book_page(request, who, values=values, errors=refusal(error))
    return RedirectResponse("/appointments?booked=1", status_code=303)


def _edit_page(
    request: Request,
    who: Caller,
    appointment_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    found = appointments.get_appointment(
        who.db, actor=who.signed_in(), appointment_id=appointment_id
    )
    local = who.local(found.starts_at)
    shown = values or {"starts_at": local.strftime("%Y-%m-%dT%H:%M"), "minutes": found.minutes}
    return render(
        request,
        who,
        "appointment.html.j2",
        status=422 if errors else 200,
        appointment=found,
        values=shown,
        errors=errors or {},
        hours=request.app.state.settings.hours.describe(),
    )


@router.get("/appointments/{appointment_id}", response_class=HTMLResponse)
def appointment_page(request: Request, who: SignedInDep, appointment_id: RecordId) -> Response:
    return _edit_page(request, who, appointment_id)


@router.post("/appointments/{appointment_id}/move", response_class=HTMLResponse)
def move(request: Request, form: FormDep, who: WriteDep, appointment_id: RecordId) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in ("starts_at", "minutes")}
    try:
        data = appointments.AppointmentMove.model_validate(
            {"starts_at": values["starts_at"], "minutes": values["minutes"] or None}
        )
        appointments.reschedule(
            who.db,
            actor=who.signed_in(),
            appointment_id=appointment_id,
            data=data,
            rules=booking_rules(request),
            now=who.now,
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _edit_page(request, who, appointment_id, values=values, errors=refusal(error))
    return RedirectResponse("/appointments?moved=1", status_code=303)


@router.post("/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(who: WriteDep, appointment_id: RecordId) -> Response:
    appointments.cancel(who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now)
    return RedirectResponse("/appointments?cancelled=1", status_code=303)
