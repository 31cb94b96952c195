"""Patient pages: the searchable list, registering a patient, and the patient's page with
history, progress, plans and appointments (reception sees only the non-clinical part)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.services import appointments, consultations, patients, progress
from dorsum.web.charts import progress_svg
from dorsum.web.deps import SignedInDep, WriteDep
from dorsum.web.errors import field_errors
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request, who: SignedInDep, q: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    found = patients.find_patients(who.db, actor=who.signed_in(), query=q, limit=100)
    template = "_patient_rows.html.j2" if request.headers.get("hx-request") else "patients.html.j2"
    return render(request, who, template, found=found, q=q or "")


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_page(request: Request, who: SignedInDep) -> Response:
    return render(request, who, "patient_new.html.j2", values={}, errors=[])


@router.post("/patients", response_class=HTMLResponse)
def create_patient(
    request: Request,
    who: WriteDep,
    name: Annotated[str, Form(max_length=200)] = "",
    birth_date: Annotated[str, Form(max_length=10)] = "",
    sex: Annotated[str, Form(max_length=10)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    values = {"name": name, "birth_date": birth_date, "sex": sex, "email": email, "phone": phone}
    try:
        data = patients.PatientCreate.model_validate({k: v or None for k, v in values.items()})
    except ValidationError as error:
        return render(
            request,
            who,
            "patient_new.html.j2",
            status=422,
            values=values,
            errors=field_errors(error.errors()),
        )
    patient = patients.create_patient(who.db, actor=who.signed_in(), data=data)
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, who: SignedInDep, patient_id: RecordId) -> Response:
    actor = who.signed_in()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    booked = appointments.appointments(who.db, actor=actor, patient_id=patient_id)
    visits = (
        consultations.list_consultations(who.db, actor=actor, patient_id=patient_id)
        if actor.clinical
        else []
    )
    history = progress.visits_of(visits)
    chart = progress_svg(history, who.localizer) if len(history) > 1 else None
    return render(
        request,
        who,
        "patient.html.j2",
        patient=patient,
        appointments=booked,
        visits=visits,
        chart=chart,
        age=patients.age_on(patient.birth_date, who.today),
    )
