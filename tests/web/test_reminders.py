"""Booking messages reach the patient, in their language, through a real SMTP server: each
booking, move and cancellation is an e-mail with a calendar invitation (or an SMS text), the
reminder waits until the day before, a refusing server leaves the message to retry, and no
log names the patient."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from typer.testing import CliRunner

from dorsum.cli import app as cli
from dorsum.services import mailer
from dorsum.settings import Settings
from dorsum.storage.database import session_factory
from dorsum.storage.tables import OutboxMessage, Patient
from tests.web.conftest import Clinic
from tests.web.test_api import token_for
from tests.web.test_appointment_book import MADRID, weekday

NAME = "Zacarías Quintanilla"
EMAIL = "zq.secret@example.org"
PHONE = "+34 611 222 333"


class Collector:
    """An SMTP handler that keeps every message it accepts, or refuses every recipient."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = ""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def mails(self) -> list[EmailMessage]:
        return [
            message_from_bytes(bytes(e.original_content or b""), policy=policy.default)
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on 127.0.0.1, for the length of one test."""
    handler, port = Collector(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@dataclass
class Desk:
    """Reception's view: the API, the database, and the sender pointed at the test server."""

    site: Clinic
    client: TestClient
    auth: dict[str, str]
    settings: Settings
    patients: dict[str, int] = field(default_factory=dict)

    def patient(self, *, language: str = "en", **contact: str) -> int:
        made = self.client.post("/api/patients", json={"name": NAME, **contact}, headers=self.auth)
        assert made.status_code == 201, made.text
        with self.db() as db:
            db.get_one(Patient, made.json()["id"]).language = language
            db.commit()
        return int(made.json()["id"])

    def book(self, patient_id: int, starts: datetime, minutes: int = 60) -> dict[str, Any]:
        json_ = {"patient_id": patient_id, "starts_at": starts.isoformat(), "minutes": minutes}
        made = self.client.post("/api/appointments", json=json_, headers=self.auth)
        assert made.status_code == 201, made.text
        return dict(made.json())

    def move(self, appointment_id: int, starts: datetime) -> None:
        moved = self.client.put(
            f"/api/appointments/{appointment_id}",
            json={"starts_at": starts.isoformat()},
            headers=self.auth,
        )
        assert moved.status_code == 200, moved.text

    def cancel(self, appointment_id: int) -> None:
        done = self.client.post(f"/api/appointments/{appointment_id}/cancel", headers=self.auth)
        assert done.status_code == 200, done.text

    def send(self, now: datetime | None = None) -> mailer.Outcome:
        with self.db() as db:
            return mailer.send_due(db, settings=self.settings, now=now or datetime.now(UTC))

    def outbox(self) -> list[OutboxMessage]:
        with self.db() as db:
            return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    def db(self) -> DbSession:
        return session_factory(self.site.app.state.engine)()


@pytest.fixture
def desk(site: Clinic, client: TestClient, smtp: tuple[Collector, int]) -> Desk:
    settings = Settings(
        database_url=site.url,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_security="none",
        smtp_from="bookings@alpha.test",
        smtp_timeout_seconds=5,
    )
    return Desk(site, client, token_for(site, "reception@alpha.test"), settings)


def _invitation(mail: EmailMessage) -> Calendar:
    """The attached invitation (the .ics file), parsed."""
    files = [p for p in mail.iter_attachments() if p.get_filename() == "invite.ics"]
    assert len(files) == 1
    assert files[0].get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(files[0].get_content())
    assert files[0].get_param("method") == str(calendar["METHOD"])
    return calendar


def _event(calendar: Calendar) -> Event:
    events = calendar.events
    assert len(events) == 1
    return events[0]


def _sequence(event: Event) -> int:
    return int(event.decoded("SEQUENCE"))


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_booking_emails_the_patient_an_invitation_in_english(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """The e-mail goes to the patient's address with the local time and a REQUEST invitation
    whose start is the booking's instant in UTC and whose UID names the appointment."""
    starts = weekday(10, 30)
    booked = desk.book(desk.patient(email=EMAIL), starts)
    assert desk.send().sent == 1
    [envelope], [mail] = smtp[0].envelopes, smtp[0].mails()
    assert envelope.rcpt_tos == [EMAIL]
    assert "Your appointment at Alpha clinic" in str(mail["Subject"])
    assert "is booked for" in _text(mail)
    assert "at 10:30" in _text(mail)
    assert "It lasts about 60 minutes." in _text(mail)
    calendar = _invitation(mail)
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == starts.astimezone(UTC)
    assert event.decoded("DTSTART").tzinfo is not None
    assert str(event["UID"]) == f"appointment-{booked['id']}@alpha.dorsum"
    assert _sequence(event) == 0
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [timedelta(days=-1)]


def test_a_spanish_speaking_patient_gets_the_email_in_spanish(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """The patient's language chooses the words and the date format; the time stays local."""
    desk.book(desk.patient(email=EMAIL, language="es"), weekday(17, 15))
    desk.send()
    [mail] = smtp[0].mails()
    assert str(mail["Subject"]).startswith("Su cita en Alpha clinic el ")
    assert "queda reservada para el " in _text(mail)
    assert "a las 17:15" in _text(mail)
    assert "llame a la clínica" in _text(mail)
    assert mail["Content-Language"] == "es"
    assert str(_event(_invitation(mail))["SUMMARY"]) == "Cita en Alpha clinic"


def test_moving_a_booking_sends_an_update_with_a_higher_sequence(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """The update keeps the UID, raises the SEQUENCE and carries the new start."""
    booked = desk.book(desk.patient(email=EMAIL), weekday(10))
    desk.move(int(booked["id"]), weekday(12))
    assert desk.send().sent == 2
    first, update = (_event(_invitation(m)) for m in smtp[0].mails())
    assert update["UID"] == first["UID"]
    assert _sequence(update) > _sequence(first)
    assert update.decoded("DTSTART") == weekday(12).astimezone(UTC)
    assert "has moved to" in _text(smtp[0].mails()[1])


def test_cancelling_sends_a_cancellation_and_drops_the_reminder(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """A cancellation is METHOD:CANCEL for the same UID; the reminder is marked superseded."""
    booked = desk.book(desk.patient(email=EMAIL), weekday(10))
    desk.cancel(int(booked["id"]))
    desk.cancel(int(booked["id"]))  # a second cancel tells the patient nothing new
    assert desk.send().sent == 2
    request, cancel = (_invitation(m) for m in smtp[0].mails())
    assert str(cancel["METHOD"]) == "CANCEL"
    assert _event(cancel)["UID"] == _event(request)["UID"]
    assert _sequence(_event(cancel)) > _sequence(_event(request))
    reminder = [r for r in desk.outbox() if r.kind == "reminder"]
    assert [(r.sent_at is not None, r.last_error) for r in reminder] == [(True, "superseded")]


def test_the_day_before_reminder_waits_until_24_hours_before(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """The reminder is queued for 24 hours before the start and is not sent a minute early."""
    starts = weekday(11)
    desk.book(desk.patient(email=EMAIL), starts)
    [reminder] = [r for r in desk.outbox() if r.kind == "reminder"]
    due = starts.astimezone(UTC) - timedelta(hours=24)
    assert reminder.send_after == due
    assert reminder.ics is None
    desk.send(due - timedelta(minutes=1))
    assert len(smtp[0].envelopes) == 1  # the booking only
    desk.send(due)
    assert len(smtp[0].envelopes) == 2
    assert str(smtp[0].mails()[1]["Subject"]).startswith("Reminder: your appointment")


def test_no_reminder_is_queued_when_the_day_before_has_passed(desk: Desk) -> None:
    """A booking for tomorrow morning gets its confirmation but no reminder."""
    soon = datetime.now(MADRID) + timedelta(hours=20)
    patient = desk.patient(email=EMAIL)
    with desk.db() as db:
        from dorsum.services import reminders
        from dorsum.storage.tables import Appointment

        clinic = db.get_one(Patient, patient).clinic_id
        row = Appointment(clinic_id=clinic, patient_id=patient, starts_at=soon, minutes=30)
        db.add(row)
        db.flush()
        queued = reminders.queue_for(db, appointment=row, kind="booked", now=datetime.now(UTC))
    assert [r.kind for r in queued] == ["booked"]


def test_a_refusing_server_leaves_the_message_to_retry_without_patient_data(
    desk: Desk, smtp: tuple[Collector, int]
) -> None:
    """A 550 counts one attempt, says why without the address, and waits before a retry."""
    smtp[0].refuse = f"550 5.1.1 <{EMAIL}>: {NAME} is unknown here"
    desk.book(desk.patient(email=EMAIL), weekday(10))
    now = datetime.now(UTC)
    assert desk.send(now).failed == 1
    [booked] = [r for r in desk.outbox() if r.kind == "booked"]
    assert (booked.sent_at, booked.attempts) == (None, 1)
    assert "550" in booked.last_error
    assert EMAIL not in booked.last_error
    assert "Quintanilla" not in booked.last_error
    assert booked.send_after > now
    assert desk.send(now).failed == 0  # not again before the back-off ends


def test_an_unreachable_server_counts_an_attempt(desk: Desk, smtp: tuple[Collector, int]) -> None:
    """When no server answers, every due message keeps waiting with one attempt counted."""
    desk.book(desk.patient(email=EMAIL), weekday(10))
    desk.settings = desk.settings.model_copy(update={"smtp_port": _free_port()})
    assert desk.send().failed == 1
    [booked] = [r for r in desk.outbox() if r.kind == "booked"]
    assert (booked.sent_at, booked.attempts) == (None, 1)
    assert booked.last_error == "could not reach the server (ConnectionRefusedError)"


def test_sending_logs_no_patient_data(
    desk: Desk, smtp: tuple[Collector, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Neither a refused nor an accepted message puts the patient's name or address in a log."""
    desk.book(desk.patient(email=EMAIL), weekday(10))
    caplog.set_level(logging.DEBUG)
    smtp[0].refuse = f"550 <{EMAIL}> unknown"
    desk.send()
    smtp[0].refuse = ""
    desk.send(datetime.now(UTC) + timedelta(hours=1))
    assert len(smtp[0].envelopes) == 1
    ours = [r for r in caplog.records if r.name != "mail.log"]  # not the test's own server
    assert any(r.name == "dorsum.outbox" for r in ours)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in ours)
    for secret in (NAME, "Quintanilla", EMAIL, "zq.secret"):
        assert secret not in logged


def test_a_refused_booking_queues_no_message(desk: Desk) -> None:
    """A booking in the past is refused, and nothing waits in the outbox for it."""
    patient = desk.patient(email=EMAIL)
    past = (datetime.now(MADRID) - timedelta(days=1)).replace(hour=10)
    refused = desk.client.post(
        "/api/appointments",
        json={"patient_id": patient, "starts_at": past.isoformat()},
        headers=desk.auth,
    )
    assert refused.status_code == 422
    assert desk.outbox() == []


def test_a_patient_without_an_email_gets_a_short_text_and_one_without_contact_nothing(
    desk: Desk,
) -> None:
    """The phone is used when there is no e-mail; with no gateway the text waits, untried."""
    desk.book(desk.patient(phone=PHONE, language="es"), weekday(10))
    desk.book(desk.patient(), weekday(16))
    rows = desk.outbox()
    assert [(r.kind, r.channel, r.recipient) for r in rows] == [
        ("booked", "sms", PHONE),
        ("reminder", "sms", PHONE),
    ]
    assert all(len(r.body) <= 160 and r.ics is None for r in rows)
    assert "a las 10:00" in rows[0].body
    assert desk.send().waiting == 1
    assert (desk.outbox()[0].attempts, desk.outbox()[0].last_error) == (0, mailer.NO_GATEWAY)


def test_texts_are_posted_to_the_sms_webhook(desk: Desk) -> None:
    """With DORSUM_SMS_WEBHOOK_URL set, each text is POSTed as {"to", "text"} and marked sent."""
    posted: list[dict[str, str]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/sms"
        desk.settings = desk.settings.model_copy(update={"sms_webhook_url": url})
        desk.book(desk.patient(phone=PHONE), weekday(10))
        assert desk.send().sent == 1
    finally:
        server.shutdown()
        server.server_close()
    assert [p["to"] for p in posted] == [PHONE]
    assert posted[0]["text"].startswith("Alpha clinic: appointment booked for ")
    assert desk.outbox()[0].sent_at is not None


def test_the_outbox_commands_send_and_count_without_patient_data(
    desk: Desk, smtp: tuple[Collector, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dorsum outbox send --dry-run` lists without addresses, `send` sends, `list` counts."""
    desk.book(desk.patient(email=EMAIL), weekday(10))
    for name in ("database_url", "smtp_host", "smtp_port", "smtp_security", "smtp_from"):
        monkeypatch.setenv(f"DORSUM_{name.upper()}", str(getattr(desk.settings, name)))
    runner = CliRunner()
    dry = runner.invoke(cli, ["outbox", "send", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 message(s) would be sent" in dry.output
    assert EMAIL not in dry.output
    assert smtp[0].envelopes == []
    sent = runner.invoke(cli, ["outbox", "send"])
    assert sent.exit_code == 0, sent.output
    assert "1 sent" in sent.output
    assert len(smtp[0].envelopes) == 1
    counts = runner.invoke(cli, ["outbox", "list"])
    assert counts.exit_code == 0, counts.output
    assert re.search(r"sent\W+1\W+0", counts.output), counts.output
    assert re.search(r"scheduled\W+1\W+0", counts.output), counts.output
