"""One patient's FHIR resources -> a contract-1 intake, with what was skipped and why.

This path is hot (population re-screening reads 100,000 patients), so it works on plain dicts
with precomputed code tables and validates only once, the finished intake, with pydantic.
Resources of other types and codes dorsum does not use are skipped and counted, never an error;
a document without a Patient, with two Patients, or with a value the intake refuses is a
`FhirError` naming the resource and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dorsum.core.errors import IntakeError
from dorsum.core.intake import Intake
from dorsum.core.validation import parse_intake
from dorsum.fhir.errors import FhirError
from dorsum.fhir.read_clinical import read_condition, read_goal, read_observation, read_patient
from dorsum.fhir.read_medication import (
    read_allergy,
    read_medication,
    read_medication_use,
    resolve_pending,
)
from dorsum.fhir.read_state import Gathered
from dorsum.fhir.read_tables import label_of

Reader = Callable[[Mapping[str, Any], Gathered], None]
READERS: dict[str, Reader] = {
    "Patient": read_patient,
    "Observation": read_observation,
    "Condition": read_condition,
    "MedicationStatement": read_medication_use,
    "MedicationRequest": read_medication_use,
    "Medication": read_medication,
    "AllergyIntolerance": read_allergy,
    "Goal": read_goal,
}


@dataclass(frozen=True, slots=True)
class FhirIntake:
    """The intake read from FHIR, whose Patient it is, and how many resources fed it or not."""

    intake: Intake
    patient_id: str | None
    used: int
    skipped: Mapping[str, int]


def patient_id_of(resource: Mapping[str, Any]) -> str | None:
    """The id of the Patient a resource belongs to: its own id, or its subject/patient reference."""
    if resource.get("resourceType") == "Patient":
        own = resource.get("id")
        return own if isinstance(own, str) else None
    for key in ("subject", "patient"):
        reference = resource.get(key)
        if isinstance(reference, dict):
            target = reference.get("reference")
            if isinstance(target, str):
                return _patient_in(target)
    return None


def _patient_in(reference: str) -> str | None:
    """'Patient/7', 'Patient/7/_history/2' or 'https://ehr/fhir/Patient/7' -> '7'."""
    at = reference.find("Patient/")
    if at < 0 or (at > 0 and reference[at - 1] != "/"):
        return None
    found = reference[at + 8 :].split("/", 1)[0]
    return found or None


def intake_from_resources(resources: Iterable[Mapping[str, Any]], *, today: date) -> FhirIntake:
    """Read one patient's resources (any order) as of `today` into a validated intake."""
    got = Gathered(today)
    subjects = got.subjects
    for resource in resources:
        kind = resource.get("resourceType")
        reader = READERS.get(kind) if isinstance(kind, str) else None
        if reader is None:
            got.skip(f"resource type {kind}")
            continue
        owner = resource.get("subject") or resource.get("patient")
        if isinstance(owner, dict):
            reference = owner.get("reference")
            if isinstance(reference, str) and reference not in subjects:
                subjects[reference] = resource
        reader(resource, got)
    if got.pending or got.medications:
        resolve_pending(got)
    _check_patient(got)
    return FhirIntake(_validated(got), got.patient_id, got.used, got.skipped)


def _check_patient(got: Gathered) -> None:
    if not got.patient_label:
        raise FhirError("document", "has no Patient resource; dorsum needs the birth date")
    for reference, resource in got.subjects.items():
        owner = _patient_in(reference)
        if owner is not None and owner != got.patient_id:
            where = label_of(resource)
            raise FhirError(where, f"belongs to Patient/{owner}, not to {got.patient_label}")


def _validated(got: Gathered) -> Intake:
    try:
        return parse_intake(got.intake_data())
    except IntakeError as error:
        where = _origin(got, error.problems[0].path)
        lines = []
        for problem in error.problems:
            origin = _origin(got, problem.path)
            source = "" if origin == where else f" (from {origin})"
            lines.append(f"intake field {problem.path} {problem.message}{source}")
        raise FhirError(where, "; ".join(lines)) from None


def _origin(got: Gathered, path: str) -> str:
    """The resource that set `path` or the closest enclosing part of the intake."""
    parts = path.split(".")
    while parts:
        found = got.origins.get(".".join(parts))
        if found is not None:
            return label_of(found)
        parts.pop()
    return got.patient_label or "document"
