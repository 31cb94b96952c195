"""Whose screen reads a resource: one rule for both engines' first pass, so that the local
engine and Spark skip, and word what they skip, alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorsum.fhir.reading import READERS, patient_id_of


def owner_of(resource: Mapping[str, Any]) -> tuple[str | None, str]:
    """The patient whose screen reads this resource, or None and why it is skipped (worded as
    the FHIR reader words a skip)."""
    kind = resource["resourceType"]
    if kind not in READERS:
        return None, f"resource type {kind}"
    patient = patient_id_of(resource)
    return patient, "" if patient is not None else f"{kind} without a patient"
