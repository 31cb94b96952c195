""" "Book this plan": dates for the plan's sessions still to book (CP-SAT over the plan's series,
with the rest of the book fixed), which reception accepts, adjusts or rejects. Accepting checks
everything again at that moment (`booking_checks`) and books all the sessions or none.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDateTime
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.plan import Plan, PlanItem
from dorsum.i18n import N_, Localizer
from dorsum.reports.booking_words import reason_text
from dorsum.scheduling.model import Booking, Problem, Series
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.series import plan_series
from dorsum.services import audit, reminders
from dorsum.services.actors import Actor
from dorsum.services.appointments import (
    MAX_ID,
    AppointmentPublic,
    BookingRules,
    as_public,
    instant,
)
from dorsum.services.book_model import Book, load_book, local_at, minute_of, patient_days
from dorsum.services.booking_checks import bookable_days, plan_of, refuse_if_broken
from dorsum.services.errors import InvalidInput
from dorsum.services.transaction import use_case
from dorsum.storage.tables import (
    Appointment,
    Consultation,
    ConsultationVersion,
    Patient,
    TreatmentPlan,
)

PROPOSAL_DAYS = 365  # how far ahead a plan's series is proposed
SOLVE_SECONDS = 5.0


class SessionChoice(BaseModel):
    """One session as reception accepts it (the proposal's, or adjusted)."""

    treatment: str = Field(max_length=60)
    number: int = Field(ge=1, le=50)
    starts_at: SupportedDateTime
    room_id: int = Field(ge=1, le=MAX_ID)
    staff_id: int = Field(ge=1, le=MAX_ID)
    device_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ProposedSession(SessionChoice):
    of: int
    minutes: int
    room: str
    staff: str
    device: str | None = None
    treatment_name: str


class Proposal(BaseModel):
    plan_id: int
    patient_id: int
    sessions: list[ProposedSession]
    unplaced: list[str]  # why a series could not be proposed, worded
    target: date | None
    target_met: bool | None
    method: str
    seconds: float


def propose_plan(
    db: Session,
    *,
    actor: Actor,
    plan_id: int,
    index: KnowledgeIndex,
    rules: BookingRules,
    today: date,
    language: str,
) -> Proposal:
    """Dates for the plan's sessions still to book; nothing is stored."""
    plan, patient_id = plan_of(db, actor=actor, plan_id=plan_id)
    loc = Localizer(language)  # type: ignore[arg-type]
    first = today + timedelta(days=1)
    book = load_book(  # from the plan's start: sessions already given count as done
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=min(plan.start, first),
        last=first + timedelta(days=PROPOSAL_DAYS),
        loc=loc,
    )
    mine = [b for b in book.existing if b.series.startswith(f"plan{plan_id}:")]
    done: dict[str, list[date]] = defaultdict(list)
    numbers: dict[str, set[int]] = defaultdict(set)
    for b in mine:
        done[b.treatment].append(b.day)
        numbers[b.treatment].add(b.number)
    series = plan_series(plan, patient=patient_id, plan_id=plan_id, booked=done, today=first)
    problem = Problem(
        clinic=book.clinic,
        start=first,
        days=PROPOSAL_DAYS,
        series=tuple(series),
        patients={patient_id: patient_days(db, clinic_id=actor.clinic_id, patient_id=patient_id)},
        existing=book.existing,
    )
    outcome = optimise(problem, seconds=SOLVE_SECONDS, workers=2)
    counts = {s.key: s.sessions + len(done.get(s.treatment, [])) for s in series}
    # the numbers not booked yet, in order: a missed or cancelled session is booked again
    free = {
        s.key: [n for n in range(1, counts[s.key] + 1) if n not in numbers[s.treatment]]
        for s in series
    }
    sessions = [
        _proposed(b, book, rules, of=counts[b.series], number=free[b.series][b.number - 1])
        for b in sorted(outcome.bookings, key=lambda b: (b.day, b.start))
    ]
    unplaced = [reason_text(r, loc, book.names) for u in outcome.unplaced for r in u.reasons[:1]]
    met = None if plan.target is None else _on_time(series, outcome.bookings, outcome.unplaced)
    return Proposal(
        plan_id=plan_id,
        patient_id=patient_id,
        sessions=sessions,
        unplaced=unplaced,
        target=plan.target.date if plan.target else None,
        target_met=met,
        method=outcome.method,
        seconds=round(outcome.seconds, 2),
    )


def _on_time(
    series: list[Series], bookings: tuple[Booking, ...], unplaced: tuple[object, ...]
) -> bool:
    """Whether every series is proposed in full and each ends by its due day."""
    if unplaced:
        return False
    last: dict[str, date] = {}
    for b in bookings:
        last[b.series] = max(last.get(b.series, b.day), b.day)
    return all(s.due is None or last.get(s.key, date.max) <= s.due for s in series)


def _proposed(
    b: Booking, book: Book, rules: BookingRules, *, of: int, number: int
) -> ProposedSession:
    needs = book.clinic.needs[b.treatment]
    return ProposedSession(
        treatment=b.treatment,
        number=number,
        of=of,
        starts_at=local_at(b.day, b.start + needs.setup, rules.timezone),
        minutes=b.held - needs.setup - needs.cleanup,
        room_id=b.room,
        staff_id=b.staff,
        device_id=b.device,
        room=book.names.get(("room", b.room), ""),
        staff=book.names.get(("staff", b.staff), ""),
        device=book.names.get(("device", b.device), None) if b.device is not None else None,
        treatment_name=book.names.get(("treatment", b.treatment), b.treatment),
    )


@use_case
def accept_plan(
    db: Session,
    *,
    actor: Actor,
    plan_id: int,
    sessions: list[SessionChoice],
    index: KnowledgeIndex,
    rules: BookingRules,
    now: datetime,
    language: str,
) -> list[AppointmentPublic]:
    """Book the accepted sessions, all or none, after checking them against the book now."""
    plan, patient_id = plan_of(db, actor=actor, plan_id=plan_id)
    if not sessions:
        raise InvalidInput(N_("Choose at least one session to book."), field="sessions")
    loc = Localizer(language)  # type: ignore[arg-type]
    items = {i.treatment: i for i in plan.items if i.kind == "sessions"}
    for s in sessions:
        if s.treatment not in items:
            raise InvalidInput(N_("This plan has no sessions of that treatment."), field="sessions")
    _check_numbers(db, plan_id=plan_id, sessions=sessions, items=items)
    today = now.astimezone(rules.timezone).date()
    local = [instant(s.starts_at, rules) for s in sessions]
    bookable_days(
        [x.astimezone(rules.timezone).date() for x in local],
        today=today,
        horizon_days=rules.horizon_days,
        field="sessions",
    )
    first = min(today, *(x.astimezone(rules.timezone).date() for x in local))
    last = max(x.astimezone(rules.timezone).date() for x in local) + timedelta(days=1)
    book = load_book(
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=first - timedelta(days=120),
        last=last + timedelta(days=120),
        loc=loc,
    )
    new = [
        _as_new(s, when, book, rules, plan_id=plan_id, patient_id=patient_id, items=items)
        for s, when in zip(sessions, local, strict=True)
    ]
    refuse_if_broken(db, actor=actor, book=book, changed=new, today=today, loc=loc)
    made = []
    patient = db.get(Patient, patient_id)
    assert patient is not None
    for s, b, when in zip(sessions, new, local, strict=True):
        needs = book.clinic.needs[b.treatment]
        row = Appointment(
            clinic_id=actor.clinic_id,
            patient_id=patient_id,
            starts_at=when.astimezone(UTC),
            minutes=b.held - needs.setup - needs.cleanup,
            purpose="",  # pages and messages name the treatment in their reader's language
            created_by=actor.user_id,
            room_id=s.room_id,
            staff_id=s.staff_id,
            device_id=s.device_id,
            plan_id=plan_id,
            treatment=s.treatment,
            session_number=s.number,
            setup_minutes=needs.setup,
            cleanup_minutes=needs.cleanup,
        )
        db.add(row)
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="create",
            entity="appointment",
            entity_id=row.id,
            patient_id=patient_id,
        )
        reminders.queue_for(db, appointment=row, kind="booked", now=now, zone=rules.timezone)
        made.append(as_public(row, patient.name))
    return made


def _check_numbers(
    db: Session, *, plan_id: int, sessions: list[SessionChoice], items: dict[str, PlanItem]
) -> None:
    """Each session is one the plan has (1..its count), not booked already, and given once."""
    rows = db.execute(
        select(Appointment.treatment, Appointment.session_number).where(
            Appointment.plan_id == plan_id,
            Appointment.cancelled_at.is_(None),
            Appointment.status != "no_show",
        )
    )
    booked = {(row.treatment, row.session_number) for row in rows}
    chosen = [(s.treatment, s.number) for s in sessions]
    if len(set(chosen)) != len(chosen):
        raise InvalidInput(
            N_("Each session of the plan can be booked only once."), field="sessions"
        )
    for treatment, number in chosen:
        if number > (items[treatment].sessions or 0) or (treatment, number) in booked:
            raise InvalidInput(
                N_("Session %(number)s is not one still to book in this plan."),
                field="sessions",
                number=number,
            )


def _as_new(
    s: SessionChoice,
    when: datetime,
    book: Book,
    rules: BookingRules,
    *,
    plan_id: int,
    patient_id: int,
    items: dict[str, PlanItem],
) -> Booking:
    needs = book.clinic.needs.get(s.treatment)
    if needs is None:
        raise InvalidInput(N_("This treatment is not booked in sessions."), field="sessions")
    minutes = items[s.treatment].session_minutes or needs.minutes
    local = when.astimezone(rules.timezone)
    return Booking(
        series=f"plan{plan_id}:{s.treatment}",
        number=s.number,
        patient=patient_id,
        treatment=s.treatment,
        day=local.date(),
        start=minute_of(local) - needs.setup,
        held=needs.setup + minutes + needs.cleanup,
        room=s.room_id,
        staff=s.staff_id,
        device=s.device_id,
    )


class PlanToBook(BaseModel):
    """A plan of the patient with sessions, for reception: how many are booked so far."""

    plan_id: int
    created_at: datetime
    sessions: int
    booked: int


def plans_to_book(db: Session, *, actor: Actor, patient_id: int) -> list[PlanToBook]:
    """The patient's plans that are given in sessions, newest first (any staff role)."""
    rows = db.execute(
        select(TreatmentPlan)
        .join(ConsultationVersion, ConsultationVersion.id == TreatmentPlan.consultation_version_id)
        .join(Consultation, Consultation.id == ConsultationVersion.consultation_id)
        .where(Consultation.patient_id == patient_id, TreatmentPlan.clinic_id == actor.clinic_id)
        .order_by(TreatmentPlan.id.desc())
    ).scalars()
    found = []
    for row in rows:
        plan = Plan.model_validate(row.plan)
        total = sum(i.sessions or 0 for i in plan.items if i.kind == "sessions")
        if not total:
            continue
        booked = db.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(
                Appointment.plan_id == row.id,
                Appointment.cancelled_at.is_(None),
                Appointment.status != "no_show",
            )
        )
        found.append(
            PlanToBook(
                plan_id=row.id, created_at=row.created_at, sessions=total, booked=booked or 0
            )
        )
    return found
