"""Send the outbox's due messages: e-mail over SMTP, SMS texts through a webhook.

A message is due when it is unsent, its `send_after` has come and it has been tried fewer than
DORSUM_OUTBOX_MAX_ATTEMPTS times. E-mails of one run share one SMTP connection. Each message
is committed as soon as its fate is known, so a crash later in the run cannot send it twice.
A refused message keeps its place: `attempts` goes up, `last_error` says why in words that
hold no patient data (never the server's reply, which may quote the address), and it is tried
again after a back-off that doubles with each attempt.

The I/O sits behind two seams a caller can replace: `Connect` opens the mail connection and
`SendSms` sends one text. Without DORSUM_SMS_WEBHOOK_URL texts are not sent: they stay pending,
untried, with last_error "no SMS gateway configured", and go once a gateway is set.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from functools import partial
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.services.reminders import SUPERSEDED
from dorsum.settings import Settings
from dorsum.storage.tables import Clinic, OutboxMessage

log = logging.getLogger("dorsum.outbox")

SendMail = Callable[[EmailMessage], None]
Connect = Callable[[], AbstractContextManager[SendMail]]
SendSms = Callable[[str, str], None]  # (phone number, text)
NO_GATEWAY = "no SMS gateway configured"
FIRST_RETRY = timedelta(minutes=5)
Status = Literal["due", "scheduled", "sent", "superseded", "failed"]


class MailNotConfigured(Exception):
    """Sending is switched on but cannot work as set (no From address)."""


@dataclass
class Outcome:
    """What one run did: messages sent, refused (to be retried or given up) and left waiting."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0


def status(row: OutboxMessage, *, now: datetime, max_attempts: int) -> Status:
    if row.sent_at is not None:
        return "superseded" if row.last_error == SUPERSEDED else "sent"
    if row.attempts >= max_attempts:
        return "failed"
    return "scheduled" if row.send_after > now else "due"


def due(db: Session, *, now: datetime, max_attempts: int) -> list[OutboxMessage]:
    """The messages to send now, oldest first."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.send_after <= now,
                OutboxMessage.attempts < max_attempts,
            )
            .order_by(OutboxMessage.send_after, OutboxMessage.id)
        )
    )


def send_due(
    db: Session,
    *,
    settings: Settings,
    now: datetime,
    connect: Connect | None = None,
    send_sms: SendSms | None = None,
) -> Outcome:
    """Send what is due and record each result; commits after each message."""
    rows = due(db, now=now, max_attempts=settings.outbox_max_attempts)
    run = _Run(db, now)
    gateway = send_sms or _webhook(settings)
    run.texts([r for r in rows if r.channel == "sms"], gateway=gateway)
    emails = [r for r in rows if r.channel == "email"]
    if emails and settings.smtp_host:
        if not settings.smtp_from:
            raise MailNotConfigured("set DORSUM_SMTP_FROM, the address booking messages come from")
        run.emails(emails, sender=settings.smtp_from, connect=connect or smtp_connection(settings))
    else:
        run.outcome.waiting += len(emails)
    done = run.outcome
    log.info("outbox: %d sent, %d refused, %d waiting", done.sent, done.failed, done.waiting)
    return done


def _webhook(settings: Settings) -> SendSms | None:
    if not settings.sms_webhook_url:
        return None
    return webhook_sms(settings.sms_webhook_url, timeout=settings.smtp_timeout_seconds)


@dataclass
class _Run:
    """One sending run: it records each message's result as soon as it is known."""

    db: Session
    now: datetime
    outcome: Outcome = field(default_factory=Outcome)

    def emails(self, rows: list[OutboxMessage], *, sender: str, connect: Connect) -> None:
        clinics: dict[int, str] = dict(self.db.execute(select(Clinic.id, Clinic.name)).all())
        tried: set[int] = set()
        try:
            with connect() as send:
                for row in rows:
                    message = email_message(
                        row, sender=sender, clinic=clinics[row.clinic_id], date=self.now
                    )
                    tried.add(row.id)
                    self.attempt(row, partial(send, message))
        except (OSError, smtplib.SMTPException) as error:  # the connection failed or was lost
            for row in rows:
                if row.id not in tried:
                    self.refused(row, error)

    def texts(self, rows: list[OutboxMessage], *, gateway: SendSms | None) -> None:
        for row in rows:
            if gateway is None:
                row.last_error = NO_GATEWAY
                self.db.commit()
                self.outcome.waiting += 1
            else:
                self.attempt(row, partial(gateway, row.recipient, row.body))

    def attempt(self, row: OutboxMessage, send: Callable[[], None]) -> None:
        try:
            send()
        except (OSError, ValueError, smtplib.SMTPException) as error:
            self.refused(row, error)
            if isinstance(error, smtplib.SMTPServerDisconnected):
                raise
            return
        row.sent_at, row.last_error = self.now, ""
        row.attempts += 1
        self.db.commit()
        self.outcome.sent += 1
        log.info("outbox message %d sent (%s, %s)", row.id, row.kind, row.channel)

    def refused(self, row: OutboxMessage, error: BaseException) -> None:
        """Count the attempt, say why without patient data, and try again later."""
        row.attempts += 1
        row.last_error = public_error(error)
        row.send_after = self.now + FIRST_RETRY * 2 ** (row.attempts - 1)
        self.db.commit()
        self.outcome.failed += 1
        log.warning("outbox message %d not sent: %s", row.id, row.last_error)


def public_error(error: BaseException) -> str:
    """Why a message was not sent, without the server's text (it may quote the address)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"the mail server refused the recipient (SMTP {', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the mail server refused the message (SMTP {error.smtp_code})"
    if isinstance(error, smtplib.SMTPException):
        return f"the mail server failed ({type(error).__name__})"
    if isinstance(error, urllib.error.HTTPError):
        return f"the SMS gateway answered HTTP {error.code}"
    return f"could not reach the server ({type(error).__name__})"


def email_message(row: OutboxMessage, *, sender: str, clinic: str, date: datetime) -> EmailMessage:
    """The e-mail: the text, the invitation as its calendar alternative, and as a file."""
    message = EmailMessage()
    message["From"] = formataddr((clinic, sender))
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = make_msgid(f"outbox-{row.id}", domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body)
    if row.ics:
        # as bytes, so the calendar keeps the CRLF line ends RFC 5545 asks for
        ics, method = row.ics.encode(), "CANCEL" if row.kind == "cancelled" else "REQUEST"
        params = {"method": method, "charset": "utf-8"}
        message.add_alternative(ics, "text", "calendar", params=params)
        message.add_attachment(ics, "text", "calendar", filename="invite.ics", params=params)
    message["Content-Language"] = row.language  # after the parts, which take Content-* headers
    return message


def smtp_connection(settings: Settings) -> Connect:
    """Open one SMTP connection, with TLS as DORSUM_SMTP_SECURITY says, logged in if asked."""

    @contextmanager
    def connect() -> Iterator[SendMail]:
        timeout = settings.smtp_timeout_seconds
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if settings.smtp_security == "tls":
            server = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=context)
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            yield lambda message: _send(server, message)

    return connect


def _send(server: smtplib.SMTP, message: EmailMessage) -> None:
    server.send_message(message)


def webhook_sms(url: str, *, timeout: float) -> SendSms:
    """Send a text by POSTing {"to", "text"} as JSON to the SMS gateway's webhook."""

    def send(to: str, text: str) -> None:
        data = json.dumps({"to": to, "text": text}).encode()
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout):
            pass  # a status >= 400 raises HTTPError, an OSError

    return send
