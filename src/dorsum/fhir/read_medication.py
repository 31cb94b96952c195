"""Reading MedicationStatement, MedicationRequest, Medication and AllergyIntolerance.

A medicine is recognised by dorsum's code, a verified RxNorm code, or its ingredient name in
`code.text` / `coding.display` (English or Spanish, any case or accents), because many EHRs send
text only. Statuses (documented in docs/fhir.md): entered-in-error, not-taken and cancelled are
skipped, and so is a request not to give the medicine (`doNotPerform`); completed and stopped
courses no longer count as taking the medicine unless an end date they give is still ahead,
except isotretinoin, where they give the full months since the course ended (the latest end
given; 0 when the end is unknown, the cautious reading); active, on-hold, intended, draft and
unknown count as taking it now (a draft or planned request is about to be taken: the cautious
reading).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dorsum.fhir import read_tables as tables
from dorsum.fhir.codes import AllergenCode, MedicationClass
from dorsum.fhir.read_dates import full_months, latest_day
from dorsum.fhir.read_state import Gathered

NOT_TAKEN = frozenset({"entered-in-error", "not-taken", "cancelled"})
ENDED = frozenset({"completed", "stopped"})
ALLERGY_OVER = frozenset({"inactive", "resolved"})
ALLERGY_NOT_TRUE = frozenset({"refuted", "entered-in-error"})


def read_medication_use(resource: Mapping[str, Any], got: Gathered) -> None:
    """A MedicationStatement or MedicationRequest (a Medication reference waits for the end)."""
    kind = resource["resourceType"]
    status = tables.code_text(resource.get("status"))
    if status in NOT_TAKEN:
        got.skip(f"{kind} status {status}")
        return
    if resource.get("doNotPerform") is True:
        got.skip(f"{kind} doNotPerform")
        return
    if "medicationReference" in resource:
        got.pending.append(resource)
        return
    _apply(resource, resource.get("medicationCodeableConcept"), got)


def resolve_pending(got: Gathered) -> None:
    """Read the uses whose medicine is a Medication resource (contained or in the document)."""
    referenced: set[str] = set()
    for resource in got.pending:
        reference = tables.as_map(resource.get("medicationReference"))
        target = reference.get("reference")
        medication = _medication(resource, target, got)
        if medication is None:
            display = reference.get("display")
            if isinstance(display, str):  # the reference's own name for the medicine
                _apply(resource, {"text": display}, got)
            else:
                got.skip(f"{resource['resourceType']} medicationReference not in the document")
            continue
        if isinstance(target, str) and not target.startswith("#"):
            referenced.add(_medication_id(target))
        _apply(resource, medication.get("code"), got)
    for medication_id in got.medications:
        if medication_id in referenced:
            got.used += 1
        else:
            got.skip("Medication not referenced by a statement or request")


def _medication(
    resource: Mapping[str, Any], target: object, got: Gathered
) -> Mapping[str, Any] | None:
    if not isinstance(target, str):
        return None
    if target.startswith("#"):
        for contained in tables.items(resource.get("contained")):
            if isinstance(contained, dict) and contained.get("id") == target[1:]:
                return contained
        return None
    return got.medications.get(_medication_id(target))


def _medication_id(reference: str) -> str:
    """'Medication/5', 'Medication/5/_history/2' or 'https://ehr/fhir/Medication/5' -> '5'."""
    at = reference.rfind("Medication/")
    if at < 0:
        return reference.rsplit("/", 1)[-1]
    return reference[at + len("Medication/") :].split("/", 1)[0]


def _apply(resource: Mapping[str, Any], concept: object, got: Gathered) -> None:
    kind = resource["resourceType"]
    known = tables.lookup(concept, tables.MEDICATIONS)
    found = (
        [known]
        if known is not None
        else tables.named(concept, tables.MEDICATION_PATTERN, tables.MEDICATION_NAMES)
    )
    if not found:
        got.skip(f"{kind} code {tables.code_label(concept)}")
        return
    status = tables.code_text(resource.get("status"))
    ended = status in ENDED and not _ends_ahead(resource, got)
    counted = False
    for medication in found:
        counted = _take(resource, medication, ended, got) or counted
    if counted:
        got.used += 1
    else:
        got.skip(f"{kind} status {status}")


def _take(
    resource: Mapping[str, Any], medication: MedicationClass, ended: bool, got: Gathered
) -> bool:
    if medication.kind == "isotretinoin":
        months = _months_since_end(resource, got) if ended else 0
        if got.isotretinoin is None or months < got.isotretinoin:
            got.isotretinoin = months
            got.origins["history.isotretinoin_months_since_stop"] = resource
        return True
    if ended:
        return False
    if medication.kind == "flag":
        got.put(got.history, f"history.{medication.name}", medication.name, True, resource)
    elif medication.name not in got.drugs:
        got.drugs.append(medication.name)
        got.origins[f"history.acne_inducing_drugs.{len(got.drugs) - 1}"] = resource
    return True


def _months_since_end(resource: Mapping[str, Any], got: Gathered) -> int:
    """Full months since the course ended (its latest end date); 0 when none is given."""
    ends = _end_days(resource)
    return full_months(max(ends), got.today) if ends else 0


def _ends_ahead(resource: Mapping[str, Any], got: Gathered) -> bool:
    """Whether a completed or stopped use gives an end still ahead (a request dispensed in
    full is 'completed' while the medicine is still being taken)."""
    return any(end > got.today for end in _end_days(resource))


def _end_days(resource: Mapping[str, Any]) -> list[date]:
    """Every end date the use gives, each at the latest day a partial date allows."""
    return [
        latest_day(end, resource, where) for where, end in _ends(resource) if isinstance(end, str)
    ]


def _ends(resource: Mapping[str, Any]) -> list[tuple[str, object]]:
    period = tables.as_map(resource.get("effectivePeriod"))
    ends: list[tuple[str, object]] = [
        ("effectivePeriod.end", period.get("end")),
        ("effectiveDateTime", resource.get("effectiveDateTime")),
    ]
    for dosage in tables.items(resource.get("dosageInstruction")):
        repeat = tables.as_map(tables.as_map(tables.as_map(dosage).get("timing")).get("repeat"))
        bounds = tables.as_map(repeat.get("boundsPeriod"))
        ends.append(("dosageInstruction.timing.repeat.boundsPeriod.end", bounds.get("end")))
    validity = tables.as_map(tables.as_map(resource.get("dispenseRequest")).get("validityPeriod"))
    ends.append(("dispenseRequest.validityPeriod.end", validity.get("end")))
    return ends


def read_medication(resource: Mapping[str, Any], got: Gathered) -> None:
    """Keep a Medication resource for the statements and requests that refer to it."""
    medication_id = resource.get("id")
    if isinstance(medication_id, str):
        got.medications[medication_id] = resource
    else:
        got.skip("Medication without an id")


def read_allergy(resource: Mapping[str, Any], got: Gathered) -> None:
    """The intake's allergens, by dorsum's code or by substance name; resolved ones are skipped."""
    verification = tables.status_code(resource.get("verificationStatus"))
    if verification in ALLERGY_NOT_TRUE:
        got.skip(f"AllergyIntolerance verificationStatus {verification}")
        return
    clinical = tables.status_code(resource.get("clinicalStatus"))
    if clinical in ALLERGY_OVER:
        got.skip(f"AllergyIntolerance clinicalStatus {clinical}")
        return
    concept = resource.get("code")
    found = _allergens(concept)
    for reaction in tables.items(resource.get("reaction")):  # a substance named per reaction
        found += [a for a in _allergens(tables.as_map(reaction).get("substance")) if a not in found]
    if not found:
        got.skip(f"AllergyIntolerance code {tables.code_label(concept)}")
        return
    for allergen in found:
        if allergen.name not in got.allergies:
            got.allergies.append(allergen.name)
            got.origins[f"history.allergies.{len(got.allergies) - 1}"] = resource
    got.used += 1


def _allergens(concept: object) -> list[AllergenCode]:
    """The intake's allergens a concept names: by dorsum's code, else by substance name."""
    known = tables.lookup(concept, tables.ALLERGENS)
    if known is not None:
        return [known]
    return tables.named(concept, tables.ALLERGEN_PATTERN, tables.ALLERGEN_NAMES)
