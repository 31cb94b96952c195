"""What can go wrong in a CDS Hooks call, each with the HTTP status the EHR receives.

    DorsumError
    └── CdsError (status, reason)         answered as {"error": status, "reason": ...}
        ├── BadRequest (400)              the request is not a CDS Hooks request of this hook
        ├── NotAuthorised (401)           the JWT is missing, forged, expired, replayed, ...
        ├── UnknownService (404)          no such service, or feedback for an unknown card
        ├── MethodNotAllowed (405)        a service or its feedback asked with another method
        └── PreconditionFailed (412)      the EHR's FHIR data could not be had (spec: MAY 412)

Reasons name the field at fault and never carry patient data.
"""

from __future__ import annotations

from dorsum.core.errors import DorsumError

__all__ = [
    "BadRequest",
    "CdsError",
    "MethodNotAllowed",
    "NotAuthorised",
    "PreconditionFailed",
    "UnknownService",
]


class CdsError(DorsumError):
    """A refusal the EHR is told about; never a 500."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequest(CdsError):
    status = 400


class NotAuthorised(CdsError):
    status = 401


class UnknownService(CdsError):
    status = 404


class MethodNotAllowed(CdsError):
    status = 405


class PreconditionFailed(CdsError):
    status = 412
