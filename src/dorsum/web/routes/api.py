"""The JSON API (OpenAPI at /docs). Thin: validate, call one service function, return.

`/api/assess` and `/api/plan` are pure computation on the request (contract 1) and store
nothing; without a `today` they assess as of the clinic's today (the `timezone` setting), as
the pages do. Everything about patients needs a bearer token (clinic integrations) or a signed-in
browser session with its CSRF token in the X-CSRF-Token header.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import text

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.dates import SupportedDate
from dorsum.core.errors import DateRangeError, DorsumError, IntakeError, PlanError
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.core.planner import build_plan
from dorsum.fhir.assessment_bundle import assessment_bundle
from dorsum.fhir.errors import FhirError
from dorsum.fhir.media import (
    FHIR_JSON,
    accepts_fhir_json,
    is_fhir_json,
    operation_outcome,
    read_fhir_json,
)
from dorsum.fhir.plan_bundle import plan_bundle
from dorsum.i18n import Language, Localizer
from dorsum.services import (
    appointments,
    audit,
    consultations,
    erasure,
    patients,
    plans,
    progress,
)
from dorsum.storage.database import reading
from dorsum.web.deps import (
    KnowledgeDep,
    PhotoStoreDep,
    SignedInDep,
    TodayDep,
    WriteDep,
    cache_of,
    clinic_today,
    knowledge_of,
)
from dorsum.web.errors import field_errors
from dorsum.web.hot_path import openapi, query_date, read_body
from dorsum.web.routes.appointments import booking_rules
from dorsum.web.routes.ids import RecordId

router = APIRouter(prefix="/api", tags=["api"])
JSON = "application/json"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "The role may not do this"},
    404: {"description": "No such record in your clinic"},
    409: {"description": "Someone else changed the record at the same moment"},
    422: {"description": "Invalid input: each bad field is named"},
    503: {"description": "The database is busy; retry after the Retry-After seconds"},
}


class PlanApiRequest(BaseModel):
    """An intake and what to plan for it."""

    model_config = ConfigDict(extra="forbid")

    intake: Intake
    choose: list[str] = Field(default_factory=list, max_length=17)
    start: SupportedDate | None = None
    target: SupportedDate | None = None
    hemisphere: str | None = Field(default=None, max_length=10)
    country: str | None = Field(default=None, max_length=10)
    today: SupportedDate | None = None


def with_fhir(operation: dict[str, Any]) -> dict[str, Any]:
    """An operation's OpenAPI, adding the FHIR R4 JSON body it also accepts."""
    fhir = {
        "schema": {
            "type": "object",
            "description": "A FHIR R4 Bundle, one resource or a list of resources "
            "(see docs/fhir.md); send Accept: application/fhir+json for a FHIR answer.",
        }
    }
    operation["requestBody"]["content"][FHIR_JSON] = fhir
    return operation


def _inline_body(model: type[BaseModel]) -> dict[str, Any]:
    """A required JSON body whose schema is written inline (the route reads the body itself,
    so FastAPI does not list the model among the components); nested models are references."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


class Health(BaseModel):
    """What a load balancer or clinic IT's monitoring needs to know."""

    status: str
    version: str
    database: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request) -> Response:
    """Liveness and database reachability; no sign-in, no patient data."""
    try:
        with reading(request.app.state.engine).connect() as connection:
            connection.execute(text("SELECT 1"))
        state, status = "reachable", 200
    except Exception:  # any driver error means the same thing to a monitor: not ready
        state, status = "unreachable", 503
    body = Health(
        status="ok" if status == 200 else "degraded", version=dorsum.__version__, database=state
    )
    return Response(body.model_dump_json(), status_code=status, media_type=JSON)


@router.post(
    "/assess",
    response_model=Assessment,
    responses={422: ERRORS[422]},
    openapi_extra=with_fhir(
        openapi("Intake", dates=("today",), choices={"language": ["en", "es"]})
    ),
)
async def assess(request: Request) -> Response:
    """Assess one intake (contract 1): conditions, ranked options, exclusions, referral.

    With `Content-Type: application/fhir+json` the body is a FHIR R4 Bundle (or resources);
    with `Accept: application/fhir+json` the answer is a FHIR Bundle, and errors are an
    OperationOutcome.
    """
    if _fhir_mode(request):
        return await _fhir_assess(request)
    # The hot path of integrations. It runs on the event loop and validates the body itself:
    # about 50 µs of memoised, I/O-free work costs less than a thread hop and FastAPI's
    # generic body handling (see docs/performance.md).
    intake = await read_body(request, Intake)
    today = query_date(request, "today") or clinic_today(request)
    return Response(_assess(request, intake, today).model_dump_json(), media_type=JSON)


def _assess(request: Request, intake: Intake, today: date) -> Assessment:
    return dorsum.assess(
        intake,
        index=knowledge_of(request),
        today=today,
        language=_language(request),
        cache=cache_of(request),
    )


async def _fhir_assess(request: Request) -> Response:
    """`POST /api/assess` when FHIR is sent or asked for; every error an OperationOutcome."""
    try:
        today = query_date(request, "today") or clinic_today(request)
        intake, patient_id = await _intake(request, today)
        result = _assess(request, intake, today)
    except (DorsumError, RequestValidationError) as error:
        return _outcome(error)
    if not accepts_fhir_json(request.headers.get("accept")):
        return Response(result.model_dump_json(), media_type=JSON)
    bundle = assessment_bundle(
        result, index=knowledge_of(request), patient_id=patient_id, language=_language(request)
    )
    return _fhir_response(bundle)


def _fhir_mode(request: Request) -> bool:
    headers = request.headers
    return is_fhir_json(headers.get("content-type")) or accepts_fhir_json(headers.get("accept"))


async def _intake(request: Request, today: date) -> tuple[Intake, str]:
    """The intake in the body (FHIR resources, or contract-1 JSON), and whose it is: the
    FHIR Patient's id, so that the answer refers to the EHR's own patient."""
    if is_fhir_json(request.headers.get("content-type")):
        read = read_fhir_json(await request.body(), today=today)
        return read.intake, read.patient_id or "patient"
    return await read_body(request, Intake), "patient"


def _fhir_response(resource: dict[str, Any]) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), media_type=FHIR_JSON)


def _outcome(error: Exception) -> Response:
    """A FHIR-mode error as an OperationOutcome, with the 422 the JSON API gives."""
    problems: list[tuple[str, str]]
    if isinstance(error, IntakeError):
        problems = [(p.path, p.message) for p in error.problems]
    elif isinstance(error, FhirError):
        problems = [(error.where, error.message)]
    elif isinstance(error, DateRangeError):
        problems = [(error.field, error.message)]
    elif isinstance(error, RequestValidationError | ValidationError):
        problems = [(e["field"], e["message"]) for e in field_errors(error.errors())]
    else:
        problems = [("request", str(error))]
    code = "processing" if isinstance(error, PlanError) else "invalid"
    response = _fhir_response(operation_outcome(problems, code=code))
    response.status_code = 422
    return response


def _language(request: Request) -> Language:
    """The language of the result's texts: `?language=es`, else English (the contract's)."""
    return "es" if request.query_params.get("language") == "es" else "en"


@router.post(
    "/plan",
    response_model=Plan,
    responses={422: ERRORS[422]},
    openapi_extra=with_fhir(_inline_body(PlanApiRequest)),
)
async def plan(http: Request, index: KnowledgeDep, today: TodayDep) -> Response:
    """Assess an intake and build a dated plan for the chosen options.

    With `Content-Type: application/fhir+json` the body is the patient's FHIR resources and
    the options are query parameters (`choose`, repeated; `start`, `target`, `hemisphere`,
    `country`, `today`); with `Accept: application/fhir+json` the answer is a Bundle holding
    a CarePlan, and errors are an OperationOutcome.
    """
    if not _fhir_mode(http):
        request = await read_body(http, PlanApiRequest)
        result = await run_in_threadpool(_plan, request, http, index, today)
        return Response(result.model_dump_json(), media_type=JSON)
    try:
        request, patient_id = await _fhir_plan_request(http, today)
        result = await run_in_threadpool(_plan, request, http, index, today)
    except (DorsumError, RequestValidationError, ValidationError) as error:
        return _outcome(error)
    if not accepts_fhir_json(http.headers.get("accept")):
        return Response(result.model_dump_json(), media_type=JSON)
    localizer = Localizer("es" if _language(http) == "es" else "en")
    return _fhir_response(
        plan_bundle(result, index=index, localizer=localizer, patient_id=patient_id)
    )


async def _fhir_plan_request(http: Request, today: date) -> tuple[PlanApiRequest, str]:
    """The plan request (contract JSON, or FHIR resources with the options in the query),
    and the FHIR Patient's id."""
    if not is_fhir_json(http.headers.get("content-type")):
        return await read_body(http, PlanApiRequest), "patient"
    query = http.query_params
    day = query_date(http, "today") or today
    read = read_fhir_json(await http.body(), today=day)
    request = PlanApiRequest.model_validate(
        {
            "intake": read.intake,
            "choose": query.getlist("choose"),
            "start": query_date(http, "start"),
            "target": query_date(http, "target"),
            "hemisphere": query.get("hemisphere"),
            "country": query.get("country"),
            "today": day,
        }
    )
    return request, read.patient_id or "patient"


def _plan(request: PlanApiRequest, http: Request, index: KnowledgeIndex, today: date) -> Plan:
    day = request.today or today
    assessment = dorsum.assess(
        request.intake, index=index, today=day, language=_language(http), cache=cache_of(http)
    )
    return build_plan(
        assessment,
        index=index,
        start=request.start or day,
        chosen=request.choose or None,
        target=request.target or request.intake.goals.target_date,
        hemisphere=request.hemisphere,
        country=request.country,
    )


@router.get("/patients", response_model=patients.PatientList, responses=ERRORS)
def list_patients(
    who: SignedInDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> patients.PatientList:
    """The clinic's patients, searchable by name, e-mail or phone."""
    return patients.find_patients(
        who.db, actor=who.signed_in(), query=q, limit=limit, offset=offset
    )


@router.post("/patients", status_code=201, response_model=patients.PatientPublic, responses=ERRORS)
def create_patient(data: patients.PatientCreate, who: WriteDep) -> patients.PatientPublic:
    """Register a patient; a birth date cannot be in the future."""
    return patients.create_patient(who.db, actor=who.signed_in(), data=data, today=who.today)


@router.get("/patients/{patient_id}", response_model=patients.PatientPublic, responses=ERRORS)
def get_patient(patient_id: RecordId, who: SignedInDep) -> patients.PatientPublic:
    return patients.get_patient(who.db, actor=who.signed_in(), patient_id=patient_id)


@router.put("/patients/{patient_id}", response_model=patients.PatientPublic, responses=ERRORS)
def update_patient(
    patient_id: RecordId, data: patients.PatientCreate, who: WriteDep
) -> patients.PatientPublic:
    """Correct a patient's details (every field is replaced by what is sent)."""
    return patients.update_patient(
        who.db, actor=who.signed_in(), patient_id=patient_id, data=data, today=who.today
    )


@router.delete("/patients/{patient_id}", status_code=204, responses=ERRORS)
def erase_patient(patient_id: RecordId, who: WriteDep, store: PhotoStoreDep) -> Response:
    """Erase the patient and every record about them (GDPR art. 17). Admins only."""
    erasure.erase_patient(who.db, actor=who.signed_in(), store=store, patient_id=patient_id)
    return Response(status_code=204)


@router.get("/patients/{patient_id}/export", responses=ERRORS)
def export_patient(patient_id: RecordId, who: SignedInDep) -> dict[str, Any]:
    """Everything held about one patient, as JSON (GDPR art. 15 and 20)."""
    return patients.export_patient(who.db, actor=who.signed_in(), patient_id=patient_id)


@router.get(
    "/patients/{patient_id}/consultations",
    response_model=list[consultations.ConsultationPublic],
    responses=ERRORS,
)
def list_consultations(
    patient_id: RecordId, who: SignedInDep
) -> list[consultations.ConsultationPublic]:
    return consultations.list_consultations(who.db, actor=who.signed_in(), patient_id=patient_id)


@router.post(
    "/patients/{patient_id}/consultations",
    status_code=201,
    response_model=consultations.ConsultationPublic,
    responses=ERRORS,
)
def create_consultation(
    patient_id: RecordId,
    data: consultations.ConsultationInput,
    who: WriteDep,
    index: KnowledgeDep,
) -> consultations.ConsultationPublic:
    """Save a consultation; the intake is assessed and stored with its result."""
    return consultations.create_consultation(
        who.db,
        actor=who.signed_in(),
        patient_id=patient_id,
        data=data,
        index=index,
        today=who.today,
    )


@router.get(
    "/patients/{patient_id}/progress", response_model=list[progress.Visit], responses=ERRORS
)
def patient_progress(patient_id: RecordId, who: SignedInDep) -> list[progress.Visit]:
    return progress.progress(who.db, actor=who.signed_in(), patient_id=patient_id)


@router.get(
    "/consultations/{consultation_id}",
    response_model=consultations.ConsultationPublic,
    responses=ERRORS,
)
def get_consultation(
    consultation_id: RecordId,
    who: SignedInDep,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> consultations.ConsultationPublic:
    """The latest version, or `version`; every version stays readable."""
    return consultations.get_consultation(
        who.db, actor=who.signed_in(), consultation_id=consultation_id, version=version
    )


@router.put(
    "/consultations/{consultation_id}",
    response_model=consultations.ConsultationPublic,
    responses=ERRORS,
)
def revise_consultation(
    consultation_id: RecordId,
    data: consultations.ConsultationInput,
    who: WriteDep,
    index: KnowledgeDep,
) -> consultations.ConsultationPublic:
    """Save an edit as the next version; earlier versions are kept unchanged."""
    return consultations.revise_consultation(
        who.db, actor=who.signed_in(), consultation_id=consultation_id, data=data, index=index
    )


@router.post(
    "/consultations/{consultation_id}/plans",
    status_code=201,
    response_model=plans.PlanRecord,
    responses=ERRORS,
)
def create_plan(
    consultation_id: RecordId, request: plans.PlanRequest, who: WriteDep, index: KnowledgeDep
) -> plans.PlanRecord:
    return plans.create_plan(
        who.db,
        actor=who.signed_in(),
        consultation_id=consultation_id,
        request=request,
        index=index,
        today=who.today,
    )


@router.get("/plans/{plan_id}", response_model=plans.PlanRecord, responses=ERRORS)
def get_plan(plan_id: RecordId, who: SignedInDep) -> plans.PlanRecord:
    return plans.get_plan(who.db, actor=who.signed_in(), plan_id=plan_id)


@router.get("/appointments", response_model=list[appointments.AppointmentPublic], responses=ERRORS)
def list_appointments(
    who: SignedInDep, include_cancelled: bool = False
) -> list[appointments.AppointmentPublic]:
    """The clinic's appointments, earliest first; times in UTC with their offset."""
    return appointments.appointments(
        who.db, actor=who.signed_in(), include_cancelled=include_cancelled
    )


@router.post(
    "/appointments",
    status_code=201,
    response_model=appointments.AppointmentPublic,
    responses=ERRORS,
)
def book(
    data: appointments.AppointmentCreate, request: Request, who: WriteDep
) -> appointments.AppointmentPublic:
    """Book; refused (422, naming the reason) in the past, outside opening hours, too far
    ahead, or overlapping another booking of the same patient. A time without an offset is
    the clinic's local time."""
    return appointments.book(
        who.db, actor=who.signed_in(), data=data, rules=booking_rules(request), now=who.now
    )


@router.get(
    "/appointments/{appointment_id}",
    response_model=appointments.AppointmentPublic,
    responses=ERRORS,
)
def get_appointment(appointment_id: RecordId, who: SignedInDep) -> appointments.AppointmentPublic:
    return appointments.get_appointment(
        who.db, actor=who.signed_in(), appointment_id=appointment_id
    )


@router.put(
    "/appointments/{appointment_id}",
    response_model=appointments.AppointmentPublic,
    responses=ERRORS,
)
def reschedule(
    appointment_id: RecordId,
    data: appointments.AppointmentMove,
    request: Request,
    who: WriteDep,
) -> appointments.AppointmentPublic:
    """Move a booking; the new time is checked as a new booking would be."""
    return appointments.reschedule(
        who.db,
        actor=who.signed_in(),
        appointment_id=appointment_id,
        data=data,
        rules=booking_rules(request),
        now=who.now,
    )


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=appointments.AppointmentPublic,
    responses=ERRORS,
)
def cancel(appointment_id: RecordId, who: WriteDep) -> appointments.AppointmentPublic:
    """Cancel a booking; it stays in the history, marked cancelled."""
    return appointments.cancel(
        who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now
    )


@router.get("/audit", response_model=list[audit.AuditPublic], responses=ERRORS)
def audit_log(
    who: SignedInDep, patient_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None
) -> list[audit.AuditPublic]:
    """The clinic's audit log (admins)."""
    return audit.entries(who.db, actor=who.signed_in(), patient_id=patient_id)
