"""Medication resources joined to the patients whose statements and requests refer to them.

In a Bulk export a MedicationRequest may name its medicine by reference (`medicationReference:
Medication/123`) to a resource in `Medication.ndjson`, which belongs to no patient. The FHIR
reader resolves such references among the resources it is given, so each patient's group gets
the Medication resources it refers to. The Medication resources are held in memory while
screening: as many as the export has (usually the formulary's size, not the population's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

USES = frozenset({"MedicationStatement", "MedicationRequest"})


def with_medications(
    resources: list[dict[str, Any]], medications: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The patient's resources and the Medication resources they refer to (each once)."""
    if not medications:
        return resources
    referred: dict[str, dict[str, Any]] = {}
    for resource in resources:
        if resource["resourceType"] not in USES:
            continue
        reference = resource.get("medicationReference")
        target = reference.get("reference") if isinstance(reference, dict) else None
        if isinstance(target, str) and "Medication/" in target:
            found = medications.get(target.rsplit("/", 1)[-1])
            if found is not None:
                referred[found["id"]] = found
    return [*resources, *referred.values()] if referred else resources
