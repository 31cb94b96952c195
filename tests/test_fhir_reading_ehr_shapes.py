"""Reading what EHRs really send: US Core pregnancy answers, brand names, bad dates, any order."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dorsum.fhir import FhirError, intake_from_resources
from dorsum.fhir import codes as fhir_codes
from tests.conftest import TODAY
from tests.test_fhir_reading import PATIENT, medication, observation, read, skipped

SNOMED = "http://snomed.info/sct"
UNREADABLE = "Observation code http://loinc.org|82810-3 with an unreadable pregnancy answer"


def answer(display: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A pregnancy answer coded outside LOINC, as US Core sends it."""
    concept: dict[str, Any] = {"coding": [{"system": SNOMED, "code": "0"}]}
    if display is not None:
        concept["coding"][0]["display"] = display
    if text is not None:
        concept["text"] = text
    return concept


def pregnancy(concept: dict[str, Any], when: str = "2026-11-20") -> dict[str, Any]:
    return observation(
        fhir_codes.LOINC,
        fhir_codes.PREGNANCY_STATUS,
        valueCodeableConcept=concept,
        effectiveDateTime=when,
    )


def pregnant(*resources: dict[str, Any]) -> bool:
    return intake_from_resources([PATIENT, *resources], today=TODAY).intake.patient.pregnant


@pytest.mark.parametrize(
    ("concept", "expected"),
    [
        (answer("Pregnant"), True),
        (answer("PREGNANT"), True),
        (answer(text="Embarazada"), True),
        (answer("Not pregnant"), False),
        (answer(text="No embarazada"), False),
        (answer("no EMBARAZADA"), False),
    ],
)
def test_a_us_core_pregnancy_answer_is_read_by_its_words(
    concept: dict[str, Any], expected: bool
) -> None:
    """SNOMED ids are unverified, so the answer's display or text says pregnant or not."""
    assert pregnant(pregnancy(concept)) is expected


def test_a_snomed_pregnant_answer_is_not_skipped() -> None:
    """US Core's 77386006 'Pregnant' is used, not skipped as 'without a value'."""
    concept = {"coding": [{"system": SNOMED, "code": "77386006", "display": "Pregnant"}]}
    assert skipped(pregnancy(concept)) == {}


def test_not_pregnant_then_pregnant_codings_read_as_pregnant() -> None:
    """Codings that disagree in one answer: pregnant, the cautious reading."""
    concept = answer("Not pregnant", text="Pregnant")
    assert pregnant(pregnancy(concept))


@pytest.mark.parametrize(
    "concept",
    [answer("Unknown if pregnant"), answer("Possible pregnancy"), answer(), {"text": "?"}],
)
def test_an_unreadable_pregnancy_answer_is_skipped_and_counted(concept: dict[str, Any]) -> None:
    """An answer dorsum cannot read is counted under a reason that says so, never guessed."""
    assert skipped(pregnancy(concept)) == {UNREADABLE: 1}


def test_an_unreadable_answer_never_clears_an_earlier_pregnant_one() -> None:
    """'Pregnant' then an unreadable answer: still pregnant."""
    assert pregnant(pregnancy(answer("Pregnant"), "2026-10-01"), pregnancy(answer("?")))


@pytest.mark.parametrize(
    "text",
    [
        "Roaccutane 20 mg capsules",
        "Accutane 40mg",
        "Absorica LD",
        "Roacután 10 mg cápsulas blandas",
        "ISDIBEN 20 mg",
    ],
)
def test_isotretinoin_is_recognised_by_its_brand_name(text: str) -> None:
    """A brand name taken now is isotretinoin, so its wait is not lost."""
    history = read(medication({"text": text})).get("history", {})
    assert history.get("isotretinoin_months_since_stop") == 0


def test_a_brand_name_matches_only_as_a_whole_word() -> None:
    """'Accutanex' is not Accutane: brand names match whole words only."""
    assert skipped(medication({"text": "Accutanex"})) == {"MedicationStatement code (text only)": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("effectiveDateTime", "2026-10-32T09:30:00"),
        ("effectiveDateTime", "yesterday"),
        ("issued", "2026-02-30T10:00:00Z"),
        ("effectiveDateTime", "20261120"),
    ],
)
def test_an_observation_with_an_invalid_date_is_an_error_naming_it(field: str, value: str) -> None:
    """A date that is not a FHIR dateTime is an error naming the resource and field."""
    bmi = observation(fhir_codes.LOINC, fhir_codes.BMI, valueQuantity={"value": 23})
    bmi |= {"id": "o1", field: value}
    with pytest.raises(FhirError, match=re.escape(f"Observation/o1.{field}")):
        read(bmi)


@pytest.mark.parametrize(
    "end", ["2026-15-15", "yesterday", "2026-10-32T09:30:00", "2026-08-15 or so", "20260815"]
)
def test_a_medicine_with_an_invalid_end_date_is_an_error_naming_it(end: str) -> None:
    """A course end that is not a FHIR date is an error, not a course without an end."""
    course = medication(
        {"text": "isotretinoin"}, "completed", id="m1", effectivePeriod={"end": end}
    )
    with pytest.raises(FhirError, match=re.escape("MedicationStatement/m1.effectivePeriod.end")):
        read(course)


@pytest.mark.parametrize("order", [1, -1])
def test_used_and_superseded_counts_do_not_depend_on_the_order(order: int) -> None:
    """Two BMIs: one used, one superseded, whichever comes first."""
    old = observation(
        fhir_codes.LOINC,
        fhir_codes.BMI,
        valueQuantity={"value": 26},
        effectiveDateTime="2025-03-02",
    )
    new = old | {"effectiveDateTime": "2026-10-02", "valueQuantity": {"value": 23}}
    read_back = intake_from_resources([PATIENT, *[old, new][::order]], today=TODAY)
    assert (read_back.used, dict(read_back.skipped)) == (
        2,
        {"Observation code http://loinc.org|39156-5 superseded by a later one": 1},
    )
    assert read_back.intake.patient.bmi == 23
