"""The plan as an iCalendar file: one all-day event per session, review, result date and the
patient's own date, so the plan lands in their calendar app."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from icalendar import Calendar, Event

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.i18n import Localizer
from dorsum.reports import wording


def plan_ics(plan: Plan, *, index: KnowledgeIndex, localizer: Localizer | None = None) -> bytes:
    """An RFC 5545 calendar. UIDs and DTSTAMP derive from the plan, so output is stable."""
    loc = localizer or Localizer("en")
    calendar = Calendar()
    calendar.add("prodid", "-//dorsum//treatment plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", loc.gettext("Your treatment plan"))
    stamp = datetime.combine(plan.assessment.assessed_on, time(0, 0), tzinfo=UTC)
    events = [
        (
            s.date,
            wording.session_text(s, index, loc),
            f"session-{s.treatment}-{s.condition}-{s.number}",
        )
        for s in plan.sessions
    ]
    events += [
        (r.date, wording.review_text(r, index, loc), f"review-{r.treatment}-{r.code}-{r.date}")
        for r in plan.reviews
    ]
    events += [
        (
            i.results_visible,
            loc.gettext(
                "%(name)s: results should be visible", name=wording.name(i.treatment, index, loc)
            ),
            f"result-{i.treatment}-{i.condition}",
        )
        for i in plan.items
        if i.results_visible is not None
    ]
    if plan.target is not None:
        events.append((plan.target.date, loc.gettext("Your date"), "target"))
    for day, summary, key in events:
        event = Event()
        event.add("uid", f"{key}-{plan.start.isoformat()}@dorsum")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", summary)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
