"""What every command shares: errors become messages and exit status 2, never tracebacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from dorsum.core.errors import DorsumError, IntakeError

BAD_INPUT = 2
stderr = Console(stderr=True, soft_wrap=True)  # a redirected log keeps whole lines


def fail(message: str) -> NoReturn:
    """Print an error for a person and exit with the bad-input status."""
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(BAD_INPUT)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn dorsum's own errors into messages and exit status 2."""
    try:
        yield
    except IntakeError as error:
        stderr.print(
            f"[bold red]error:[/] the intake has {len(error.problems)} problem(s):",
            highlight=False,
        )
        for problem in error.problems:
            stderr.print(
                f"  [bold]{escape(problem.path)}[/]: {escape(problem.message)}", highlight=False
            )
        raise typer.Exit(BAD_INPUT) from None
    except DorsumError as error:
        fail(str(error))


def clinic_today(zone: tzinfo) -> date:
    """Today in the clinic's time zone (the `timezone` setting), as the web application sees it."""
    return datetime.now(zone).date()


def settings_today() -> date:
    """Today as the clinic's `DORSUM_TIMEZONE` has it (the one time-zone setting)."""
    from pydantic import ValidationError

    from dorsum.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        names = ", ".join(f"DORSUM_{str(e['loc'][0]).upper()}" for e in error.errors() if e["loc"])
        fail(f"a setting is not valid ({names}); pass --today or correct the setting")
    return clinic_today(settings.zone)


def parse_day(value: str | None, option: str) -> date | None:
    """An ISO date from an option, or a clear error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2027-06-15, not {value!r}")
