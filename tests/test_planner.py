"""The planner: sessions, order rules, waits, target dates and summers, one behaviour each."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest

import dorsum
from dorsum.core.dates import add_months
from dorsum.core.errors import PlanError
from dorsum.core.plan import Plan

TODAY = date(2026, 11, 21)
SEVERE_SCARS = {
    "icepick": 8,
    "boxcar": 10,
    "rolling": 12,
    "visible_at_social_distance": True,
    "flatten_on_stretch": False,
}
MODERATE_SCARS = {"rolling": 6, "boxcar": 4, "visible_at_social_distance": True}
INFLAMED = {"comedones": 10, "papules": 8, "pustules": 4}


def make(
    age: int = 30, *, history: dict[str, Any] | None = None, **findings: Any
) -> dict[str, Any]:
    return {
        "patient": {"age": age, "fitzpatrick": 2},
        "history": history or {},
        "findings": findings,
    }


def plan(intake: dict[str, Any], **options: Any) -> Plan:
    options.setdefault("today", TODAY)
    return dorsum.plan(intake, **options)


def sessions_of(result: Plan, treatment: str) -> list[date]:
    return [s.date for s in result.sessions if s.treatment == treatment]


def test_default_plan_takes_the_top_option_for_each_condition() -> None:
    """Without choices, each condition gets its best-ranked recommendation."""
    result = plan(make(acne=INFLAMED, localized_fat={"pinch_cm": 3}))
    assert {(i.treatment, i.condition) for i in result.items} == {
        ("benzoyl_peroxide", "acne"),
        ("cryolipolysis", "localized_fat"),
    }


def test_plan_starts_today_by_default_and_never_before_the_assessment() -> None:
    """The start defaults to the assessment date; an earlier start is refused."""
    assert plan(make(acne=INFLAMED)).start == TODAY
    with pytest.raises(PlanError, match="before the assessment"):
        plan(make(acne=INFLAMED), start=TODAY - timedelta(days=1))


def test_a_topical_course_runs_12_weeks_with_a_review() -> None:
    """NICE: a 12-week course, reviewed at 12 weeks, visible benefit by 6-8 weeks."""
    result = plan(make(acne=INFLAMED), choose=["benzoyl_peroxide"])
    item = result.items[0]
    assert item.kind == "course"
    assert item.end == TODAY + timedelta(weeks=12)
    assert item.results_visible == TODAY + timedelta(weeks=8)
    assert [r.date for r in result.reviews] == [TODAY + timedelta(weeks=12)]


@pytest.mark.parametrize(
    ("age", "scars", "sessions", "interval_days"),
    [
        (30, {"macular": 12}, 4, 14),
        (30, {"macular": 12, "rolling": 2, "visible_at_social_distance": True}, 6, 14),
        (55, {"macular": 12}, 4, 28),
        (55, {"macular": 12, "rolling": 2, "visible_at_social_distance": True}, 6, 28),
    ],
    ids=["mild at 30", "moderate at 30", "mild at 55", "moderate at 55"],
)
def test_peel_sessions_are_set_by_severity_and_age(
    age: int, scars: dict[str, Any], sessions: int, interval_days: int
) -> None:
    """Seed 003: peel sessions depend on severity (4 or 6) and age (4 weeks apart from 50)."""
    result = plan(make(age, acne_scars=scars), choose=["chemical_peel"])
    dates = sessions_of(result, "chemical_peel")
    assert len(dates) == sessions
    assert {(b - a).days for a, b in pairwise(dates)} == {interval_days}


@pytest.mark.parametrize(("areas", "minutes"), [(1, 70), (2, 140), (4, 280)])
def test_cryolipolysis_cycles_follow_the_size_of_the_area(areas: int, minutes: int) -> None:
    """One cycle of up to 70 minutes per area of the back, per session."""
    result = plan(make(localized_fat={"pinch_cm": 3, "areas": areas}))
    assert {s.minutes for s in result.sessions} == {minutes}


def test_unknown_areas_are_planned_as_two_and_said_so() -> None:
    """Bra fat is usually two areas; the plan says it assumed that."""
    result = plan(make(localized_fat={"pinch_cm": 3}))
    assert {s.minutes for s in result.sessions} == {140}
    assert "assumed_areas" in {n.code for n in result.items[0].notes}


def test_punch_excision_comes_two_months_before_laser() -> None:
    """Seed 000 combines them: punch first, laser 1-2 months later (the safer 2)."""
    result = plan(make(acne_scars=SEVERE_SCARS), choose=["laser_resurfacing", "punch_excision"])
    punch = sessions_of(result, "punch_excision")
    laser = sessions_of(result, "laser_resurfacing")
    assert laser[0] >= add_months(punch[-1], 2)


def test_two_resurfacing_downtimes_never_overlap() -> None:
    """Dermabrasion and laser on the same back are scheduled apart."""
    result = plan(make(acne_scars=SEVERE_SCARS), choose=["laser_resurfacing", "dermabrasion"])
    downtimes = [w for w in result.windows if w.kind == "downtime"]
    for a in downtimes:
        for b in downtimes:
            if a is not b and a.treatment != b.treatment:
                assert a.end < b.start or b.end < a.start


def test_scar_procedures_wait_for_the_acne_course_and_six_quiet_months() -> None:
    """With active acne, the acne is treated first; scar procedures follow 6 months after."""
    result = plan(make(acne=INFLAMED, acne_scars=MODERATE_SCARS), choose=["microneedling"])
    treatments = {i.treatment for i in result.items}
    assert "benzoyl_peroxide" in treatments  # added: the acne must be treated first
    course_end = next(i.end for i in result.items if i.treatment == "benzoyl_peroxide")
    assert course_end is not None
    first = sessions_of(result, "microneedling")[0]
    assert first >= add_months(course_end, 6)


def test_an_isotretinoin_wait_is_honoured() -> None:
    """A deferred laser is scheduled no earlier than the day the wait ends."""
    intake = make(history={"isotretinoin_months_since_stop": 2}, acne_scars=MODERATE_SCARS)
    result = plan(intake, choose=["laser_resurfacing"])
    assert sessions_of(result, "laser_resurfacing")[0] >= date(2027, 3, 21)
    assert result.items[0].deferred_until == date(2027, 3, 21)


def test_a_contraindicated_option_is_refused() -> None:
    """A plan is never built around a contraindication."""
    pregnant = {"patient": {"age": 29, "pregnant": True}, "findings": {"acne": INFLAMED}}
    with pytest.raises(PlanError, match="pregnancy"):
        plan(pregnant, choose=["topical_retinoid"])


@pytest.mark.parametrize(
    ("choice", "message"),
    [("lazer", "not a treatment dorsum knows"), ("cryolipolysis", "does not suit")],
)
def test_unknown_or_unsuitable_options_are_refused(choice: str, message: str) -> None:
    """Only options the assessment considered can be planned."""
    with pytest.raises(PlanError, match=message):
        plan(make(acne=INFLAMED), choose=[choice])


def test_a_target_before_the_start_is_refused() -> None:
    """The target must not be before the start."""
    with pytest.raises(PlanError, match="before the start"):
        plan(make(acne=INFLAMED), target=TODAY - timedelta(days=1), start=TODAY)


def test_a_met_target_gives_the_latest_start_that_still_meets_it() -> None:
    """Finishing early leaves slack: the latest start still finishes by the target."""
    target = TODAY + timedelta(weeks=20)
    result = plan(make(acne=INFLAMED), target=target)
    check = result.target
    assert check is not None
    assert check.met
    assert check.latest_start == target - timedelta(weeks=8)
    late = plan(make(acne=INFLAMED), target=target, start=check.latest_start)
    assert late.finish is not None
    assert late.finish <= target


def test_a_missed_target_says_why_and_what_would_meet_it() -> None:
    """Laser cannot be ready in three months; dermabrasion could."""
    target = TODAY + timedelta(days=120)
    result = plan(make(acne_scars=SEVERE_SCARS), choose=["laser_resurfacing"], target=target)
    check = result.target
    assert check is not None
    assert not check.met
    assert check.reasons[0].code == "finishes_late"
    assert "dermabrasion" in check.alternatives


def test_an_unknown_time_to_result_never_claims_the_target() -> None:
    """Silicone has no sourced time to result, so the target cannot be claimed as met."""
    scars = make(scars=[{"cause": "burn", "kind": "hypertrophic"}])
    result = plan(scars, choose=["silicone_gel"], target=TODAY + timedelta(days=400))
    assert result.target is not None
    assert not result.target.met
    assert result.target.reasons[0].code == "result_time_unknown"


def test_sun_avoidance_in_summer_is_flagged() -> None:
    """Dermabrasion in spring means 6 months out of the sun, through the summer."""
    result = plan(make(acne_scars=SEVERE_SCARS), choose=["dermabrasion"], start=date(2027, 4, 1))
    sun = [w for w in result.windows if w.kind == "sun_avoidance"]
    assert sun
    assert all(w.in_summer for w in sun)
    assert [n.code for n in result.warnings] == ["sun_in_summer"]


def test_summer_is_december_to_february_in_the_south() -> None:
    """Country AU puts summer in December-February."""
    result = plan(
        make(acne_scars=SEVERE_SCARS), choose=["dermabrasion"], start=date(2027, 4, 1), country="AU"
    )
    assert all(p.start.month == 12 for p in result.summers)
    assert not result.warnings


def test_a_bad_hemisphere_is_refused() -> None:
    """Only north and south exist."""
    with pytest.raises(PlanError, match="hemisphere"):
        plan(make(acne=INFLAMED), hemisphere="east")


def test_plans_are_deterministic() -> None:
    """The same inputs give the same plan."""
    intake = make(acne=INFLAMED, acne_scars=MODERATE_SCARS, localized_fat={"pinch_cm": 4})
    assert plan(intake, target=date(2027, 9, 1)) == plan(intake, target=date(2027, 9, 1))


def test_a_scar_procedure_never_starts_while_acne_cannot_be_treated() -> None:
    """If no acne course can go first (Malassezia suspected), scar procedures are refused."""
    intake = make(
        acne={"papules": 12, "itchy_monomorphic_without_comedones": True},
        acne_scars={"macular": 10},
    )
    with pytest.raises(PlanError, match="must wait until the acne is treated"):
        plan(intake, choose=["chemical_peel"])
