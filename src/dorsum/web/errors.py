"""Every error becomes a clear response: JSON for /api, a page for the browser, never a 500
for something the caller sent, and never a traceback.

- Bad input: 422 naming each field (JSON), or the page in the user's language.
- Service errors: their status (404, 403, 409, 422, 401, 429); `InvalidInput` names its field.
- The database busy or unreachable: 503 with Retry-After. A value the database refuses
  (a race the checks could not see): 409 or 422, and a warning in the log without the value.
- Error pages keep the signed-in header and the user's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dorsum.core.errors import DateRangeError, IntakeError, PlanError
from dorsum.i18n import N_
from dorsum.services.errors import (
    Busy,
    Conflict,
    Forbidden,
    InvalidInput,
    LoginFailed,
    NotFound,
    RateLimited,
)
from dorsum.web.logs import scrubbed
from dorsum.web.problems import location

log = logging.getLogger("dorsum.web")
RETRY_AFTER_SECONDS = 2


class SignInRequired(Exception):
    """The page needs a signed-in user."""


class CsrfFailed(Exception):
    """The form's CSRF token is missing or wrong."""


class ErrorPage(Protocol):
    def __call__(
        self, request: Request, status: int, message: str, values: Mapping[str, Any] | None = None
    ) -> Response: ...


STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    PlanError: 422,
    LoginFailed: 401,
    RateLimited: 429,
    CsrfFailed: 403,
}
UNREADABLE = N_(
    "The request could not be read: it is not valid JSON, or a number in it is too long."
)
HTTP_MESSAGES = {
    404: N_("There is no such page."),
    405: N_("This page cannot be used that way."),
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get(
        "accept", ""
    )


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic errors as {field, message} for the JSON API, the path relative to the body."""
    out = []
    for error in errors:
        loc = [str(part) for part in location(error) if part not in ("body", "query", "path")]
        given = error.get("input")
        message = error.get("msg", "is not valid")
        if error.get("type") == "missing":
            message = "is required"
        elif given is not None and isinstance(given, str | int | float | bool):
            message = f"{message} (got {given!r})"[:300]
        out.append({"field": ".".join(loc) or "body", "message": message})
    return out


def install(app: FastAPI, render_error: ErrorPage) -> None:
    """Register the handlers; `render_error(request, status, message, values)` draws a page."""

    def respond(
        request: Request,
        status: int,
        message: str,
        *,
        values: Mapping[str, Any] | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        response: Response
        if wants_json(request):
            body: dict[str, Any] = {"detail": message % values if values else message}
            if errors:
                body["errors"] = errors
            response = JSONResponse(body, status)
        else:
            response = render_error(request, status, message, values)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, error: RequestValidationError) -> Response:
        problems = field_errors(error.errors())
        in_path = any(e.get("loc", ("",))[0] == "path" for e in error.errors())
        if in_path and not wants_json(request):  # /patients/abc is a page that does not exist
            return respond(request, 404, HTTP_MESSAGES[404])
        return respond(request, 422, N_("Please check what was entered."), errors=problems)

    @app.exception_handler(IntakeError)
    async def intake(request: Request, error: IntakeError) -> Response:
        problems = [{"field": p.path, "message": p.message} for p in error.problems]
        return respond(request, 422, N_("The intake is not valid."), errors=problems)

    @app.exception_handler(DateRangeError)
    async def date_range(request: Request, error: DateRangeError) -> Response:
        problems = [{"field": error.field, "message": error.message}]
        return respond(
            request, 422, N_("Enter a date between the years 1900 and 2199."), errors=problems
        )

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, error: InvalidInput) -> Response:
        problems = [{"field": error.field, "message": str(error)}] if error.field else None
        return respond(request, 422, error.message, values=error.values, errors=problems)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _error: SignInRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "sign in, or send a bearer token"}, 401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    for kind, status in STATUS.items():

        async def handler(request: Request, error: Exception, status: int = status) -> Response:
            return respond(request, status, str(error) or type(error).__name__)

        app.add_exception_handler(kind, handler)

    @app.exception_handler(Busy)
    @app.exception_handler(OperationalError)
    async def busy(request: Request, error: Exception) -> Response:
        log.warning("database busy or unreachable: %s", type(error).__name__)
        return respond(
            request,
            503,
            N_("The clinic's database is busy. Please try again in a moment."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, error: IntegrityError) -> Response:
        log.warning("refused by the database:\n%s", scrubbed(error))
        return respond(
            request,
            409,
            N_("Someone else changed this record at the same moment. Reload it and try again."),
        )

    @app.exception_handler(DataError)
    async def data(request: Request, error: DataError) -> Response:
        log.warning("a value the database cannot store:\n%s", scrubbed(error))
        return respond(
            request, 422, N_("One of the values cannot be stored. Please check what was entered.")
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 400:  # a body FastAPI could not parse (a number too long)
            return respond(request, 422, UNREADABLE)
        message = HTTP_MESSAGES.get(error.status_code, str(error.detail))
        return respond(request, error.status_code, message, headers=error.headers)
