"""Consultation pages: the form with the back body map, the live result panel (htmx), saving
(a new version on every edit), and creating a plan from the chosen options.

A rejected save shows the form again with everything that was typed, each problem next to its
field in the user's language, and leaves nothing stored (the transaction is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from dorsum.core.assessment import Assessment
from dorsum.core.errors import DateRangeError, IntakeError, PlanError
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_
from dorsum.services import consultations, patients, plans
from dorsum.services.bodymap import ZONES, BodyMap
from dorsum.services.errors import Conflict, InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.forms import FIELDS, LIST_FIELDS, field_for, form_values, read_form, rows_to_show
from dorsum.web.problems import Problem, by_field, plan_problem
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
OTHER_FIELDS = ("isotretinoin", "visit_date", "note", "body_map", "base_version", "form")


def _submitted(form: FormData) -> dict[str, Any]:
    """The form's fields, with the multiple choices as lists, to read or to show again."""
    values: dict[str, Any] = {key: form.get(key) for key in form if key not in LIST_FIELDS}
    for key in LIST_FIELDS:
        values[key] = [str(a) for a in form.getlist(key)]
    return values


def _input(
    values: dict[str, Any],
) -> tuple[consultations.ConsultationInput | None, list[Problem]]:
    """The form as a consultation input, or the problems of every field that stops it."""
    intake, body_map, problems = read_form(values)
    raw = {
        "intake": intake,
        "body_map": body_map or BodyMap(),
        "note": str(values.get("note") or ""),
        "visit_date": str(values.get("visit_date") or "") or None,
        "base_version": str(values.get("base_version") or "") or None,
    }
    try:
        data = consultations.ConsultationInput.model_validate(raw)
    except ValidationError as error:
        return None, [*problems, *Problem.from_errors(error.errors(), field=field_for)]
    return (None, problems) if problems else (data, [])


def _problems(error: Exception) -> list[Problem]:
    if isinstance(error, InvalidInput):
        return [Problem(error.field or "form", error.message, error.values)]
    if isinstance(error, DateRangeError):
        return [Problem(error.field, "Enter a date between the years 1900 and 2199.")]
    if isinstance(error, IntakeError):
        return [
            Problem(field_for(("intake", *p.path.split("."))), p.message) for p in error.problems
        ]
    return [Problem("form", str(error))]


def error_slots(values: dict[str, Any]) -> list[str]:
    """Every field a problem can be shown next to (the live result clears or fills each)."""
    rows = rows_to_show(values)
    names = [f.name for f in FIELDS if "*" not in f.name]
    names += [f.name.replace("*", str(row)) for f in FIELDS if "*" in f.name for row in range(rows)]
    return [*names, *OTHER_FIELDS]


def _page(
    request: Request,
    who: Caller,
    *,
    index: KnowledgeIndex,
    patient_id: int,
    consultation: consultations.ConsultationPublic | None,
    values: dict[str, Any],
    problems: list[Problem] | None = None,
    plan_values: dict[str, Any] | None = None,
    conflict: bool = False,
) -> Response:
    """The consultation page: the form with `values`, and the saved result if there is one."""
    patient = patients.get_patient(who.db, actor=who.signed_in(), patient_id=patient_id)
    parsed = consultation.parsed() if consultation else None
    values["scar_rows"] = rows_to_show(values)
    zoned = _zoned_sections(values)
    status = 409 if conflict else 422 if problems else 200
    # typed but not saved: the result follows the form, and nothing is planned from it
    unsaved = conflict or any(not p.field.startswith("plan_") for p in problems or [])
    return render(
        request,
        who,
        "consultation.html.j2",
        status=status,
        patient=patient,
        consultation=consultation,
        values=values,
        zones=ZONES,
        errors=by_field(problems or []),
        problems=problems or [],
        plan_values=plan_values or {},
        conflict=conflict,
        unsaved=unsaved,
        zoned=zoned,
        index=index,
        assessment=parsed[1] if parsed else None,
    )


def _zoned_sections(values: dict[str, Any]) -> set[str]:
    """The sections whose whole-back counts come from the body map (shown read-only)."""
    try:
        body_map = BodyMap.model_validate_json(str(values.get("body_map") or "{}"))
    except ValidationError:
        return set()
    return {section for section in ("acne", "acne_scars") if body_map.counts_section(section)}


def _saved_values(record: consultations.ConsultationPublic) -> dict[str, Any]:
    values = form_values(record.intake, record.body_map)
    values["visit_date"] = record.visit_date.isoformat()
    values["note"] = record.note
    values["base_version"] = record.version or None  # the version on screen, maybe an older one
    return values


@router.get("/patients/{patient_id}/consultations/new", response_class=HTMLResponse)
def new_consultation(
    request: Request, who: SignedInDep, index: KnowledgeDep, patient_id: RecordId
) -> Response:
    actor = who.signed_in()
    actor.require_clinical()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    values = {
        "age": patients.age_on(patient.birth_date, who.today),
        "sex": patient.sex,
        "body_map": '{"zones": {}}',
        "visit_date": who.today.isoformat(),
    }
    return _page(request, who, index=index, patient_id=patient_id, consultation=None, values=values)


@router.post("/consultations/preview", response_class=HTMLResponse)
def preview(request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep) -> Response:
    """The live result panel: assess the form as it stands, store nothing. Each field's
    problem (or its absence) goes next to the field, out of band."""
    who.signed_in().require_clinical()
    values = _submitted(form)
    data, problems = _input(values)
    assessment = None
    if data is not None:
        try:
            today = data.visit_date or who.today
            _intake, result = consultations.assess_input(data, index=index, today=today)
            assessment = Assessment.model_validate(result)
        except (IntakeError, DateRangeError) as error:
            problems = _problems(error)
    return render(
        request,
        who,
        "_result.html.j2",
        problems=problems,
        errors=by_field(problems),
        slots=error_slots(values),
        index=index,
        assessment=assessment,
    )


@router.post("/patients/{patient_id}/consultations", response_class=HTMLResponse)
def save_new(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, patient_id: RecordId
) -> Response:
    values = _submitted(form)
    data, problems = _input(values)
    if data is not None:
        try:
            saved = consultations.create_consultation(
                who.db,
                actor=who.signed_in(),
                patient_id=patient_id,
                data=data,
                index=index,
                today=who.today,
            )
            return RedirectResponse(f"/consultations/{saved.id}", status_code=303)
        except (IntakeError, DateRangeError, InvalidInput) as error:
            problems = _problems(error)
    who.db.rollback()
    return _page(
        request,
        who,
        index=index,
        patient_id=patient_id,
        consultation=None,
        values=values,
        problems=problems,
    )


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation_page(
    request: Request,
    who: SignedInDep,
    index: KnowledgeDep,
    consultation_id: RecordId,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    record = consultations.get_consultation(
        who.db, actor=who.signed_in(), consultation_id=consultation_id, version=version
    )
    return _page(
        request,
        who,
        index=index,
        patient_id=record.patient_id,
        consultation=record,
        values=_saved_values(record),
    )


@router.post("/consultations/{consultation_id}", response_class=HTMLResponse)
def save_version(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, consultation_id: RecordId
) -> Response:
    values = _submitted(form)
    data, problems = _input(values)
    conflict = False
    if data is not None:
        try:
            consultations.revise_consultation(
                who.db,
                actor=who.signed_in(),
                consultation_id=consultation_id,
                data=data,
                index=index,
            )
            return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)
        except Conflict as error:
            conflict, problems = True, [Problem("form", str(error))]
        except (IntakeError, DateRangeError, InvalidInput) as error:
            problems = _problems(error)
    who.db.rollback()
    record = consultations.get_consultation(
        who.db, actor=who.signed_in(), consultation_id=consultation_id
    )
    if conflict:  # saving again is now a deliberate choice over the newer version
        values["base_version"] = record.version
    return _page(
        request,
        who,
        index=index,
        patient_id=record.patient_id,
        consultation=record,
        values=values,
        problems=problems,
        conflict=conflict,
    )


@router.post("/consultations/{consultation_id}/plans", response_class=HTMLResponse)
def create_plan(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, consultation_id: RecordId
) -> Response:
    """Plan the version on screen; a refusal is shown next to the plan's field, with the
    chosen options and dates kept."""
    actor = who.signed_in()
    raw: dict[str, Any] = {
        "choose": [str(c) for c in form.getlist("choose")],
        "start": str(form.get("start") or "") or None,
        "target": str(form.get("target") or "") or None,
        "hemisphere": str(form.get("hemisphere") or "") or None,
        "version": str(form.get("version") or "") or None,
    }
    problems: list[Problem]
    try:
        plan_request = plans.PlanRequest.model_validate(raw)
        record = plans.create_plan(
            who.db,
            actor=actor,
            consultation_id=consultation_id,
            request=plan_request,
            index=index,
            today=who.today,
        )
        return RedirectResponse(f"/plans/{record.id}", status_code=303)
    except ValidationError as error:
        problems = Problem.from_errors(
            error.errors(), field=lambda loc: f"plan_{loc[0]}" if loc else "plan_form"
        )
    except PlanError as error:
        problems = [
            plan_problem(error.code, error.field, error.values, _treatment_name(who, index))
        ]
    except DateRangeError as error:
        problems = [
            Problem(f"plan_{error.field}", N_("Enter a date between the years 1900 and 2199."))
        ]
    except InvalidInput as error:
        problems = [Problem("plan_form", error.message, error.values)]
    who.db.rollback()
    version = raw["version"]
    shown = consultations.get_consultation(
        who.db,
        actor=actor,
        consultation_id=consultation_id,
        version=int(version)
        if isinstance(version, str) and version.isdigit() and len(version) < 7
        else None,
    )
    return _page(
        request,
        who,
        index=index,
        patient_id=shown.patient_id,
        consultation=shown,
        values=_saved_values(shown),
        problems=problems,
        plan_values=raw,
    )


def _treatment_name(who: Caller, index: KnowledgeIndex) -> Callable[[str], str]:
    def name(treatment: str) -> str:
        found = index.treatments.get(treatment)
        return who.localizer.kb(found.name) if found else treatment

    return name
