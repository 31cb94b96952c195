"""A contract-1 intake -> FHIR R4 resources (and a collection Bundle) that read back the same.

Every resource refers to `Patient/<patient_id>`. Ids are uuid5 of the patient id and what the
resource says, so writing is deterministic and ids never collide between patients of a
population. The age is written as the birthDate exactly `age` years before `today` (the intake
holds no birth date); reading it back on the same day gives the same age.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any

from dorsum.core.dates import add_months, check_supported
from dorsum.core.intake import Intake
from dorsum.core.validation import parse_intake
from dorsum.fhir import codes
from dorsum.fhir.codes import ConditionCode, Measure

Resource = dict[str, Any]
_IDS = uuid.UUID("8f8b1c1e-7a57-5d1c-9b0e-646f7273756d")  # dorsum's uuid5 namespace
_CONDITION_BY_NAME = {(c.kind, c.name): c for c in codes.CONDITIONS}
_MEDICATION_BY_NAME = {m.name: m for m in codes.MEDICATIONS}
_ALLERGEN_BY_NAME = {a.name: a for a in codes.ALLERGENS}
_GOAL_BY_PATH = {g.path: g for g in codes.GOALS}
_PROVISIONAL = frozenset({"suspicious_pigmented_lesion", "hidradenitis_suspected"})


def intake_resources(
    intake: Intake | dict[str, Any], *, today: date, patient_id: str = "patient"
) -> list[Resource]:
    """The intake as FHIR R4 resources: Patient first, then what refers to it."""
    checked = parse_intake(intake)
    writer = _Writer(checked, check_supported(today, "today"), patient_id)
    return [
        writer.patient(),
        *writer.observations(),
        *writer.conditions(),
        *writer.medications(),
        *writer.allergies(),
        *writer.goals(),
    ]


def intake_bundle(
    intake: Intake | dict[str, Any], *, today: date, patient_id: str = "patient"
) -> Resource:
    """The intake as a FHIR collection Bundle (entries with urn:uuid fullUrls)."""
    resources = intake_resources(intake, today=today, patient_id=patient_id)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_IDS, f"{patient_id}/bundle")),
        "type": "collection",
        "entry": [{"fullUrl": _full_url(r, patient_id), "resource": r} for r in resources],
    }


def _full_url(resource: Resource, patient_id: str) -> str:
    if resource["resourceType"] == "Patient":
        return f"urn:uuid:{uuid.uuid5(_IDS, f'{patient_id}/Patient')}"
    return f"urn:uuid:{resource['id']}"


def birth_date_for(age: int, today: date) -> date:
    """The birth date that makes someone exactly `age` today (29 Feb becomes 28 Feb)."""
    year = today.year - age
    day = min(today.day, calendar.monthrange(year, today.month)[1])
    return date(year, today.month, day)


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


class _Writer:
    """Writes one intake's resources; each method returns the resources of one kind."""

    def __init__(self, intake: Intake, today: date, patient_id: str) -> None:
        self.intake = intake
        self.today = today
        self.patient_id = patient_id
        self.subject = {"reference": f"Patient/{patient_id}"}
        self.data = intake.model_dump(mode="json")

    def _id(self, what: str) -> str:
        return str(uuid.uuid5(_IDS, f"{self.patient_id}/{what}"))

    def patient(self) -> Resource:
        patient = self.intake.patient
        resource: Resource = {
            "resourceType": "Patient",
            "id": self.patient_id,
            "birthDate": birth_date_for(patient.age, self.today).isoformat(),
        }
        if patient.sex is not None:
            resource["gender"] = patient.sex
        return resource

    def observations(self) -> list[Resource]:
        found: list[Resource] = []
        if self.intake.patient.pregnant:
            answer = _concept(codes.LOINC, codes.PREGNANT, "Pregnant")
            found.append(self._observation(_PREGNANCY, {"valueCodeableConcept": answer}))
        for measure in codes.MEASURES:
            value = self._value(measure.path)
            # within a finding False is said too, as some defaults are True (flatten_on_stretch)
            if value is None or (value is False and not measure.path.startswith("findings.")):
                continue
            found.append(self._observation(measure, _value_of(measure, value)))
        return found

    def _value(self, path: str) -> Any:
        value: Any = self.data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def _observation(self, measure: Measure, value: dict[str, Any]) -> Resource:
        category = _concept(codes.OBSERVATION_CATEGORY, measure.category, measure.category)
        return {
            "resourceType": "Observation",
            "id": self._id(f"Observation/{measure.code}"),
            "status": "final",
            "category": [category],
            "code": _concept(measure.system, measure.code, measure.display),
            "subject": self.subject,
            "effectiveDateTime": self.today.isoformat(),
            **value,
        }

    def conditions(self) -> list[Resource]:
        found: list[Resource] = []
        findings = self.data["findings"]
        for name in ("acne", "acne_scars", "stretch_marks", "localized_fat"):
            if findings.get(name) is not None:
                found.append(self._finding(_CONDITION_BY_NAME[("finding", name)], findings[name]))
        for index, scar in enumerate(findings["scars"]):
            found.append(self._scar(index, scar))
        history = self.data["history"]
        for condition in codes.CONDITIONS:
            if condition.kind == "flag" and history[condition.name]:
                found.append(self._condition(condition, "active", condition.name))
            inactive = condition.when_inactive
            if inactive is not None and inactive != condition.name and history[inactive]:
                found.append(self._condition(condition, "inactive", inactive))
        if history["cold_disorder"] is not None:
            cold = _CONDITION_BY_NAME[("cold", history["cold_disorder"])]
            found.append(self._condition(cold, "active", cold.name))
        return found

    def _condition(self, condition: ConditionCode, clinical: str, what: str) -> Resource:
        verification = "provisional" if condition.name in _PROVISIONAL else "confirmed"
        category = (
            "problem-list-item" if condition.kind in ("flag", "cold") else "encounter-diagnosis"
        )
        code = _concept(codes.CONDITION_SYSTEM, condition.code, condition.display)
        for icd in condition.icd10:
            code["coding"].append({"system": codes.ICD10, "code": icd})
        return {
            "resourceType": "Condition",
            "id": self._id(f"Condition/{condition.code}/{what}"),
            "clinicalStatus": _status(codes.CONDITION_CLINICAL, clinical),
            "verificationStatus": _status(codes.CONDITION_VERIFICATION, verification),
            "category": [_status(codes.CONDITION_CATEGORY, category)],
            "code": code,
            "subject": self.subject,
            "recordedDate": self.today.isoformat(),
        }

    def _finding(self, condition: ConditionCode, finding: dict[str, Any]) -> Resource:
        resource = self._condition(condition, "active", condition.name)
        if condition.name == "stretch_marks":
            stage = finding["stage"]
            summary = _concept(codes.STRIAE_STAGE_SYSTEM, stage, f"Striae {stage}")
            resource["stage"] = [{"summary": summary}]
        return resource

    def _scar(self, index: int, scar: dict[str, Any]) -> Resource:
        condition = _CONDITION_BY_NAME[("scar", scar["kind"])]
        resource = self._condition(condition, "active", f"scar-{index}")
        cause = scar["cause"]
        due_to = _concept(codes.SCAR_CAUSE_SYSTEM, cause.replace("_", "-"), cause.replace("_", " "))
        resource["extension"] = [{"url": codes.CONDITION_DUE_TO, "valueCodeableConcept": due_to}]
        if scar["months_old"] is not None:
            resource["onsetDateTime"] = add_months(self.today, -scar["months_old"]).isoformat()
        return resource

    def medications(self) -> list[Resource]:
        history = self.data["history"]
        found: list[Resource] = []
        months = history["isotretinoin_months_since_stop"]
        if months is not None:
            found.append(self._isotretinoin(months))
        for flag in ("anticoagulants", "photosensitising_medication"):
            if history[flag]:
                found.append(self._statement(_MEDICATION_BY_NAME[flag], "active"))
        for drug in history["acne_inducing_drugs"]:
            found.append(self._statement(_MEDICATION_BY_NAME[drug], "active"))
        return found

    def _isotretinoin(self, months: int) -> Resource:
        medication = _MEDICATION_BY_NAME["isotretinoin_months_since_stop"]
        if months == 0:
            return self._statement(medication, "active")
        resource = self._statement(medication, "completed")
        resource["effectivePeriod"] = {"end": add_months(self.today, -months).isoformat()}
        return resource

    def _statement(self, medication: codes.MedicationClass, status: str) -> Resource:
        return {
            "resourceType": "MedicationStatement",
            "id": self._id(f"MedicationStatement/{medication.code}"),
            "status": status,
            "medicationCodeableConcept": _concept(
                codes.MEDICATION_SYSTEM, medication.code, medication.display
            ),
            "subject": self.subject,
            "dateAsserted": self.today.isoformat(),
        }

    def allergies(self) -> list[Resource]:
        return [self._allergy(name) for name in self.data["history"]["allergies"]]

    def _allergy(self, name: str) -> Resource:
        allergen = _ALLERGEN_BY_NAME[name]
        return {
            "resourceType": "AllergyIntolerance",
            "id": self._id(f"AllergyIntolerance/{allergen.code}"),
            "clinicalStatus": _status(codes.ALLERGY_CLINICAL, "active"),
            "verificationStatus": _status(codes.ALLERGY_VERIFICATION, "confirmed"),
            "code": _concept(codes.ALLERGEN_SYSTEM, allergen.code, allergen.display),
            "patient": self.subject,
            "recordedDate": self.today.isoformat(),
        }

    def goals(self) -> list[Resource]:
        goals = self.data["goals"]
        found: list[Resource] = []
        if goals["target_date"] is not None:
            goal = self._goal(_GOAL_BY_PATH["goals.target_date"])
            goal["target"] = [{"dueDate": goals["target_date"]}]
            found.append(goal)
        if goals["prefer_non_invasive"]:
            found.append(self._goal(_GOAL_BY_PATH["goals.prefer_non_invasive"]))
        return found

    def _goal(self, goal: codes.GoalCode) -> Resource:
        return {
            "resourceType": "Goal",
            "id": self._id(f"Goal/{goal.code}"),
            "lifecycleStatus": "active",
            "description": _concept(codes.GOAL_SYSTEM, goal.code, goal.display),
            "subject": self.subject,
        }


_PREGNANCY = Measure(
    "patient.pregnant",
    codes.LOINC,
    codes.PREGNANCY_STATUS,
    "Pregnancy status",
    "boolean",
    category="social-history",
)


def _value_of(measure: Measure, value: Any) -> dict[str, Any]:
    if measure.value == "boolean":
        return {"valueBoolean": value}
    if measure.value == "integer":
        return {"valueInteger": value}
    unit = measure.unit or ""
    return {"valueQuantity": {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}}
