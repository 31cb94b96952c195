"""The first-fit baseline: what reception does by hand.

Series are booked in the order they arrived; each session goes on the earliest day and time
with a room, device and staff member free, within its spacing from the one before. When a
series cannot be completed from one first day, it is tried from the next. It ignores targets:
that is the difference the optimiser makes. It is also the optimiser's fallback and hint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from dorsum.scheduling.model import Booking, Problem, Series
from dorsum.scheduling.needs import Needs
from dorsum.scheduling.occupancy import Occupancy
from dorsum.scheduling.outcome import Outcome, Unplaced


def _arrival(series: Series) -> tuple[int, str]:
    return (series.order, series.key)


def first_fit(
    problem: Problem,
    *,
    order: Callable[[Series], Any] = _arrival,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Book every series first-fit, in arrival order (or in `order`)."""
    started = time.perf_counter()
    book = Occupancy(problem)
    bookings: list[Booking] = []
    unplaced: list[Unplaced] = []
    ordered = sorted(problem.series, key=order)
    for n, series in enumerate(ordered, start=1):
        known = series.treatment in problem.clinic.needs
        placed = place_series(problem, book, series) if known else None
        if placed is None:
            from dorsum.scheduling.explain import explain  # explain uses first_fit itself

            unplaced.append(
                Unplaced(series.key, series.patient, explain(problem, series, bookings))
            )
        else:
            bookings += placed
        if progress is not None:
            progress(n, len(ordered))
    return Outcome(
        method="greedy",
        status="feasible" if not unplaced else "partial",
        bookings=tuple(bookings),
        unplaced=tuple(unplaced),
        seconds=time.perf_counter() - started,
    )


def place_series(problem: Problem, book: Occupancy, series: Series) -> list[Booking] | None:
    """The series' sessions on the earliest first day from which all of them fit (added to
    `book`), or None."""
    needs = problem.clinic.needs_for(series)
    day = max(series.earliest, problem.start)
    while day <= problem.last:
        placed = _from(book, series, needs, day)
        if placed is not None:
            return placed
        day += timedelta(days=1)
    return None


def _from(book: Occupancy, series: Series, needs: Needs, first: date) -> list[Booking] | None:
    placed: list[Booking] = []
    low = high = first
    for number in range(1, series.sessions + 1):
        booking = None
        day = low
        while booking is None and day <= min(high, book.problem.last):
            if book.day_open_for(series, day):
                booking = book.first_fit(series, needs, day, number)
            day += timedelta(days=1)
        if booking is None:
            for b in placed:
                book.remove(b)
            return None
        book.add(booking)
        placed.append(booking)
        low = booking.day + timedelta(days=series.min_gap)
        high = booking.day + timedelta(days=series.max_gap)
    return placed
