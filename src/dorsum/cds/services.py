"""The services dorsum offers an EHR, as CDS Hooks discovery describes them.

Prefetch templates are FHIR searches the EHR runs before calling (CDS Hooks 2.0, "Prefetch
Template"); the same templates are what dorsum fetches itself when the EHR sends no prefetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dorsum.cds.errors import UnknownService

__all__ = ["PREFETCH", "SERVICES", "Service", "discovery", "service_named"]

# What an assessment reads: the patient, their conditions, observations (counts, skin type, BMI,
# pregnancy), medicines (isotretinoin, anticoagulants, photosensitisers) and allergies.
PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    # `_include`: a request may name its drug only in a separate Medication resource
    "medicationStatements": (
        "MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication"
    ),
    "medicationRequests": (
        "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication"
    ),
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
}


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str

    def described(self) -> dict[str, Any]:
        """This service's entry in the discovery response."""
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(PREFETCH),
        }


SERVICES: dict[str, Service] = {
    service.id: service
    for service in (
        Service(
            id="dorsum-patient-view",
            hook="patient-view",
            title="dorsum: back-skin findings",
            description="Summarises the patient's back-skin findings (acne, scars, stretch "
            "marks, localized fat), any referral and the top treatment options, with the "
            "guideline each rests on.",
        ),
        Service(
            id="dorsum-order-select",
            hook="order-select",
            title="dorsum: treatment contraindications (order select)",
            description="Warns when a selected draft order is for a back-skin treatment this "
            "patient's contraindications exclude or defer, and offers to remove it.",
        ),
        Service(
            id="dorsum-order-sign",
            hook="order-sign",
            title="dorsum: treatment contraindications (order sign)",
            description="Warns before signing when a draft order is for a back-skin treatment "
            "this patient's contraindications exclude or defer, and offers to remove it.",
        ),
    )
}


def discovery() -> dict[str, Any]:
    """The discovery response: every service with its prefetch templates."""
    return {"services": [service.described() for service in SERVICES.values()]}


def service_named(service_id: str) -> Service:

    found = SERVICES.get(service_id)
    if found is None:
        raise UnknownService(f"there is no CDS service {service_id!r}; see GET /cds-services")
    return found
