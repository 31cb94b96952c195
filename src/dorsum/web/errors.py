"""Every error becomes a clear response: JSON for /api, a page for the browser. A bad request
never produces a 500; the validation error names each field by its dotted path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from dorsum.core.errors import DateRangeError, IntakeError, PlanError
from dorsum.services.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LoginFailed,
    NotFound,
    RateLimited,
)


class SignInRequired(Exception):
    """The page needs a signed-in user."""


class CsrfFailed(Exception):
    """The form's CSRF token is missing or wrong."""


STATUS: dict[type[Exception], int] = {
    NotFound: 404,
    Forbidden: 403,
    InvalidInput: 422,
    Conflict: 409,
    PlanError: 422,
    LoginFailed: 401,
    RateLimited: 429,
    CsrfFailed: 403,
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get(
        "accept", ""
    )


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic errors as {field, message}, the path relative to the request body."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        given = error.get("input")
        message = error.get("msg", "is not valid")
        if error.get("type") == "missing":
            message = "is required"
        elif given is not None and not isinstance(given, dict | list):
            message = f"{message} (got {given!r})"[:300]
        out.append({"field": ".".join(loc) or "body", "message": message})
    return out


def install(app: FastAPI, render_error: Callable[[Request, int, str], Response]) -> None:
    """Register the handlers; `render_error(request, status, message)` draws an HTML page."""

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, error: RequestValidationError) -> Response:
        problems = field_errors(error.errors())
        if _wants_json(request):
            return JSONResponse({"detail": "invalid request", "errors": problems}, 422)
        lines = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return render_error(request, 422, lines)

    @app.exception_handler(IntakeError)
    async def intake(request: Request, error: IntakeError) -> Response:
        problems = [{"field": p.path, "message": p.message} for p in error.problems]
        if _wants_json(request):
            return JSONResponse({"detail": "invalid intake", "errors": problems}, 422)
        return render_error(request, 422, str(error))

    @app.exception_handler(DateRangeError)
    async def date_range(request: Request, error: DateRangeError) -> Response:
        problems = [{"field": error.field, "message": error.message}]
        if _wants_json(request):
            return JSONResponse({"detail": "invalid request", "errors": problems}, 422)
        return render_error(request, 422, str(error))

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _error: SignInRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in, or send a bearer token"}, 401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    for kind, status in STATUS.items():

        async def handler(request: Request, error: Exception, status: int = status) -> Response:
            message = str(error) or type(error).__name__
            if _wants_json(request):
                return JSONResponse({"detail": message}, status)
            return render_error(request, status, message)

        app.add_exception_handler(kind, handler)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, error.status_code)
        return render_error(request, error.status_code, str(error.detail))
