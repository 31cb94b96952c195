"""Re-optimising the book from the calendar: the optimiser looks for moves of booked plan
sessions that let more patients finish by their target; reception ticks the moves it accepts,
which are applied together (so two sessions can swap) after one more check. Nothing moves
until reception accepts."""

from __future__ import annotations

from threading import Lock

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.i18n import N_
from dorsum.services import moves, reoptimise
from dorsum.services.booking_checks import BookingRefused
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.routes.appointments import booking_rules
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_MOVES = 500
FIELDS = ("appointment_id", "starts_at", "room_id", "staff_id", "device_id")
BUSY = N_("A search for better dates is already running for this clinic; try again shortly.")
_SEARCHING: dict[int, Lock] = {}  # clinic -> held while a search runs (one per process)
BAD_PROPOSAL = N_("The proposal could not be read; look for better dates again.")


@router.get("/calendar/reoptimise", response_class=HTMLResponse)
def page(request: Request, who: SignedInDep) -> Response:
    return render(request, who, "reoptimise.html.j2", found=None, reasons=[])


@router.post("/calendar/reoptimise", response_class=HTMLResponse)
def search(request: Request, who: WriteDep, index: KnowledgeDep) -> Response:
    """Look for moves (nothing is changed). A POST with the form's token, one search per
    clinic at a time: a search holds both cores for up to ten seconds."""
    actor = who.signed_in()
    lock = _SEARCHING.setdefault(actor.clinic_id, Lock())
    if not lock.acquire(blocking=False):
        busy = who.localizer.gettext(BUSY)
        return render(request, who, "reoptimise.html.j2", status=429, found=None, reasons=[busy])
    try:
        found = reoptimise.propose_moves(
            who.db,
            actor=actor,
            index=index,
            rules=booking_rules(request),
            today=who.today,
            language=who.language,
        )
    finally:
        lock.release()
    return _found(request, who, found, reasons=[])


def _found(
    request: Request, who: Caller, found: reoptimise.Reoptimisation, *, reasons: list[str]
) -> Response:
    rows = [
        {**m.model_dump(), "before": who.local(m.before), "after": who.local(m.starts_at)}
        for m in found.moves
    ]
    return render(
        request,
        who,
        "reoptimise.html.j2",
        status=422 if reasons else 200,
        found=found,
        rows=rows,
        reasons=reasons,
    )


@router.post("/calendar/reoptimise/accept", response_class=HTMLResponse)
def accept(request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep) -> Response:
    """Apply the ticked moves together, checked again now."""
    chosen = []
    try:
        count = min(int(str(form.get("count") or "0")), MAX_MOVES)
        for i in range(count):
            if form.get(f"include_{i}") is None:
                continue
            chosen.append(
                moves.MoveChoice.model_validate(
                    {name: (str(form.get(f"{name}_{i}") or "") or None) for name in FIELDS}
                )
            )
    except (ValueError, ValidationError):
        return render(
            request,
            who,
            "reoptimise.html.j2",
            status=422,
            found=None,
            reasons=[who.localizer.gettext(BAD_PROPOSAL)],
        )
    try:
        done = moves.apply_moves(
            who.db,
            actor=who.signed_in(),
            moves=chosen,
            index=index,
            rules=booking_rules(request),
            now=who.now,
            language=who.language,
        )
    except BookingRefused as refused:
        who.db.rollback()
        return render(
            request, who, "reoptimise.html.j2", status=422, found=None, reasons=refused.reasons
        )
    except InvalidInput as error:
        who.db.rollback()
        message = who.localizer.gettext(error.message, **error.values)
        return render(request, who, "reoptimise.html.j2", status=422, found=None, reasons=[message])
    day = min(who.local(d.starts_at).date() for d in done)
    return RedirectResponse(f"/calendar?day={day}&moved={len(done)}#grid", status_code=303)
