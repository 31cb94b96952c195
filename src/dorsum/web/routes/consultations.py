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
from dorsum.core.errors import IntakeError, PlanError
from dorsum.services import consultations, patients, plans
from dorsum.services.bodymap import ZONES
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
    return [{"field": "form", "message": str(error)}]


@router.get("/patients/{patient_id}/consultations/new", response_class=HTMLResponse)
def new_consultation(request: Request, who: SignedInDep, patient_id: RecordId) -> Response:
    actor = who.signed_in()
    actor.require_clinical()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    age = patients.age_on(patient.birth_date, who.today)
    values = {
        "age": age,
        "sex": patient.sex,
        "body_map": '{"zones": {}}',
        "visit_date": who.today.isoformat(),
    }
    return render(
        request,
        who,
        "consultation.html.j2",
        patient=patient,
        consultation=None,
        values=values,
        zones=ZONES,
        assessment=None,
        problems=[],
    )


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
    actor = who.signed_in()
    values = await _submitted(request)
    try:
        saved = consultations.create_consultation(
            who.db, actor=actor, patient_id=patient_id, data=_input(values), today=who.today
        )
    except (FormProblem, IntakeError, ValidationError, ValueError) as error:
        patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
        return render(
            request,
            who,
            "consultation.html.j2",
            status=422,
            patient=patient,
            consultation=None,
            values=values,
            zones=ZONES,
            assessment=None,
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
    actor = who.signed_in()
    record = consultations.get_consultation(
        who.db, actor=actor, consultation_id=consultation_id, version=version
    )
    patient = patients.get_patient(who.db, actor=actor, patient_id=record.patient_id)
    values = form_values(record.intake, record.body_map)
    values["visit_date"] = record.visit_date.isoformat()
    values["note"] = record.note
    return render(
        request,
        who,
        "consultation.html.j2",
        patient=patient,
        consultation=record,
        values=values,
        zones=ZONES,
        problems=[],
        index=dorsum.default_index(),
        assessment=Assessment.model_validate(record.assessment),
    )


@router.post("/consultations/{consultation_id}", response_class=HTMLResponse)
async def save_version(request: Request, who: WriteDep, consultation_id: RecordId) -> Response:
    actor = who.signed_in()
    values = await _submitted(request)
    try:
        consultations.revise_consultation(
            who.db,
            actor=actor,
            consultation_id=consultation_id,
            data=_input(values),
            today=who.today,
        )
    except (FormProblem, IntakeError, ValidationError, ValueError) as error:
        record = consultations.get_consultation(
            who.db, actor=actor, consultation_id=consultation_id
        )
        patient = patients.get_patient(who.db, actor=actor, patient_id=record.patient_id)
        return render(
            request,
            who,
            "consultation.html.j2",
            status=422,
            patient=patient,
            consultation=record,
            values=values,
            zones=ZONES,
            problems=_problems(error),
            index=dorsum.default_index(),
            assessment=Assessment.model_validate(record.assessment),
        )
    return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)


@router.post("/consultations/{consultation_id}/plans", response_class=HTMLResponse)
async def create_plan(request: Request, who: WriteDep, consultation_id: RecordId) -> Response:
    actor = who.signed_in()
    form = await request.form()
    try:
        plan_request = plans.PlanRequest(
            choose=[str(c) for c in form.getlist("choose")],
            start=date.fromisoformat(str(form["start"])) if form.get("start") else None,
            target=date.fromisoformat(str(form["target"])) if form.get("target") else None,
            hemisphere=str(form.get("hemisphere") or "") or None,
        )
        record = plans.create_plan(
            who.db,
            actor=actor,
            consultation_id=consultation_id,
            request=plan_request,
            today=who.today,
        )
    except (PlanError, ValidationError, ValueError) as error:
        consultation = consultations.get_consultation(
            who.db, actor=actor, consultation_id=consultation_id
        )
        patient = patients.get_patient(who.db, actor=actor, patient_id=consultation.patient_id)
        values = form_values(consultation.intake, consultation.body_map)
        return render(
            request,
            who,
            "consultation.html.j2",
            status=422,
            patient=patient,
            consultation=consultation,
            values=values,
            zones=ZONES,
            problems=[],
            plan_error=str(error),
            index=dorsum.default_index(),
            assessment=Assessment.model_validate(consultation.assessment),
        )
    return RedirectResponse(f"/plans/{record.id}", status_code=303)
