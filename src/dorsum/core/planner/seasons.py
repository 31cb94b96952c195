"""When summer is, for the patient: meteorological summer is June to August in the northern
hemisphere (NOAA) and December to February in the southern (Bureau of Meteorology).

Seed 000: back scars matter most in summer, when people want to bare their backs, and treated
skin must then be kept out of the sun.
"""

from __future__ import annotations

import calendar
from datetime import date

from dorsum.core.errors import PlanError
from dorsum.core.plan import Hemisphere, Period

SOURCES = ("noaa-seasons", "bom-seasons")
# Countries wholly or mostly south of the equator (ISO 3166-1 alpha-2); all others are north.
SOUTHERN = frozenset(
    {
        "AO",
        "AR",
        "AU",
        "BO",
        "BR",
        "BW",
        "CL",
        "FJ",
        "ID",
        "LS",
        "MG",
        "MU",
        "MW",
        "MZ",
        "NA",
        "NZ",
        "PE",
        "PG",
        "PY",
        "SZ",
        "TZ",
        "UY",
        "ZA",
        "ZM",
        "ZW",
    }
)


def hemisphere_of(*, hemisphere: str | None = None, country: str | None = None) -> Hemisphere:
    """The hemisphere given directly or by country code; the north when neither is given."""
    if hemisphere is not None:
        if hemisphere not in ("north", "south"):
            raise PlanError(
                f"hemisphere must be 'north' or 'south', not {hemisphere!r}",
                code="hemisphere",
                field="hemisphere",
            )
        return "north" if hemisphere == "north" else "south"
    if country is not None:
        code = country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise PlanError(
                f"country must be a two-letter ISO code such as ES, not {country!r}",
                code="country",
                field="country",
            )
        return "south" if code in SOUTHERN else "north"
    return "north"


def summers(hemisphere: Hemisphere, first: date, last: date) -> tuple[Period, ...]:
    """Every summer that overlaps the days from `first` to `last`."""
    periods = []
    for year in range(first.year - 1, last.year + 1):
        period = _summer(hemisphere, year)
        if period.end >= first and period.start <= last:
            periods.append(period)
    return tuple(periods)


def next_summer_start(hemisphere: Hemisphere, after: date) -> date:
    """The first day of the next summer on or after `after`."""
    for year in (after.year - 1, after.year, after.year + 1):
        start = _summer(hemisphere, year).start
        if start >= after:
            return start
    raise AssertionError("a summer starts every year")


def _summer(hemisphere: Hemisphere, year: int) -> Period:
    if hemisphere == "north":
        return Period(start=date(year, 6, 1), end=date(year, 8, 31))
    february_end = calendar.monthrange(year + 1, 2)[1]
    return Period(start=date(year, 12, 1), end=date(year + 1, 2, february_end))


def overlaps(start: date, end: date, periods: tuple[Period, ...]) -> Period | None:
    """The first period that shares a day with `start`..`end`, if any."""
    return next((p for p in periods if p.start <= end and start <= p.end), None)
