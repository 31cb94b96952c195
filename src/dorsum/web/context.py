"""What a request knows about its caller: the database session, the actor, the language and
the CSRF token. Built by the dependencies in `deps.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

from sqlalchemy.orm import Session

from dorsum.i18n import Language, Localizer
from dorsum.services.actors import Actor


@dataclass
class Caller:
    db: Session
    actor: Actor | None
    language: Language
    csrf_token: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def localizer(self) -> Localizer:
        return Localizer(self.language)

    def signed_in(self) -> Actor:
        from dorsum.web.errors import SignInRequired

        if self.actor is None:
            raise SignInRequired()
        return self.actor
