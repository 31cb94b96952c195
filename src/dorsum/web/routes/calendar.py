"""The calendar: day and week views of the book by room, device or staff member, drawn on the
server as a CSS grid of quarter hours (no script needed; every booking is a link, and moving
is a form). Every change goes through the booking services, which check it against the
optimiser's constraints; a refusal shows each reason next to the form, with what was typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.core.dates import EARLIEST, LATEST
from dorsum.i18n import N_
from dorsum.scheduling.needs import booked_treatments
from dorsum.services import appointments, moves, patients, session_booking, session_done
from dorsum.services import calendar as book_view
from dorsum.services.appointments import MAX_ID
from dorsum.services.booking_checks import BookingRefused
from dorsum.services.calendar import BY, By, Calendar, Event
from dorsum.services.errors import Conflict, InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, KnowledgeDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.appointments import booking_rules
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=40)]
STEP = 15  # minutes per grid row
BAD_DATE = N_("Enter a date (day, month and year) between the years 1900 and 2199.")
BAD_TIME = N_("Enter a time such as 09:30.")
BAD_CHOICE = N_("Choose one of the options.")
CREATE_FIELDS = (
    "patient_id",
    "date",
    "time",
    "minutes",
    "purpose",
    "treatment",
    "room_id",
    "staff_id",
    "device_id",
)
MOVE_FIELDS = ("date", "time", "room_id", "staff_id", "device_id")


def parse_day(text: str) -> date | None:
    """A typed ISO date within the supported years, or None."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def parse_time(text: str) -> time | None:
    try:
        moment = time.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.replace(second=0, microsecond=0, tzinfo=None)


def parse_id(text: str) -> int | None:
    """A chosen record id; "" means none. ValueError for anything else."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_ID:
        raise ValueError(text)
    return int(text)


@dataclass(frozen=True)
class Placed:
    """A booking at its place in the grid."""

    event: Event
    column: int
    row: int
    span: int


@dataclass(frozen=True)
class Grid:
    """The calendar laid out: header per column, a row per quarter hour, open cells."""

    headers: list[tuple[str, str | None]]  # label, link (to the week of a resource)
    rows: list[tuple[int, str | None, list[bool]]]  # grid line, hour label, open per column
    placed: list[Placed]


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _layout(cal: Calendar, who: Caller, *, view: str, chosen: int | None) -> Grid:
    opens, closes = _minute(cal.opens), _minute(cal.closes) + (1 if cal.closes.minute else 0)
    if view == "week":
        days = list(cal.days)
        headers: list[tuple[str, str | None]] = [
            (who.localizer.date(d.day, "EEE d MMM"), f"/calendar?day={d.day}&by={cal.by}")
            for d in days
        ]
        open_at = [[d] for d in days]
        events = [e for e in cal.events if cal.column_of(e) == chosen]
        column = {d.day: i for i, d in enumerate(days)}
        where = [(e, column[e.day]) for e in events if e.day in column]
    else:
        headers = [
            (c.name, f"/calendar?day={cal.first}&view=week&by={cal.by}&id={c.id or 0}")
            for c in cal.columns
        ]
        open_at = [[cal.days[0]] for _ in cal.columns]
        index = {c.id: i for i, c in enumerate(cal.columns)}
        where = [(e, index[cal.column_of(e)]) for e in cal.events]
    rows = []
    for n, minute in enumerate(range(opens, closes, STEP)):
        moment = time(minute // 60, minute % 60)
        label = f"{moment:%H:%M}" if minute % 60 == 0 else None
        cells = [any(a <= moment < b for d in col for a, b in d.hours) for col in open_at]
        rows.append((n + 2, label, cells))
    placed = []
    for e, col in where:
        start = max(_minute(e.starts_at.time()), opens)
        end = _minute(e.ends_at.time()) if e.ends_at.date() == e.day else 24 * 60
        row = (start - opens) // STEP + 2
        span = max(1, -(-(end - start) // STEP))
        placed.append(Placed(e, col + 2, row, min(span, len(rows) + 2 - row)))
    return Grid(headers, rows, placed)


def _choices(view: str, by: str) -> tuple[str, By]:
    return ("week" if view == "week" else "day"), (by if by in BY else "room")


def _column(cal: Calendar, asked: int | None) -> int | None:
    """The week view's column: the one asked for (0: the "No room" column), else the first."""
    ids = [c.id for c in cal.columns]
    wanted = asked or None
    if asked is not None and wanted in ids:
        return wanted
    return ids[0] if ids else None


def _calendar_page(
    request: Request,
    who: Caller,
    index: Any,
    *,
    day: date,
    view: str,
    by: By,
    chosen: int | None,
    typed: str | None = None,
    errors: dict[str, Problem] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """The grid for the day (or its week), the go-to-date form, and the form to book."""
    actor = who.signed_in()
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    rules = booking_rules(request)
    cal = book_view.calendar(
        who.db,
        actor=actor,
        first=first,
        days=7 if view == "week" else 1,
        by=by,
        rules=rules,
        index=index,
        language=who.language,
    )
    chosen = _column(cal, chosen) if view == "week" else (chosen or None)
    step = timedelta(days=7 if view == "week" else 1)
    everyone = patients.find_patients(who.db, actor=actor, limit=200).patients
    return render(
        request,
        who,
        "calendar.html.j2",
        status=422 if errors else 200,
        cal=cal,
        grid=_layout(cal, who, view=view, chosen=chosen),
        view=view,
        by=by,
        chosen=chosen,
        chosen_name=next((c.name for c in cal.columns if c.id == chosen), ""),
        day=day,
        previous=first - step if first - step >= EARLIEST else None,
        following=first + step if first + step <= LATEST else None,
        typed=typed if typed is not None else day.isoformat(),
        errors=errors or {},
        values=values or {"date": day.isoformat(), "time": "09:00", "minutes": 30},
        patients=everyone,
        resources=book_view.resources_of(who.db, actor=actor),
        treatments=[
            (t, who.localizer.kb(index.treatments[t].name)) for t in booked_treatments(index)
        ],
    )


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    who: SignedInDep,
    index: KnowledgeDep,
    day: Text = "",
    view: Text = "day",
    by: Text = "room",
    id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> Response:
    shown_view, shown_by = _choices(view, by)
    chosen = id  # None: not chosen; 0: the "No room" column
    parsed = parse_day(day) if day else who.today
    if parsed is None:
        problem = {"day": Problem("day", BAD_DATE)}
        return _calendar_page(
            request,
            who,
            index,
            day=who.today,
            view=shown_view,
            by=shown_by,
            chosen=chosen,
            typed=day,
            errors=problem,
        )
    return _calendar_page(
        request, who, index, day=parsed, view=shown_view, by=shown_by, chosen=chosen
    )


def _starts_at(values: dict[str, str], problems: dict[str, Problem]) -> datetime | None:
    day, moment = parse_day(values["date"]), parse_time(values["time"])
    if day is None:
        problems["date"] = Problem("date", BAD_DATE)
    if moment is None:
        problems["time"] = Problem("time", BAD_TIME)
    return datetime.combine(day, moment) if day and moment else None


@router.post("/calendar/appointments", response_class=HTMLResponse)
def create(request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep) -> Response:
    """A session in a room (a treatment chosen), or a plain appointment; checked like every
    booking, and refused with every reason next to the form."""
    values = {name: str(form.get(name) or "").strip()[:200] for name in CREATE_FIELDS}
    problems: dict[str, Problem] = {}
    starts = _starts_at(values, problems)
    try:
        if problems:
            raise InvalidInput(BAD_DATE, field="date")
        if values["treatment"]:  # a session in a room, checked like the optimiser's
            session = session_booking.book_session(
                who.db,
                actor=who.signed_in(),
                data=session_booking.SessionCreate.model_validate(
                    {
                        "patient_id": values["patient_id"],
                        "treatment": values["treatment"],
                        "starts_at": starts,
                        "room_id": values["room_id"] or None,
                        "staff_id": values["staff_id"] or None,
                        "device_id": values["device_id"] or None,
                    }
                ),
                index=index,
                rules=booking_rules(request),
                now=who.now,
                language=who.language,
            )
            local = who.local(session.starts_at).date()
            return RedirectResponse(f"/calendar?day={local}&booked=1#grid", status_code=303)
        data = appointments.AppointmentCreate.model_validate(
            {
                "patient_id": values["patient_id"],
                "starts_at": starts,
                "minutes": values["minutes"] or 30,
                "purpose": values["purpose"],
            }
        )
        made = appointments.book(
            who.db, actor=who.signed_in(), data=data, rules=booking_rules(request), now=who.now
        )
    except BookingRefused as refused:
        who.db.rollback()
        day = parse_day(values["date"]) or who.today
        return _calendar_page(
            request,
            who,
            index,
            day=day,
            view="day",
            by="room",
            chosen=None,
            errors={"form": Problem("form", " ".join(refused.reasons))},
            values=values,
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        found = {("date" if k == "starts_at" else k): v for k, v in refusal(error).items()}
        shown = problems or {k: Problem(k, v.message, v.values) for k, v in found.items()}
        day = parse_day(values["date"]) or who.today
        return _calendar_page(
            request,
            who,
            index,
            day=day,
            view="day",
            by="room",
            chosen=None,
            errors=shown,
            values=values,
        )
    local = who.local(made.starts_at).date()
    return RedirectResponse(f"/calendar?day={local}&booked=1#grid", status_code=303)


def _event_page(
    request: Request,
    who: Caller,
    index: Any,
    appointment_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
    reasons: list[str] | None = None,
    not_marked: str = "",
) -> Response:
    """A booking's details with the forms to move, cancel or mark it done or missed;
    `not_marked` says why marking it was refused."""
    actor = who.signed_in()
    shown = book_view.event(
        who.db,
        actor=actor,
        appointment_id=appointment_id,
        rules=booking_rules(request),
        index=index,
        language=who.language,
    )
    resources = book_view.resources_of(who.db, actor=actor)
    typed = values or {
        "date": shown.starts_at.date().isoformat(),
        "time": f"{shown.starts_at:%H:%M}",
        "room_id": str(shown.room_id or ""),
        "staff_id": str(shown.staff_id or ""),
        "device_id": str(shown.device_id or ""),
    }
    return render(
        request,
        who,
        "_calendar_event.html.j2",
        status=422 if errors or reasons or not_marked else 200,
        not_marked=not_marked,
        event=shown,
        resources=resources,
        names=_names(resources),
        values=typed,
        errors=errors or {},
        reasons=reasons or [],
        started=shown.starts_at <= who.now,
    )


def _names(resources: Any) -> dict[tuple[str, int | None], str]:
    names: dict[tuple[str, int | None], str] = {("room", r.id): r.name for r in resources.rooms}
    names |= {("device", d.id): d.name for d in resources.devices}
    names |= {("staff", s.id): s.name for s in resources.staff}
    return names


@router.get("/calendar/appointments/{appointment_id}", response_class=HTMLResponse)
def event_page(
    request: Request, who: SignedInDep, index: KnowledgeDep, appointment_id: RecordId
) -> Response:
    return _event_page(request, who, index, appointment_id)


@router.post("/calendar/appointments/{appointment_id}/move", response_class=HTMLResponse)
def move(
    request: Request, form: FormDep, who: WriteDep, index: KnowledgeDep, appointment_id: RecordId
) -> Response:
    values = {name: str(form.get(name) or "").strip()[:40] for name in MOVE_FIELDS}
    problems: dict[str, Problem] = {}
    starts = _starts_at(values, problems)
    ids: dict[str, int | None] = {}
    for name in ("room_id", "staff_id", "device_id"):
        try:
            ids[name] = parse_id(values[name])
        except ValueError:
            problems[name] = Problem(name, BAD_CHOICE)
    if problems or starts is None:
        return _event_page(request, who, index, appointment_id, values=values, errors=problems)
    rules = booking_rules(request)
    try:
        moves.move_session(
            who.db,
            actor=who.signed_in(),
            appointment_id=appointment_id,
            starts_at=starts,
            room_id=ids["room_id"],
            staff_id=ids["staff_id"],
            device_id=ids["device_id"],
            index=index,
            rules=rules,
            now=who.now,
            language=who.language,
            expected=_seen(str(form.get("expected") or "")),
        )
    except Conflict as conflict:  # moved in another tab or by someone else meanwhile
        who.db.rollback()
        said = who.localizer.gettext(str(conflict))
        return _event_page(request, who, index, appointment_id, values=values, reasons=[said])
    except BookingRefused as refused:
        who.db.rollback()
        return _event_page(
            request, who, index, appointment_id, values=values, reasons=refused.reasons
        )
    except InvalidInput as error:
        who.db.rollback()
        found = {("date" if k == "starts_at" else k): v for k, v in refusal(error).items()}
        errors = {k: Problem(k, v.message, v.values) for k, v in found.items()}
        return _event_page(request, who, index, appointment_id, values=values, errors=errors)
    return RedirectResponse(f"/calendar?day={starts.date()}&moved=1#grid", status_code=303)


def _seen(text: str) -> datetime | None:
    """Where the booking was when the form was shown (an ISO time), if the form says."""
    try:
        seen = datetime.fromisoformat(text[:40])
    except ValueError:
        return None
    return seen if seen.tzinfo is not None else None


@router.post("/calendar/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(who: WriteDep, appointment_id: RecordId) -> Response:
    done = appointments.cancel(
        who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now
    )
    day = who.local(done.starts_at).date()
    return RedirectResponse(f"/calendar?day={day}&cancelled=1#grid", status_code=303)


@router.post("/calendar/appointments/{appointment_id}/no-show", response_class=HTMLResponse)
def no_show(
    request: Request, who: WriteDep, index: KnowledgeDep, appointment_id: RecordId
) -> Response:
    try:
        done = moves.mark_no_show(
            who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now
        )
    except InvalidInput as error:
        who.db.rollback()
        return _event_page(request, who, index, appointment_id, errors=refusal(error))
    day = who.local(done.starts_at).date()
    return RedirectResponse(f"/calendar?day={day}&missed=1#grid", status_code=303)


@router.post("/calendar/appointments/{appointment_id}/done", response_class=HTMLResponse)
def done(
    request: Request, who: WriteDep, index: KnowledgeDep, appointment_id: RecordId
) -> Response:
    """The session took place; a plan session needs the plan's treatment consent."""
    try:
        marked = session_done.mark_done(
            who.db, actor=who.signed_in(), appointment_id=appointment_id, now=who.now
        )
    except InvalidInput as error:
        who.db.rollback()
        said = who.localizer.gettext(error.message, **error.values)
        return _event_page(request, who, index, appointment_id, not_marked=said)
    day = who.local(marked.starts_at).date()
    return RedirectResponse(f"/calendar?day={day}&done=1#grid", status_code=303)
