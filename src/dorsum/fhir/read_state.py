"""What the reader has gathered so far: the intake's sections as plain dicts, and the counts.

`origins` remembers which resource set each intake path, so an invalid value is reported
against the FHIR resource that carried it; `subjects` keeps one resource per distinct
subject reference, checked once at the end against the document's Patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


class Gathered:
    """The intake being assembled from one patient's resources, and what was used or skipped."""

    __slots__ = (
        "allergies",
        "cold",
        "drugs",
        "findings",
        "goals",
        "history",
        "isotretinoin",
        "medications",
        "origins",
        "patient",
        "patient_id",
        "patient_label",
        "pending",
        "scars",
        "skipped",
        "stamps",
        "subjects",
        "today",
        "used",
    )

    def __init__(self, today: date) -> None:
        self.today = today
        self.patient: dict[str, Any] = {}
        self.history: dict[str, Any] = {}
        self.findings: dict[str, dict[str, Any]] = {}
        self.scars: list[dict[str, Any]] = []
        self.goals: dict[str, Any] = {}
        self.allergies: list[str] = []
        self.drugs: list[str] = []
        self.cold: str | None = None
        self.isotretinoin: int | None = None
        self.patient_id: str | None = None
        self.patient_label = ""
        self.used = 0
        self.skipped: dict[str, int] = {}
        self.origins: dict[str, Mapping[str, Any]] = {}
        self.stamps: dict[str, tuple[int, datetime]] = {}
        self.subjects: dict[str, Mapping[str, Any]] = {}
        self.medications: dict[str, Mapping[str, Any]] = {}
        self.pending: list[Mapping[str, Any]] = []

    def skip(self, reason: str) -> None:
        """Count one resource skipped for `reason` (a type, a code or a status; never free text)."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def put(
        self, section: dict[str, Any], path: str, key: str, value: Any, source: Mapping[str, Any]
    ) -> None:
        """Set one intake field and remember the resource it came from."""
        section[key] = value
        self.origins[path] = source

    def intake_data(self) -> dict[str, Any]:
        """The gathered intake as contract-1 JSON, ready for validation."""
        history = self.history
        if self.allergies:
            history["allergies"] = self.allergies
        if self.drugs:
            history["acne_inducing_drugs"] = self.drugs
        if self.cold is not None:
            history["cold_disorder"] = self.cold
        if self.isotretinoin is not None:
            history["isotretinoin_months_since_stop"] = self.isotretinoin
        data: dict[str, Any] = {"patient": self.patient}
        if history:
            data["history"] = history
        findings: dict[str, Any] = dict(self.findings)
        if self.scars:
            findings["scars"] = self.scars
        if findings:
            data["findings"] = findings
        if self.goals:
            data["goals"] = self.goals
        return data
