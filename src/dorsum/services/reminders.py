"""Booking messages for the patient, queued in the outbox in their language.

Each booking, move and cancellation queues one message: an e-mail with the booking as an
iCalendar invitation when the patient has an e-mail address, otherwise a short SMS text when
they have a phone, otherwise nothing. A booking or move also queues a reminder for 24 hours
before the start (when that is still ahead). The rows are written in the booking's own
transaction, so a refused booking leaves no message; `dorsum.services.mailer` sends them.

A move or cancellation makes the appointment's unsent reminders obsolete. They are marked sent
with `last_error = "superseded"` rather than deleted: the outbox keeps the history of what was
and was not sent, and the invitation's SEQUENCE, counted from the earlier invitations, keeps
rising for calendar apps.

Messages name the clinic, the time and the treatment, never the patient: the outbox and any
log about it hold no more patient data than the address it goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal, cast
from zoneinfo import ZoneInfo

from babel.dates import format_time
from icalendar import Alarm, Calendar, Event, vCalAddress
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import LANGUAGES, Language, Localizer
from dorsum.storage.tables import Appointment, Clinic, OutboxMessage, Patient, TreatmentPlan

Change = Literal["booked", "moved", "cancelled"]
Kind = Literal[Change, "reminder"]
INVITATIONS: tuple[Change, ...] = ("booked", "moved", "cancelled")
SUPERSEDED = "superseded"
REMINDER_AHEAD = timedelta(hours=24)


@dataclass(frozen=True)
class Booking:
    """What a message says about an appointment: no patient data."""

    appointment_id: int
    clinic_name: str
    clinic_slug: str
    starts_at: datetime  # aware, UTC
    minutes: int
    zone: ZoneInfo
    treatment: str = ""  # the treatment's name in the reader's language, if any
    session: int | None = None
    sessions: int | None = None  # how many the plan has, when known


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    sms: str


def uid(booking: Booking) -> str:
    """One UID per appointment, so each update replaces the event in the patient's calendar."""
    return f"appointment-{booking.appointment_id}@{booking.clinic_slug}.dorsum"


def compose(booking: Booking, *, kind: Kind, loc: Localizer) -> Message:
    """The e-mail subject and body and the SMS text of one message."""
    local = booking.starts_at.astimezone(booking.zone)
    day, time = loc.date(local.date(), "full"), format_time(local, "short", locale=loc.locale)
    short_day = loc.date(local.date(), "EEE d MMM")
    clinic = booking.clinic_name
    return Message(
        subject=_subject(kind, loc, clinic=clinic, day=day, time=time),
        body="\n\n".join(_body(booking, kind, loc, day=day, time=time)) + "\n",
        sms=_sms(kind, loc, clinic=clinic, day=short_day, time=time),
    )


def _subject(kind: Kind, loc: Localizer, **values: str) -> str:
    if kind == "booked":
        return loc.gettext("Your appointment at %(clinic)s on %(day)s", **values)
    if kind == "moved":
        return loc.gettext("Your appointment at %(clinic)s has moved to %(day)s", **values)
    if kind == "cancelled":
        return loc.gettext("Your appointment at %(clinic)s on %(day)s is cancelled", **values)
    return loc.gettext("Reminder: your appointment at %(clinic)s on %(day)s", **values)


def _body(booking: Booking, kind: Kind, loc: Localizer, *, day: str, time: str) -> list[str]:
    values = {"clinic": booking.clinic_name, "day": day, "time": time}
    if kind == "booked":
        opening = loc.gettext("Your appointment at %(clinic)s is booked for %(day)s at %(time)s.")
    elif kind == "moved":
        opening = loc.gettext("Your appointment at %(clinic)s has moved to %(day)s at %(time)s.")
    elif kind == "cancelled":
        opening = loc.gettext("Your appointment at %(clinic)s on %(day)s at %(time)s is cancelled.")
    else:
        opening = loc.gettext(
            "A reminder of your appointment at %(clinic)s on %(day)s at %(time)s."
        )
    lines = [loc.gettext("Hello,"), opening % values]
    if kind != "cancelled":
        what = treatment_line(booking, loc)
        lines += [what] if what else []
        lines.append(
            loc.ngettext(
                "It lasts about %(num)s minute.", "It lasts about %(num)s minutes.", booking.minutes
            )
        )
        lines.append(loc.gettext("To cancel or change it, please call the clinic."))
    else:
        lines.append(loc.gettext("To book a new time, please call the clinic."))
    return [*lines, booking.clinic_name]


def treatment_line(booking: Booking, loc: Localizer) -> str:
    """ "Laser: session 2 of 4", as the treatment plan says it; empty for a plain visit."""
    if not booking.treatment:
        return ""
    if booking.session is None:
        return booking.treatment
    if booking.sessions is None:
        return loc.gettext(
            "%(name)s: session %(number)s", name=booking.treatment, number=booking.session
        )
    return loc.gettext(
        "%(name)s: session %(number)s of %(of)s",
        name=booking.treatment,
        number=booking.session,
        of=booking.sessions,
    )


def _sms(kind: Kind, loc: Localizer, **values: str) -> str:
    """At most 160 characters unless the clinic's name is long."""
    if kind == "booked":
        return loc.gettext(
            "%(clinic)s: appointment booked for %(day)s at %(time)s. To cancel, call the clinic.",
            **values,
        )
    if kind == "moved":
        return loc.gettext(
            "%(clinic)s: your appointment moved to %(day)s at %(time)s. To cancel, call the "
            "clinic.",
            **values,
        )
    if kind == "cancelled":
        return loc.gettext(
            "%(clinic)s: your appointment on %(day)s at %(time)s is cancelled.", **values
        )
    return loc.gettext(
        "%(clinic)s: reminder of your appointment on %(day)s at %(time)s. To cancel, call the "
        "clinic.",
        **values,
    )


def invitation(
    booking: Booking,
    *,
    cancelled: bool,
    sequence: int,
    loc: Localizer,
    stamp: datetime,
    attendee: str | None = None,
    organizer: str = "",
) -> str:
    """An RFC 5546 iTIP message: REQUEST for a new or moved booking, CANCEL for a cancelled
    one; times in UTC, with an alarm the day before."""
    calendar = Calendar()
    calendar.add("prodid", "-//dorsum//appointment//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid(booking))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.starts_at.astimezone(UTC) + timedelta(minutes=booking.minutes))
    event.add("summary", loc.gettext("Appointment at %(clinic)s", clinic=booking.clinic_name))
    event.add("location", booking.clinic_name)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if what := treatment_line(booking, loc):
        event.add("description", what)
    if organizer:
        event.add("organizer", _address(organizer, name=booking.clinic_name))
    if attendee:
        event.add("attendee", _address(attendee, rsvp=False))
    if not cancelled:
        event.add_component(_alarm(booking, loc))
    calendar.add_component(event)
    return cast(bytes, calendar.to_ical()).decode()


def _address(email: str, *, name: str = "", rsvp: bool | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = name
    if rsvp is not None:
        address.params["rsvp"] = "TRUE" if rsvp else "FALSE"
    return address


def _alarm(booking: Booking, loc: Localizer) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER_AHEAD)
    alarm.add(
        "description",
        loc.gettext("Tomorrow: appointment at %(clinic)s", clinic=booking.clinic_name),
    )
    return alarm


def queue_for(
    db: Session,
    *,
    appointment: Appointment,
    kind: Change,
    now: datetime,
    zone: ZoneInfo | None = None,
    index: KnowledgeIndex | None = None,
) -> list[OutboxMessage]:
    """Queue the messages for a booking, a move or a cancellation of `appointment`.

    `zone` is the clinic's time zone (default: the DORSUM_TIMEZONE setting, which is also where
    the invitation's organizer, DORSUM_SMTP_FROM, comes from); `index` is the knowledge base
    that names the treatment (default: the shipped one, read only when a treatment is booked).
    """
    from dorsum.settings import get_settings

    if kind != "booked":
        _supersede_reminders(db, appointment_id=appointment.id, now=now)
    if kind == "cancelled" and _sequence(db, appointment.id, only="cancelled"):
        return []  # cancelling twice tells the patient once
    patient = db.get_one(Patient, appointment.patient_id)
    channel, recipient = _channel(patient)
    if channel is None:
        return []
    settings = get_settings()
    loc = Localizer(_language(patient.language))
    booking = _booking(db, appointment, zone=zone or settings.zone, loc=loc, index=index)
    cancelled = kind == "cancelled"
    ics = None
    if channel == "email":
        ics = invitation(
            booking,
            cancelled=cancelled,
            sequence=_sequence(db, appointment.id),
            loc=loc,
            stamp=now,
            attendee=recipient,
            organizer=settings.smtp_from,
        )
    row = partial(_row, booking, appointment=appointment, channel=channel, recipient=recipient)
    rows = [row(kind=kind, loc=loc, ics=ics, send_after=now)]
    reminder_at = appointment.starts_at - REMINDER_AHEAD
    if not cancelled and reminder_at > now:
        rows.append(row(kind="reminder", loc=loc, send_after=reminder_at))
    db.add_all(rows)
    db.flush()
    return rows


def _channel(patient: Patient) -> tuple[Literal["email", "sms"] | None, str]:
    if patient.email:
        return "email", patient.email
    if patient.phone:
        return "sms", patient.phone
    return None, ""


def _language(value: str | None) -> Language:
    for language in LANGUAGES:
        if value == language:
            return language
    return "en"


def _row(
    booking: Booking,
    *,
    appointment: Appointment,
    kind: Kind,
    channel: str,
    recipient: str,
    loc: Localizer,
    send_after: datetime,
    ics: str | None = None,
) -> OutboxMessage:
    message = compose(booking, kind=kind, loc=loc)
    email = channel == "email"
    return OutboxMessage(
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        appointment_id=appointment.id,
        kind=kind,
        channel=channel,
        recipient=recipient,
        language=loc.language,
        subject=message.subject if email else "",
        body=message.body if email else message.sms,
        ics=ics,
        send_after=send_after,
        attempts=0,
        last_error="",
    )


def _booking(
    db: Session,
    appointment: Appointment,
    *,
    zone: ZoneInfo,
    loc: Localizer,
    index: KnowledgeIndex | None,
) -> Booking:
    clinic = db.get_one(Clinic, appointment.clinic_id)
    return Booking(
        appointment_id=appointment.id,
        clinic_name=clinic.name,
        clinic_slug=clinic.slug,
        starts_at=appointment.starts_at,
        minutes=appointment.minutes,
        zone=zone,
        treatment=_treatment_name(appointment.treatment, loc, index),
        session=appointment.session_number,
        sessions=_planned_sessions(db, appointment),
    )


def _treatment_name(treatment: str, loc: Localizer, index: KnowledgeIndex | None) -> str:
    if not treatment:
        return ""
    if index is None:
        from dorsum import default_index

        index = default_index()
    found = index.treatments.get(treatment)
    return loc.kb(found.name) if found else treatment


def _planned_sessions(db: Session, appointment: Appointment) -> int | None:
    """How many sessions of this treatment the appointment's plan has, when it says."""
    if appointment.plan_id is None or not appointment.treatment:
        return None
    plan = db.get(TreatmentPlan, appointment.plan_id)
    items = plan.plan.get("items", []) if plan is not None else []
    for item in items:
        if isinstance(item, dict) and item.get("treatment") == appointment.treatment:
            sessions = item.get("sessions")
            return sessions if isinstance(sessions, int) else None
    return None


def _sequence(db: Session, appointment_id: int, *, only: Kind | None = None) -> int:
    """How many invitations (or, with `only`, messages of that kind) the appointment has had."""
    kinds = (only,) if only else INVITATIONS
    return (
        db.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.appointment_id == appointment_id, OutboxMessage.kind.in_(kinds))
        )
        or 0
    )


def _supersede_reminders(db: Session, *, appointment_id: int, now: datetime) -> None:
    db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.appointment_id == appointment_id,
            OutboxMessage.kind == "reminder",
            OutboxMessage.sent_at.is_(None),
        )
        .values(sent_at=now, last_error=SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
