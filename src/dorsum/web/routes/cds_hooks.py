"""The CDS Hooks 2.0 service under /cds-services: discovery, the three hooks and feedback.

Thin: check the caller's JWT, call one function of `dorsum.cds`, then have the writer
(`dorsum.cds.writes`) commit the JWT's spent jti (refused if already spent) and what the call
leaves behind (issued cards, or feedback); answer JSON. The work runs in a thread (it may read
the EHR's FHIR server or key set), never on the event loop, and holds no database lock while it
computes. Every refusal is a 4xx with {"error": status, "reason": ...}, also for an unknown
address (404) or method (405) under /cds-services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dorsum.cds import feedback, hooks
from dorsum.cds.errors import CdsError, MethodNotAllowed, NotAuthorised, UnknownService
from dorsum.cds.replay import remember_jti
from dorsum.cds.request import read_request
from dorsum.cds.runtime import CdsRuntime, runtime_from_settings, warn_if_unverified
from dorsum.cds.services import SERVICES, Service, discovery, service_named
from dorsum.cds.trust import VerifiedClient, bearer_token, verify
from dorsum.settings import Settings
from dorsum.web.deps import browser_language, cache_of, clinic_today, clock_of, knowledge_of

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
PATH = "/cds-services"
Store = Callable[[Session], None]
Work = Callable[[Service], tuple[dict[str, Any], Store | None]]


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the service and keep its runtime on the application; warn when unverified."""
    app.state.cds = runtime_from_settings(
        settings, sessions=app.state.sessions, clock=app.state.clock.now
    )
    warn_if_unverified(settings)
    app.include_router(router)


@router.get("", summary="CDS Hooks discovery")
async def discover() -> Response:
    """The services, their hooks and prefetch templates (open: it holds no data)."""
    return JSONResponse(discovery())


@router.post("/{service_id}", summary="Call a CDS Hooks service")
async def call_service(service_id: str, request: Request) -> Response:
    """A hook call: the cards for this patient (patient-view), or for these draft orders."""
    body = await request.body()

    def work(service: Service) -> tuple[dict[str, Any], Store | None]:
        answer = hooks.answer(service=service, request=read_request(body), call=_call(request))
        now = clock_of(request).now()

        def store(db: Session) -> None:
            feedback.record_cards(db, service=service.id, cards=answer.issued, now=now)

        return answer.response, store if answer.issued else None

    return await _answer(request, service_id, work)


@router.post("/{service_id}/feedback", summary="Feedback on a service's cards")
async def send_feedback(service_id: str, request: Request) -> Response:
    """What the clinician did with cards this service issued; the answer is {}."""
    body = await request.body()

    def work(service: Service) -> tuple[dict[str, Any], Store | None]:
        items = feedback.read_feedback(body)
        now = clock_of(request).now()

        def store(db: Session) -> None:
            feedback.record_feedback(db, service=service.id, request=items, now=now)

        return {}, store

    return await _answer(request, service_id, work, feedback=True)


@router.api_route(
    "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def elsewhere(rest: str, request: Request) -> Response:
    """Any other address or method under /cds-services: a 404 or 405 in the CDS error shape."""
    service = rest.removesuffix("/feedback")
    if request.method == "POST" or service not in SERVICES:
        return _refusal(UnknownService(f"there is no CDS Hooks endpoint /cds-services/{rest}"))
    refusal = _refusal(MethodNotAllowed(f"/cds-services/{rest} answers POST only"))
    refusal.headers["Allow"] = "POST"
    return refusal


def _refusal(error: CdsError) -> Response:
    return JSONResponse({"error": error.status, "reason": error.reason}, error.status)


def _call(request: Request) -> hooks.Call:
    return hooks.Call(
        index=knowledge_of(request),
        today=clinic_today(request),
        language=browser_language(request),
        http=_runtime(request).http,
        link=_link(request),
        cache=cache_of(request),
    )


async def _answer(
    request: Request, service_id: str, work: Work, *, feedback: bool = False
) -> Response:
    try:
        service = service_named(service_id)
        result = await run_in_threadpool(_run, request, service, work, feedback)
    except CdsError as error:
        return _refusal(error)
    return JSONResponse(result)


def _run(request: Request, service: Service, work: Work, feedback: bool) -> dict[str, Any]:
    """Trust first, then the work, then one transaction. A refused call stores nothing, but its
    token's jti is spent all the same (a replay is refused even if the first call failed)."""
    client = _trusted_caller(request, service, feedback=feedback)
    try:
        response, store = work(service)
    except CdsError:
        _save(request, client, None)
        raise
    _save(request, client, store)
    return response


def _save(request: Request, client: VerifiedClient | None, store: Store | None) -> None:
    """Spend the jti, then store; both committed (with other calls') before the answer."""
    writes: list[Store] = []
    if client is not None:
        writes.append(lambda db: remember_jti(db, client=client))
    if store is not None:
        writes.append(store)
    if writes:
        _runtime(request).writer.write(*writes)


def _trusted_caller(request: Request, service: Service, *, feedback: bool) -> VerifiedClient | None:
    """The verified caller; None when verification is off (development only).

    `aud` must be the endpoint being called (the specification's MUST), built from
    DORSUM_CDS_SERVICE_URL. Never from the request's Host header: whoever sends the request
    chooses that, and could make a token minted for another CDS service match.
    """
    runtime = _runtime(request)
    if not runtime.verify_jwt:
        return None
    if not runtime.service_url:
        raise NotAuthorised(
            "this service's URL is not configured (DORSUM_CDS_SERVICE_URL), so no JWT's aud "
            "can be checked: every call is refused until it is"
        )
    endpoint = f"{runtime.service_url}/{service.id}"
    return verify(
        bearer_token(request.headers.get("authorization")),
        trust=runtime.trust,
        keys=runtime.keys,
        audiences={endpoint, f"{endpoint}/feedback"} if feedback else {endpoint},
        now=clock_of(request).now(),
    )


def _runtime(request: Request) -> CdsRuntime:
    runtime: CdsRuntime = request.app.state.cds
    return runtime


def _base(request: Request) -> str:
    """This service's discovery URL: the setting, or as this request reached it."""
    configured = _runtime(request).service_url
    return configured or str(request.base_url).rstrip("/") + PATH


def _link(request: Request) -> str:
    """The dorsum web application's new-patient page, beside the service."""
    return _base(request).removesuffix(PATH) + "/patients/new"
