"""Errors the services raise on purpose; the web layer maps them to status codes.

DorsumError
└── ServiceError
    ├── NotFound         no such record in the actor's clinic (404)
    ├── Forbidden        the actor's role may not do this (403)
    ├── InvalidInput     the request is well-formed but cannot be honoured (422)
    ├── Conflict         someone else changed the record at the same moment (409)
    ├── Busy             the database is busy; try again in a moment (503, Retry-After)
    ├── LoginFailed      wrong e-mail or password (401)
    └── RateLimited      too many failed sign-ins; try later (429)
"""

from __future__ import annotations

from dorsum.core.errors import DorsumError


class ServiceError(DorsumError):
    """Base class of the errors a service reports to its caller."""


class NotFound(ServiceError):
    """The record does not exist in the actor's clinic (other clinics' records look absent)."""


class Forbidden(ServiceError):
    """The actor's role does not allow this."""


class InvalidInput(ServiceError):
    """The input is well-formed but cannot be honoured. `field` names the form field or body
    field at fault, when there is one, so the message can be shown next to it."""

    def __init__(self, message: str, *, field: str | None = None, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message = message  # untranslated, with %(name)s placeholders filled from `values`
        self.field = field
        self.values = values


class Conflict(ServiceError):
    """Someone else changed the record at the same moment; reload and try again."""


class Busy(ServiceError):
    """The database stayed locked by other work for longer than the busy wait (503)."""


class LoginFailed(ServiceError):
    """The e-mail or password is wrong (which one is not said)."""


class RateLimited(ServiceError):
    """Too many failed sign-ins recently."""
