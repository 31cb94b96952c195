"""Appointments and public booking requests: reception's work, without clinical detail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.text import LongText, Name, ShortText
from dorsum.storage.tables import Appointment, BookingRequest, Clinic, Patient


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: int = Field(ge=1, le=2_147_483_647)
    starts_at: datetime
    minutes: int = Field(default=30, ge=5, le=480)
    purpose: Annotated[ShortText, Field(max_length=200)] = ""


class AppointmentPublic(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    starts_at: datetime
    minutes: int
    purpose: str


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


def book(db: Session, *, actor: Actor, data: AppointmentCreate) -> AppointmentPublic:
    patient = patient_row(db, actor=actor, patient_id=data.patient_id)
    starts = data.starts_at if data.starts_at.tzinfo else data.starts_at.replace(tzinfo=UTC)
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
    return AppointmentPublic(
        id=row.id,
        patient_id=patient.id,
        patient_name=patient.name,
        starts_at=row.starts_at,
        minutes=row.minutes,
        purpose=row.purpose,
    )


def appointments(
    db: Session, *, actor: Actor, patient_id: int | None = None, after: datetime | None = None
) -> list[AppointmentPublic]:
    query = (
        select(Appointment, Patient.name)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.clinic_id == actor.clinic_id)
        .order_by(Appointment.starts_at)
    )
    if patient_id is not None:
        query = query.where(Appointment.patient_id == patient_id)
    if after is not None:
        query = query.where(Appointment.starts_at >= after)
    return [
        AppointmentPublic(
            id=a.id,
            patient_id=a.patient_id,
            patient_name=name,
            starts_at=a.starts_at,
            minutes=a.minutes,
            purpose=a.purpose,
        )
        for a, name in db.execute(query)
    ]


def request_booking(db: Session, *, clinic_slug: str, data: BookingCreate, now: datetime) -> int:
    """A public booking request, stored only with the person's explicit consent."""
    if not data.consent:
        raise InvalidInput(
            N_("We can only keep your details if you agree: tick the box to consent.")
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
