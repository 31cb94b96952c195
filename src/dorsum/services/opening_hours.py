"""Opening hours, as clinic IT writes them in one setting:

    mon-fri 09:00-20:00; sat 09:00-14:00
    mon-thu 09:00-14:00,16:00-20:00; fri 09:00-15:00

Days not named are closed. Times are the clinic's local wall-clock times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Span = tuple[time, time]


@dataclass(frozen=True)
class OpeningHours:
    """For each weekday (0 = Monday), the spans the clinic is open."""

    days: tuple[tuple[Span, ...], ...]

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read the setting; ValueError says which part is wrong."""
        days: list[list[Span]] = [[] for _ in DAYS]
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            names, _, spans = part.partition(" ")
            for day in _days(names.lower()):
                days[day].extend(_span(text.strip()) for text in spans.split(","))
        return cls(days=tuple(tuple(sorted(spans)) for spans in days))

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether the local times start..end fall within one opening span of one day."""
        if start.date() != end.date() and end.time() != time(0):
            return False
        finish = time(23, 59, 59) if end.time() == time(0) and end > start else end.time()
        return any(
            opens <= start.time() and finish <= closes
            for opens, closes in self.days[start.weekday()]
        )

    def open_at(self, moment: datetime) -> bool:
        """Whether the clinic is open at this local time."""
        return any(opens <= moment.time() < closes for opens, closes in self.days[moment.weekday()])

    def describe(self) -> list[tuple[str, tuple[Span, ...]]]:
        """(day, spans) for each open day, to show on the booking page."""
        return [(DAYS[day], spans) for day, spans in enumerate(self.days) if spans]


def _days(names: str) -> list[int]:
    first, _, last = names.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"unknown day {names!r}: use mon, tue, wed, thu, fri, sat or sun")
    start = DAYS.index(first)
    end = DAYS.index(last) if last else start
    if end < start:
        raise ValueError(f"{names!r} runs backwards")
    return list(range(start, end + 1))


def _span(text: str) -> Span:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time range such as 09:00-14:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"{text!r} is not a time range such as 09:00-14:00") from None
    if closes <= opens:
        raise ValueError(f"{text!r} closes before it opens")
    return opens, closes
