"""`dorsum outbox`: send the booking messages that are due, from cron or a systemd timer, and
count what is waiting. Nothing printed names a patient or an address."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from dorsum.cli.common import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dorsum.settings import Settings
    from dorsum.storage.tables import OutboxMessage

outbox_app = typer.Typer(help="Booking messages: e-mails and SMS texts.", no_args_is_help=True)
stdout = Console(highlight=False)


@contextmanager
def _database() -> Iterator[tuple[Session, Settings]]:
    """A session on DORSUM_DATABASE_URL, with the settings it was opened with."""
    from pydantic import ValidationError

    from dorsum.settings import Settings
    from dorsum.storage.database import make_engine, session_factory

    try:
        settings = Settings()
    except ValidationError as error:
        names = ", ".join(f"DORSUM_{str(e['loc'][0]).upper()}" for e in error.errors() if e["loc"])
        fail(f"a setting is not valid ({names})")
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as db:
            yield db, settings
    finally:
        engine.dispose()


@outbox_app.command("send")
def send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")
    ] = False,
) -> None:
    """Send the messages that are due now. Refused ones are retried on a later run."""
    from dorsum.services import mailer

    now = datetime.now(UTC)
    with _database() as (db, settings):
        if dry_run:
            _list_due(mailer.due(db, now=now, max_attempts=settings.outbox_max_attempts))
            return
        if not settings.smtp_host:
            stdout.print("[yellow]sending is off:[/] DORSUM_SMTP_HOST is not set")
        try:
            done = mailer.send_due(db, settings=settings, now=now)
        except mailer.MailNotConfigured as error:
            fail(str(error))
    stdout.print(
        f"[green]{done.sent} sent[/], [red]{done.failed} refused[/] (retried later), "
        f"{done.waiting} waiting"
    )


def _list_due(rows: list[OutboxMessage]) -> None:
    table = Table("id", "kind", "channel", "language", "due since", "attempts")
    for row in rows:
        table.add_row(
            str(row.id),
            row.kind,
            row.channel,
            row.language,
            row.send_after.isoformat(timespec="minutes"),
            str(row.attempts),
        )
    stdout.print(table)
    stdout.print(f"{len(rows)} message(s) would be sent")


@outbox_app.command("list")
def list_counts() -> None:
    """Count the messages by status: due, scheduled, sent, superseded, failed."""
    from sqlalchemy import select

    from dorsum.services import mailer
    from dorsum.storage.tables import OutboxMessage as Row

    now = datetime.now(UTC)
    with _database() as (db, settings):
        counts = Counter(
            (mailer.status(row, now=now, max_attempts=settings.outbox_max_attempts), row.channel)
            for row in db.scalars(select(Row))
        )
    table = Table("status", "e-mail", "sms")
    for status in ("due", "scheduled", "sent", "superseded", "failed"):
        table.add_row(status, str(counts[status, "email"]), str(counts[status, "sms"]))
    stdout.print(table)
