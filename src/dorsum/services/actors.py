"""Who is acting, and what their role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dorsum.i18n import N_
from dorsum.services.errors import Forbidden

Role = Literal["admin", "practitioner", "reception"]
ROLES: tuple[Role, ...] = ("admin", "practitioner", "reception")
CLINICAL: frozenset[str] = frozenset({"admin", "practitioner"})


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as services need them: id, clinic, role, language."""

    user_id: int
    clinic_id: int
    role: Role
    name: str
    language: str = "en"

    @property
    def clinical(self) -> bool:
        """Admins and practitioners see clinical detail; reception does not."""
        return self.role in CLINICAL

    def require(self, *roles: Role) -> None:
        """Raise `Forbidden` unless the actor has one of `roles`."""
        if self.role not in roles:
            raise Forbidden(N_("Your role does not allow this."))

    def require_clinical(self) -> None:
        self.require("admin", "practitioner")
