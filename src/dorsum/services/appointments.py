"""Appointments and public booking requests: reception's work, without clinical detail.

A booking is checked before it is stored: within the supported dates, not in the past, not
further ahead than the clinic books, within opening hours, and not overlapping another booking
of the same patient. A refusal says which of these failed. Times without an offset are the
clinic's local time; every time is stored in UTC and returned with its offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDateTime
from dorsum.i18n import N_
from dorsum.services import audit, reminders
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.opening_hours import OpeningHours
from dorsum.services.patients import patient_row
from dorsum.services.text import LongText, Name, ShortText
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment, BookingRequest, Clinic, Patient

MAX_ID = 2_147_483_647


@dataclass(frozen=True)
class BookingRules:
    """What a clinic accepts in its book (from settings)."""

    timezone: ZoneInfo
    hours: OpeningHours
    horizon_days: int = 730


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: int = Field(ge=1, le=MAX_ID)
    starts_at: SupportedDateTime = Field(
        description="With an offset, or without one for the clinic's local time."
    )
    minutes: int = Field(default=30, ge=5, le=480)
    purpose: Annotated[ShortText, Field(max_length=200)] = ""


class AppointmentMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: SupportedDateTime
    minutes: int | None = Field(default=None, ge=5, le=480)


class AppointmentPublic(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    starts_at: datetime
    ends_at: datetime
    minutes: int
    purpose: str
    cancelled: bool = False
    # a plan session (issue 9): its treatment and number; pages name the treatment in their
    # reader's language
    treatment: str = ""
    session_number: int | None = None
    plan_id: int | None = None
    room_id: int | None = None
    status: str = "booked"


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    contact: Annotated[ShortText, Field(min_length=3)]
    message: Annotated[LongText, Field(max_length=2000)] = ""
    urgency: Literal["none", "routine", "urgent", "same_day"] = "none"
    consent: bool = False


class BookingPublic(BaseModel):
    id: int
    name: str
    contact: str
    message: str
    urgency: str
    created_at: datetime
    handled: bool


@use_case
def book(
    db: Session, *, actor: Actor, data: AppointmentCreate, rules: BookingRules, now: datetime
) -> AppointmentPublic:
    patient = patient_row(db, actor=actor, patient_id=data.patient_id)
    starts = instant(data.starts_at, rules)
    _check_slot(
        db, actor=actor, patient=patient, starts=starts, minutes=data.minutes, rules=rules, now=now
    )
    row = Appointment(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        starts_at=starts,
        minutes=data.minutes,
        purpose=data.purpose,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="appointment",
        entity_id=row.id,
        patient_id=patient.id,
    )
    reminders.queue_for(db, appointment=row, kind="booked", now=now, zone=rules.timezone)
    return as_public(row, patient.name)


@use_case
def reschedule(
    db: Session,
    *,
    actor: Actor,
    appointment_id: int,
    data: AppointmentMove,
    rules: BookingRules,
    now: datetime,
) -> AppointmentPublic:
    """Move a booking; the new time is checked like a new booking (ignoring itself)."""
    row, patient = appointment_row(db, actor=actor, appointment_id=appointment_id)
    if row.cancelled_at is not None:
        raise InvalidInput(N_("This appointment was cancelled; book a new one instead."))
    if row.room_id is not None or row.plan_id is not None:
        raise InvalidInput(
            N_(
                "This session has a room and belongs to a series: move it from the calendar, "
                "where its room, staff and spacing are checked."
            ),
            field="starts_at",
        )
    starts = instant(data.starts_at, rules)
    minutes = data.minutes or row.minutes
    _check_slot(
        db,
        actor=actor,
        patient=patient,
        starts=starts,
        minutes=minutes,
        rules=rules,
        now=now,
        moving=row.id,
    )
    row.starts_at, row.minutes = starts, minutes
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="update",
        entity="appointment",
        entity_id=row.id,
        patient_id=patient.id,
    )
    reminders.queue_for(db, appointment=row, kind="moved", now=now, zone=rules.timezone)
    return as_public(row, patient.name)


@use_case
def cancel(db: Session, *, actor: Actor, appointment_id: int, now: datetime) -> AppointmentPublic:
    """Cancel a booking; it stays in the book's history, marked cancelled."""
    row, patient = appointment_row(db, actor=actor, appointment_id=appointment_id)
    if row.cancelled_at is None:
        row.cancelled_at, row.cancelled_by = now, actor.user_id
        db.flush()
        audit.record(
            db,
            actor=actor,
            action="cancel",
            entity="appointment",
            entity_id=row.id,
            patient_id=patient.id,
        )
    reminders.queue_for(db, appointment=row, kind="cancelled", now=now)
    return as_public(row, patient.name)


def appointments(
    db: Session,
    *,
    actor: Actor,
    patient_id: int | None = None,
    after: datetime | None = None,
    include_cancelled: bool = False,
) -> list[AppointmentPublic]:
    query = (
        select(Appointment, Patient.name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.clinic_id == actor.clinic_id)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if patient_id is not None:
        query = query.where(Appointment.patient_id == patient_id)
    if after is not None:
        query = query.where(Appointment.starts_at >= after)
    if not include_cancelled:
        query = query.where(Appointment.cancelled_at.is_(None))
    return [as_public(a, name) for a, name in db.execute(query)]


def get_appointment(db: Session, *, actor: Actor, appointment_id: int) -> AppointmentPublic:
    row, patient = appointment_row(db, actor=actor, appointment_id=appointment_id)
    return as_public(row, patient.name)


def appointment_row(
    db: Session, *, actor: Actor, appointment_id: int
) -> tuple[Appointment, Patient]:
    """The booking and its patient, if the booking is the actor's clinic's."""
    found = db.execute(
        select(Appointment, Patient)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.id == appointment_id, Appointment.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        raise NotFound(N_("There is no such appointment in your clinic."))
    return found[0], found[1]


def instant(value: datetime, rules: BookingRules) -> datetime:
    """An aware UTC instant: a time without an offset is the clinic's local time."""
    local = value if value.tzinfo is not None else value.replace(tzinfo=rules.timezone)
    return local.astimezone(UTC)


def _check_slot(
    db: Session,
    *,
    actor: Actor,
    patient: Patient,
    starts: datetime,
    minutes: int,
    rules: BookingRules,
    now: datetime,
    moving: int | None = None,
) -> None:
    """Refuse, naming the reason, a time the clinic cannot honour."""
    if starts < now:
        raise InvalidInput(
            N_("This time is in the past. Choose a time from now on."), field="starts_at"
        )
    if starts > now + timedelta(days=rules.horizon_days):
        raise InvalidInput(
            N_("The clinic books at most %(days)s days ahead."),
            field="starts_at",
            days=rules.horizon_days,
        )
    ends = starts + timedelta(minutes=minutes)
    local_start, local_end = starts.astimezone(rules.timezone), ends.astimezone(rules.timezone)
    start, end = local_start.replace(tzinfo=None), local_end.replace(tzinfo=None)
    if not rules.hours.covers(start, end):
        opens_then = rules.hours.open_at(start)
        raise InvalidInput(
            N_("The clinic closes before this appointment would end. Choose an earlier time.")
            if opens_then
            else N_("The clinic is closed then. Choose a time within the opening hours."),
            field="starts_at",
        )
    # one booking of this patient at a time, so two receptionists cannot both pass the check
    db.execute(select(Patient.id).where(Patient.id == patient.id).with_for_update())
    clash = _clash(db, actor=actor, patient_id=patient.id, starts=starts, ends=ends, moving=moving)
    if clash is not None:
        local = clash.starts_at.astimezone(rules.timezone)
        raise InvalidInput(
            N_(
                "%(name)s already has an appointment at %(time)s on %(day)s that overlaps this one."
            ),
            field="starts_at",
            name=patient.name,
            time=local.strftime("%H:%M"),
            day=local.date(),
        )


def _clash(
    db: Session,
    *,
    actor: Actor,
    patient_id: int,
    starts: datetime,
    ends: datetime,
    moving: int | None,
) -> Appointment | None:
    """The patient's live booking that overlaps starts..ends, if any (bookings are at most
    eight hours long, so only those starting in the eight hours before can reach in)."""
    query = select(Appointment).where(
        Appointment.clinic_id == actor.clinic_id,
        Appointment.patient_id == patient_id,
        Appointment.cancelled_at.is_(None),
        Appointment.starts_at < ends,
        Appointment.starts_at > starts - timedelta(minutes=480),
    )
    if moving is not None:
        query = query.where(Appointment.id != moving)
    for row in db.scalars(query.order_by(Appointment.starts_at)):
        if row.starts_at + timedelta(minutes=row.minutes) > starts:
            return row
    return None


def as_public(row: Appointment, name: str) -> AppointmentPublic:
    return AppointmentPublic(
        id=row.id,
        patient_id=row.patient_id,
        patient_name=name,
        starts_at=row.starts_at,
        ends_at=row.starts_at + timedelta(minutes=row.minutes),
        minutes=row.minutes,
        purpose=row.purpose,
        cancelled=row.cancelled_at is not None,
        treatment=row.treatment,
        session_number=row.session_number,
        plan_id=row.plan_id,
        room_id=row.room_id,
        status=row.status,
    )


@use_case
def request_booking(db: Session, *, clinic_slug: str, data: BookingCreate, now: datetime) -> int:
    """A public booking request, stored only with the person's explicit consent."""
    if not data.consent:
        raise InvalidInput(
            N_("We can only keep your details if you agree: tick the box to consent."),
            field="consent",
        )
    clinic = db.scalar(select(Clinic).where(Clinic.slug == clinic_slug))
    if clinic is None:
        raise NotFound(N_("This clinic does not take requests online."))
    row = BookingRequest(
        clinic_id=clinic.id,
        name=data.name,
        contact=data.contact,
        message=data.message,
        urgency=data.urgency,
        consent_at=now,
    )
    db.add(row)
    db.flush()
    return row.id


def booking_requests(db: Session, *, actor: Actor) -> list[BookingPublic]:
    rows = db.scalars(
        select(BookingRequest)
        .where(BookingRequest.clinic_id == actor.clinic_id)
        .order_by(BookingRequest.handled, BookingRequest.created_at.desc())
    )
    return [BookingPublic.model_validate(row, from_attributes=True) for row in rows]


@use_case
def mark_handled(db: Session, *, actor: Actor, request_id: int) -> None:
    """Reception has answered the request: it leaves the list of requests to call back."""
    row = db.scalar(
        select(BookingRequest).where(
            BookingRequest.id == request_id, BookingRequest.clinic_id == actor.clinic_id
        )
    )
    if row is None:
        raise NotFound(N_("No such booking request."))
    row.handled = True
