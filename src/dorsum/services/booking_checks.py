"""One check for every change to the book: new sessions of a plan, a session moved in the
calendar, a set of moves from re-optimisation. The changed bookings are checked together with
their series' other sessions (spacing, waits, recovery) and against everything else in the book
(rooms, devices, staff, the patient's day), by the scheduler's own oracle; a refusal lists
every reason in the reader's language.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.plan import Plan
from dorsum.i18n import N_, Localizer
from dorsum.reports.booking_words import reason_text
from dorsum.scheduling.check import Violation, violations
from dorsum.scheduling.model import Booking, Problem, Series
from dorsum.scheduling.series import plan_series
from dorsum.services.actors import Actor
from dorsum.services.book_model import Book, patient_days
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.storage.tables import Consultation, ConsultationVersion, TreatmentPlan

# an appointment booked without a room is checked only for these
PLAIN = frozenset({"patient_double_booked", "clinic_closed", "outside_hours"})
ANY_GAP = 10**4


class BookingRefused(InvalidInput):
    """A booking that breaks constraints; `reasons` says each, in the reader's language."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(N_("This booking cannot be made: %(reasons)s"), reasons=" ".join(reasons))
        self.reasons = reasons


def bookable_days(days: list[date], *, today: date, horizon_days: int, field: str) -> None:
    """Sessions are booked from tomorrow on, and no further ahead than the clinic books."""
    if any(day <= today for day in days):
        raise InvalidInput(N_("Sessions can only be booked from tomorrow on."), field=field)
    if any((day - today).days > horizon_days for day in days):
        raise InvalidInput(
            N_("The clinic books at most %(days)s days ahead."), field=field, days=horizon_days
        )


def plan_of(db: Session, *, actor: Actor, plan_id: int) -> tuple[Plan, int]:
    """The saved plan and its patient, if the plan is the actor's clinic's."""
    row = db.execute(
        select(TreatmentPlan, Consultation.patient_id)
        .join(ConsultationVersion, ConsultationVersion.id == TreatmentPlan.consultation_version_id)
        .join(Consultation, Consultation.id == ConsultationVersion.consultation_id)
        .where(TreatmentPlan.id == plan_id, TreatmentPlan.clinic_id == actor.clinic_id)
    ).first()
    if row is None:
        raise NotFound(N_("There is no such plan in your clinic."))
    return Plan.model_validate(row[0].plan), row[1]


def refuse_if_broken(
    db: Session, *, actor: Actor, book: Book, changed: list[Booking], today: date, loc: Localizer
) -> None:
    """Raise `BookingRefused` if the changed bookings break any constraint."""
    found = problems(db, actor=actor, book=book, changed=changed, today=today)
    if found:
        seen: dict[str, None] = {}
        for v in found:
            seen.setdefault(reason_text(v, loc, book.names))
        raise BookingRefused(list(seen))


def problems(
    db: Session, *, actor: Actor, book: Book, changed: list[Booking], today: date
) -> list[Violation]:
    """What the changed bookings break. Their series' other sessions count for spacing,
    recovery and overlaps, but their own placement is not judged again: a closure added since
    they were booked is for the calendar to show, not a reason to refuse another change."""
    keys = {b.series for b in changed}
    ids = {b.id for b in changed if b.id is not None}
    kept = [b for b in book.existing if b.series in keys and b.id not in ids]
    others = tuple(b for b in book.existing if b.series not in keys)
    mine = [*kept, *changed]
    counts = {key: sum(1 for b in mine if b.series == key) for key in keys}
    series = [
        series_for(db, actor=actor, key=key, count=counts[key], sample=mine, today=today)
        for key in sorted(keys)
    ]
    first = min(today, *(b.day for b in mine))
    last = max(b.day for b in mine)
    patients = {b.patient for b in mine}
    problem = Problem(
        clinic=book.clinic,
        start=first,
        days=(last - first).days + 1,
        series=tuple(series),
        patients={p: patient_days(db, clinic_id=actor.clinic_id, patient_id=p) for p in patients},
        existing=(*others, *kept),
    )
    roomless = {b.series for b in changed if b.room < 0}  # booked without a room
    return [
        v
        for v in violations(problem, changed)
        if (v.series in keys or v.params.get("with") in keys)
        and (v.series not in roomless or v.code in PLAIN or _named_foreign(v))
    ]


def _named_foreign(violation: Violation) -> bool:
    """A staff member or device given for a booking without a room that is not the clinic's."""
    return violation.code in {"unknown_staff", "unknown_device"} and any(
        isinstance(value, int) and value > 0 for value in violation.params.values()
    )


def series_for(
    db: Session, *, actor: Actor, key: str, count: int, sample: list[Booking], today: date
) -> Series:
    """The series a key names: a plan item's (spacing, wait, windows) or a plain booking's."""
    one = next(b for b in sample if b.series == key)
    if key.startswith("plan") and ":" in key:
        plan_id = int(key[4:].split(":", 1)[0])
        plan, patient = plan_of(db, actor=actor, plan_id=plan_id)
        for series in plan_series(plan, patient=patient, plan_id=plan_id):
            if series.key == key:
                return replace(series, sessions=count, earliest=_earliest(plan, series))
    return Series(key, one.patient, one.treatment, count, 0, ANY_GAP, earliest=today)


def _earliest(plan: Plan, series: Series) -> date:
    """The plan's own earliest day for the item: its start, or the end of a wait."""
    item = next(i for i in plan.items if i.treatment == series.treatment)
    return item.deferred_until or item.start
