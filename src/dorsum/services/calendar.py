"""The calendar as reception and practitioners see it: a read-only view of the book for some
days, by room, device or staff member, with the opening hours and every live booking.

Only what reception may see: the patient's name, the treatment's name and "n of N", times and
resources; never a finding or a note. Cancelled bookings are left out; a plain appointment
without a room (or staff member) sits in a column of its own ("No room"), and so does a
booking whose room, device or staff member has since been deactivated ("No active room").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.i18n import N_, Localizer
from dorsum.services.actors import Actor
from dorsum.services.appointments import BookingRules
from dorsum.services.clinic_resources import ClinicResources, clinic_resources
from dorsum.services.errors import NotFound
from dorsum.storage.tables import Appointment, Patient, TreatmentPlan

By = Literal["room", "device", "staff"]
BY: tuple[By, ...] = ("room", "device", "staff")
NONE_LABEL: dict[By, str] = {
    "room": N_("No room"),
    "device": N_("No device"),
    "staff": N_("No staff member"),
}
INACTIVE_LABEL: dict[By, str] = {  # the same column when it also holds inactive resources
    "room": N_("No active room"),
    "device": N_("No active device"),
    "staff": N_("No active staff member"),
}
DEFAULT_HOURS = (time(9), time(18))  # the grid shown on a day the clinic is closed


@dataclass(frozen=True)
class Column:
    """A resource (or the "No room" column, id None)."""

    id: int | None
    name: str


@dataclass(frozen=True)
class Event:
    """One live booking, in the clinic's local time."""

    id: int
    patient_id: int
    patient_name: str
    title: str  # the treatment's name, or the appointment's purpose
    number: int | None
    of: int | None
    starts_at: datetime
    ends_at: datetime
    held_from: datetime  # with set-up
    held_to: datetime  # with clean-down
    room_id: int | None
    staff_id: int | None
    device_id: int | None
    status: str
    plan_id: int | None = None
    lane: int = 0  # side by side with overlapping bookings of the same column
    lanes: int = 1

    @property
    def day(self) -> date:
        return self.starts_at.date()

    def resource(self, by: By) -> int | None:
        return {"room": self.room_id, "device": self.device_id, "staff": self.staff_id}[by]


@dataclass(frozen=True)
class Day:
    day: date
    hours: tuple[tuple[time, time], ...]  # empty when the clinic is closed


@dataclass(frozen=True)
class Calendar:
    first: date
    by: By
    columns: tuple[Column, ...]
    days: tuple[Day, ...]
    events: tuple[Event, ...]
    opens: time  # the grid's first and last hour, covering every day shown and every event
    closes: time

    def column_of(self, e: Event) -> int | None:
        """The column an event sits in: its resource's, or None ("No room") when that
        resource has no column of its own (none, or deactivated since)."""
        resource = e.resource(self.by)
        return resource if any(c.id == resource for c in self.columns) else None


def calendar(
    db: Session,
    *,
    actor: Actor,
    first: date,
    days: int,
    by: By,
    rules: BookingRules,
    index: KnowledgeIndex,
    language: str,
) -> Calendar:
    """The book for `days` days from `first`, in columns by room, device or staff member."""
    loc = Localizer(language)  # type: ignore[arg-type]
    resources = clinic_resources(db, actor.clinic_id)
    shown = tuple(
        Day(first + timedelta(days=n), rules.hours.days[(first + timedelta(days=n)).weekday()])
        for n in range(days)
    )
    events = _events(db, actor=actor, first=first, days=days, rules=rules, index=index, loc=loc)
    if by == "device":
        events = [e for e in events if e.device_id is not None]
    columns = _columns(resources, by, loc)
    known = {c.id for c in columns}
    outside = {e.resource(by) for e in events} - known
    if outside:
        label = NONE_LABEL if outside == {None} else INACTIVE_LABEL
        columns = (*columns, Column(None, loc.gettext(label[by])))
    opens, closes = _span(shown, events)
    book = Calendar(first, by, columns, shown, tuple(events), opens, closes)
    return replace(book, events=tuple(_laned(events, book.column_of)))


def event(
    db: Session,
    *,
    actor: Actor,
    appointment_id: int,
    rules: BookingRules,
    index: KnowledgeIndex,
    language: str,
) -> Event:
    """One booking as the calendar shows it, cancelled or not."""
    found = db.execute(
        select(Appointment, Patient.name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.id == appointment_id, Appointment.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        raise NotFound(N_("There is no such appointment in your clinic."))
    loc = Localizer(language)  # type: ignore[arg-type]
    totals = _totals(db, {found[0].plan_id} - {None})
    return _event(found[0], found[1], rules=rules, index=index, loc=loc, totals=totals)


def resources_of(db: Session, *, actor: Actor) -> ClinicResources:
    """The rooms, devices and staff to choose from when moving a booking."""
    return clinic_resources(db, actor.clinic_id)


def _columns(resources: ClinicResources, by: By, loc: Localizer) -> tuple[Column, ...]:
    if by == "room":
        return tuple(Column(r.id, r.name) for r in resources.rooms)
    if by == "device":
        return tuple(Column(d.id, d.name) for d in resources.devices)
    return tuple(Column(s.id, s.name) for s in resources.staff)


def _events(
    db: Session,
    *,
    actor: Actor,
    first: date,
    days: int,
    rules: BookingRules,
    index: KnowledgeIndex,
    loc: Localizer,
) -> list[Event]:
    zone = rules.timezone
    lower = datetime.combine(first, time(0), zone).astimezone(UTC)
    upper = datetime.combine(first + timedelta(days=days), time(0), zone).astimezone(UTC)
    rows = db.execute(
        select(Appointment, Patient.name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.cancelled_at.is_(None),
            Appointment.starts_at >= lower,
            Appointment.starts_at < upper,
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    totals = _totals(db, {row.plan_id for row, _ in rows} - {None})
    return [
        _event(row, name, rules=rules, index=index, loc=loc, totals=totals) for row, name in rows
    ]


def _totals(db: Session, plan_ids: set[int | None]) -> dict[tuple[int, str], int]:
    """How many sessions each plan item has: the N of "n of N"."""
    totals: dict[tuple[int, str], int] = {}
    if not plan_ids:
        return totals
    for row in db.scalars(select(TreatmentPlan).where(TreatmentPlan.id.in_(plan_ids))):
        for item in Plan.model_validate(row.plan).items:
            if item.kind == "sessions" and item.sessions:
                totals[(row.id, item.treatment)] = item.sessions
    return totals


def _event(
    row: Appointment,
    name: str,
    *,
    rules: BookingRules,
    index: KnowledgeIndex,
    loc: Localizer,
    totals: dict[tuple[int, str], int],
) -> Event:
    starts = row.starts_at.astimezone(rules.timezone)
    ends = starts + timedelta(minutes=row.minutes)
    treatment = index.treatments.get(row.treatment or "")
    title = loc.kb(treatment.name) if treatment is not None else row.purpose
    of = totals.get((row.plan_id, row.treatment or "")) if row.plan_id is not None else None
    return Event(
        id=row.id,
        patient_id=row.patient_id,
        patient_name=name,
        title=title,
        number=row.session_number,
        of=of,
        starts_at=starts,
        ends_at=ends,
        held_from=starts - timedelta(minutes=row.setup_minutes),
        held_to=ends + timedelta(minutes=row.cleanup_minutes),
        room_id=row.room_id,
        staff_id=row.staff_id,
        device_id=row.device_id,
        status=row.status if row.cancelled_at is None else "cancelled",
        plan_id=row.plan_id,
    )


def _span(days: tuple[Day, ...], events: list[Event]) -> tuple[time, time]:
    """Whole hours from the earliest opening (or booking) to the latest closing."""
    starts = [s for d in days for s, _ in d.hours] + [e.starts_at.time() for e in events]
    ends = [e for d in days for _, e in d.hours] + [
        e.ends_at.time() if e.ends_at.date() == e.day else time(23, 59) for e in events
    ]
    opens = min(starts, default=DEFAULT_HOURS[0])
    closes = max(ends, default=DEFAULT_HOURS[1])
    last = min(closes.hour + (1 if closes.minute else 0), 24)
    return time(opens.hour), time(23, 59) if last == 24 else time(last)


def _laned(events: list[Event], column: Callable[[Event], int | None]) -> list[Event]:
    """Overlapping bookings of one column on one day side by side, each in its own lane."""
    groups: dict[tuple[date, int | None], list[Event]] = defaultdict(list)
    for e in events:
        groups[(e.day, column(e))].append(e)
    out: list[Event] = []
    for group in groups.values():
        ends: list[datetime] = []
        lanes: dict[int, int] = {}
        for e in sorted(group, key=lambda e: (e.starts_at, e.id)):
            lane = next((i for i, end in enumerate(ends) if end <= e.starts_at), len(ends))
            if lane == len(ends):
                ends.append(e.ends_at)
            ends[lane] = e.ends_at
            lanes[e.id] = lane
        out += [_with_lane(e, lanes[e.id], len(ends)) for e in group]
    return sorted(out, key=lambda e: (e.starts_at, e.id))


def _with_lane(e: Event, lane: int, lanes: int) -> Event:
    return replace(e, lane=lane, lanes=lanes)
