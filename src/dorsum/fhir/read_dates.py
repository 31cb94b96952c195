"""FHIR dates as the reader needs them: partial dates widen to a range, months are full months.

A partial date (`2024`, `2024-05`) is read at the end of the range it allows when the reader
measures time since something (a younger age, fewer months since stopping isotretinoin, a younger
scar): each of those errs towards caution.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from dorsum.fhir.errors import FhirError
from dorsum.fhir.read_tables import label_of

LONGEST = len("2024-05-17T23:30:00.123456789+14:00")  # the longest FHIR date or dateTime
# FHIR's date / dateTime / instant shape: YYYY, YYYY-MM, YYYY-MM-DD, or a day with a time and
# an optional offset (an offset is required by FHIR; a time without one is read as UTC)
_FHIR_DATE = re.compile(
    r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)


def instant(text: object, resource: Mapping[str, Any], field: str) -> datetime:
    """The first moment a FHIR date or dateTime allows, in UTC (a time without offset as UTC).

    A value that is not a FHIR date or dateTime is a FhirError naming `field` of `resource`.
    """
    moment = _first_moment(text) if isinstance(text, str) and len(text) <= LONGEST else None
    if moment is None:
        raise _not_a_date(text, resource, field, "date or dateTime")
    return moment


def day_range(text: object, resource: Mapping[str, Any], field: str) -> tuple[date, date]:
    """The first and last day a FHIR date or dateTime allows (`2024` -> 1 Jan..31 Dec 2024).

    A value that is not a date is a FhirError naming `field` of `resource`.
    """
    days = _days(text) if isinstance(text, str) and len(text) <= LONGEST else None
    if days is None:
        raise _not_a_date(text, resource, field)
    return days


def forget_dates() -> None:
    """Drop the dates the parsers remember (re-screening does at the start and end of a run)."""
    _days.cache_clear()
    _first_moment.cache_clear()


# Parsing is pure and a population repeats its dates (days of birth, of visits), so both
# parsers remember recent answers (at most 16,384 texts of at most `LONGEST` characters each,
# with no link to any patient): re-screening reads hundreds of thousands of them.
@lru_cache(maxsize=16_384)
def _days(text: str) -> tuple[date, date] | None:
    if not _FHIR_DATE.fullmatch(text):
        return None
    try:
        year = int(text[:4])
        if len(text) >= 10:
            day = date(year, int(text[5:7]), int(text[8:10]))
            return day, day
        if len(text) >= 7:
            month = int(text[5:7])
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


@lru_cache(maxsize=16_384)
def _first_moment(text: str) -> datetime | None:
    days = _days(text)
    if days is None:
        return None
    day = days[0]
    if len(text) <= 10:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _not_a_date(
    text: object, resource: Mapping[str, Any], field: str, kind: str = "date"
) -> FhirError:
    # the value itself is not repeated: a birth date identifies a patient
    where = f"{label_of(resource)}.{field}"
    return FhirError(where, f"is not a FHIR {kind} (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)")


def latest_day(text: object, resource: Mapping[str, Any], field: str) -> date:
    """The last day a FHIR date allows (the cautious end for 'time since')."""
    return day_range(text, resource, field)[1]


def full_years(born: date, today: date) -> int:
    """Age in completed years on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def full_months(since: date, today: date) -> int:
    """Completed months from `since` to `today` (0 when `since` is today or later)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    if today.day < since.day:
        months -= 1
    return max(months, 0)
