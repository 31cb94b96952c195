"""Whether bookings break any constraint, and which: the one oracle that the calendar (for
each change reception makes), the greedy baseline's tests and the optimiser's tests share.

A violation names its code, the booking (or series) and the values a message needs; the web
pages word it through the one wording module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from dorsum.scheduling.model import Booking, Clinic, Problem, Series, Span, covers, in_sun_window


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    series: str = ""
    patient: int | None = None
    day: date | None = None
    params: dict[str, str | int] = field(default_factory=dict)


def within(spans: tuple[Span, ...], start: int, end: int) -> bool:
    """Whether start..end (minutes after midnight) falls inside one span."""
    return any(opens <= start and end <= closes for opens, closes in spans)


def place_violations(clinic: Clinic, booking: Booking) -> list[Violation]:
    """What is wrong with one booking on its own: hours, closures, skills and devices."""
    found: list[Violation] = []
    b, day = booking, booking.day

    def add(code: str, **params: str | int) -> None:
        found.append(Violation(code, b.series, b.patient, day, dict(params)))

    if clinic.closed(day):
        add("clinic_closed")
    elif not within(clinic.hours[day.weekday()], b.start, b.end):
        add("outside_hours")
    needs = clinic.needs.get(b.treatment)
    rooms = {r.id for r in clinic.rooms}
    if b.room not in rooms:
        add("unknown_room", room=b.room)
    elif clinic.resource_closed("room", b.room, day):
        add("room_closed", room=b.room)
    found += _staff_violations(clinic, b, needs.physician if needs is not None else False)
    found += _device_violations(clinic, b, needs.device_kind if needs is not None else None)
    return found


def _staff_violations(clinic: Clinic, b: Booking, physician: bool) -> list[Violation]:
    staff = next((s for s in clinic.staff if s.id == b.staff), None)
    day = b.day
    if staff is None:
        return [Violation("unknown_staff", b.series, b.patient, day, {"staff": b.staff})]
    codes: list[tuple[str, dict[str, str | int]]] = []
    if clinic.resource_closed("staff", staff.id, day):
        codes.append(("staff_away", {"staff": staff.id}))
    elif not within(staff.hours[day.weekday()], b.start, b.end):
        codes.append(("off_roster", {"staff": staff.id}))
    if b.treatment not in staff.skills:
        codes.append(("lacks_skill", {"staff": staff.id, "treatment": b.treatment}))
    if physician and not staff.physician:
        codes.append(("needs_physician", {"staff": staff.id, "treatment": b.treatment}))
    return [Violation(code, b.series, b.patient, day, params) for code, params in codes]


def _device_violations(clinic: Clinic, b: Booking, kind: str | None) -> list[Violation]:
    device = next((d for d in clinic.devices if d.id == b.device), None)
    day = b.day
    if b.device is not None and device is None:
        return [Violation("unknown_device", b.series, b.patient, day, {"device": b.device})]
    if kind is None:
        return []
    if device is None or device.kind != kind:
        return [Violation("needs_device", b.series, b.patient, day, {"kind": kind})]
    found = []
    if b.room not in device.rooms:
        found.append(
            Violation(
                "device_not_in_room",
                b.series,
                b.patient,
                day,
                {"device": device.id, "room": b.room},
            )
        )
    if clinic.resource_closed("device", device.id, day):
        found.append(
            Violation("device_unavailable", b.series, b.patient, day, {"device": device.id})
        )
    return found


def overlaps(bookings: Iterable[Booking]) -> list[Violation]:
    """Two bookings holding one room, device or staff member at once, or one patient twice a
    day."""
    held: dict[tuple[str, int, date], list[Booking]] = defaultdict(list)
    for b in bookings:
        held["room", b.room, b.day].append(b)
        held["staff", b.staff, b.day].append(b)
        if b.device is not None:
            held["device", b.device, b.day].append(b)
        held["patient", b.patient, b.day].append(b)
    found: list[Violation] = []
    for (kind, ident, day), same in held.items():
        same.sort(key=lambda b: b.start)
        for first, second in pairwise(same):
            if kind == "patient" or second.start < first.end:
                found.append(
                    Violation(
                        f"{kind}_double_booked",
                        second.series,
                        second.patient,
                        day,
                        {kind: ident, "with": first.series},
                    )
                )
    return found


def series_violations(problem: Problem, series: Series, dates: list[date]) -> list[Violation]:
    """Spacing, waits, the horizon, and the patient's unavailable and sun days for one series'
    session dates (in order)."""
    found: list[Violation] = []
    patient = problem.patient(series.patient)

    def add(code: str, day: date | None, **params: str | int) -> None:
        found.append(Violation(code, series.key, series.patient, day, dict(params)))

    if dates and dates[0] < series.earliest:
        add("before_earliest", dates[0], earliest=series.earliest.isoformat())
    for day in dates:
        if not problem.start <= day <= problem.last:
            add("beyond_horizon", day)
        if covers(patient.unavailable, day) or covers(patient.sun, day):
            add("patient_unavailable", day)
        if in_sun_window(day, series.sun_days, patient.sun):
            add("sun_window", day, days=series.sun_days)
    for previous, day in pairwise(dates):
        gap = (day - previous).days
        if gap < series.min_gap:
            add("spacing_short", day, gap=gap, min=series.min_gap)
        if gap > series.max_gap:
            add("spacing_long", day, gap=gap, max=series.max_gap)
    return found


def recovery_violations(problem: Problem, bookings: Iterable[Booking]) -> list[Violation]:
    """A session inside the recovery after an earlier session of the same patient, of the same
    treatment or another (the back is one treatment area)."""
    downtime = {s.key: s.downtime for s in problem.series}
    by_patient: dict[int, list[Booking]] = defaultdict(list)
    for b in bookings:
        by_patient[b.patient].append(b)
    found: list[Violation] = []
    for sessions in by_patient.values():
        sessions.sort(key=lambda b: b.day)
        for i, first in enumerate(sessions):
            rest = downtime.get(first.series, 0)
            for later in sessions[i + 1 :]:
                if (later.day - first.day).days >= max(rest, 1):
                    break
                if later.day != first.day:  # the same day is a double booking, said once
                    found.append(
                        Violation(
                            "in_recovery",
                            later.series,
                            later.patient,
                            later.day,
                            {"after": first.series, "days": rest},
                        )
                    )
    return found


def violations(problem: Problem, bookings: Iterable[Booking]) -> list[Violation]:
    """Everything wrong with these bookings together with the problem's existing ones."""
    new = list(bookings)
    every = [*problem.existing, *new]
    found = [v for b in new for v in place_violations(problem.clinic, b)]
    found += overlaps(every)
    by_series: dict[str, list[date]] = defaultdict(list)
    for b in sorted(every, key=lambda b: (b.series, b.day)):
        by_series[b.series].append(b.day)
    for series in problem.series:
        found += series_violations(problem, series, by_series.get(series.key, []))
    found += recovery_violations(problem, every)
    return found
