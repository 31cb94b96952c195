"""The clinic's book, read from the database as the scheduler's plain values: its resources,
the bookings already made (in the clinic's local time), the patients' unavailable days, and
the names reception knows things by.

A booking without a room or staff member (a plain appointment made before rooms existed)
holds only its patient's day: it is given a resource of its own that nothing else uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.i18n import Localizer
from dorsum.scheduling.model import (
    Booking,
    Clinic,
    Closure,
    Device,
    Patient,
    Room,
    Staff,
    Week,
    merged,
)
from dorsum.scheduling.needs import booked_treatments, session_needs
from dorsum.services.appointments import BookingRules
from dorsum.services.clinic_resources import ClinicResources, clinic_resources
from dorsum.services.opening_hours import OpeningHours
from dorsum.storage.tables import Appointment, PatientUnavailability

Names = dict[tuple[str, int | str], str]


def week_of(hours: OpeningHours) -> Week:
    """Opening hours (or a roster) as minutes after midnight, per weekday; spans that touch
    (09:00-13:00,13:00-18:00) are one."""
    return tuple(
        merged([(_minutes(opens), _minutes(closes)) for opens, closes in spans])
        for spans in hours.days
    )


def minute_of(local: datetime) -> int:
    """A local time as minutes after its midnight."""
    return local.hour * 60 + local.minute


def local_at(day: date, minute: int, zone: tzinfo) -> datetime:
    """The local time `minute` minutes after midnight of `day` (wall clock, so a DST change
    that day does not shift it)."""
    return datetime.combine(day, time(minute // 60, minute % 60), zone)


def _minutes(moment: time) -> int:
    return 24 * 60 if moment == time(23, 59) else moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class Book:
    clinic: Clinic
    existing: tuple[Booking, ...]
    names: Names


def clinic_model(resources: ClinicResources, rules: BookingRules, index: KnowledgeIndex) -> Clinic:
    opening = week_of(rules.hours)
    staff = tuple(
        Staff(
            s.id,
            s.name,
            s.physician,
            s.skills,
            week_of(OpeningHours.parse(s.roster)) if s.roster.strip() else opening,
        )
        for s in resources.staff
    )
    return Clinic(
        hours=opening,
        rooms=tuple(Room(r.id, r.name) for r in resources.rooms),
        devices=tuple(
            Device(d.id, d.name, d.kind, frozenset(d.room_ids)) for d in resources.devices
        ),
        staff=staff,
        closures=tuple(
            Closure((c.starts_on, c.ends_on), c.room_id, c.device_id, c.staff_id)
            for c in resources.closures
        ),
        needs={t: session_needs(t, index, resources.settings) for t in booked_treatments(index)},
    )


def load_book(
    db: Session,
    *,
    clinic_id: int,
    index: KnowledgeIndex,
    rules: BookingRules,
    first: date,
    last: date,
    loc: Localizer,
) -> Book:
    """The clinic and every live booking between `first` and `last` (local days)."""
    resources = clinic_resources(db, clinic_id, since=first)
    clinic = clinic_model(resources, rules, index)
    names: Names = {("room", r.id): r.name for r in resources.rooms}
    names |= {("device", d.id): d.name for d in resources.devices}
    names |= {("staff", s.id): s.name for s in resources.staff}
    names |= {("treatment", t.id): loc.kb(t.name) for t in index.kb.treatments}
    return Book(clinic, tuple(bookings_between(db, clinic_id, rules, first, last)), names)


def bookings_between(
    db: Session, clinic_id: int, rules: BookingRules, first: date, last: date
) -> list[Booking]:
    """The live bookings (not cancelled, not missed) on local days `first`..`last`, as fixed
    bookings."""
    zone = rules.timezone
    lower = datetime.combine(first, time(0), zone).astimezone(UTC) - timedelta(hours=3)
    upper = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    rows = db.scalars(
        select(Appointment).where(
            Appointment.clinic_id == clinic_id,
            Appointment.cancelled_at.is_(None),
            Appointment.status != "no_show",  # a missed session holds nothing; it is booked again
            Appointment.starts_at >= lower,
            Appointment.starts_at < upper,
        )
    )
    return [as_booking(row, rules) for row in rows]


def as_booking(row: Appointment, rules: BookingRules) -> Booking:
    """One appointment as the scheduler sees it: the room held from set-up to clean-down."""
    local = row.starts_at.astimezone(rules.timezone)
    start = minute_of(local) - row.setup_minutes
    return Booking(
        series=series_key(row),
        number=row.session_number or 1,
        patient=row.patient_id,
        treatment=row.treatment,
        day=local.date(),
        start=start,
        held=row.setup_minutes + row.minutes + row.cleanup_minutes,
        room=row.room_id if row.room_id is not None else -row.id,
        staff=row.staff_id if row.staff_id is not None else -row.id,
        device=row.device_id,
        fixed=True,
        id=row.id,
    )


def series_key(row: Appointment) -> str:
    """Sessions of one plan item share a key; any other booking is a series of its own."""
    if row.plan_id is not None and row.treatment:
        return f"plan{row.plan_id}:{row.treatment}"
    return f"appointment{row.id}"


def patient_days(db: Session, *, clinic_id: int, patient_id: int) -> Patient:
    """The patient's unavailable and strong-sun days."""
    rows = db.scalars(
        select(PatientUnavailability).where(
            PatientUnavailability.clinic_id == clinic_id,
            PatientUnavailability.patient_id == patient_id,
        )
    ).all()
    return Patient(
        patient_id,
        unavailable=tuple((r.starts_on, r.ends_on) for r in rows if r.kind != "sun"),
        sun=tuple((r.starts_on, r.ends_on) for r in rows if r.kind == "sun"),
    )
