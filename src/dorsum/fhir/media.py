"""FHIR over HTTP: the `application/fhir+json` media type, reading a body, OperationOutcome.

Free of any web framework, so the web API (and anything else speaking HTTP) shares one
reading of a FHIR request and one shape of a FHIR error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from dorsum.fhir.documents import resources_in
from dorsum.fhir.errors import FhirError
from dorsum.fhir.questionnaire_response import intake_from_questionnaire_response
from dorsum.fhir.reading import FhirIntake, intake_from_resources, patient_id_of

FHIR_JSON = "application/fhir+json"
# FHIR DSTU2's MIME type, still sent (and asked for) by some EHRs: read as FHIR JSON too
FHIR_JSON_NAMES = frozenset({FHIR_JSON, "application/json+fhir"})


def is_fhir_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names FHIR JSON (parameters such as charset aside)."""
    return content_type is not None and _media(content_type) in FHIR_JSON_NAMES


def accepts_fhir_json(accept: str | None) -> bool:
    """Whether an Accept header asks for FHIR JSON (`application/fhir+json`, or the older
    `application/json+fhir`, with q above 0)."""
    for part in (accept or "").split(","):
        media, *params = part.split(";")
        if media.strip().lower() not in FHIR_JSON_NAMES:
            continue
        quality = next((p.split("=", 1)[1] for p in params if p.strip().startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return True
        except ValueError:
            continue
    return False


def _media(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


def read_fhir_json(body: bytes, *, today: date) -> FhirIntake:
    """The intake (and patient id) a FHIR JSON body describes: a Bundle, one resource, a
    list of resources, or an answered intake QuestionnaireResponse."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FhirError("body", "is not valid JSON") from None
    if isinstance(document, dict) and document.get("resourceType") == "QuestionnaireResponse":
        intake = intake_from_questionnaire_response(document, today=today)
        return FhirIntake(intake, patient_id_of(document), used=1, skipped={})
    return intake_from_resources(resources_in(document), today=today)


def operation_outcome(
    problems: Iterable[tuple[str, str]], *, code: str = "invalid"
) -> dict[str, Any]:
    """An OperationOutcome with one error issue per (where, message) problem.

    `code` is from FHIR's issue-type value set (http://hl7.org/fhir/issue-type).
    """
    issues = [
        {
            "severity": "error",
            "code": code,
            "diagnostics": f"{where}: {message}",
            "expression": [where],
        }
        for where, message in problems
    ]
    if not issues:
        issues = [{"severity": "error", "code": code, "diagnostics": "the request is not valid"}]
    return {"resourceType": "OperationOutcome", "issue": issues}
