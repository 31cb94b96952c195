""" "Book this plan": the proposed dates for a plan's sessions, each row adjustable (date, time,
room, staff member, device) or left out; accepting books them all or none, checked against the
book at that moment. A refusal shows every reason, with the rows as they were typed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.i18n import N_
from dorsum.services import booking
from dorsum.services import calendar as book_view
from dorsum.services.appointments import BookingRules
from dorsum.services.booking import SessionChoice
from dorsum.services.booking_checks import BookingRefused
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal, wording
from dorsum.web.routes.appointments import booking_rules
from dorsum.web.routes.calendar import (
    BAD_CHOICE,
    BAD_DATE,
    BAD_TIME,
    parse_day,
    parse_id,
    parse_time,
)
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_ROWS = 100
ROW_FIELDS = (
    "include",
    "treatment",
    "number",
    "of",
    "name",
    "minutes",
    "date",
    "time",
    "room",
    "staff",
    "device",
)
TOO_FAR = N_("The clinic books at most %(days)s days ahead.")


def too_far(starts: datetime, *, now: datetime, rules: BookingRules) -> bool:
    """Beyond the clinic's booking horizon (checked before anything is loaded)."""
    local = starts if starts.tzinfo is None else starts.astimezone(rules.timezone)
    return (
        local.date() > (now.astimezone(rules.timezone) + timedelta(days=rules.horizon_days)).date()
    )


def _rows_of(proposal: booking.Proposal) -> list[dict[str, str]]:
    return [
        {
            "include": "on",
            "treatment": s.treatment,
            "number": str(s.number),
            "of": str(s.of),
            "name": s.treatment_name,
            "minutes": str(s.minutes),
            "date": s.starts_at.date().isoformat(),
            "time": f"{s.starts_at:%H:%M}",
            "room": str(s.room_id),
            "staff": str(s.staff_id),
            "device": str(s.device_id or ""),
        }
        for s in proposal.sessions
    ]


def _page(
    request: Request,
    who: Caller,
    plan_id: int,
    *,
    rows: list[dict[str, str]],
    summary: dict[str, Any],
    errors: dict[str, Problem] | None = None,
    reasons: list[str] | None = None,
) -> Response:
    resources = book_view.resources_of(who.db, actor=who.signed_in())
    target = parse_day(summary["target"]) if summary["target"] else None
    return render(
        request,
        who,
        "plan_booking.html.j2",
        status=422 if errors or reasons else 200,
        plan_id=plan_id,
        rows=rows,
        summary=summary,
        resources=resources,
        errors=errors or {},
        reasons=reasons or [],
        reject=rejected_to(who, plan_id, summary["patient_id"]),
        target_day=who.localizer.date(target, "medium") if target else "",
    )


@router.get("/plans/{plan_id}/book", response_class=HTMLResponse)
def proposal_page(
    request: Request, who: SignedInDep, index: KnowledgeDep, plan_id: RecordId
) -> Response:
    proposal = booking.propose_plan(
        who.db,
        actor=who.signed_in(),
        plan_id=plan_id,
        index=index,
        rules=booking_rules(request),
        today=who.today,
        language=who.language,
    )
    summary = {
        "patient_id": str(proposal.patient_id),
        "target": proposal.target.isoformat() if proposal.target else "",
        "target_met": "" if proposal.target_met is None else str(proposal.target_met).lower(),
        "unplaced": proposal.unplaced,
    }
    return _page(request, who, plan_id, rows=_rows_of(proposal), summary=summary)


def _typed_rows(form: Any) -> list[dict[str, str]]:
    count = str(form.get("count") or "0")
    total = min(int(count), MAX_ROWS) if count.isdigit() and len(count) < 5 else 0
    return [
        {name: str(form.get(f"{name}_{i}") or "").strip()[:60] for name in ROW_FIELDS}
        for i in range(total)
    ]


def _choices(
    rows: list[dict[str, str]], problems: dict[str, Problem], *, now: datetime, rules: BookingRules
) -> list[SessionChoice]:
    """The ticked rows as sessions; each unreadable field a problem named by its row."""
    chosen = []
    for i, row in enumerate(rows):
        if not row["include"]:
            continue
        day, moment = parse_day(row["date"]), parse_time(row["time"])
        if day is None:
            problems[f"date_{i}"] = Problem(f"date_{i}", BAD_DATE)
        if moment is None:
            problems[f"time_{i}"] = Problem(f"time_{i}", BAD_TIME)
        ids: dict[str, int | None] = {}
        for name in ("room", "staff", "device"):
            try:
                ids[name] = parse_id(row[name])
            except ValueError:
                problems[f"{name}_{i}"] = Problem(f"{name}_{i}", BAD_CHOICE)
        if day is None or moment is None or len(ids) < 3:
            continue
        starts = datetime.combine(day, moment)
        if too_far(starts, now=now, rules=rules):
            problems[f"date_{i}"] = Problem(f"date_{i}", TOO_FAR, {"days": rules.horizon_days})
            continue
        try:
            chosen.append(
                SessionChoice(
                    treatment=row["treatment"],
                    number=row["number"],
                    starts_at=starts,
                    room_id=ids["room"],
                    staff_id=ids["staff"],
                    device_id=ids["device"],
                )
            )
        except ValidationError as error:
            for problem in _row_problems(i, error):
                problems.setdefault(problem.field, problem)
    return chosen


# where a session's field is on the page: its row's cell (the treatment's is its number's)
ROW_CELLS = {
    "treatment": "number",
    "number": "number",
    "starts_at": "date",
    "room_id": "room",
    "staff_id": "staff",
    "device_id": "device",
}


def _row_problems(i: int, error: ValidationError) -> list[Problem]:
    """A row's validation errors, each next to its own cell; a list's says to choose again."""
    problems = []
    for found in error.errors():
        name = ROW_CELLS.get(str(found["loc"][0]) if found["loc"] else "", "number")
        field = f"{name}_{i}"
        if name in ("room", "staff", "device"):
            problems.append(Problem(field, BAD_CHOICE))
        else:
            problems.append(Problem(field, *wording(found)))
    return problems


@router.post("/plans/{plan_id}/book", response_class=HTMLResponse)
def accept(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, plan_id: RecordId
) -> Response:
    rows = _typed_rows(form)
    summary = {
        "patient_id": str(form.get("patient_id") or "")[:12],
        "target": str(form.get("target") or "")[:12],
        "target_met": str(form.get("target_met") or "")[:6],
        "unplaced": [str(u)[:300] for u in form.getlist("unplaced")[:MAX_ROWS]],
    }
    rules = booking_rules(request)
    problems: dict[str, Problem] = {}
    chosen = _choices(rows, problems, now=who.now, rules=rules)
    if problems:
        return _page(request, who, plan_id, rows=rows, summary=summary, errors=problems)
    try:
        made = booking.accept_plan(
            who.db,
            actor=who.signed_in(),
            plan_id=plan_id,
            sessions=chosen,
            index=index,
            rules=rules,
            now=who.now,
            language=who.language,
        )
    except BookingRefused as refused:
        who.db.rollback()
        return _page(request, who, plan_id, rows=rows, summary=summary, reasons=refused.reasons)
    except InvalidInput as error:
        who.db.rollback()
        return _page(request, who, plan_id, rows=rows, summary=summary, errors=refusal(error))
    first: date = min(who.local(a.starts_at).date() for a in made)
    return RedirectResponse(f"/calendar?day={first}&plan_booked={len(made)}#grid", status_code=303)


def rejected_to(who: Caller, plan_id: int, patient_id: str) -> str:
    """Back to the plan (clinical roles) or to the patient (reception cannot read plans)."""
    if who.signed_in().clinical:
        return f"/plans/{plan_id}"
    return f"/patients/{patient_id}" if patient_id.isdigit() else "/calendar"
