"""The error page: the same header as every page (who is signed in, the navigation, the
language), so a 403, 404 or 422 never looks like being signed out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dorsum.storage.database import reading
from dorsum.web.context import Caller
from dorsum.web.deps import clock_of, identify


def render_error(
    request: Request, status: int, message: str, values: Mapping[str, Any] | None = None
) -> Response:
    from dorsum.web.templating import render

    who = _caller(request)
    context = {"code": status, "message": message, "values": values or {}}
    return render(request, who, "error.html.j2", status=status, **context)


def _caller(request: Request) -> Caller:
    """The request's caller, or (for errors raised before it was known) a fresh look-up. The
    look-up only reads, so on the event loop it never waits for SQLite's write lock."""
    known = getattr(request.state, "caller", None)
    if isinstance(known, Caller):
        return known
    with Session(reading(request.app.state.engine)) as db:
        try:
            return identify(request, db, now=clock_of(request).now())
        except Exception:  # an unknown token, or the database down: show the page signed out
            request.state.bearer = False
            db.rollback()
            settings = request.app.state.settings
            now = clock_of(request).now()
            return Caller(
                db=db, actor=None, language="en", csrf_token="", now=now, zone=settings.zone
            )
