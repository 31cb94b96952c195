"""What booking a book produced: the bookings, what could not be placed and why, and how good
it is (targets met, lateness, waiting, the bottleneck's use, the gap to the solver's bound)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from dorsum.scheduling.check import Violation
from dorsum.scheduling.model import Booking, Problem


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A series that could not be booked, with the constraint that stops it."""

    series: str
    patient: int
    reasons: tuple[Violation, ...]


@dataclass(frozen=True, slots=True)
class Move:
    """A booked session the optimiser proposes to move; reception accepts or not."""

    appointment: int | None
    series: str
    number: int
    before: Booking
    after: Booking


@dataclass(frozen=True, slots=True)
class Outcome:
    method: str  # "cp-sat" | "greedy"
    status: str  # optimal | feasible | fallback (greedy after the solver ran out) | infeasible
    bookings: tuple[Booking, ...]
    unplaced: tuple[Unplaced, ...] = ()
    moves: tuple[Move, ...] = ()
    seconds: float = 0.0
    objective: float | None = None  # targets met (the first objective)
    bound: float | None = None  # the solver's bound on it
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gap(self) -> float | None:
        """How far the targets met may be from the best possible (0 = proven best)."""
        if self.objective is None or self.bound is None:
            return None
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


@dataclass(frozen=True, slots=True)
class Measures:
    patients_with_target: int
    targets_met: int
    lateness_days: int
    waiting_days: int
    series_placed: int
    series_total: int
    bottleneck: str
    bottleneck_use: float  # 0..1: minutes held / minutes the device could be used


def measure(problem: Problem, bookings: tuple[Booking, ...]) -> Measures:
    """Targets met (a patient's every series booked, each by its due day), lateness, waiting,
    and the busiest device's use."""
    days: dict[str, list[date]] = defaultdict(list)
    for b in (*problem.existing, *bookings):
        days[b.series].append(b.day)
    by_patient: dict[int, list[bool]] = defaultdict(list)
    late = waiting = placed = 0
    for series in problem.series:
        booked = sorted(days.get(series.key, []))
        complete = len(booked) >= series.sessions
        placed += complete
        if complete:
            waiting += max(0, (booked[0] - series.earliest).days)
        if series.due is not None:
            on_time = complete and booked[-1] <= series.due
            if complete and booked[-1] > series.due:
                late += (booked[-1] - series.due).days
            by_patient[series.patient].append(on_time)
    met = sum(all(flags) for flags in by_patient.values())
    name, use = _bottleneck(problem, bookings)
    return Measures(
        patients_with_target=len(by_patient),
        targets_met=met,
        lateness_days=late,
        waiting_days=waiting,
        series_placed=placed,
        series_total=len(problem.series),
        bottleneck=name,
        bottleneck_use=use,
    )


def _bottleneck(problem: Problem, bookings: tuple[Booking, ...]) -> tuple[str, float]:
    clinic = problem.clinic
    best = ("", 0.0)
    for device in clinic.devices:
        available = 0
        for n in range(problem.days):
            day = problem.start + timedelta(days=n)
            if clinic.closed(day) or clinic.resource_closed("device", device.id, day):
                continue
            available += sum(closes - opens for opens, closes in clinic.hours[day.weekday()])
        used = sum(b.held for b in (*problem.existing, *bookings) if b.device == device.id)
        if available and used / available > best[1]:
            best = (device.name, used / available)
    return best
