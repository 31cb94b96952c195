"""Why a series cannot be booked: the constraint, and the patient it concerns.

First what no amount of free time can fix (nobody has the skill, no device of the kind, the
book ends before the series could), then, by booking the series again with one constraint
lifted at a time, which constraint stands in the way: the patient's unavailable days, the
spacing, or a book already full.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from dorsum.scheduling.check import Violation
from dorsum.scheduling.model import Booking, Patient, Problem, Series


def explain(
    problem: Problem, series: Series, booked: Iterable[Booking] = ()
) -> tuple[Violation, ...]:
    """The reasons `series` cannot be placed in `problem`, beside the bookings the same run has
    made (`booked`); at least one."""
    static = _static(problem, series)
    if static:
        return static
    problem = replace(problem, existing=(*problem.existing, *booked))
    from dorsum.scheduling.greedy import place_series  # greedy calls explain
    from dorsum.scheduling.occupancy import Occupancy

    def fits(changed: Problem, candidate: Series) -> bool:
        return place_series(changed, Occupancy(changed), candidate) is not None

    def reason(code: str, **params: str | int) -> tuple[Violation, ...]:
        return (Violation(code, series.key, series.patient, None, dict(params)),)

    free = replace(problem, patients={**problem.patients, series.patient: Patient(series.patient)})
    if not fits(replace(free, existing=()), series):
        if fits(replace(free, existing=()), replace(series, max_gap=problem.days)):
            return reason("spacing_impossible", min=series.min_gap, max=series.max_gap)
        return reason("no_time_in_hours", treatment=series.treatment)
    if not fits(free, series):
        return reason("fully_booked", treatment=series.treatment)
    return reason("patient_unavailable_throughout")


def _static(problem: Problem, series: Series) -> tuple[Violation, ...]:
    clinic = problem.clinic
    needs = clinic.needs.get(series.treatment)
    found: list[Violation] = []

    def add(code: str, **params: str | int) -> None:
        found.append(Violation(code, series.key, series.patient, None, dict(params)))

    if needs is None:
        add("unknown_treatment", treatment=series.treatment)
        return tuple(found)
    skilled = [s for s in clinic.staff if series.treatment in s.skills]
    if not skilled:
        add("no_skilled_staff", treatment=series.treatment)
    elif needs.physician and not any(s.physician for s in skilled):
        add("no_physician", treatment=series.treatment)
    if needs.device_kind is not None:
        devices = [d for d in clinic.devices if d.kind == needs.device_kind]
        rooms = {r.id for r in clinic.rooms}
        if not devices:
            add("no_device", kind=needs.device_kind, treatment=series.treatment)
        elif not any(d.rooms & rooms for d in devices):
            add("no_room_for_device", kind=needs.device_kind, treatment=series.treatment)
    span = timedelta(days=series.min_gap * (series.sessions - 1))
    if max(series.earliest, problem.start) + span > problem.last:
        add(
            "beyond_horizon",
            earliest=series.earliest.isoformat(),
            last=problem.last.isoformat(),
        )
    return tuple(found)
