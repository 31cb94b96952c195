"""Building a deterministic Bundle: stable ids and fullUrls, local codings, references.

Nothing random and no clock: a resource's `id` says what it is ("condition-acne",
"exclusion-2") and its `fullUrl` is a name-based UUID (uuid5) of the content digest and that
id, so the same assessment always gives byte-identical JSON and two assessments never share
a fullUrl.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import Localizer

LOCAL = "https://dorsum.dev/fhir/CodeSystem/"  # dorsum's own code systems (docs/fhir-export.md)
EXTENSION = "https://dorsum.dev/fhir/StructureDefinition/"
NAMESPACE = uuid.UUID("6f1d3b8e-6c55-5a51-9a3e-2b1f0f1d0a11")  # dorsum's uuid5 namespace
ICD10_SYSTEMS = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
}


def digest(content: str) -> str:
    """A short content digest that keys every fullUrl of one bundle."""
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def local_coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    """A coding in one of dorsum's own code systems (never a standard terminology's code)."""
    coding = {"system": LOCAL + system, "code": code}
    if display:
        coding["display"] = display
    return coding


def concept(text: str, *codings: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept: its text, and codings when there are any."""
    value: dict[str, Any] = {"text": text}
    if codings:
        value["coding"] = list(codings)
    return value


def slug(text: str) -> str:
    """`text` as a FHIR id fragment (letters, digits, '-', '.')."""
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)


@dataclass
class BundleBuilder:
    """Collects resources in order and gives each a stable fullUrl."""

    key: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)

    def url(self, resource_type: str, resource_id: str) -> str:
        """The fullUrl (and reference) of a resource, known before it is added."""
        name = f"{self.key}/{resource_type}/{resource_id}"
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"

    def ref(
        self, resource_type: str, resource_id: str, display: str | None = None
    ) -> dict[str, str]:
        """A Reference to a resource in this bundle."""
        reference = {"reference": self.url(resource_type, resource_id)}
        if display:
            reference["display"] = display
        return reference

    def add(self, resource: dict[str, Any]) -> dict[str, str]:
        """Add `resource` (it must have resourceType and id); a Reference to it."""
        kind, resource_id = resource["resourceType"], resource["id"]
        full_url = self.url(kind, resource_id)
        if full_url in self.urls:
            raise ValueError(f"two resources {kind}/{resource_id} in one bundle")
        self.urls[full_url] = kind
        self.entries.append({"fullUrl": full_url, "resource": resource})
        return {"reference": full_url}

    def bundle(self, bundle_id: str) -> dict[str, Any]:
        """The collection Bundle of everything added."""
        return {
            "resourceType": "Bundle",
            "id": bundle_id,
            "identifier": {"system": "https://dorsum.dev/fhir/bundle", "value": self.key},
            "type": "collection",
            "entry": self.entries,
        }


@dataclass(frozen=True)
class Scope:
    """What every resource written for one assessment shares."""

    builder: BundleBuilder
    index: KnowledgeIndex
    subject: dict[str, str]  # the Reference to the patient
    day: str  # the assessment's "today", ISO
    words: Localizer  # the reader's language, for the few words the bundle adds

    def condition_ref(self, condition_id: str) -> dict[str, str]:
        """A Reference to the Condition written for an assessed condition."""
        return self.builder.ref("Condition", f"condition-{slug(condition_id)}")
