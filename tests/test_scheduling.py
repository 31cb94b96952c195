"""Booking a clinic's book: what the check catches, how an impossible series is explained, and
what the optimiser promises on a generated clinic, one behaviour each."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from dorsum.scheduling import generator
from dorsum.scheduling.check import overlaps, violations
from dorsum.scheduling.explain import explain
from dorsum.scheduling.greedy import first_fit
from dorsum.scheduling.model import (
    Booking,
    Clinic,
    Closure,
    Device,
    Patient,
    Problem,
    Room,
    Series,
    Staff,
    week,
)
from dorsum.scheduling.needs import Needs
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.outcome import measure

MONDAY = date(2027, 3, 1)
NINE, FIVE = 9 * 60, 17 * 60
WEEKDAYS = week(dict.fromkeys(range(5), ((NINE, FIVE),)))
NEEDS = {
    "chemical_peel": Needs("chemical_peel", 30, 10, 10, None, physician=False),
    "nonablative_laser": Needs("nonablative_laser", 45, 10, 10, "nonablative_laser", False),
    "laser_resurfacing": Needs("laser_resurfacing", 60, 15, 15, "ablative_laser", True),
}
NURSE = Staff(1, "Nurse", False, frozenset({"chemical_peel", "nonablative_laser"}), WEEKDAYS)
DOCTOR = Staff(2, "Dr", True, frozenset({"chemical_peel", "laser_resurfacing"}), WEEKDAYS)
# rostered Monday to Wednesday only
PART_TIMER = Staff(3, "Part-timer", False, frozenset({"chemical_peel"}), WEEKDAYS[:3] + ((),) * 4)
CLINIC = Clinic(
    hours=WEEKDAYS,
    rooms=(Room(1, "Room 1"), Room(2, "Room 2"), Room(3, "Room 3")),
    devices=(
        Device(10, "Fractional laser", "nonablative_laser", frozenset({1, 2})),
        Device(20, "CO2 laser", "ablative_laser", frozenset({1})),
    ),
    staff=(NURSE, DOCTOR, PART_TIMER),
    closures=(Closure((MONDAY + timedelta(days=3), MONDAY + timedelta(days=3))),),
    needs=NEEDS,
)
PEEL = Series("peel", 1, "chemical_peel", sessions=2, min_gap=14, max_gap=21, earliest=MONDAY)
LASER = Series("laser", 2, "nonablative_laser", 1, 21, 28, MONDAY, downtime=3, sun_days=30, order=1)
RESURFACING = Series("resurfacing", 3, "laser_resurfacing", 1, 42, 56, MONDAY, order=2)
TINY = Problem(CLINIC, MONDAY, 28, (PEEL, LASER, RESURFACING), {})


def peel(number: int = 1, day: date = MONDAY, **changes: object) -> Booking:
    """A valid session of the peel series: room 1, the nurse, 9:00, unless changed."""
    booking = Booking("peel", number, 1, "chemical_peel", day, NINE, 50, room=1, staff=1)
    return replace(booking, **changes)  # type: ignore[arg-type]


def laser(day: date = MONDAY, **changes: object) -> Booking:
    """A valid session of the laser series: room 2 with the fractional laser, at 11:00."""
    booking = Booking(
        "laser", 1, 2, "nonablative_laser", day, 11 * 60, 65, room=2, staff=1, device=10
    )
    return replace(booking, **changes)  # type: ignore[arg-type]


def codes(problem: Problem, bookings: list[Booking]) -> set[str]:
    return {v.code for v in violations(problem, bookings)}


def test_the_tiny_clinic_accepts_valid_bookings() -> None:
    """The bookings each bad case starts from break nothing: every violation below is the
    change's."""
    assert violations(TINY, [peel(), peel(2, MONDAY + timedelta(days=14)), laser()]) == []


IN_TWO_WEEKS = MONDAY + timedelta(days=14)
TUESDAY = MONDAY + timedelta(days=1)
BAD: dict[str, tuple[Problem, list[Booking]]] = {
    "room_double_booked": (TINY, [peel(), laser(room=1, start=NINE + 30)]),
    "staff_double_booked": (TINY, [peel(), laser(start=NINE + 30)]),
    "device_double_booked": (
        replace(TINY, series=(LASER, replace(LASER, key="laser-b", patient=4))),
        [laser(), laser(series="laser-b", patient=4, room=1, staff=2, start=11 * 60 + 30)],
    ),
    "outside_hours": (TINY, [laser(start=16 * 60 + 30)]),
    "off_roster": (TINY, [peel(day=MONDAY + timedelta(days=4), staff=3)]),
    "clinic_closed": (TINY, [peel(day=MONDAY + timedelta(days=3))]),
    "spacing_short": (TINY, [peel(), peel(2, MONDAY + timedelta(days=7))]),
    "spacing_long": (TINY, [peel(), peel(2, MONDAY + timedelta(days=22))]),
    "before_earliest": (
        replace(TINY, series=(replace(PEEL, earliest=TUESDAY),)),
        [peel(), peel(2, IN_TWO_WEEKS)],
    ),
    "patient_unavailable": (
        replace(TINY, patients={1: Patient(1, unavailable=((IN_TWO_WEEKS, IN_TWO_WEEKS),))}),
        [peel(), peel(2, IN_TWO_WEEKS)],
    ),
    "sun_window": (
        replace(TINY, patients={2: Patient(2, sun=((IN_TWO_WEEKS, IN_TWO_WEEKS),))}),
        [laser()],
    ),
    "in_recovery": (
        replace(TINY, series=(replace(PEEL, patient=2), LASER)),
        [laser(), peel(patient=2, day=TUESDAY), peel(2, TUESDAY + timedelta(days=14), patient=2)],
    ),
    "needs_physician": (
        replace(TINY, clinic=replace(CLINIC, staff=(NURSE, replace(DOCTOR, physician=False)))),
        [
            Booking(
                "resurfacing", 1, 3, "laser_resurfacing", MONDAY, NINE, 90, 1, staff=2, device=20
            )
        ],
    ),
    "lacks_skill": (TINY, [laser(staff=3)]),
    "needs_device": (TINY, [laser(device=None)]),
    "device_not_in_room": (TINY, [laser(room=3)]),
}


@pytest.mark.parametrize(("code", "case"), BAD.items(), ids=list(BAD))
def test_the_check_catches_each_kind_of_violation(
    code: str, case: tuple[Problem, list[Booking]]
) -> None:
    """Each deliberately bad booking is reported under its own code."""
    problem, bookings = case
    assert code in codes(problem, bookings)


def test_a_double_booking_names_both_series() -> None:
    """A room held twice names the series that holds it already, so reception can see which
    to move."""
    (found,) = [
        v
        for v in violations(TINY, [peel(), laser(room=1, start=NINE + 30)])
        if v.code.startswith("room")
    ]
    assert (found.series, found.params) == ("laser", {"room": 1, "with": "peel"})


def test_bookings_back_to_back_do_not_overlap() -> None:
    """A session may start the minute the one before it in the room ends."""
    assert codes(TINY, [peel(held=60), laser(room=1, start=NINE + 60)]) == set()


# Inputs no booking can satisfy, the reason each must give, and the patient it concerns.
IMPOSSIBLE: dict[str, tuple[Problem, Series]] = {
    "no_skilled_staff": (
        replace(TINY, clinic=replace(CLINIC, staff=(DOCTOR,))),
        replace(LASER, key="x", patient=7),
    ),
    "no_physician": (
        replace(
            TINY,
            clinic=replace(CLINIC, staff=(NURSE, replace(DOCTOR, physician=False), PART_TIMER)),
        ),
        replace(RESURFACING, key="x", patient=7),
    ),
    "no_device": (
        replace(TINY, clinic=replace(CLINIC, devices=CLINIC.devices[:1])),
        replace(RESURFACING, key="x", patient=7),
    ),
    "beyond_horizon": (TINY, replace(PEEL, key="x", sessions=4, patient=7)),
    "patient_unavailable_throughout": (
        replace(TINY, patients={7: Patient(7, unavailable=((MONDAY, MONDAY + timedelta(27)),))}),
        replace(PEEL, key="x", patient=7),
    ),
}


@pytest.mark.parametrize(("code", "case"), IMPOSSIBLE.items(), ids=list(IMPOSSIBLE))
def test_an_impossible_series_is_explained_by_constraint_and_patient(
    code: str, case: tuple[Problem, Series]
) -> None:
    """explain() names the constraint in the way and the patient it concerns."""
    problem, series = case
    reasons = explain(replace(problem, series=(series,)), series)
    assert code in {r.code for r in reasons}
    assert {r.patient for r in reasons} == {7}


@pytest.mark.parametrize("code", IMPOSSIBLE)
def test_both_methods_list_an_impossible_series_as_unplaced_with_its_reason(code: str) -> None:
    """Neither the greedy baseline nor the optimiser drops a series silently: it is unplaced,
    with the reason, and the rest of the book is still booked."""
    problem, series = IMPOSSIBLE[code]
    problem = replace(problem, series=(PEEL, series))
    for outcome in (first_fit(problem), optimise(problem, seconds=2)):
        (unplaced,) = outcome.unplaced
        assert (unplaced.series, unplaced.patient) == (series.key, 7)
        assert code in {r.code for r in unplaced.reasons}
        assert {b.series for b in outcome.bookings} == {"peel"}


@pytest.fixture(scope="module")
def with_existing() -> Problem:
    """A generated 40-patient clinic in which a third of the series are already booked (the
    first-fit book of them, fixed), leaving the rest to book around them."""
    problem = generator.problem(40, seed=3)
    ordered = sorted(problem.series, key=lambda s: s.order)
    done = {s.key for s in ordered[::3]}
    greedy = first_fit(replace(problem, series=tuple(s for s in ordered if s.key in done)))
    existing = tuple(
        replace(b, fixed=True, id=n) for n, b in enumerate(greedy.bookings, start=1000)
    )
    assert existing
    rest = tuple(s for s in problem.series if s.key not in done)
    return replace(problem, series=rest, existing=existing)


def test_the_optimiser_meets_at_least_as_many_targets_as_greedy(with_existing: Problem) -> None:
    """On a generated 40-patient clinic, CP-SAT meets no fewer target dates than first-fit."""
    greedy = measure(with_existing, first_fit(with_existing).bookings)
    best = measure(with_existing, optimise(with_existing, seconds=10).bookings)
    assert best.targets_met >= greedy.targets_met


def test_the_optimiser_never_moves_or_overlaps_a_fixed_booking(with_existing: Problem) -> None:
    """Bookings already in the book stay as they are, proposes no move of them, and nothing new
    holds their room, device, staff member or patient-day."""
    outcome = optimise(with_existing, seconds=10)
    fixed = {b.id for b in with_existing.existing}
    assert outcome.moves == ()
    assert not [b for b in outcome.bookings if b.fixed or b.id in fixed]
    assert not {b.series for b in outcome.bookings} & {b.series for b in with_existing.existing}
    assert overlaps([*with_existing.existing, *outcome.bookings]) == []
    assert violations(with_existing, outcome.bookings) == []


# Regressions found in review: each test states the behaviour that was wrong before.
ONE_HOUR = week(dict.fromkeys(range(5), ((NINE, NINE + 60),)))
SMALL = Clinic(
    ONE_HOUR,
    (Room(1, "Room 1"),),
    (),
    (Staff(1, "Nurse", False, frozenset({"chemical_peel", "subcision"}), ONE_HOUR),),
    needs={
        "chemical_peel": NEEDS["chemical_peel"],
        "subcision": Needs("subcision", 70, 10, 10, None, physician=False),
    },
)


def test_a_series_crowded_out_by_the_run_is_explained_as_fully_booked() -> None:
    """Six one-session peels for a clinic with room for one a day over five days: the one left
    over is unplaced because the book is full, not because its patient is away."""
    peels = tuple(
        Series(f"peel{n}", n, "chemical_peel", 1, 14, 21, MONDAY, order=n) for n in range(6)
    )
    outcome = first_fit(Problem(SMALL, MONDAY, 5, peels, {}))
    (unplaced,) = outcome.unplaced
    assert [r.code for r in unplaced.reasons] == ["fully_booked"]


def test_the_optimiser_respects_the_recovery_after_a_fixed_booking() -> None:
    """A session is not proposed the day after an already booked session of the patient's
    other series, whose recovery takes three days, even when that would meet its target."""
    recovering = Series("deep", 1, "chemical_peel", 1, 14, 28, IN_TWO_WEEKS, downtime=3)
    booked = Booking("deep", 1, 1, "chemical_peel", MONDAY, NINE, 50, 1, 1, fixed=True, id=1)
    due_tuesday = Series("light", 1, "chemical_peel", 1, 14, 21, MONDAY, due=TUESDAY)
    problem = Problem(SMALL, MONDAY, 28, (recovering, due_tuesday), {}, existing=(booked,))
    outcome = optimise(problem, seconds=2)
    assert "in_recovery" not in codes(problem, list(outcome.bookings))


def test_the_optimiser_never_meets_fewer_targets_than_greedy() -> None:
    """With room for either one subcision with a target or two peels without one, the
    optimiser keeps the target first-fit meets."""
    monday_only = replace(SMALL, hours=week({0: ((NINE, NINE + 120),)}))
    monday_only = replace(monday_only, staff=(replace(SMALL.staff[0], hours=monday_only.hours),))
    problem = Problem(
        monday_only,
        MONDAY,
        1,
        (
            Series("subcision", 1, "subcision", 1, 14, 21, MONDAY, due=MONDAY),
            Series("peel2", 2, "chemical_peel", 1, 14, 21, MONDAY, order=1),
            Series("peel3", 3, "chemical_peel", 1, 14, 21, MONDAY, order=2),
        ),
        {},
    )
    greedy = measure(problem, first_fit(problem).bookings)
    best = measure(problem, optimise(problem, seconds=2).bookings)
    assert (greedy.targets_met, best.targets_met) == (1, 1)


def test_a_treatment_the_clinic_has_no_settings_for_is_explained() -> None:
    """A series of a treatment missing from the clinic's needs is unplaced as
    unknown_treatment; the rest is still booked."""
    odd = Series("odd", 7, "tattoo_removal", 1, 14, 21, MONDAY)
    outcome = first_fit(replace(TINY, series=(PEEL, odd)))
    assert [(u.series, [r.code for r in u.reasons]) for u in outcome.unplaced] == [
        ("odd", ["unknown_treatment"])
    ]


def test_a_missing_device_names_the_treatment_that_needs_it() -> None:
    """The reason carries the treatment as well as the device kind, for its message."""
    problem, series = IMPOSSIBLE["no_device"]
    (reason,) = explain(replace(problem, series=(series,)), series)
    assert reason.params == {"kind": "ablative_laser", "treatment": "laser_resurfacing"}


def test_roster_spans_that_touch_are_one_span_for_every_method() -> None:
    """A roster of 09-13 and 13-17 lets a session cross 13:00 in the check, greedy and CP-SAT
    alike (they once disagreed)."""
    split = week(dict.fromkeys(range(5), ((NINE, 13 * 60), (13 * 60, FIVE))))
    assert split[0] == ((NINE, FIVE),)
    nurse = replace(NURSE, hours=split)
    clinic = replace(CLINIC, staff=(nurse,), hours=split)
    crossing = peel(start=12 * 60 + 30, staff=1)
    problem = Problem(clinic, MONDAY, 14, (replace(PEEL, sessions=1),), {})
    assert codes(problem, [crossing]) == set()
    for outcome in (first_fit(problem), optimise(problem, seconds=2)):
        assert violations(problem, list(outcome.bookings)) == []


def test_recovery_holds_between_sessions_of_one_series_for_every_method() -> None:
    """Ten days of recovery and a gap of seven to nine days cannot be kept: all three say so."""
    tight = Series("tight", 1, "chemical_peel", 2, 7, 9, MONDAY, downtime=10)
    problem = Problem(CLINIC, MONDAY, 42, (tight,), {})
    second = peel(2, MONDAY + timedelta(days=8), series="tight")
    assert "in_recovery" in codes(problem, [peel(series="tight"), second])
    for outcome in (first_fit(problem), optimise(problem, seconds=2)):
        assert not outcome.bookings
        assert [r.code for u in outcome.unplaced for r in u.reasons] == ["spacing_impossible"]


def test_a_sun_window_counts_its_own_days_only() -> None:
    """Thirty days of sun avoidance from a session on day 0 end on day 29: a beach holiday from
    day 30 is allowed, from day 29 is not."""
    for first, allowed in ((30, True), (29, False)):
        holiday = (MONDAY + timedelta(days=first), MONDAY + timedelta(days=first + 6))
        problem = Problem(CLINIC, MONDAY, 28, (LASER,), {2: Patient(2, sun=(holiday,))})
        assert ("sun_window" not in codes(problem, [laser()])) is allowed


def test_a_plan_sets_the_session_length_of_its_series() -> None:
    """Two cryolipolysis areas take two cycles: the series' own minutes hold the room."""
    long = replace(PEEL, sessions=1, minutes=140)
    problem = Problem(CLINIC, MONDAY, 14, (long,), {})
    for outcome in (first_fit(problem), optimise(problem, seconds=2)):
        (booking,) = outcome.bookings
        assert booking.held == 10 + 140 + 10
