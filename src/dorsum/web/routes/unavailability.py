"""A patient's unavailable days, from the patient page: add a period, remove one. A refused
period shows the page again with the dates as typed and the problem next to its field."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.services import unavailability
from dorsum.services.errors import InvalidInput
from dorsum.web.deps import FormDep, KnowledgeDep, WriteDep
from dorsum.web.problems import refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.routes.patients import show_patient

router = APIRouter(include_in_schema=False)
PERIOD_FIELDS = ("starts_on", "ends_on", "kind")


@router.post("/patients/{patient_id}/unavailability", response_class=HTMLResponse)
def add_period(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, patient_id: RecordId
) -> Response:
    typed = {name: str(form.get(name) or "").strip() for name in PERIOD_FIELDS}
    try:
        data = unavailability.UnavailabilityInput.model_validate(
            {name: value or None for name, value in typed.items() if value or name != "kind"}
        )
        unavailability.add_unavailability(
            who.db, actor=who.signed_in(), patient_id=patient_id, data=data
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return show_patient(request, who, index, patient_id, period=typed, errors=refusal(error))
    return RedirectResponse(f"/patients/{patient_id}?period=added#unavailable", status_code=303)


@router.post(
    "/patients/{patient_id}/unavailability/{period_id}/remove", response_class=HTMLResponse
)
def remove_period(who: WriteDep, patient_id: RecordId, period_id: RecordId) -> Response:
    unavailability.remove_unavailability(
        who.db, actor=who.signed_in(), patient_id=patient_id, period_id=period_id
    )
    return RedirectResponse(f"/patients/{patient_id}?period=removed#unavailable", status_code=303)
