"""From what a FHIR client sends (a Bundle, one resource, a list, Bulk NDJSON) to plain resources.

The reader works on a flat list of resources; this module is the only place that knows about
Bundle entries and NDJSON lines. Inside a Bundle, references to an entry's `fullUrl`
(`urn:uuid:...`) are rewritten to `Type/id`, so the reader only ever sees relative references.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dorsum.fhir.errors import FhirError

BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "searchset", "document"})


class Malformed(NamedTuple):
    """An NDJSON line that is not a FHIR resource: where it is and why (never its content)."""

    source: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class NdjsonRead:
    """The resources of some NDJSON lines, and the lines that could not be read."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


def resources_in(document: Any) -> list[dict[str, Any]]:
    """The resources of a Bundle, a single resource, or a list of resources."""
    if isinstance(document, list):
        return [_resource(item, f"item {index}") for index, item in enumerate(document)]
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise FhirError("document", "is not a FHIR resource, Bundle or list of resources")
    if document["resourceType"] != "Bundle":
        return [document]
    return _bundle_resources(document)


def _resource(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
        raise FhirError(where, "is not a FHIR resource (no resourceType)")
    return item


def _bundle_resources(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    kind = bundle.get("type")
    if kind not in BUNDLE_TYPES:
        allowed = ", ".join(sorted(BUNDLE_TYPES))
        raise FhirError("Bundle.type", f"must be one of {allowed}, not {kind!r}")
    entries = bundle.get("entry")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise FhirError("Bundle.entry", "must be a list")
    resources: list[dict[str, Any]] = []
    aliases: dict[str, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise FhirError(f"Bundle.entry[{index}]", "must be an object")
        if entry.get("resource") is None:
            continue  # e.g. a DELETE in a transaction
        resource = _resource(entry["resource"], f"Bundle.entry[{index}].resource")
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url.startswith("urn:"):
            resource = _with_id(resource, full_url)
            aliases[full_url] = f"{resource['resourceType']}/{resource['id']}"
        elif isinstance(full_url, str) and not isinstance(resource.get("id"), str):
            resource = _with_url_id(resource, full_url)
        resources.append(resource)
    return [_resolved(resource, aliases) for resource in resources] if aliases else resources


def _with_id(resource: dict[str, Any], full_url: str) -> dict[str, Any]:
    """The resource with an id (the uuid of its urn:uuid fullUrl when it has none)."""
    if isinstance(resource.get("id"), str):
        return resource
    return {**resource, "id": full_url.rsplit(":", 1)[-1]}


def _with_url_id(resource: dict[str, Any], full_url: str) -> dict[str, Any]:
    """The resource with the id its RESTful fullUrl gives ('https://ehr/fhir/Patient/7')."""
    marker = f"{resource['resourceType']}/"
    at = full_url.rfind(marker)
    if at < 0 or (at > 0 and full_url[at - 1] != "/"):
        return resource
    found = full_url[at + len(marker) :].split("/", 1)[0]
    return {**resource, "id": found} if found else resource


def _resolved(value: Any, aliases: Mapping[str, str]) -> Any:
    """A copy of `value` with every `reference` to a Bundle fullUrl made relative."""
    if isinstance(value, dict):
        copy = {key: _resolved(item, aliases) for key, item in value.items()}
        reference = copy.get("reference")
        if isinstance(reference, str) and reference in aliases:
            copy["reference"] = aliases[reference]
        return copy
    if isinstance(value, list):
        return [_resolved(item, aliases) for item in value]
    return value


def ndjson_resources(lines: Iterable[str], *, source: str) -> NdjsonRead:
    """The resources of Bulk Data NDJSON lines; blank lines are ignored, bad ones recorded."""
    read = NdjsonRead()
    for number, raw in enumerate(lines, start=1):
        line = raw.removeprefix("\ufeff") if number == 1 else raw  # a BOM some exporters write
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            read.malformed.append(Malformed(source, number, f"not JSON ({error.msg})"))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
            read.malformed.append(Malformed(source, number, "not a FHIR resource"))
            continue
        read.resources.append(item)
    return read
