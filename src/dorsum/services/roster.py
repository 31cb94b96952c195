"""A staff member's weekly roster, written like the opening hours ("mon-fri 09:00-17:00;
sat 09:00-14:00"), checked part by part so the refusal says which part is wrong, in words a
translator can word (`OpeningHours.parse` stays the one reader of the text)."""

from __future__ import annotations

import re

from dorsum.i18n import N_
from dorsum.services.errors import InvalidInput
from dorsum.services.opening_hours import DAYS, OpeningHours

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
EXAMPLE = "mon-fri 09:00-17:00; sat 09:00-14:00"


def check_roster(text: str) -> str:
    """`text` itself when it reads as a roster; otherwise InvalidInput at the field "roster"
    naming the part at fault. An empty roster is allowed: nobody rostered yet."""
    for part in (p.strip() for p in text.split(";")):
        if part:
            _check_part(part)
    try:
        OpeningHours.parse(text)
    except ValueError:  # a case the part checks do not word; the example still helps
        raise _refused(N_("Write the roster like “%(example)s”."), text) from None
    return text


def _check_part(part: str) -> None:
    names, _, spans = part.partition(" ")
    first, _, last = names.lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise _refused(
            N_("“%(part)s” is not a day or range of days: use mon, tue, wed, thu, fri, sat, sun."),
            names,
        )
    if last and DAYS.index(last) < DAYS.index(first):
        raise _refused(N_("“%(part)s” runs backwards: write the earlier day first."), names)
    if not spans.strip():
        raise _refused(N_("“%(part)s” has no hours: add them, such as 09:00-17:00."), part)
    for span in (s.strip() for s in spans.split(",")):
        _check_span(span)


def _check_span(span: str) -> None:
    match = _SPAN.match(span)
    if match is None:
        raise _refused(N_("“%(part)s” is not a time range such as 09:00-17:00."), span)
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    minutes = [h1 * 60 + m1, h2 * 60 + m2]
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or minutes[1] > 24 * 60:
        raise _refused(N_("“%(part)s” is not a time of day: use 00:00 to 24:00."), span)
    if minutes[1] <= minutes[0]:
        raise _refused(N_("“%(part)s” ends before it starts."), span)


def _refused(message: str, part: str) -> InvalidInput:
    return InvalidInput(message, field="roster", part=part[:60], example=EXAMPLE)
