"""Which patient a raw NDJSON line belongs to, read from its bytes without parsing it.

Pass one only has to route a line to its patient's partition; pass two parses it (once). So for
the common shapes (`{"resourceType":"Observation",...,"subject":{"reference":"Patient/7"}}`,
`{"resourceType":"Patient","id":"7",...}`) the patient id is read from the bytes. The scan is
conservative, and that makes it safe:

- a line with a backslash is never scanned (no escapes: every `"` delimits a string);
- the line must hold exactly one `"resourceType"` token, and exactly one `"subject"` or
  `"patient"` token (a Patient: exactly one `"id"` token), so no nested or duplicate key can
  hide the one `dorsum.fhir.reading.patient_id_of` reads.

Then for a line that is valid JSON the owner the parse finds is either the hint or None (the
token was nested and the resource has no patient), never another patient: pass two checks this
and counts a resource without a patient as the first pass would have. Anything else (Patient
lines with nested ids, Medication, resource types dorsum does not read, lines with escapes)
answers None, and the first pass parses the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dorsum.fhir.reading import READERS

_KIND = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')
_ID = re.compile(rb'"id"\s*:\s*"([^"]*)"')
_REFERENCE = re.compile(
    rb'"(?:subject|patient)"\s*:\s*\{\s*"reference"\s*:\s*"([^"]*)"\s*'
    rb'(?:\}|,\s*"display"\s*:\s*"[^"]*"\s*\})'
)
SCANNED = frozenset(kind.encode() for kind in READERS) - {b"Patient", b"Medication"}


def owner_hint(line: bytes) -> bytes | None:
    """The UTF-8 id of the patient this line belongs to, or None when only a parse can tell."""
    if b"\\" in line:
        return None
    at = line.find(b'"resourceType"')
    if at < 0 or line.find(b'"resourceType"', at + 14) >= 0:
        return None
    kind = _KIND.match(line, at)
    if kind is None:
        return None
    if kind.group(1) == b"Patient":
        return _own_id(line)
    return _subject(line) if kind.group(1) in SCANNED else None


def _subject(line: bytes) -> bytes | None:
    subject, patient = line.find(b'"subject"'), line.find(b'"patient"')
    if (subject < 0) == (patient < 0):
        return None  # neither, or both: only a parse tells which one counts
    at = subject if subject >= 0 else patient
    if line.find(line[at : at + 9], at + 9) >= 0:
        return None
    found = _REFERENCE.match(line, at)
    return None if found is None else _patient_in(found.group(1))


def _own_id(line: bytes) -> bytes | None:
    at = line.find(b'"id"')
    if at < 0 or line.find(b'"id"', at + 4) >= 0:
        return None
    found = _ID.match(line, at)
    return None if found is None else found.group(1)


def _patient_in(reference: bytes) -> bytes | None:
    """`dorsum.fhir.reading._patient_in` on bytes: 'Patient/7' or '.../Patient/7/...' -> '7'."""
    at = reference.find(b"Patient/")
    if at < 0 or (at > 0 and reference[at - 1 : at] != b"/"):
        return None
    return reference[at + 8 :].split(b"/", 1)[0] or None


def has_owner(resource: Mapping[str, Any]) -> bool:
    """Whether a parsed resource that pass one routed to a patient has one: it does exactly when
    the token the hint was read from is a top-level key (Patient: a string id)."""
    if resource["resourceType"] == "Patient":
        return type(resource.get("id")) is str
    return "subject" in resource or "patient" in resource
