"""FHIR R4 in and out: read an intake from FHIR resources, write it back as resources.

Reading and writing work on plain JSON dicts (fast enough for population re-screening); the
tests validate everything written with the `fhir.resources.R4B` models, which are wire-compatible
with R4 for the resources used here (the package's top level is R5).
"""

from __future__ import annotations

from dorsum.fhir.documents import NdjsonRead, ndjson_resources, resources_in
from dorsum.fhir.errors import FhirError
from dorsum.fhir.reading import FhirIntake, intake_from_resources, patient_id_of
from dorsum.fhir.writing import intake_bundle, intake_resources

__all__ = [
    "FhirError",
    "FhirIntake",
    "NdjsonRead",
    "intake_bundle",
    "intake_from_resources",
    "intake_resources",
    "ndjson_resources",
    "patient_id_of",
    "resources_in",
]
