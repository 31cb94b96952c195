"""Reading real EHR data cautiously: nothing read from FHIR makes a contraindication disappear."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dorsum.fhir import codes as fhir_codes
from dorsum.fhir import intake_from_resources, resources_in
from tests.conftest import TODAY
from tests.test_fhir_reading import PATIENT, SUBJECT, coded, medication, observation, read, skipped

PREGNANT = coded(fhir_codes.LOINC, fhir_codes.PREGNANT)
NOT_PREGNANT = coded(fhir_codes.LOINC, fhir_codes.NOT_PREGNANT)
UNKNOWN = coded(fhir_codes.LOINC, fhir_codes.PREGNANCY_UNKNOWN)


def pregnancy(answer: dict[str, Any], when: str, **extra: Any) -> dict[str, Any]:
    return observation(
        fhir_codes.LOINC,
        fhir_codes.PREGNANCY_STATUS,
        valueCodeableConcept=answer,
        effectiveDateTime=when,
        **extra,
    )


def pregnant(*resources: dict[str, Any]) -> bool:
    return intake_from_resources([PATIENT, *resources], today=TODAY).intake.patient.pregnant


def anticoagulated(*resources: dict[str, Any]) -> bool:
    return intake_from_resources([PATIENT, *resources], today=TODAY).intake.history.anticoagulants


def test_an_unknown_pregnancy_answer_does_not_clear_an_earlier_pregnant_one() -> None:
    """'Pregnant' then 'Unknown': still pregnant; an unknown answer says nothing."""
    assert pregnant(pregnancy(PREGNANT, "2026-10-01"), pregnancy(UNKNOWN, "2026-11-20"))


def test_an_unknown_pregnancy_answer_is_skipped_and_counted() -> None:
    """An 'Unknown' answer alone is counted as skipped, so the reader can see it was not read."""
    assert skipped(pregnancy(UNKNOWN, "2026-11-20")) == {
        "Observation code http://loinc.org|82810-3 without an unknown answer": 1
    }


def test_a_later_not_pregnant_answer_replaces_an_earlier_pregnant_one() -> None:
    """The latest known pregnancy status wins (a pregnancy that has ended)."""
    assert not pregnant(pregnancy(PREGNANT, "2025-01-01"), pregnancy(NOT_PREGNANT, "2026-11-20"))


@pytest.mark.parametrize("order", [1, -1])
def test_contradicting_pregnancy_answers_at_the_same_time_read_as_pregnant(order: int) -> None:
    """Two answers recorded at the same moment that disagree: the cautious one, pregnant."""
    answers = [pregnancy(PREGNANT, "2026-11-20"), pregnancy(NOT_PREGNANT, "2026-11-20")]
    assert pregnant(*answers[::order])


def test_pregnancy_status_as_value_boolean_is_read() -> None:
    """An EHR that sends valueBoolean for LOINC 82810-3 is still understood."""
    resource = observation(
        fhir_codes.LOINC, fhir_codes.PREGNANCY_STATUS, valueBoolean=True, effectiveDateTime="2026"
    )
    assert pregnant(resource)


def test_the_latest_observation_is_found_across_time_zones() -> None:
    """23:00 at UTC-5 is later than 01:00 UTC the next day; comparison is by instant, not text."""
    earlier = pregnancy(PREGNANT, "2026-11-02T01:00:00Z")
    later = pregnancy(NOT_PREGNANT, "2026-11-01T23:00:00-05:00")
    assert not pregnant(later, earlier)
    assert not pregnant(earlier, later)


def test_a_dated_observation_beats_an_undated_one_and_a_date_its_year() -> None:
    """An undated reading is the oldest; a full date is later than a partial date's start."""
    bmi = (fhir_codes.LOINC, fhir_codes.BMI)
    undated = observation(*bmi, valueQuantity={"value": 31})
    partial = observation(*bmi, valueQuantity={"value": 29}, effectiveDateTime="2026")
    full = observation(*bmi, valueQuantity={"value": 24}, effectiveDateTime="2026-06-01")
    assert read(full, partial, undated)["patient"]["bmi"] == 24
    assert read(undated, partial)["patient"]["bmi"] == 29


@pytest.mark.parametrize(
    ("value", "unit", "pinch"), [(25, "mm", 2.5), (2.5, "cm", 2.5), (2, "[in_i]", 5.08)]
)
def test_pinch_thickness_is_converted_to_cm(value: float, unit: str, pinch: float) -> None:
    """A pinch in mm or inches (UCUM [in_i]) is read in cm."""
    quantity = {"value": value, "code": unit}
    resource = observation(fhir_codes.OBSERVATION_SYSTEM, "pinch-thickness", valueQuantity=quantity)
    assert read(resource)["findings"]["localized_fat"]["pinch_cm"] == pinch


@pytest.mark.parametrize("intent", ["plan", "proposal", "order"])
@pytest.mark.parametrize("status", ["active", "draft", "on-hold", "unknown"])
def test_an_anticoagulant_request_of_any_intent_counts(intent: str, status: str) -> None:
    """A planned, proposed, draft or held anticoagulant request counts: the cautious reading."""
    request = medication({"text": "Apixaban 5 mg"}, status, "MedicationRequest", intent=intent)
    assert anticoagulated(request)


def test_a_request_not_to_give_an_anticoagulant_does_not_count() -> None:
    """doNotPerform says the medicine must not be given: skipped and counted."""
    request = medication(
        {"text": "warfarin"}, "active", "MedicationRequest", intent="order", doNotPerform=True
    )
    assert not anticoagulated(request)
    assert skipped(request) == {"MedicationRequest doNotPerform": 1}


def test_a_completed_request_whose_supply_runs_beyond_today_still_counts() -> None:
    """A request dispensed in full is 'completed' while the patient still takes the medicine."""
    request = medication(
        {"text": "Rivaroxaban 20 mg"},
        "completed",
        "MedicationRequest",
        intent="order",
        dispenseRequest={"validityPeriod": {"start": "2026-09-01", "end": "2027-03-01"}},
    )
    assert anticoagulated(request)


def test_a_completed_anticoagulant_that_ended_in_the_past_no_longer_counts() -> None:
    """A course whose end date has passed is not being taken now."""
    statement = medication(
        {"text": "warfarin"}, "completed", effectivePeriod={"start": "2026-01-01", "end": "2026-03"}
    )
    assert not anticoagulated(statement)


def test_isotretinoin_reads_the_latest_end_a_course_gives() -> None:
    """Several end dates in one request: months since the latest, the cautious reading."""
    request = medication(
        {"text": "isotretinoin"},
        "completed",
        "MedicationRequest",
        intent="order",
        dosageInstruction=[
            {"timing": {"repeat": {"boundsPeriod": {"end": "2026-01-10"}}}},
            {"timing": {"repeat": {"boundsPeriod": {"end": "2026-08-10"}}}},
        ],
        dispenseRequest={"validityPeriod": {"end": "2026-02-01"}},
    )
    assert read(request)["history"]["isotretinoin_months_since_stop"] == 3


@pytest.mark.parametrize("end", ["2026-12-31", "2027"])
def test_isotretinoin_stopping_in_the_future_is_taken_now(end: str) -> None:
    """A stop date still ahead means the patient takes isotretinoin today: 0 months."""
    statement = medication({"text": "isotretinoin"}, "stopped", effectivePeriod={"end": end})
    assert read(statement)["history"]["isotretinoin_months_since_stop"] == 0


def test_isotretinoin_in_a_period_without_an_end_is_taken_now() -> None:
    """An active course with only a start date is current: 0 months since stopping."""
    statement = medication({"text": "Isotretinoína"}, effectivePeriod={"start": "2026-10-01"})
    assert read(statement)["history"]["isotretinoin_months_since_stop"] == 0


@pytest.mark.parametrize(
    "reference",
    [
        "Medication/med-1",
        "Medication/med-1/_history/3",
        "https://ehr.example/fhir/Medication/med-1",
    ],
)
def test_a_medication_reference_resolves_in_any_reference_form(reference: str) -> None:
    """Relative, versioned and absolute references to a Medication in the input all resolve."""
    shared = {"resourceType": "Medication", "id": "med-1", "code": {"text": "Acenocumarol 4 mg"}}
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": SUBJECT,
        "medicationReference": {"reference": reference},
    }
    read_back = intake_from_resources([PATIENT, statement, shared], today=TODAY)
    assert read_back.intake.history.anticoagulants
    assert read_back.used == 3
    assert not read_back.skipped


def test_a_transaction_bundle_resolves_a_medication_by_its_urn_uuid() -> None:
    """In a transaction, a request names its Medication by the entry's urn:uuid fullUrl."""
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b1c6e4e-0000-4000-8000-000000000001",
                "resource": PATIENT,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:0b1c6e4e-0000-4000-8000-000000000002",
                "resource": {"resourceType": "Medication", "code": {"text": "Heparina sódica"}},
                "request": {"method": "POST", "url": "Medication"},
            },
            {
                "fullUrl": "urn:uuid:0b1c6e4e-0000-4000-8000-000000000003",
                "resource": {
                    "resourceType": "MedicationRequest",
                    "status": "active",
                    "intent": "plan",
                    "subject": {"reference": "urn:uuid:0b1c6e4e-0000-4000-8000-000000000001"},
                    "medicationReference": {
                        "reference": "urn:uuid:0b1c6e4e-0000-4000-8000-000000000002"
                    },
                },
                "request": {"method": "POST", "url": "MedicationRequest"},
            },
        ],
    }
    assert intake_from_resources(resources_in(bundle), today=TODAY).intake.history.anticoagulants


@pytest.mark.parametrize(
    ("birth_date", "today", "age"),
    [
        ("2000-11-21", date(2026, 11, 21), 26),  # birthday today: the new age
        ("2000-02-29", date(2026, 3, 1), 26),  # born on a leap day: a year older on 1 March
        ("2000-02-29", date(2028, 2, 29), 28),
        ("2000-02-29T23:30:00+01:00", date(2026, 3, 1), 26),  # a dateTime: its calendar day
    ],
)
def test_birthdays_today_and_on_leap_days(birth_date: str, today: date, age: int) -> None:
    """Age counts the birthday itself; a 29 February birthday turns over on 1 March."""
    patient = {**PATIENT, "birthDate": birth_date}
    assert intake_from_resources([patient], today=today).intake.patient.age == age


def test_an_allergy_named_only_in_its_reaction_substance_is_read() -> None:
    """AllergyIntolerance.code may be absent: the reaction's substance names the allergen."""
    allergy = {
        "resourceType": "AllergyIntolerance",
        "patient": SUBJECT,
        "code": {"text": "Anestésico local"},
        "reaction": [{"substance": {"text": "Lidocaína 2%"}, "manifestation": [{"text": "rash"}]}],
    }
    assert read(allergy)["history"] == {"allergies": ["lidocaine"]}


def test_a_medication_outside_the_input_is_read_by_the_references_display() -> None:
    """A prefetch without the Medication still names it in `display`: that name is read."""
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "medicationReference": {"reference": "Medication/elsewhere", "display": "Warfarin 5 mg"},
    }
    assert anticoagulated(request)


def test_a_medication_outside_the_input_without_a_display_is_skipped_and_counted() -> None:
    """With neither the Medication nor a display, the request is counted as not in the input."""
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "medicationReference": {"reference": "Medication/elsewhere"},
    }
    assert skipped(request) == {"MedicationRequest medicationReference not in the document": 1}


def test_a_searchset_whose_resources_carry_their_id_only_in_the_full_url_reads() -> None:
    """A server's searchset may give the id only in `fullUrl`: the Patient is still the subject."""
    patient = {key: value for key, value in PATIENT.items() if key != "id"}
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "https://ehr.example/fhir/Patient/p1/_history/4", "resource": patient},
            {
                "fullUrl": "https://ehr.example/fhir/MedicationStatement/s1",
                "resource": medication({"text": "Xarelto (rivaroxaban) 20 mg"}),
            },
        ],
    }
    read_back = intake_from_resources(resources_in(bundle), today=TODAY)
    assert read_back.patient_id == "p1"
    assert read_back.intake.history.anticoagulants
