"""The one error the FHIR adapter raises on purpose.

    DorsumError
    └── FhirError      a FHIR document dorsum cannot read; names the resource and path at fault

A code dorsum does not use is never an error: it is skipped and counted (see `reading`).
"""

from __future__ import annotations

from dorsum.core.errors import DorsumError


class FhirError(DorsumError):
    """A FHIR document cannot be read as an intake. `where` names the resource and path."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")
