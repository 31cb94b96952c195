"""A room, device or staff member still booked ahead cannot be deactivated: those bookings
would lose their resource, and the optimiser could no longer honour them. Reception moves
them (or cancels them) first; the refusal says how many there are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from dorsum.services.errors import InvalidInput
from dorsum.storage.tables import Appointment


def bookings_ahead(
    db: Session, *, column: InstrumentedAttribute[int | None], record_id: int, now: datetime
) -> int:
    """How many live bookings after `now` use the record (`column` is the appointment's
    `room_id`, `device_id` or `staff_id`)."""
    count = db.scalar(
        select(func.count())
        .select_from(Appointment)
        .where(column == record_id, Appointment.cancelled_at.is_(None), Appointment.starts_at > now)
    )
    return count or 0


def refuse_if_booked_ahead(
    db: Session,
    *,
    column: InstrumentedAttribute[int | None],
    record_id: int,
    now: datetime,
    message: str,
) -> None:
    """InvalidInput at `active`, `message` given the `count` of bookings ahead, if any."""
    count = bookings_ahead(db, column=column, record_id=record_id, now=now)
    if count:
        raise InvalidInput(message, field="active", count=count)
