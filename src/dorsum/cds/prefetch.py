"""The patient's FHIR resources for a hook call: from the prefetch the EHR sent, and what it did
not send read from its FHIR server (CDS Hooks 2.0, "Prefetch Template").

What each prefetch key's value means, as the specification says it:
- absent: the EHR chose not to, or could not, fill it; dorsum reads it from `fhirServer`
  (412 when there is none);
- `null`: the EHR has no data for it (no conditions, no medicines, ...): nothing to read;
- an OperationOutcome reporting an error (alone, or as an entry of the Bundle): the EHR failed
  to read it; dorsum reads it itself, as if absent;
- a Bundle with a `next` link (the EHR MAY paginate): the remaining pages are read from
  `fhirServer` (412 when there is none): never an assessment on part of the record.

Every resource must be about the patient in `context.patientId`: a Patient with another id, or
a resource whose `subject` or `patient` references another patient, is a 400, never another
patient's data mixed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dorsum.cds.errors import BadRequest, PreconditionFailed
from dorsum.cds.fetching import FhirReader, next_link, reported_error
from dorsum.cds.request import HookRequest
from dorsum.cds.services import PREFETCH
from dorsum.fhir.documents import resources_in
from dorsum.fhir.errors import FhirError

__all__ = ["FHIR_ID", "gather", "resolve"]

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR's id datatype
TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")


def resolve(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its {{context.x}} tokens filled (URL-quoted)."""

    def fill(match: re.Match[str]) -> str:
        value = context.get(match.group(1))
        if not isinstance(value, str) or not value:
            raise BadRequest(f"context.{match.group(1)} is required by the prefetch templates")
        return quote(value, safe="")

    return TOKEN.sub(fill, template)


def gather(request: HookRequest, reader: FhirReader | None) -> list[dict[str, Any]]:
    """Every resource of the patient, prefetched or fetched with `reader` (None: no server)."""
    patient = request.patient_id()
    if not FHIR_ID.fullmatch(patient):
        raise BadRequest("context.patientId is not a FHIR id (letters, digits, '-', '.')")
    given = request.prefetch or {}
    found: list[dict[str, Any]] = []
    for key, template in PREFETCH.items():
        if key in given and given[key] is None:
            continue  # the EHR has no data for this template
        document = given.get(key)
        if document is not None and not _failed(key, document):
            found.extend(_prefetched(key, document, reader))
            continue
        if reader is None:
            raise PreconditionFailed(
                f"prefetch.{key} is missing and the request names no fhirServer to read it from"
            )
        found.extend(reader.read(resolve(template, request.context)))
    _same_patient(found, patient)
    return found


def _failed(key: str, document: Any) -> bool:
    """Whether the EHR reports, with an OperationOutcome, that it could not fill `key`."""
    if not isinstance(document, dict):
        return False
    if reported_error(document):
        return True
    entries = document.get("entry") if document.get("resourceType") == "Bundle" else None
    return isinstance(entries, list) and any(
        isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and reported_error(entry["resource"])
        for entry in entries
    )


def _prefetched(key: str, document: Any, reader: FhirReader | None) -> list[dict[str, Any]]:
    try:
        resources = resources_in(document)
    except FhirError as error:
        raise BadRequest(f"prefetch.{key}: {error}") from None
    resources = [r for r in resources if r.get("resourceType") != "OperationOutcome"]
    more = next_link(document)
    if more is None:
        return resources
    if reader is None:
        raise PreconditionFailed(
            f"prefetch.{key} has more pages and the request names no fhirServer to read them from"
        )
    return resources + reader.pages(more, what=key)


def _same_patient(resources: list[dict[str, Any]], patient: str) -> None:
    """Every resource is the patient, or about them (subject or patient names them)."""
    for resource in resources:
        kind = resource.get("resourceType")
        if kind == "Patient":
            if resource.get("id") != patient:
                raise BadRequest("prefetch.patient is not the patient in context.patientId")
            continue
        about = resource.get("subject") or resource.get("patient")
        reference = about.get("reference") if isinstance(about, dict) else None
        if isinstance(reference, str) and not _names_patient(reference, patient):
            raise BadRequest(f"a {kind} in the patient's data is about another patient")


def _names_patient(reference: str, patient: str) -> bool:
    """Whether a reference (relative, or absolute on the FHIR server) is Patient/<patient>."""
    relative = f"Patient/{patient}"
    return reference == relative or reference.endswith("/" + relative)
