"""Consultation pages: the form with the back body map, the live result panel (htmx), saving
(a new version on every edit), and creating a plan from the chosen options."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.errors import DateRangeError, IntakeError, PlanError
from dorsum.services import consultations, patients, plans
from dorsum.services.bodymap import ZONES
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import SignedInDep, WriteDep
from dorsum.web.errors import field_errors
from dorsum.web.forms import (
    FormProblem,
    body_map_from_form,
    drop_empty_scar_findings,
    form_values,
    intake_from_form,
)
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)


async def _submitted(request: Request) -> dict[str, Any]:
    """The form's fields, with the allergies as a list, to parse or to show again."""
    form = await request.form()
    values: dict[str, Any] = {key: form.get(key) for key in form if key != "allergies"}
    values["allergies"] = [str(a) for a in form.getlist("allergies")]
    return values


def _input(values: dict[str, Any]) -> consultations.ConsultationInput:
    """The form as a consultation input (raises FormProblem, ValidationError or ValueError)."""
    intake = drop_empty_scar_findings(intake_from_form(values, values["allergies"]))
    visit = str(values.get("visit_date") or "")
    return consultations.ConsultationInput(
        intake=intake,
        body_map=body_map_from_form(values),
        note=str(values.get("note") or ""),
        visit_date=date.fromisoformat(visit) if visit else None,
    )


def _problems(error: Exception) -> list[dict[str, str]]:
    if isinstance(error, FormProblem):
        return [{"field": error.field, "message": error.message}]
    if isinstance(error, IntakeError):
        return [{"field": p.path, "message": p.message} for p in error.problems]
    if isinstance(error, ValidationError):
        return field_errors(error.errors())
    if isinstance(error, DateRangeError):
        return [{"field": error.field, "message": error.message}]
    if isinstance(error, InvalidInput):
        return [{"field": "visit_date", "message": str(error)}]
    return [{"field": "form", "message": str(error)}]


def _page(
    request: Request,
    who: Caller,
    *,
    patient_id: int,
    consultation: consultations.ConsultationPublic | None,
    values: dict[str, Any],
    problems: list[dict[str, str]] | None = None,
    plan_error: str | None = None,
) -> Response:
    """The consultation page: the form with `values`, and the saved result if there is one."""
    patient = patients.get_patient(who.db, actor=who.signed_in(), patient_id=patient_id)
    assessment = Assessment.model_validate(consultation.assessment) if consultation else None
    return render(
        request,
        who,
        "consultation.html.j2",
        status=422 if problems or plan_error else 200,
        patient=patient,
        consultation=consultation,
        values=values,
        zones=ZONES,
        problems=problems or [],
        plan_error=plan_error,
        index=dorsum.default_index(),
        assessment=assessment,
    )


def _saved_values(record: consultations.ConsultationPublic) -> dict[str, Any]:
    values = form_values(record.intake, record.body_map)
    values["visit_date"] = record.visit_date.isoformat()
    values["note"] = record.note
    return values


@router.get("/patients/{patient_id}/consultations/new", response_class=HTMLResponse)
def new_consultation(request: Request, who: SignedInDep, patient_id: RecordId) -> Response:
    actor = who.signed_in()
    actor.require_clinical()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    values = {
        "age": patients.age_on(patient.birth_date, who.today),
        "sex": patient.sex,
        "body_map": '{"zones": {}}',
        "visit_date": who.today.isoformat(),
    }
    return _page(request, who, patient_id=patient_id, consultation=None, values=values)


@router.post("/consultations/preview", response_class=HTMLResponse)
async def preview(request: Request, who: WriteDep) -> Response:
    """The live result panel: assess the form as it stands, store nothing."""
    who.signed_in().require_clinical()
    values = await _submitted(request)
    try:
        data = _input(values)
        _intake, assessment = consultations.assess_input(data, today=data.visit_date or who.today)
    except (FormProblem, IntakeError, ValidationError, ValueError) as error:
        return render(
            request,
            who,
            "_result.html.j2",
            assessment=None,
            problems=_problems(error),
            index=dorsum.default_index(),
        )
    return render(
        request,
        who,
        "_result.html.j2",
        problems=[],
        index=dorsum.default_index(),
        assessment=Assessment.model_validate(assessment),
    )


@router.post("/patients/{patient_id}/consultations", response_class=HTMLResponse)
async def save_new(request: Request, who: WriteDep, patient_id: RecordId) -> Response:
    values = await _submitted(request)
    try:
        saved = consultations.create_consultation(
            who.db,
            actor=who.signed_in(),
            patient_id=patient_id,
            data=_input(values),
            today=who.today,
        )
    except (FormProblem, IntakeError, DateRangeError, ValidationError, ValueError) as error:
        return _page(
            request,
            who,
            patient_id=patient_id,
            consultation=None,
            values=values,
            problems=_problems(error),
        )
    return RedirectResponse(f"/consultations/{saved.id}", status_code=303)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation_page(
    request: Request,
    who: SignedInDep,
    consultation_id: RecordId,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    record = consultations.get_consultation(
        who.db, actor=who.signed_in(), consultation_id=consultation_id, version=version
    )
    return _page(
        request,
        who,
        patient_id=record.patient_id,
        consultation=record,
        values=_saved_values(record),
    )


@router.post("/consultations/{consultation_id}", response_class=HTMLResponse)
async def save_version(request: Request, who: WriteDep, consultation_id: RecordId) -> Response:
    values = await _submitted(request)
    try:
        consultations.revise_consultation(
            who.db, actor=who.signed_in(), consultation_id=consultation_id, data=_input(values)
        )
    except (FormProblem, IntakeError, InvalidInput, ValidationError, ValueError) as error:
        record = consultations.get_consultation(
            who.db, actor=who.signed_in(), consultation_id=consultation_id
        )
        return _page(
            request,
            who,
            patient_id=record.patient_id,
            consultation=record,
            values=values,
            problems=_problems(error),
        )
    return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)


@router.post("/consultations/{consultation_id}/plans", response_class=HTMLResponse)
async def create_plan(request: Request, who: WriteDep, consultation_id: RecordId) -> Response:
    actor = who.signed_in()
    form = await request.form()
    version = int(str(form["version"])) if str(form.get("version") or "").isdigit() else None
    try:
        plan_request = plans.PlanRequest(
            choose=[str(c) for c in form.getlist("choose")],
            start=date.fromisoformat(str(form["start"])) if form.get("start") else None,
            target=date.fromisoformat(str(form["target"])) if form.get("target") else None,
            hemisphere=str(form.get("hemisphere") or "") or None,
            version=version,
        )
        record = plans.create_plan(
            who.db,
            actor=actor,
            consultation_id=consultation_id,
            request=plan_request,
            today=who.today,
        )
    except (PlanError, DateRangeError, ValidationError, ValueError) as error:
        shown = consultations.get_consultation(
            who.db, actor=actor, consultation_id=consultation_id, version=version
        )
        message = str(error)
        if isinstance(error, ValidationError):
            message = "; ".join(f"{p['field']}: {p['message']}" for p in _problems(error))
        return _page(
            request,
            who,
            patient_id=shown.patient_id,
            consultation=shown,
            values=_saved_values(shown),
            plan_error=message,
        )
    return RedirectResponse(f"/plans/{record.id}", status_code=303)
