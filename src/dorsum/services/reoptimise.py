"""Re-optimising the book: where the booked plan sessions could move so that more patients
finish by their target (then with less lateness and waiting). Nothing moves here: each move is
a proposal, and reception accepts the ones it wants (`moves.apply_moves`, checked again).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.i18n import Localizer
from dorsum.scheduling.model import Booking, Problem, Series
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.outcome import measure
from dorsum.services.actors import Actor
from dorsum.services.appointments import BookingRules
from dorsum.services.book_model import Book, load_book, patient_days
from dorsum.services.booking_checks import series_for
from dorsum.services.moves import MoveChoice
from dorsum.storage.tables import Patient

WEEKS = 12
LONGEST = 365  # days: the furthest a booked session is looked at
SOLVE_SECONDS = 10.0
HISTORY = timedelta(days=120)  # sessions already given count for the spacing of the next


class ProposedMove(MoveChoice):
    """A move with what reception needs to judge it."""

    patient_id: int
    patient: str
    treatment: str
    number: int
    before: datetime
    room_before: str
    room_after: str
    staff_before: str
    staff_after: str


class Reoptimisation(BaseModel):
    moves: list[ProposedMove]
    patients_with_target: int
    targets_met_now: int
    targets_met_after: int
    late_days_now: int = 0  # total days the booked series end after their due days
    late_days_after: int = 0
    waiting_days_now: int = 0  # total days from each series' earliest day to its first session
    waiting_days_after: int = 0
    status: str
    gap: float | None
    seconds: float


def propose_moves(
    db: Session,
    *,
    actor: Actor,
    index: KnowledgeIndex,
    rules: BookingRules,
    today: date,
    language: str,
    seconds: float = SOLVE_SECONDS,
) -> Reoptimisation:
    """The moves that would let more booked plans finish on time."""
    loc = Localizer(language)  # type: ignore[arg-type]
    first = today + timedelta(days=1)
    book = load_book(
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=first - HISTORY,
        last=first + timedelta(days=LONGEST),
        loc=loc,
    )
    current = tuple(b for b in book.existing if b.series.startswith("plan") and b.day >= first)
    last = max([first + timedelta(days=7 * WEEKS - 1), *(b.day for b in current)])
    keys = sorted({b.series for b in current})
    series = tuple(
        _series(db, actor=actor, book=book, key=key, current=current, first=first) for key in keys
    )
    problem = Problem(
        clinic=book.clinic,
        start=first,
        days=(last - first).days + 1,
        series=series,
        patients={
            p: patient_days(db, clinic_id=actor.clinic_id, patient_id=p)
            for p in {s.patient for s in series}
        },
        existing=tuple(b for b in book.existing if b.series not in keys and b.day >= first),
    )
    if not series:
        return Reoptimisation(
            moves=[],
            patients_with_target=0,
            targets_met_now=0,
            targets_met_after=0,
            status="nothing",
            gap=None,
            seconds=0.0,
        )
    outcome = optimise(problem, seconds=seconds, current=current)
    now = measure(problem, current)
    after = now if outcome.status == "fallback" else measure(problem, outcome.bookings)
    names = _patients(db, {m.before.patient for m in outcome.moves})
    return Reoptimisation(
        moves=[_proposed(m.before, m.after, book, rules, names) for m in outcome.moves],
        patients_with_target=now.patients_with_target,
        targets_met_now=now.targets_met,
        targets_met_after=after.targets_met,
        late_days_now=now.lateness_days,
        late_days_after=after.lateness_days,
        waiting_days_now=now.waiting_days,
        waiting_days_after=after.waiting_days,
        status=outcome.status,
        gap=outcome.gap,
        seconds=round(outcome.seconds, 2),
    )


def _series(
    db: Session, *, actor: Actor, book: Book, key: str, current: tuple[Booking, ...], first: date
) -> Series:
    """The series of the booked sessions under `key`: its spacing and target from the plan,
    starting no earlier than its spacing from the last session already given."""
    mine = [b for b in current if b.series == key]
    given = [b.day for b in book.existing if b.series == key and b.day < first]
    series = series_for(db, actor=actor, key=key, count=len(mine), sample=mine, today=first)
    earliest = max(series.earliest, first)
    if given:
        earliest = max(earliest, max(given) + timedelta(days=series.min_gap))
    return replace(series, earliest=earliest)


def _proposed(
    before: Booking, after: Booking, book: Book, rules: BookingRules, patients: dict[int, str]
) -> ProposedMove:
    setup = (
        book.clinic.needs[before.treatment].setup if before.treatment in book.clinic.needs else 0
    )

    def local(b: Booking) -> datetime:
        return datetime.combine(b.day, time(0), rules.timezone) + timedelta(minutes=b.start + setup)

    names = book.names
    assert before.id is not None
    return ProposedMove(
        appointment_id=before.id,
        starts_at=local(after),
        room_id=after.room,
        staff_id=after.staff,
        device_id=after.device,
        patient_id=before.patient,
        patient=patients.get(before.patient, ""),
        treatment=names.get(("treatment", before.treatment), before.treatment),
        number=before.number,
        before=local(before),
        room_before=names.get(("room", before.room), ""),
        room_after=names.get(("room", after.room), ""),
        staff_before=names.get(("staff", before.staff), ""),
        staff_after=names.get(("staff", after.staff), ""),
    )


def _patients(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(select(Patient.id, Patient.name).where(Patient.id.in_(ids)))
    return {row.id: row.name for row in rows}
