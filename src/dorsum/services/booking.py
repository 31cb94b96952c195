""" "Book this plan": dates for the plan's sessions still to book (CP-SAT over the plan's series,
with the rest of the book fixed), which reception accepts, adjusts or rejects. Accepting checks
everything again at that moment (`booking_checks`) and books all the sessions or none.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.i18n import N_, Localizer
from dorsum.reports.booking_words import reason_text
from dorsum.scheduling.model import Booking, Problem, Series
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.series import plan_series
from dorsum.services import audit, reminders
from dorsum.services.actors import Actor
from dorsum.services.appointments import MAX_ID, AppointmentPublic, BookingRules, _public
from dorsum.services.book_model import Book, load_book, patient_days
from dorsum.services.booking_checks import plan_of, refuse_if_broken
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
    starts_at: datetime
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
    book = load_book(
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=first,
        last=first + timedelta(days=PROPOSAL_DAYS),
        loc=loc,
    )
    mine = [b for b in book.existing if b.series.startswith(f"plan{plan_id}:")]
    done: dict[str, list[date]] = defaultdict(list)
    for b in mine:
        done[b.treatment].append(b.day)
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
    already = {s.key: len(done.get(s.treatment, [])) for s in series}
    sessions = [
        _proposed(b, book, rules, of=counts[b.series], offset=already[b.series])
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
    b: Booking, book: Book, rules: BookingRules, *, of: int, offset: int
) -> ProposedSession:
    needs = book.clinic.needs[b.treatment]
    starts = datetime.combine(b.day, time(0), rules.timezone) + timedelta(
        minutes=b.start + needs.setup
    )
    return ProposedSession(
        treatment=b.treatment,
        number=b.number + offset,
        of=of,
        starts_at=starts,
        minutes=needs.minutes,
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
    today = now.astimezone(rules.timezone).date()
    local = [
        s.starts_at if s.starts_at.tzinfo else s.starts_at.replace(tzinfo=rules.timezone)
        for s in sessions
    ]
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
        _as_new(s, when, book, rules, plan_id=plan_id, patient_id=patient_id)
        for s, when in zip(sessions, local, strict=True)
    ]
    if any(b.day <= today for b in new):
        raise InvalidInput(N_("Sessions can only be booked from tomorrow on."), field="sessions")
    refuse_if_broken(db, actor=actor, book=book, changed=new, today=today, loc=loc)
    made = []
    patient = db.get(Patient, patient_id)
    assert patient is not None
    for s, b, when in zip(sessions, new, local, strict=True):
        needs = book.clinic.needs[b.treatment]
        name = book.names.get(("treatment", s.treatment), s.treatment)
        row = Appointment(
            clinic_id=actor.clinic_id,
            patient_id=patient_id,
            starts_at=when.astimezone(UTC),
            minutes=needs.minutes,
            purpose=f"{name} {s.number}/{items[s.treatment].sessions}",
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
        made.append(_public(row, patient.name))
    return made


def _as_new(
    s: SessionChoice,
    when: datetime,
    book: Book,
    rules: BookingRules,
    *,
    plan_id: int,
    patient_id: int,
) -> Booking:
    needs = book.clinic.needs.get(s.treatment)
    if needs is None:
        raise InvalidInput(N_("This treatment is not booked in sessions."), field="sessions")
    local = when.astimezone(rules.timezone)
    return Booking(
        series=f"plan{plan_id}:{s.treatment}",
        number=s.number,
        patient=patient_id,
        treatment=s.treatment,
        day=local.date(),
        start=local.hour * 60 + local.minute - needs.setup,
        held=needs.held,
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
