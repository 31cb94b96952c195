"""The booking problem as plain values: the clinic's resources, the series of sessions to book,
the patients' unavailable days, and the bookings that already exist.

Time is counted in minutes from midnight (the clinic's local time) of the book's first day;
sessions start on a grid of `SLOT` minutes. A day's hours are spans of minutes after midnight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from dorsum.scheduling.needs import Needs

SLOT = 15  # minutes: sessions start on the quarter hour
DAY = 24 * 60

Span = tuple[int, int]  # minutes after midnight: opens, closes
Week = tuple[tuple[Span, ...], ...]  # for each weekday (0 = Monday), its spans
Period = tuple[date, date]  # first and last day, inclusive


def covers(periods: tuple[Period, ...], day: date) -> bool:
    """Whether `day` falls in any of the periods."""
    return any(first <= day <= last for first, last in periods)


def in_sun_window(day: date, sun_days: int, sun: tuple[Period, ...]) -> bool:
    """Whether strong sun falls within the `sun_days` days from a session on `day` on."""
    if sun_days <= 0:
        return False
    end = day + timedelta(days=sun_days - 1)
    return any(first <= end and day <= last for first, last in sun)


def merged(spans: tuple[Span, ...] | list[Span]) -> tuple[Span, ...]:
    """Spans in order, with touching or overlapping ones joined (09-13 and 13-18 is 09-18)."""
    joined: list[Span] = []
    for opens, closes in sorted(spans):
        if joined and opens <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], closes))
        else:
            joined.append((opens, closes))
    return tuple(joined)


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Device:
    id: int
    name: str
    kind: str
    rooms: frozenset[int]  # the rooms it can be used in


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    name: str
    physician: bool
    skills: frozenset[str]  # treatment ids
    hours: Week  # the roster


@dataclass(frozen=True, slots=True)
class Closure:
    """Days something is unavailable: the whole clinic when no resource is named."""

    period: Period
    room: int | None = None
    device: int | None = None
    staff: int | None = None


@dataclass(frozen=True, slots=True)
class Clinic:
    hours: Week
    rooms: tuple[Room, ...]
    devices: tuple[Device, ...]
    staff: tuple[Staff, ...]
    closures: tuple[Closure, ...] = ()
    needs: Mapping[str, Needs] = field(default_factory=dict)

    def needs_for(self, series: Series) -> Needs:
        """The treatment's needs, with the series' own session length when the plan sets one."""
        needs = self.needs[series.treatment]
        if series.minutes is None or series.minutes == needs.minutes:
            return needs
        return replace(needs, minutes=series.minutes)

    def closed(self, day: date) -> bool:
        """Whether the whole clinic is closed on `day` (a holiday, or no opening hours)."""
        if not self.hours[day.weekday()]:
            return True
        return any(c.period[0] <= day <= c.period[1] for c in self.closures if _whole(c))

    def resource_closed(self, kind: str, ident: int, day: date) -> bool:
        """Whether one room, device or staff member is unavailable on `day`."""
        return any(
            c.period[0] <= day <= c.period[1] and getattr(c, kind) == ident for c in self.closures
        )


def _whole(closure: Closure) -> bool:
    return closure.room is None and closure.device is None and closure.staff is None


@dataclass(frozen=True, slots=True)
class Patient:
    id: int
    unavailable: tuple[Period, ...] = ()
    sun: tuple[Period, ...] = ()  # strong sun ahead (a beach holiday); also away those days


@dataclass(frozen=True, slots=True)
class Series:
    """The sessions of one plan item still to book, with what the planner requires of them.

    `earliest` carries any contraindication wait; `due` is the last day the final session may
    fall on for the result to be visible by the patient's target (None: no target).
    """

    key: str
    patient: int
    treatment: str
    sessions: int
    min_gap: int  # days between one session and the next, at least
    max_gap: int  # and at most
    earliest: date
    due: date | None = None
    downtime: int = 0  # days of recovery after a session, when nothing else is done
    sun_days: int = 0  # days after a session to stay out of strong sun
    order: int = 0  # when reception received it (the greedy baseline books in this order)
    plan_id: int | None = None
    minutes: int | None = None  # the plan's own session length (cryolipolysis: cycles x areas)


@dataclass(frozen=True, slots=True)
class Booking:
    """One session at a time, in a room, with a device (if needed) and a staff member."""

    series: str
    number: int  # 1 for the series' first session still to book
    patient: int
    treatment: str
    day: date
    start: int  # minutes after midnight, set-up included
    held: int  # set-up + session + clean-down
    room: int
    staff: int
    device: int | None = None
    fixed: bool = False  # already in the book: occupies resources, never moved silently
    id: int | None = None  # the appointment's id, for one already in the book

    @property
    def end(self) -> int:
        return self.start + self.held


@dataclass(frozen=True, slots=True)
class Problem:
    clinic: Clinic
    start: date  # the first bookable day
    days: int  # how many days the book spans
    series: tuple[Series, ...]
    patients: Mapping[int, Patient]
    existing: tuple[Booking, ...] = ()  # bookings already made (fixed)

    @property
    def last(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    def patient(self, ident: int) -> Patient:
        return self.patients.get(ident) or Patient(ident)


def week(spans: Mapping[int, tuple[Span, ...]]) -> Week:
    """A week from {weekday: spans}; days not given are closed."""
    return tuple(merged(spans.get(day, ())) for day in range(7))
