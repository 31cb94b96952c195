"""Booking invariants over random small clinics (hypothesis): whatever the clinic, the closures,
the patients' unavailable and sun days and the bookings already made, neither the first-fit
baseline nor the optimiser breaks a constraint or drops a series without a reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dorsum.scheduling import generator
from dorsum.scheduling.check import violations
from dorsum.scheduling.greedy import first_fit
from dorsum.scheduling.model import Closure, Patient, Period, Problem
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.outcome import Outcome, measure

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLVED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def periods(draw: st.DrawFn, problem: Problem, longest: int) -> Period:
    """A period of 1 to `longest` days starting inside the book."""
    first = problem.start + timedelta(days=draw(st.integers(0, problem.days - 1)))
    return first, first + timedelta(days=draw(st.integers(0, longest - 1)))


@st.composite
def closures(draw: st.DrawFn, problem: Problem) -> Closure:
    """The whole clinic closed for a day or two, or one room, device or staff member away."""
    clinic = problem.clinic
    period = draw(periods(problem, longest=10))
    kind = draw(st.sampled_from(["clinic", "room", "device", "staff"]))
    if kind == "clinic":
        return Closure((period[0], period[0] + timedelta(days=period[1].day % 2)))
    if kind == "room":
        return Closure(period, room=draw(st.sampled_from(clinic.rooms)).id)
    if kind == "device":
        return Closure(period, device=draw(st.sampled_from(clinic.devices)).id)
    return Closure(period, staff=draw(st.sampled_from(clinic.staff)).id)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A generated clinic of 3 to 25 patients over 4 to 12 weeks, with extra closures, away
    and sun days, and some series already booked (fixed) for the rest to fit around."""
    problem = generator.problem(
        draw(st.integers(3, 25)),
        seed=draw(st.integers(0, 2**32)),
        days=draw(st.sampled_from([28, 56, 84])),
    )
    extra = tuple(draw(st.lists(closures(problem), max_size=3)))
    clinic = replace(problem.clinic, closures=problem.clinic.closures + extra)
    patients = dict(problem.patients)
    for ident in draw(st.sets(st.sampled_from(sorted(patients)), max_size=5)):
        patients[ident] = Patient(
            ident,
            unavailable=tuple(draw(st.lists(periods(problem, longest=14), max_size=2))),
            sun=tuple(draw(st.lists(periods(problem, longest=14), max_size=1))),
        )
    problem = replace(problem, clinic=clinic, patients=patients)
    done = draw(st.sets(st.sampled_from([s.key for s in problem.series]), max_size=4))
    # fixed by construction: what first-fit books for those series alone is valid
    first = first_fit(replace(problem, series=tuple(s for s in problem.series if s.key in done)))
    existing = tuple(replace(b, fixed=True, id=n) for n, b in enumerate(first.bookings))
    rest = tuple(s for s in problem.series if s.key not in done)
    return replace(problem, series=rest, existing=existing)


def accounted_for(problem: Problem, outcome: Outcome) -> None:
    """Every series is booked in full or listed as unplaced with a reason, never both."""
    booked: dict[str, int] = {}
    for b in outcome.bookings:
        booked[b.series] = booked.get(b.series, 0) + 1
    unplaced = {u.series: u for u in outcome.unplaced}
    for series in problem.series:
        if series.key in unplaced:
            assert series.key not in booked, series.key
            assert unplaced[series.key].reasons, series.key
            assert {r.patient for r in unplaced[series.key].reasons} == {series.patient}
        else:
            assert booked.get(series.key) == series.sessions, series.key


@QUICK
@given(problems())
def test_first_fit_breaks_no_constraint(problem: Problem) -> None:
    """The greedy baseline's bookings pass the check: no overlap on any resource or
    patient-day, hours, rosters, closures, skills, devices, spacing, waits, unavailable and sun
    days, recovery, the horizon."""
    outcome = first_fit(problem)
    assert violations(problem, outcome.bookings) == []
    accounted_for(problem, outcome)


@SOLVED
@given(problems())
def test_the_optimiser_breaks_no_constraint_and_beats_greedy(problem: Problem) -> None:
    """The optimiser's bookings pass the check, every series is accounted for, it meets at
    least as many targets as first-fit, and its gap lies between 0 and 1."""
    outcome = optimise(problem, seconds=2)
    event(f"{outcome.status}, {len(outcome.unplaced)} unplaced, {len(problem.existing)} fixed")
    assert violations(problem, outcome.bookings) == []
    accounted_for(problem, outcome)
    greedy = measure(problem, first_fit(problem).bookings)
    assert measure(problem, outcome.bookings).targets_met >= greedy.targets_met
    if outcome.status != "fallback":
        assert outcome.gap is not None
        assert 0 <= outcome.gap <= 1
