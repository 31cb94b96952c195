"""Validate what dorsum writes against the FHIR R4B models of fhir.resources.

fhir.resources' top level is FHIR R5; its `R4B` package is wire-compatible with R4 for every
resource dorsum writes (Bundle, Condition, Observation, RequestGroup, ServiceRequest,
DetectedIssue, Provenance, CarePlan, Goal, Questionnaire, QuestionnaireResponse). Validation
is for tests and for callers who want proof; the writers themselves build plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from dorsum.fhir.errors import FhirError


def validate_resource(resource: Mapping[str, Any]) -> FHIRAbstractModel:
    """The R4B model of `resource`; FhirError naming the resource and the path at fault."""
    kind = resource.get("resourceType")
    label = f"{kind}/{resource.get('id', '?')}"
    try:
        model = get_fhir_model_class(str(kind))
    except ValueError:
        raise FhirError(label, f"unknown resourceType {kind!r}") from None
    try:
        return model.model_validate(dict(resource))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FhirError(f"{label}.{where}", first["msg"]) from None


def validate_bundle(bundle: Mapping[str, Any]) -> int:
    """Validate a Bundle and, one by one, every resource in it; the number of entries."""
    validate_resource(bundle)
    entries = bundle.get("entry") or []
    for entry in entries:
        validate_resource(entry["resource"])
    return len(entries)
