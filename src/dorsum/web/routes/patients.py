"""Patient pages: the searchable list, registering a patient, the patient's page with history,
progress, plans and appointments (reception sees only the non-clinical part), and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_
from dorsum.services import (
    appointments,
    booking,
    consents,
    consultations,
    erasure,
    patients,
    progress,
    unavailability,
)
from dorsum.services.consent_purposes import LABELS
from dorsum.services.errors import InvalidInput
from dorsum.web.charts import progress_svg
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, PhotoStoreDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
PATIENT_FIELDS = ("name", "birth_date", "sex", "email", "phone", "language")


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request, who: SignedInDep, q: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    found = patients.find_patients(who.db, actor=who.signed_in(), query=q, limit=100)
    template = "_patient_rows.html.j2" if request.headers.get("hx-request") else "patients.html.j2"
    return render(request, who, template, found=found, q=q or "")


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_page(request: Request, who: SignedInDep) -> Response:
    who.signed_in()
    return render(request, who, "patient_new.html.j2", values={"language": "en"}, errors={})


def _typed(form: FormData) -> dict[str, str]:
    """The patient form as typed, to validate or to show again."""
    return {name: str(form.get(name) or "") for name in PATIENT_FIELDS}


def _details(values: dict[str, str]) -> patients.PatientCreate:
    # a form without the language (an older page) keeps the default, English
    given = {k: v or None for k, v in values.items() if v or k != "language"}
    return patients.PatientCreate.model_validate(given)


@router.post("/patients", response_class=HTMLResponse)
def create_patient(request: Request, form: FormDep, who: WriteDep) -> Response:
    values = _typed(form)
    try:
        patient = patients.create_patient(
            who.db, actor=who.signed_in(), data=_details(values), today=who.today
        )
    except (ValidationError, InvalidInput) as error:
        errors = refusal(error)
    else:
        return RedirectResponse(f"/patients/{patient.id}", status_code=303)
    who.db.rollback()
    return render(request, who, "patient_new.html.j2", status=422, values=values, errors=errors)


@router.get("/patients/{patient_id}/edit", response_class=HTMLResponse)
def edit_patient_page(request: Request, who: SignedInDep, patient_id: RecordId) -> Response:
    patient = patients.get_patient(who.db, actor=who.signed_in(), patient_id=patient_id)
    values = {
        "name": patient.name,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else "",
        "sex": patient.sex or "",
        "email": patient.email or "",
        "phone": patient.phone or "",
        "language": patient.language,
    }
    return render(request, who, "patient_new.html.j2", values=values, errors={}, patient=patient)


@router.post("/patients/{patient_id}/edit", response_class=HTMLResponse)
def edit_patient(request: Request, form: FormDep, who: WriteDep, patient_id: RecordId) -> Response:
    values = _typed(form)
    try:
        patients.update_patient(
            who.db,
            actor=who.signed_in(),
            patient_id=patient_id,
            data=_details(values),
            today=who.today,
        )
    except (ValidationError, InvalidInput) as error:
        errors = refusal(error)
    else:
        return RedirectResponse(f"/patients/{patient_id}?saved=1", status_code=303)
    who.db.rollback()
    patient = patients.get_patient(who.db, actor=who.signed_in(), patient_id=patient_id)
    return render(
        request,
        who,
        "patient_new.html.j2",
        status=422,
        values=values,
        errors=errors,
        patient=patient,
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request, who: SignedInDep, index: KnowledgeDep, patient_id: RecordId
) -> Response:
    return show_patient(request, who, index, patient_id)


def show_patient(
    request: Request,
    who: Caller,
    index: KnowledgeIndex,
    patient_id: int,
    *,
    period: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    """The patient's page; `period` and `errors` show a refused unavailable-days form again."""
    actor = who.signed_in()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    booked = appointments.appointments(
        who.db, actor=actor, patient_id=patient_id, include_cancelled=True
    )
    visits = (
        consultations.list_consultations(who.db, actor=actor, patient_id=patient_id)
        if actor.clinical
        else []
    )
    history = progress.visits_of(visits)
    chart = progress_svg(history, who.localizer, index=index) if len(history) > 1 else None
    return render(
        request,
        who,
        "patient.html.j2",
        status=422 if errors else 200,
        unavailable=unavailability.list_unavailability(who.db, actor=actor, patient_id=patient_id),
        period=period or {"kind": "unavailable"},
        errors=errors or {},
        patient=patient,
        appointments=booked,
        to_book=booking.plans_to_book(who.db, actor=actor, patient_id=patient_id),
        visits=[(visit, visit.parsed()) for visit in visits],
        chart=chart,
        age=patients.age_on(patient.birth_date, who.today),
        consents=(
            consents.list_consents(who.db, actor=actor, patient_id=patient_id)
            if actor.clinical
            else []
        ),
        consent_labels=LABELS,
    )


@router.get("/patients/{patient_id}/erase", response_class=HTMLResponse)
def erase_page(request: Request, who: SignedInDep, patient_id: RecordId) -> Response:
    """The confirmation: it names the patient and says what will be deleted."""
    actor = who.signed_in()
    actor.require("admin")
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    return render(request, who, "patient_erase.html.j2", patient=patient, errors={})


@router.post("/patients/{patient_id}/erase", response_class=HTMLResponse)
def erase(
    request: Request, form: FormDep, who: WriteDep, store: PhotoStoreDep, patient_id: RecordId
) -> Response:
    actor = who.signed_in()
    actor.require("admin")
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    typed = " ".join(str(form.get("confirm_name") or "").split())
    if typed.casefold() != " ".join(patient.name.split()).casefold():
        problem = Problem("confirm_name", N_("Type the patient's full name to confirm."))
        return render(
            request,
            who,
            "patient_erase.html.j2",
            status=422,
            patient=patient,
            errors={"confirm_name": problem},
            typed=typed,
        )
    erasure.erase_patient(who.db, actor=actor, store=store, patient_id=patient_id)
    return RedirectResponse("/patients?erased=1", status_code=303)
