"""Reading FHIR as an EHR sends it: codes, text-only medicines, statuses, unknowns and errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsum.fhir import FhirError, FhirIntake, intake_from_resources, patient_id_of, resources_in
from dorsum.fhir import codes as fhir_codes
from dorsum.fhir.reading import READERS
from tests.conftest import TODAY

EXAMPLES = Path(__file__).parent / "fhir_examples"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "2000-06-15"}
SUBJECT = {"reference": "Patient/p1"}


def read(*resources: dict[str, Any], today: date = TODAY) -> dict[str, Any]:
    """The intake (defaults left out) read from the Patient above plus `resources`."""
    intake = intake_from_resources([PATIENT, *resources], today=today).intake
    result: dict[str, Any] = intake.model_dump(mode="json", exclude_defaults=True)
    return result


def skipped(*resources: dict[str, Any]) -> dict[str, int]:
    return dict(intake_from_resources([PATIENT, *resources], today=TODAY).skipped)


def coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def condition(code: dict[str, Any], clinical: str | None = None, **extra: Any) -> dict[str, Any]:
    resource = {"resourceType": "Condition", "code": code, "subject": SUBJECT, **extra}
    if clinical is not None:
        resource["clinicalStatus"] = coded(CLINICAL, clinical)
    return resource


def local_condition(code: str, clinical: str | None = "active", **extra: Any) -> dict[str, Any]:
    return condition(coded(fhir_codes.CONDITION_SYSTEM, code), clinical, **extra)


def medication(
    concept: dict[str, Any], status: str = "active", kind: str = "MedicationStatement", **extra: Any
) -> dict[str, Any]:
    return {
        "resourceType": kind,
        "status": status,
        "medicationCodeableConcept": concept,
        "subject": SUBJECT,
        **extra,
    }


def allergy(concept: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "AllergyIntolerance", "code": concept, "patient": SUBJECT, **extra}


def test_an_ehr_searchset_reads_as_the_intake_it_describes() -> None:
    """A realistic searchset: codes, text-only medicines, statuses and other types all handled."""
    bundle = json.loads((EXAMPLES / "ehr-searchset.json").read_text())
    read_back = intake_from_resources(resources_in(bundle), today=TODAY)
    assert read_back.intake.model_dump(mode="json", exclude_defaults=True) == {
        "patient": {"age": 32, "sex": "female", "bmi": 27.4},
        "history": {
            "isotretinoin_months_since_stop": 8,
            "anticoagulants": True,
            "herpes_history": True,
            "allergies": ["lidocaine"],
        },
        "findings": {"acne": {}},
    }
    assert read_back.patient_id == "ehr-42"
    assert read_back.used == 8
    assert dict(read_back.skipped) == {
        "Observation code http://loinc.org|39156-5 superseded by a later one": 1,
        "Observation code http://loinc.org|8867-4": 1,
        "Condition clinicalStatus resolved": 1,
        "Condition verificationStatus refuted": 1,
        "Condition code http://hl7.org/fhir/sid/icd-10-cm|E11.9": 1,
        "MedicationStatement status stopped": 1,
        "MedicationStatement code http://www.nlm.nih.gov/research/umls/rxnorm|6809": 1,
        "resource type Practitioner": 1,
        "resource type OperationOutcome": 1,
    }


@pytest.mark.parametrize(
    ("birth_date", "today", "age"),
    [
        ("2000-06-15", date(2026, 6, 15), 26),
        ("2000-06-15", date(2026, 6, 14), 25),
        ("2000-02-29", date(2026, 2, 28), 25),
        ("2000", date(2026, 6, 1), 25),  # partial: the latest day it allows, the younger age
        ("2026-11", date(2026, 11, 21), 0),
    ],
)
def test_age_is_full_years_from_birth_date_to_today(birth_date: str, today: date, age: int) -> None:
    """Age counts completed years; a partial birthDate gives the youngest age it allows."""
    patient = {**PATIENT, "birthDate": birth_date}
    assert intake_from_resources([patient], today=today).intake.patient.age == age


@pytest.mark.parametrize(
    ("gender", "sex"),
    [("female", "female"), ("male", "male"), ("other", "other"), ("unknown", None)],
)
def test_sex_comes_from_gender(gender: str, sex: str | None) -> None:
    """Patient.gender gives the sex; 'unknown' leaves it unset."""
    patient = {**PATIENT, "gender": gender}
    assert intake_from_resources([patient], today=TODAY).intake.patient.sex == sex


@pytest.mark.parametrize(
    ("statement", "months"),
    [
        (medication(coded(fhir_codes.RXNORM, "197843")), 0),
        (medication({"text": "ISOTRETINOÍNA 20 mg cápsulas"}, "on-hold"), 0),
        (
            medication(
                {"text": "Isotretinoin"}, "completed", effectivePeriod={"end": "2026-05-21"}
            ),
            6,
        ),
        (
            medication(
                {"text": "isotretinoin"}, "completed", effectivePeriod={"end": "2026-05-22"}
            ),
            5,
        ),
        (medication({"text": "isotretinoin"}, "stopped", effectiveDateTime="2026-05"), 5),
        (medication({"text": "isotretinoin"}, "completed"), 0),  # no end date: the cautious 0
        (
            medication(
                {"text": "isotretinoin"}, "completed", effectivePeriod={"end": "2027-01-01"}
            ),
            0,
        ),
        (
            medication(
                coded(fhir_codes.RXNORM, "1547561"),
                "completed",
                "MedicationRequest",
                intent="order",
                dispenseRequest={"validityPeriod": {"end": "2025-11-21"}},
            ),
            12,
        ),
    ],
)
def test_isotretinoin_gives_full_months_since_the_course_ended(
    statement: dict[str, Any], months: int
) -> None:
    """A course still taken gives 0; one that ended gives the full months since its end."""
    assert read(statement)["history"]["isotretinoin_months_since_stop"] == months


def test_the_most_recent_isotretinoin_course_counts() -> None:
    """Two courses: the one that ended last (fewest months) is the one that matters."""
    old = medication({"text": "isotretinoin"}, "completed", effectivePeriod={"end": "2020-01-01"})
    recent = medication({"text": "isotretinoin"}, "completed", effectiveDateTime="2026-09-01")
    assert read(old, recent)["history"]["isotretinoin_months_since_stop"] == 2


@pytest.mark.parametrize("status", ["entered-in-error", "not-taken", "cancelled"])
def test_medicines_never_taken_are_skipped(status: str) -> None:
    """Entered-in-error, not-taken and cancelled medicines change nothing."""
    assert "history" not in read(medication({"text": "warfarin"}, status))
    assert skipped(medication({"text": "warfarin"}, status)) == {
        f"MedicationStatement status {status}": 1
    }


@pytest.mark.parametrize(
    ("text", "history"),
    [
        ("Apixabán 5 mg", {"anticoagulants": True}),
        ("CLOPIDOGREL 75MG TAB", {"anticoagulants": True}),
        ("Ácido acetilsalicílico 100 mg", {"anticoagulants": True}),
        ("doxiciclina", {"photosensitising_medication": True}),
        (
            "Prednisone 20 mg and doxycycline",
            {
                "photosensitising_medication": True,
                "acne_inducing_drugs": ["systemic_corticosteroids"],
            },
        ),
        ("Carbonato de litio", {"acne_inducing_drugs": ["lithium"]}),
        ("Testosterone cypionate", {"acne_inducing_drugs": ["anabolic_steroids"]}),
        ("Lamotrigine", {"acne_inducing_drugs": ["antiepileptics"]}),
    ],
)
def test_medicines_are_recognised_by_ingredient_name(text: str, history: dict[str, Any]) -> None:
    """English or Spanish ingredient names in code.text are read, whatever the case or accents."""
    assert read(medication({"text": text}))["history"] == history


def test_medicines_are_recognised_by_coding_display() -> None:
    """A coding dorsum does not know still counts when its display names the ingredient."""
    concept = {"coding": [{"system": "urn:oid:1.2.3", "code": "x", "display": "Rivaroxaban"}]}
    assert read(medication(concept))["history"] == {"anticoagulants": True}


def test_a_name_inside_another_word_is_not_a_match() -> None:
    """Whole words only: 'lithium' is not found in 'pseudolithiumx'."""
    assert skipped(medication({"text": "pseudolithiumx"})) == {
        "MedicationStatement code (text only)": 1
    }


def test_a_stopped_anticoagulant_no_longer_counts() -> None:
    """Completed or stopped medicines other than isotretinoin are not taken now."""
    assert "history" not in read(medication({"text": "warfarin"}, "completed"))


def test_a_medication_reference_is_resolved_in_the_document_and_contained() -> None:
    """medicationReference to a Medication in the document or contained is read by its code."""
    shared = {"resourceType": "Medication", "id": "m1", "code": {"text": "Lithium carbonate"}}
    contained = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "contained": [{"resourceType": "Medication", "id": "c", "code": {"text": "Heparin"}}],
        "medicationReference": {"reference": "#c"},
    }
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": SUBJECT,
        "medicationReference": {"reference": "Medication/m1"},
    }
    assert read(shared, statement, contained)["history"] == {
        "anticoagulants": True,
        "acne_inducing_drugs": ["lithium"],
    }


@pytest.mark.parametrize(
    ("resource", "history"),
    [
        (local_condition("herpes-simplex"), {"active_herpes": True}),
        (local_condition("herpes-simplex", "resolved"), {"herpes_history": True}),
        (local_condition("keloid-tendency", "inactive"), {"keloid_tendency": True}),
        (local_condition("hernia-near-site", None), {"hernia_near_site": True}),
        (local_condition("immunosuppressed", "relapse"), {"immunosuppressed": True}),
        (local_condition("raynaud"), {"cold_disorder": "raynaud"}),
    ],
)
def test_conditions_set_history_by_clinical_status(
    resource: dict[str, Any], history: dict[str, Any]
) -> None:
    """Active conditions count; a resolved one only where it is still history or a tendency."""
    assert read(resource)["history"] == history


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (local_condition("infection-at-site", "resolved"), "Condition clinicalStatus resolved"),
        (local_condition("bleeding-disorder", "remission"), "Condition clinicalStatus remission"),
        (
            local_condition(
                "herpes-simplex",
                verificationStatus=coded(fhir_codes.CONDITION_VERIFICATION, "entered-in-error"),
            ),
            "Condition verificationStatus entered-in-error",
        ),
    ],
)
def test_conditions_that_no_longer_hold_are_skipped(resource: dict[str, Any], reason: str) -> None:
    """A resolved infection is not an active one; entered-in-error counts for nothing."""
    assert "history" not in read(resource)
    assert skipped(resource) == {reason: 1}


def test_the_cold_disorder_that_contraindicates_wins_over_one_that_cautions() -> None:
    """With Raynaud's and cryoglobulinemia, the one cold disorder read is cryoglobulinemia."""
    both = (local_condition("raynaud"), local_condition("cryoglobulinemia"))
    assert read(*both)["history"] == {"cold_disorder": "cryoglobulinemia"}


@pytest.mark.parametrize("system", [fhir_codes.ICD10, fhir_codes.ICD10_CM])
@pytest.mark.parametrize("code", ["L70.0", "L700", "l70.0"])
def test_acne_is_read_from_icd10_with_or_without_the_dot(system: str, code: str) -> None:
    """ICD-10 and ICD-10-CM L70.0 mean acne, however the dot and case are written."""
    assert read(condition(coded(system, code)))["findings"] == {"acne": {}}


def test_an_icd10_code_that_does_not_say_the_scar_kind_is_skipped_and_counted() -> None:
    """L91.0 covers hypertrophic scars and keloids alike, so it is not read as a scar."""
    resource = condition(coded(fhir_codes.ICD10, "L91.0"))
    assert skipped(resource) == {"Condition code http://hl7.org/fhir/sid/icd-10|L91.0": 1}


def test_a_scar_reads_its_kind_cause_and_age() -> None:
    """A scar Condition gives kind (code), cause (dueTo) and full months since onset."""
    due_to = {
        "url": fhir_codes.CONDITION_DUE_TO,
        "valueCodeableConcept": coded(fhir_codes.SCAR_CAUSE_SYSTEM, "inflamed-spot"),
    }
    scar = local_condition("scar-keloid", extension=[due_to], onsetDateTime="2025-11-20T10:00:00Z")
    plain_scar = local_condition("scar-flat")
    assert read(scar, plain_scar)["findings"]["scars"] == [
        {"cause": "inflamed_spot", "kind": "keloid", "months_old": 12},
        {"cause": "other", "kind": "flat"},
    ]


def observation(system: str, code: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": coded(system, code),
        "subject": SUBJECT,
        **value,
    }


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            observation(
                fhir_codes.LOINC,
                "82810-3",
                valueCodeableConcept=coded(fhir_codes.LOINC, "LA15173-0"),
            ),
            {"patient": {"pregnant": True}},
        ),
        (
            observation(
                fhir_codes.OBSERVATION_SYSTEM,
                "pinch-thickness",
                valueQuantity={"value": 35, "code": "mm"},
            ),
            {"findings": {"localized_fat": {"pinch_cm": 3.5}}},
        ),
        (
            observation(
                fhir_codes.OBSERVATION_SYSTEM, "acne-papules", valueQuantity={"value": 12.0}
            ),
            {"findings": {"acne": {"papules": 12}}},
        ),
        (
            observation(fhir_codes.OBSERVATION_SYSTEM, "fitzpatrick-skin-type", valueInteger=4),
            {"patient": {"fitzpatrick": 4}},
        ),
    ],
)
def test_observations_set_findings_and_measurements(
    resource: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Observations carry pregnancy status, measurements (with units) and lesion counts."""
    patient = {"age": 26, **expected.get("patient", {})}
    assert read(resource) == {**expected, "patient": patient}


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "registered"])
def test_observations_without_a_result_are_skipped(status: str) -> None:
    """Entered-in-error, cancelled and registered Observations are skipped and counted."""
    resource = observation(fhir_codes.LOINC, "39156-5", status=status, valueQuantity={"value": 30})
    assert skipped(resource) == {f"Observation status {status}": 1}


def test_goals_give_the_earliest_target_date_and_the_wish_for_non_invasive_care() -> None:
    """Active goals are read; the earliest due date wins; cancelled goals are skipped."""

    def goal(code: str, status: str = "active", **extra: Any) -> dict[str, Any]:
        return {
            "resourceType": "Goal",
            "lifecycleStatus": status,
            "description": coded(fhir_codes.GOAL_SYSTEM, code),
            "subject": SUBJECT,
            **extra,
        }

    goals = (
        goal("result-by-date", target=[{"dueDate": "2027-08-01"}]),
        goal("result-by-date", target=[{"dueDate": "2027-06-01"}]),
        goal("result-by-date", "cancelled", target=[{"dueDate": "2027-01-01"}]),
        goal("non-invasive-treatment"),
    )
    assert read(*goals)["goals"] == {"target_date": "2027-06-01", "prefer_non_invasive": True}


@pytest.mark.parametrize(
    ("resource", "allergies"),
    [
        (allergy({"text": "Lidocaine and prilocaine cream"}), ["lidocaine", "amide_anaesthetics"]),
        (allergy({"text": "PERÓXIDO DE BENZOILO"}), ["benzoyl_peroxide"]),
        (allergy(coded(fhir_codes.ALLERGEN_SYSTEM, "hyaluronic-acid")), ["hyaluronic_acid"]),
    ],
)
def test_allergies_are_read_by_code_or_substance_name(
    resource: dict[str, Any], allergies: list[str]
) -> None:
    """AllergyIntolerance gives the intake's allergens, by dorsum's code or by name."""
    assert read(resource)["history"]["allergies"] == allergies


@pytest.mark.parametrize(
    ("status_field", "system", "code"),
    [
        ("clinicalStatus", fhir_codes.ALLERGY_CLINICAL, "resolved"),
        ("verificationStatus", fhir_codes.ALLERGY_VERIFICATION, "refuted"),
    ],
)
def test_resolved_or_refuted_allergies_are_skipped(
    status_field: str, system: str, code: str
) -> None:
    """An allergy that is resolved or refuted is not an allergy."""
    resource = allergy({"text": "clindamycin"}, **{status_field: coded(system, code)})
    assert "history" not in read(resource)


def test_every_resource_is_either_used_or_skipped() -> None:
    """used + skipped accounts for every resource passed in."""
    bundle = json.loads((EXAMPLES / "ehr-searchset.json").read_text())
    resources = resources_in(bundle)
    read_back = intake_from_resources(resources, today=TODAY)
    assert read_back.used + sum(read_back.skipped.values()) == len(resources)


@pytest.mark.parametrize(
    ("resources", "where", "words"),
    [
        ([], "document", "no Patient"),
        ([{**PATIENT, "birthDate": None}], "Patient/p1.birthDate", "FHIR date"),
        ([{"resourceType": "Patient", "id": "p1"}], "Patient/p1.birthDate", "missing"),
        ([{**PATIENT, "birthDate": "2027-01-01"}], "Patient/p1.birthDate", "after today"),
        ([{**PATIENT, "birthDate": "1890-01-01"}], "Patient/p1", "patient.age"),
        (
            [PATIENT, {**condition(coded(fhir_codes.ICD10, "L90.6")), "id": "sm"}],
            "Condition/sm",
            "findings.stretch_marks.stage is required",
        ),
        ([PATIENT, {**PATIENT, "id": "p2"}], "Patient/p2", "second patient"),
        (
            [
                PATIENT,
                {**local_condition("raynaud"), "id": "c9", "subject": {"reference": "Patient/p2"}},
            ],
            "Condition/c9",
            "belongs to Patient/p2",
        ),
        (
            [
                PATIENT,
                {
                    **observation(fhir_codes.OBSERVATION_SYSTEM, "acne-nodules", valueInteger=-2),
                    "id": "o1",
                },
            ],
            "Observation/o1",
            "findings.acne.nodules",
        ),
        (
            [
                PATIENT,
                {
                    **observation(
                        fhir_codes.LOINC, "39156-5", valueQuantity={"value": 25, "code": "lb/in2"}
                    ),
                    "id": "b",
                },
            ],
            "Observation/b.valueQuantity",
            "unit must be kg/m2",
        ),
    ],
)
def test_documents_dorsum_cannot_read_give_an_error_naming_the_resource(
    resources: list[dict[str, Any]], where: str, words: str
) -> None:
    """No Patient, two Patients, bad birth dates and invalid values name the resource at fault."""
    with pytest.raises(FhirError) as raised:
        intake_from_resources(resources, today=TODAY)
    assert raised.value.where == where
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("resource", "patient"),
    [
        (PATIENT, "p1"),
        ({"resourceType": "Condition", "subject": {"reference": "Patient/7"}}, "7"),
        ({"resourceType": "Condition", "subject": {"reference": "Patient/7/_history/2"}}, "7"),
        (
            {"resourceType": "Observation", "subject": {"reference": "https://ehr/fhir/Patient/7"}},
            "7",
        ),
        ({"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/a-b"}}, "a-b"),
        ({"resourceType": "Observation", "subject": {"reference": "Group/7"}}, None),
        ({"resourceType": "Practitioner", "id": "x"}, None),
    ],
)
def test_patient_id_of_names_the_patient_a_resource_belongs_to(
    resource: dict[str, Any], patient: str | None
) -> None:
    """A Patient's own id, or the id in its subject/patient reference; None otherwise."""
    assert patient_id_of(resource) == patient


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "id",
        "status",
        "code",
        "subject",
        "patient",
        "birthDate",
        "gender",
        "valueInteger",
        "valueBoolean",
        "valueQuantity",
        "valueCodeableConcept",
        "effectiveDateTime",
        "effectivePeriod",
        "clinicalStatus",
        "verificationStatus",
        "extension",
        "onsetDateTime",
        "stage",
        "medicationCodeableConcept",
        "medicationReference",
        "contained",
        "dosageInstruction",
        "dispenseRequest",
        "lifecycleStatus",
        "description",
        "target",
    ]
)
KNOWN_CODES = st.sampled_from(
    [
        coded(fhir_codes.LOINC, "39156-5"),
        coded(fhir_codes.OBSERVATION_SYSTEM, "pinch-thickness"),
        coded(fhir_codes.CONDITION_SYSTEM, "scar-keloid"),
        coded(fhir_codes.CONDITION_SYSTEM, "stretch-marks"),
        coded(fhir_codes.GOAL_SYSTEM, "result-by-date"),
        {"text": "isotretinoin"},
    ]
)
RESOURCES = st.builds(
    lambda kind, fields, code: {"resourceType": kind, **fields, "code": code, "description": code},
    st.sampled_from(list(READERS)),
    st.dictionaries(FIELDS, JSON_VALUES, max_size=6),
    KNOWN_CODES | JSON_VALUES,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RESOURCES, max_size=4))
def test_any_malformed_resource_is_read_or_refused_with_a_fhir_error(
    resources: list[dict[str, Any]],
) -> None:
    """Whatever shape the JSON has, reading never crashes: an intake or a FhirError."""
    medication = {"resourceType": "MedicationStatement", "status": "active", "subject": SUBJECT}
    for extra in ([], [{**medication, "medicationCodeableConcept": {"text": "isotretinoin"}}]):
        outcome = _read_or_error([PATIENT, *extra, *resources])
        if isinstance(outcome, FhirError):
            assert outcome.where  # it says which resource or field
        else:
            assert outcome.used + sum(outcome.skipped.values()) >= 1 + len(extra)


def _read_or_error(resources: list[dict[str, Any]]) -> FhirIntake | FhirError:
    """The intake read, or the FhirError refusing it (anything else propagates and fails)."""
    try:
        return intake_from_resources(resources, today=TODAY)
    except FhirError as error:
        return error
