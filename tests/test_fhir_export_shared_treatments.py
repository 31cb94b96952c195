"""The FHIR export of a treatment shared by two conditions, scar codes, and grading bands."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

import dorsum
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.assessment_bundle import assessment_bundle
from dorsum.fhir.plan_bundle import plan_bundle
from dorsum.i18n import Localizer

TODAY = date(2026, 11, 30)
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
# acne and acne scars, both treated with a chemical peel, the scars after the acne
TWO_CONDITIONS = {
    "patient": {"age": 25, "sex": "female", "bmi": 23.4},
    "history": {"isotretinoin_months_since_stop": 3, "allergies": ["lidocaine"]},
    "findings": {
        "acne": {"comedones": 25, "papules": 14, "pustules": 6},
        "acne_scars": {"boxcar": 3, "rolling": 8},
    },
}


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _care_plan(index: KnowledgeIndex, choose: list[str] | None = None) -> dict[str, Any]:
    plan = dorsum.plan(TWO_CONDITIONS, choose=choose or ["chemical_peel"], today=TODAY)
    bundle = plan_bundle(plan, index=index, localizer=Localizer("en"))
    return _resources(bundle, "CarePlan")[0]


def _details(care_plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["detail"] for a in care_plan["activity"]]


def test_each_review_is_written_once_for_a_treatment_of_two_conditions(
    index: KnowledgeIndex,
) -> None:
    """A review belongs to one item, so no activity is written twice."""
    details = _details(_care_plan(index))
    written = Counter(
        (d["description"], d["scheduledPeriod"]["start"], d["reasonReference"][0]["reference"])
        for d in details
    )
    reviews = Counter((d["description"], d["scheduledPeriod"]["start"]) for d in details)
    assert [key for key, n in written.items() if n > 1] == []
    assert [key for key, n in reviews.items() if n > 1] == []


def test_a_deferred_item_that_starts_later_is_on_hold_until_it_starts(
    index: KnowledgeIndex,
) -> None:
    """'Until <date>' never names a day before the item's own start."""
    for detail in _details(_care_plan(index)):
        if "statusReason" in detail:
            start = date.fromisoformat(detail["scheduledPeriod"]["start"])
            assert detail["statusReason"]["text"] == f"Until {start.day} {start:%B %Y}."


@pytest.mark.parametrize("choose", [["chemical_peel"], ["benzoyl_peroxide"]])
def test_the_care_plan_period_covers_every_activity(
    choose: list[str], index: KnowledgeIndex
) -> None:
    """CarePlan.period.end is never before the last activity's end (a course's review too)."""
    care_plan = _care_plan(index, choose)
    ends = [d["scheduledPeriod"].get("end", "") for d in _details(care_plan)]
    assert care_plan["period"]["end"] >= max(ends)


def _scar_codes(findings: dict[str, Any], index: KnowledgeIndex) -> set[str]:
    intake = {"patient": {"age": 30, "sex": "male"}, "findings": findings}
    assessment = dorsum.assess(intake, today=TODAY)
    bundle = assessment_bundle(assessment, index=index)
    return {
        coding["code"]
        for condition in _resources(bundle, "Condition")
        for coding in condition["code"].get("coding", [])
        if coding["system"] == ICD10_CM
    }


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({"acne_scars": {"boxcar": 3, "rolling": 8}}, {"L90.5"}),
        ({"acne_scars": {"hypertrophic": 2}}, {"L91.0"}),
        ({"acne_scars": {"rolling": 4, "hypertrophic": 2}}, {"L90.5", "L91.0"}),
        ({"scars": [{"kind": "flat", "cause": "cut"}]}, {"L90.5"}),
        ({"scars": [{"kind": "keloid", "cause": "burn"}]}, {"L91.0"}),
    ],
)
def test_hypertrophic_scar_is_coded_only_for_raised_scars(
    findings: dict[str, Any], expected: set[str], index: KnowledgeIndex
) -> None:
    """L91.0 'Hypertrophic scar' only when hypertrophic or keloid scars were found, else L90.5."""
    assert _scar_codes(findings, index) == expected


@pytest.mark.parametrize(
    ("language", "words"), [("en", "mild to moderate"), ("es", "mild to moderate")]
)
def test_a_band_is_written_in_words_never_as_its_code(
    language: str, words: str, index: KnowledgeIndex
) -> None:
    """interpretation.text is the band's words (NICE mild_to_moderate), not 'mild_to_moderate'."""
    assessment = dorsum.assess(TWO_CONDITIONS, today=TODAY, language=language)
    bundle = assessment_bundle(assessment, index=index, language=language)  # type: ignore[arg-type]
    texts = {
        i.get("text")
        for o in _resources(bundle, "Observation")
        for i in o.get("interpretation", [])
    }
    assert None not in texts
    assert not any("_" in text for text in texts)
    assert Localizer(language).gettext(words) in texts  # type: ignore[arg-type]
