"""Changing booked sessions: a move from the calendar, a set of moves from re-optimisation
(applied together, so that two sessions can swap), and a missed session. Every change is
checked with the scheduler's oracle against the whole book (`booking_checks`) and refused with
every reason; nothing is stored unless all of it holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDateTime
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.i18n import N_, Localizer
from dorsum.scheduling.model import Booking
from dorsum.services import audit, reminders
from dorsum.services.actors import Actor
from dorsum.services.appointments import (
    MAX_ID,
    AppointmentPublic,
    BookingRules,
    appointment_row,
    as_public,
    instant,
)
from dorsum.services.book_model import as_booking, load_book, minute_of
from dorsum.services.booking_checks import bookable_days, refuse_if_broken
from dorsum.services.errors import Conflict, InvalidInput
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment

WINDOW = timedelta(days=120)  # how far around a change its series' other sessions are read


class MoveChoice(BaseModel):
    """Where a booked session goes: a new time, and optionally a new room, staff or device."""

    appointment_id: int = Field(ge=1, le=MAX_ID)
    starts_at: SupportedDateTime
    room_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    staff_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    device_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected: SupportedDateTime | None = Field(
        default=None,
        description="When the booking was when the mover looked; refused (409) if it has moved.",
    )


@use_case
def move_session(
    db: Session,
    *,
    actor: Actor,
    appointment_id: int,
    starts_at: datetime,
    room_id: int | None,
    staff_id: int | None,
    device_id: int | None,
    index: KnowledgeIndex,
    rules: BookingRules,
    now: datetime,
    language: str,
    expected: datetime | None = None,
) -> AppointmentPublic:
    """Move one booking (time, room, staff, device); `expected` is where the mover saw it."""
    choice = MoveChoice(
        appointment_id=appointment_id,
        starts_at=starts_at,
        room_id=room_id,
        staff_id=staff_id,
        device_id=device_id,
        expected=expected,
    )
    moved = _apply(
        db, actor=actor, moves=[choice], index=index, rules=rules, now=now, language=language
    )
    return moved[0]


@use_case
def apply_moves(
    db: Session,
    *,
    actor: Actor,
    moves: list[MoveChoice],
    index: KnowledgeIndex,
    rules: BookingRules,
    now: datetime,
    language: str,
) -> list[AppointmentPublic]:
    """Move several bookings at once (all or none), checked together."""
    if not moves:
        raise InvalidInput(N_("Choose at least one move to accept."), field="moves")
    return _apply(
        db, actor=actor, moves=moves, index=index, rules=rules, now=now, language=language
    )


def _apply(
    db: Session,
    *,
    actor: Actor,
    moves: list[MoveChoice],
    index: KnowledgeIndex,
    rules: BookingRules,
    now: datetime,
    language: str,
) -> list[AppointmentPublic]:
    zone = rules.timezone
    today = now.astimezone(zone).date()
    rows = [appointment_row(db, actor=actor, appointment_id=m.appointment_id) for m in moves]
    if len({row.id for row, _ in rows}) != len(rows):
        raise InvalidInput(N_("Each booking can be moved only once at a time."), field="moves")
    when = [instant(m.starts_at, rules) for m in moves]
    for (row, _), choice in zip(rows, moves, strict=True):
        if row.cancelled_at is not None:
            raise InvalidInput(N_("This appointment was cancelled; book a new one instead."))
        if choice.expected is not None and row.starts_at != choice.expected.astimezone(UTC):
            raise Conflict(N_("Someone else moved this booking meanwhile; look at it again."))
    bookable_days(
        [m.astimezone(zone).date() for m in when],
        today=today,
        horizon_days=rules.horizon_days,
        field="starts_at",
    )
    days = [m.astimezone(zone).date() for m in when] + [
        row.starts_at.astimezone(zone).date() for row, _ in rows
    ]
    loc = Localizer(language)  # type: ignore[arg-type]
    book = load_book(
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=min(today, *days) - WINDOW,
        last=max(days) + WINDOW,
        loc=loc,
    )
    changed = [
        _moved(row, choice, moment, rules)
        for (row, _), choice, moment in zip(rows, moves, when, strict=True)
    ]
    refuse_if_broken(db, actor=actor, book=book, changed=changed, today=today, loc=loc)
    done = []
    for (row, patient), choice, moment in zip(rows, moves, when, strict=True):
        row.starts_at = moment.astimezone(UTC)
        row.room_id = choice.room_id or row.room_id
        row.staff_id = choice.staff_id or row.staff_id
        row.device_id = choice.device_id or row.device_id
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="update",
            entity="appointment",
            entity_id=row.id,
            patient_id=row.patient_id,
        )
        reminders.queue_for(db, appointment=row, kind="moved", now=now, zone=zone)
        done.append(as_public(row, patient.name))
    return done


def _moved(row: Appointment, choice: MoveChoice, moment: datetime, rules: BookingRules) -> Booking:
    """The booking as it would be after the move."""
    local = moment.astimezone(rules.timezone)
    before = as_booking(row, rules)
    return replace(
        before,
        day=local.date(),
        start=minute_of(local) - row.setup_minutes,
        room=choice.room_id or before.room,
        staff=choice.staff_id or before.staff,
        device=choice.device_id or before.device,
        fixed=False,
    )


@use_case
def mark_no_show(
    db: Session, *, actor: Actor, appointment_id: int, now: datetime
) -> AppointmentPublic:
    """The patient did not come: the session stays in the book, marked, to be booked again."""
    row, patient = appointment_row(db, actor=actor, appointment_id=appointment_id)
    if row.cancelled_at is not None:
        raise InvalidInput(N_("This appointment was cancelled; book a new one instead."))
    if row.status != "booked":
        raise InvalidInput(N_("This session is already marked as done or missed."))
    if row.starts_at > now:
        raise InvalidInput(N_("A session can be marked as missed only once its time has come."))
    row.status = "no_show"
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="no_show",
        entity="appointment",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return as_public(row, patient.name)
