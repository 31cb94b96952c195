"""Reception's list of public booking requests, to call back and mark handled."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dorsum.services import appointments
from dorsum.web.deps import SignedInDep, WriteDep
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/requests", response_class=HTMLResponse)
def booking_requests(request: Request, who: SignedInDep) -> Response:
    requests = appointments.booking_requests(who.db, actor=who.signed_in())
    return render(request, who, "requests.html.j2", requests=requests)


@router.post("/requests/{request_id}/handled")
def mark_handled(who: WriteDep, request_id: RecordId) -> Response:
    appointments.mark_handled(who.db, actor=who.signed_in(), request_id=request_id)
    return RedirectResponse("/requests", status_code=303)
