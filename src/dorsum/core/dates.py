"""Calendar arithmetic the rules need, kept free of any clock: callers pass "today" in."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from dorsum.core.errors import DateRangeError

# Dates outside these are typos (a year of 0202 or 20266), and month arithmetic on them would
# leave the calendar; every date a caller passes in is held to them.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
SupportedDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]


def _supported_instant(value: datetime) -> datetime:
    """The same bounds for a date and time, as written and, when it has an offset, in UTC (so
    that 0001-01-01T00:00+14:00 or 9999-12-31T23:59-14:00 never reach the calendar's edge)."""
    message = f"must be between {EARLIEST.year} and {LATEST.year}"
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ValueError(message)
    if value.tzinfo is not None and not EARLIEST.year <= value.astimezone(UTC).year <= LATEST.year:
        raise ValueError(message)
    return value


SupportedDateTime = Annotated[datetime, AfterValidator(_supported_instant)]


def check_supported(day: date, name: str) -> date:
    """`day` itself, or DateRangeError naming the field when it is outside EARLIEST..LATEST."""
    if not EARLIEST <= day <= LATEST:
        raise DateRangeError(name, f"must be between {EARLIEST} and {LATEST}, not {day}")
    return day


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def long_date(day: date) -> str:
    """A date as people write it in English: 21 May 2027."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def after(day: date, amount: float, unit: str) -> date:
    """`amount` days, weeks or months after `day` (whole units; months keep the day of month)."""
    whole = round(amount)
    if unit == "days":
        return day + timedelta(days=whole)
    if unit == "weeks":
        return day + timedelta(weeks=whole)
    if unit == "months":
        return add_months(day, whole)
    raise ValueError(f"cannot add {unit} to a date")
