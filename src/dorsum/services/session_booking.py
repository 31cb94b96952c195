"""One treatment session booked from the calendar, outside any plan: in a room, with a staff
member (and a device when the treatment needs one), checked with the scheduler's oracle like a
plan's sessions (`booking_checks`), and refused with every reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from dorsum.core.dates import SupportedDateTime
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.i18n import N_, Localizer
from dorsum.scheduling.model import Booking
from dorsum.services import audit, reminders
from dorsum.services.actors import Actor
from dorsum.services.appointments import MAX_ID, AppointmentPublic, BookingRules, as_public, instant
from dorsum.services.book_model import load_book, minute_of
from dorsum.services.booking_checks import bookable_days, refuse_if_broken
from dorsum.services.errors import InvalidInput
from dorsum.services.patients import patient_row
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment

WINDOW = timedelta(days=60)  # the book read around the session, for its patient's recovery


class SessionCreate(BaseModel):
    """One treatment session booked from the calendar, outside any plan."""

    model_config = ConfigDict(extra="forbid")

    patient_id: int = Field(ge=1, le=MAX_ID)
    treatment: str = Field(max_length=60)
    starts_at: SupportedDateTime
    room_id: int = Field(ge=1, le=MAX_ID)
    staff_id: int = Field(ge=1, le=MAX_ID)
    device_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@use_case
def book_session(
    db: Session,
    *,
    actor: Actor,
    data: SessionCreate,
    index: KnowledgeIndex,
    rules: BookingRules,
    now: datetime,
    language: str,
) -> AppointmentPublic:
    """Book one session in a room with a staff member (and device), checked like a plan's."""
    patient = patient_row(db, actor=actor, patient_id=data.patient_id)
    when = instant(data.starts_at, rules)
    local = when.astimezone(rules.timezone)
    today = now.astimezone(rules.timezone).date()
    bookable_days([local.date()], today=today, horizon_days=rules.horizon_days, field="date")
    loc = Localizer(language)  # type: ignore[arg-type]
    book = load_book(
        db,
        clinic_id=actor.clinic_id,
        index=index,
        rules=rules,
        first=local.date() - WINDOW,
        last=local.date() + WINDOW,
        loc=loc,
    )
    needs = book.clinic.needs.get(data.treatment)
    if needs is None:
        raise InvalidInput(N_("This treatment is not booked in sessions."), field="treatment")
    new = Booking(
        series="session:new",
        number=1,
        patient=patient.id,
        treatment=data.treatment,
        day=local.date(),
        start=minute_of(local) - needs.setup,
        held=needs.held,
        room=data.room_id,
        staff=data.staff_id,
        device=data.device_id,
    )
    refuse_if_broken(db, actor=actor, book=book, changed=[new], today=today, loc=loc)
    row = Appointment(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        starts_at=local.astimezone(UTC),
        minutes=needs.minutes,
        purpose="",
        created_by=actor.user_id,
        room_id=data.room_id,
        staff_id=data.staff_id,
        device_id=data.device_id,
        treatment=data.treatment,
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
        patient_id=patient.id,
    )
    reminders.queue_for(db, appointment=row, kind="booked", now=now, zone=rules.timezone)
    return as_public(row, patient.name)
