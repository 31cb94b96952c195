"""What a request knows about its caller: the database session, the actor, the language, the
CSRF token, and the time (the application's clock, in the clinic's time zone). Built by the
dependencies in `deps.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cached_property

from sqlalchemy.orm import Session

from dorsum.i18n import Language, Localizer
from dorsum.services.actors import Actor


def clinic_day(now: datetime, zone: tzinfo) -> date:
    """The clinic's calendar day at the instant `now`: the one rule for "today" everywhere."""
    return now.astimezone(zone).date()


@dataclass
class Caller:
    db: Session
    actor: Actor | None
    language: Language
    csrf_token: str
    now: datetime  # from the application's clock, never read here
    zone: tzinfo  # the clinic's time zone: what "today" and shown times mean

    @property
    def today(self) -> date:
        return clinic_day(self.now, self.zone)

    def local(self, instant: datetime) -> datetime:
        """An instant as the clinic's wall-clock time."""
        return instant.astimezone(self.zone)

    @cached_property
    def localizer(self) -> Localizer:
        return Localizer(self.language)

    def signed_in(self) -> Actor:
        from dorsum.web.errors import SignInRequired

        if self.actor is None:
            raise SignInRequired()
        return self.actor
