"""The series a saved plan asks to book: for each item given in sessions, how many sessions are
still to book, their spacing, when the first may be, and by when the last must be for the
result to show by the patient's target.

Spacing: at least the planner's interval, and at most the interval plus half of it (at least
a week more), so that a series is not stretched until its effect is lost. Recovery and sun
windows come from the plan's own windows.
"""

from __future__ import annotations

from datetime import date, timedelta

from dorsum.core.plan import Plan, PlanItem
from dorsum.scheduling.model import Series

SLACK_DAYS = 7


def max_gap(interval: int) -> int:
    """The longest acceptable gap between two sessions of a series."""
    return interval + max(SLACK_DAYS, interval // 2)


def plan_series(
    plan: Plan,
    *,
    patient: int,
    plan_id: int,
    booked: dict[str, list[date]] | None = None,
    order: int = 0,
    today: date | None = None,
) -> list[Series]:
    """The series still to book for each sessions item of `plan`. `booked` holds the dates of
    sessions already in the book, per treatment: those are not booked again, and the next
    session keeps its spacing from the last of them."""
    found = []
    for item in plan.items:
        if item.kind != "sessions" or not item.sessions:
            continue
        done = sorted((booked or {}).get(item.treatment, []))
        left = item.sessions - len(done)
        if left <= 0:
            continue
        interval = item.interval_days or 0
        earliest = item.deferred_until or item.start
        if done:
            earliest = max(earliest, done[-1] + timedelta(days=interval))
        if today is not None:
            earliest = max(earliest, today)
        found.append(
            Series(
                key=f"plan{plan_id}:{item.treatment}",
                patient=patient,
                treatment=item.treatment,
                sessions=left,
                min_gap=interval,
                max_gap=max_gap(interval) if interval else 0,
                earliest=earliest,
                due=_due(plan, item),
                downtime=_window_days(plan, item, "downtime"),
                sun_days=_window_days(plan, item, "sun_avoidance"),
                order=order,
                plan_id=plan_id,
                minutes=item.session_minutes,
            )
        )
    return found


def _due(plan: Plan, item: PlanItem) -> date | None:
    """The last day the final session may fall on: the target less the time the result takes
    to show after the last session."""
    if plan.target is None or item.end is None:
        return None
    lead = (item.results_visible - item.end).days if item.results_visible else 0
    return plan.target.date - timedelta(days=max(lead, 0))


def _window_days(plan: Plan, item: PlanItem, kind: str) -> int:
    """The length of the item's first window of a kind after a session (0: none)."""
    for window in plan.windows:
        if window.treatment == item.treatment and window.kind == kind:
            return (window.end - window.start).days + 1
    return 0
