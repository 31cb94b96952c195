"""Safety invariants that hold for every valid intake, checked by hypothesis."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.engine import assess_intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.knowledge.check import CONTRACT_TREATMENTS
from dorsum.core.validation import parse_intake
from dorsum.knowledge import default_index
from tests.conftest import EXAMPLES, TODAY
from tests.strategies import intakes

PROCEDURES = {
    "chemical_peel",
    "laser_resurfacing",
    "nonablative_laser",
    "dermabrasion",
    "microneedling",
    "punch_excision",
    "subcision",
    "hyaluronic_acid_filler",
    "mesotherapy",
    "intralesional_corticosteroid",
    "cryolipolysis",
}
SCAR_PROCEDURES = PROCEDURES - {"mesotherapy", "intralesional_corticosteroid", "cryolipolysis"}

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(intake: dict[str, Any]) -> Assessment:
    return dorsum.assess(intake, today=TODAY)


def forbidden(intake: dict[str, Any]) -> set[tuple[str, str | None]]:
    """An independent reading of FACTS §2.5: (treatment, condition or None) never allowed."""
    patient = intake["patient"]
    history = intake.get("history") or {}
    findings = intake.get("findings") or {}
    allergies = set(history.get("allergies") or [])
    never: set[str] = set()
    if patient.get("pregnant"):
        never |= {"topical_retinoid", "hyaluronic_acid_filler", "mesotherapy", "cryolipolysis"}
        never |= {"laser_resurfacing", "dermabrasion", "chemical_peel", "microneedling"}
    if patient.get("planning_pregnancy"):
        never.add("topical_retinoid")
    if patient.get("breastfeeding"):
        never |= {"hyaluronic_acid_filler", "mesotherapy"}
    if patient["age"] < 18:
        never |= {"cryolipolysis", "hyaluronic_acid_filler", "microneedling"}
    if (patient.get("bmi") or 0) > 30:
        never.add("cryolipolysis")
    months = history.get("isotretinoin_months_since_stop")
    if months is not None and months < 6:
        never |= {"laser_resurfacing", "chemical_peel", "punch_excision", "subcision"}
    if months is not None and months < 12:
        never.add("dermabrasion")
    keloid = any(s["kind"] == "keloid" for s in findings.get("scars") or [])
    if history.get("keloid_tendency") or keloid:
        never |= {"dermabrasion", "hyaluronic_acid_filler"}
    if history.get("cold_disorder") in {
        "cryoglobulinemia",
        "cold_agglutinin_disease",
        "paroxysmal_cold_hemoglobinuria",
    }:
        never.add("cryolipolysis")
    if history.get("active_herpes") or history.get("active_infection_at_site"):
        never |= PROCEDURES
    if history.get("immunosuppressed"):
        never.add("dermabrasion")
    if history.get("suspicious_pigmented_lesion"):
        never |= {"chemical_peel", "laser_resurfacing", "nonablative_laser", "dermabrasion"}
    if history.get("recent_tan"):
        never |= {"laser_resurfacing", "nonablative_laser"}
    if "hyaluronic_acid" in allergies:
        never |= {"hyaluronic_acid_filler", "mesotherapy"}
    if allergies & {"lidocaine", "amide_anaesthetics"}:
        never.add("hyaluronic_acid_filler")
    if "benzoyl_peroxide" in allergies:
        never |= {"benzoyl_peroxide", "topical_antibiotic"}
    pairs: set[tuple[str, str | None]] = {(t, None) for t in never}
    acne = findings.get("acne") or {}
    if any(acne.get(k) for k in ("comedones", "papules", "pustules", "nodules", "cysts")):
        pairs |= {(t, c) for t in SCAR_PROCEDURES for c in ("acne_scars", "scars")}
    return pairs


@SETTINGS
@given(intakes)
def test_a_valid_intake_never_raises(intake: dict[str, Any]) -> None:
    """Every intake the contract allows gets an assessment."""
    assert isinstance(run(intake), Assessment)


@SETTINGS
@given(intakes)
def test_nothing_is_both_recommended_and_excluded(intake: dict[str, Any]) -> None:
    """A treatment is either offered or ruled out, never both."""
    result = run(intake)
    assert not result.recommended_ids() & result.excluded_ids()


@SETTINGS
@given(intakes)
def test_no_recommendation_violates_a_contraindication(intake: dict[str, Any]) -> None:
    """Nothing that FACTS §2.5 forbids for this patient is ever recommended."""
    result = run(intake)
    never = forbidden(intake)
    for item in result.recommendations:
        assert (item.treatment, None) not in never, item.treatment
        assert (item.treatment, item.condition) not in never, (item.treatment, item.condition)


@SETTINGS
@given(intakes)
def test_no_topical_antibiotic_without_benzoyl_peroxide(intake: dict[str, Any]) -> None:
    """A topical antibiotic is only offered alongside benzoyl peroxide for the same condition."""
    result = run(intake)
    offered = {(r.treatment, r.condition) for r in result.recommendations}
    for treatment, condition in offered:
        if treatment == "topical_antibiotic":
            assert ("benzoyl_peroxide", condition) in offered


@SETTINGS
@given(intakes)
def test_pregnancy_never_yields_a_retinoid(intake: dict[str, Any]) -> None:
    """Pregnant or planning a pregnancy: no topical retinoid, ever."""
    patient = intake["patient"]
    if patient.get("pregnant") or patient.get("planning_pregnancy"):
        assert "topical_retinoid" not in run(intake).recommended_ids()


@SETTINGS
@given(intakes)
def test_physician_only_therapies_are_never_recommended(intake: dict[str, Any]) -> None:
    """Only contract treatments are recommended; oral and hormonal therapies are referred only."""
    assert run(intake).recommended_ids() <= CONTRACT_TREATMENTS


@SETTINGS
@given(intakes)
def test_the_same_input_always_gives_the_same_output(intake: dict[str, Any]) -> None:
    """Assessing twice, or without the decision memo, gives an identical result."""
    index = default_index()
    first = run(intake)
    again = run(intake)
    fresh = dorsum.assess(intake, index=index, today=TODAY, cache=None)
    assert first == again == fresh
    assert first.model_dump(mode="json") == fresh.model_dump(mode="json")
    core = assess_intake(parse_intake(intake), index=index, today=TODAY)
    assert core.recommended_ids() == first.recommended_ids()


@SETTINGS
@given(intakes)
def test_every_result_is_a_valid_contract_value(intake: dict[str, Any]) -> None:
    """The fast-built result re-validates to itself, so it is exactly what pydantic would build."""
    result = run(intake)
    assert Assessment.model_validate(result.model_dump()) == result


@SETTINGS
@given(intakes)
def test_everything_offered_or_advised_cites_known_sources(intake: dict[str, Any]) -> None:
    """Every recommendation, caution, exclusion reason, referral and advice names its sources."""
    result = run(intake)
    known = default_index().sources
    cited: list[tuple[str, ...]] = []
    for item in result.recommendations:
        cited.append(item.sources)
        cited.extend(c.sources for c in item.cautions)
    cited.extend(r.sources for e in result.excluded for r in e.reasons)
    cited.extend(r.sources for r in result.referral.reasons)
    cited.extend(a.sources for a in result.advice)
    for sources in cited:
        assert sources
        assert set(sources) <= set(known)


@SETTINGS
@given(intakes)
def test_ranks_count_from_one_in_order_and_waits_end_after_today(intake: dict[str, Any]) -> None:
    """Ranks are 1..n as listed, and any wait ends after the assessment date."""
    result = run(intake)
    assert [r.rank for r in result.recommendations] == list(
        range(1, len(result.recommendations) + 1)
    )
    for exclusion in result.excluded:
        for reason in exclusion.reasons:
            assert reason.until is None or reason.until > TODAY


@SETTINGS
@given(intakes)
def test_the_trace_explains_every_exclusion(intake: dict[str, Any]) -> None:
    """Every rule behind an exclusion reason appears in the trace."""
    result = run(intake)
    fired = " ".join(result.trace)
    for exclusion in result.excluded:
        for reason in exclusion.reasons:
            assert reason.rule in fired


def test_results_do_not_depend_on_hash_randomisation(index: KnowledgeIndex) -> None:
    """Two processes with different hash seeds produce byte-identical JSON."""
    code = (
        "import json,sys,datetime,dorsum;"
        "d=json.load(open(sys.argv[1]));"
        "print(dorsum.assess(d,today=datetime.date(2026,11,21)).model_dump_json())"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for example in EXAMPLES:
            done = subprocess.run(
                [sys.executable, "-c", code, str(example)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            outputs.add((example.name, done.stdout))
    assert len(outputs) == len(EXAMPLES)
