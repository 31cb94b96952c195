"""The days a series' sessions may fall on, whatever else is booked: the clinic is open, the
patient is available and out of the sun window, the wait is over. From these alone, the
earliest day a series could finish: a bound no booking can beat.
"""

from __future__ import annotations

from datetime import date, timedelta

from dorsum.scheduling.model import Problem, Series, covers, in_sun_window


def allowed_days(problem: Problem, series: Series) -> list[int]:
    """Day numbers (from the book's start) a session of `series` may fall on."""
    patient = problem.patient(series.patient)
    days = []
    for n in range(problem.days):
        day = problem.start + timedelta(days=n)
        if day < series.earliest or problem.clinic.closed(day):
            continue
        if covers(patient.unavailable, day) or covers(patient.sun, day):
            continue
        if in_sun_window(day, series.sun_days, patient.sun):
            continue
        days.append(n)
    return days


def earliest_finish(problem: Problem, series: Series) -> date | None:
    """The earliest day the last session could fall on with the book empty (None: never):
    the days each session can reach through a valid chain of spacings, session by session."""
    allowed = allowed_days(problem, series)
    reachable = set(allowed)
    allowed_set = set(allowed)
    for _ in range(series.sessions - 1):
        reachable = {
            day
            for day in allowed_set
            if any(day - gap in reachable for gap in range(series.min_gap, series.max_gap + 1))
        }
        if not reachable:
            return None
    return problem.start + timedelta(days=min(reachable)) if reachable else None


def target_reachable(problem: Problem, series: Series) -> bool:
    """Whether the series could end by its due day at all."""
    if series.due is None:
        return True
    finish = earliest_finish(problem, series)
    return finish is not None and finish <= series.due
