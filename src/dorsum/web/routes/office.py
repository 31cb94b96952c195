"""Reception and administration: appointments, public booking requests, users and the audit
log. Reception books but never sees clinical detail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.services import appointments, audit, patients, users
from dorsum.services.actors import Role
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import SignedInDep, WriteDep
from dorsum.web.errors import field_errors
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)


def _book_page(
    request: Request, who: Caller, problems: list[dict[str, str]] | None = None
) -> Response:
    """The appointment book from yesterday on, and the form to book (with its problems)."""
    actor = who.signed_in()
    upcoming = appointments.appointments(who.db, actor=actor, after=who.now - timedelta(days=1))
    everyone = patients.find_patients(who.db, actor=actor, limit=200).patients
    return render(
        request,
        who,
        "appointments.html.j2",
        status=422 if problems else 200,
        upcoming=upcoming,
        patients=everyone,
        errors=problems or [],
    )


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(request: Request, who: SignedInDep) -> Response:
    return _book_page(request, who)


@router.post("/appointments", response_class=HTMLResponse)
def book(
    request: Request,
    who: WriteDep,
    patient_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    starts_at: Annotated[str, Form(max_length=30)],
    minutes: Annotated[int, Form(ge=5, le=480)] = 30,
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    actor = who.signed_in()
    try:
        when = datetime.fromisoformat(starts_at)
        data = appointments.AppointmentCreate(
            patient_id=patient_id, starts_at=when, minutes=minutes, purpose=purpose
        )
    except ValueError as error:
        problems = (
            field_errors(error.errors())
            if isinstance(error, ValidationError)
            else [{"field": "starts_at", "message": "must be a date and time"}]
        )
        return _book_page(request, who, problems)
    appointments.book(who.db, actor=actor, data=data)
    return RedirectResponse("/appointments", status_code=303)


@router.get("/requests", response_class=HTMLResponse)
def booking_requests(request: Request, who: SignedInDep) -> Response:
    requests = appointments.booking_requests(who.db, actor=who.signed_in())
    return render(request, who, "requests.html.j2", requests=requests)


@router.post("/requests/{request_id}/handled")
def mark_handled(who: WriteDep, request_id: RecordId) -> Response:
    appointments.mark_handled(who.db, actor=who.signed_in(), request_id=request_id)
    return RedirectResponse("/requests", status_code=303)


def _admin_page(request: Request, who: Caller, error: str | None = None) -> Response:
    actor = who.signed_in()
    return render(
        request,
        who,
        "admin.html.j2",
        status=422 if error else 200,
        users=users.list_users(who.db, actor=actor),
        entries=audit.entries(who.db, actor=actor),
        error=error,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, who: SignedInDep) -> Response:
    return _admin_page(request, who)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    who: WriteDep,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
) -> Response:
    actor = who.signed_in()
    try:
        users.add_user(who.db, actor=actor, email=email, name=name, password=password, role=role)
    except InvalidInput as error:
        return _admin_page(request, who, str(error))
    return RedirectResponse("/admin", status_code=303)
