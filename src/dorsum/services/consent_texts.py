"""The texts patients are asked to agree to, per purpose and language, in versions. Admins write
them; a saved version never changes, so a signed consent always points at what was shown. Until
a clinic writes its own, the packaged default is offered (`consent_defaults`)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dorsum.i18n import N_, Language
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.consent_defaults import DEFAULTS
from dorsum.services.consent_purposes import PURPOSES, Purpose
from dorsum.services.errors import InvalidInput
from dorsum.services.transaction import use_case
from dorsum.storage.tables import ConsentText

LANGUAGES: tuple[Language, ...] = ("en", "es")


class ConsentTextInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    purpose: Purpose
    language: Language
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)


def text_digest(title: str, body: str) -> str:
    """A fingerprint of a text as shown, so signing can tell that it changed meanwhile (the
    packaged default and an admin's first version are both version 1)."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()[:32]


class ConsentTextPublic(BaseModel):
    """A version of a text; `id` is None for a packaged default not yet stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None
    purpose: str
    language: str
    version: int
    title: str
    body: str
    created_at: datetime | None = None

    @property
    def digest(self) -> str:
        return text_digest(self.title, self.body)


def current_text(
    db: Session, *, clinic_id: int, purpose: Purpose, language: Language
) -> ConsentTextPublic:
    """The newest version of the clinic's text, or the packaged default (version 1)."""
    row = _newest(db, clinic_id=clinic_id, purpose=purpose, language=language)
    if row is not None:
        return ConsentTextPublic.model_validate(row)
    default = DEFAULTS[(purpose, language)]
    return ConsentTextPublic(
        id=None,
        purpose=purpose,
        language=language,
        version=1,
        title=default.title,
        body=default.body,
    )


def stored_text(
    db: Session, *, clinic_id: int, purpose: Purpose, language: Language
) -> ConsentText:
    """The newest stored version, storing the packaged default as version 1 when there is none."""
    row = _newest(db, clinic_id=clinic_id, purpose=purpose, language=language)
    if row is not None:
        return row
    default = DEFAULTS[(purpose, language)]
    row = ConsentText(
        clinic_id=clinic_id,
        purpose=purpose,
        language=language,
        version=1,
        title=default.title,
        body=default.body,
    )
    db.add(row)
    db.flush()
    return row


def all_current(db: Session, *, actor: Actor) -> list[ConsentTextPublic]:
    """Every purpose in every language: what the admin page lists."""
    return [
        current_text(db, clinic_id=actor.clinic_id, purpose=purpose, language=language)
        for purpose in PURPOSES
        for language in LANGUAGES
    ]


def history(
    db: Session, *, actor: Actor, purpose: Purpose, language: Language
) -> list[ConsentTextPublic]:
    """Every stored version of one text, newest first."""
    actor.require("admin")
    rows = db.scalars(
        select(ConsentText)
        .where(
            ConsentText.clinic_id == actor.clinic_id,
            ConsentText.purpose == purpose,
            ConsentText.language == language,
        )
        .order_by(ConsentText.version.desc())
    )
    return [ConsentTextPublic.model_validate(row) for row in rows]


@use_case
def save_text(db: Session, *, actor: Actor, data: ConsentTextInput) -> ConsentTextPublic:
    """Store the text as the next version (admins only). An unchanged text adds nothing."""
    actor.require("admin")
    current = current_text(
        db, clinic_id=actor.clinic_id, purpose=data.purpose, language=data.language
    )
    if current.id is not None and (current.title, current.body) == (data.title, data.body):
        raise InvalidInput(N_("The text is unchanged; nothing was saved."), field="body")
    last = db.scalar(
        select(func.max(ConsentText.version)).where(
            ConsentText.clinic_id == actor.clinic_id,
            ConsentText.purpose == data.purpose,
            ConsentText.language == data.language,
        )
    )
    row = ConsentText(
        clinic_id=actor.clinic_id,
        purpose=data.purpose,
        language=data.language,
        version=(last or 0) + 1,
        title=data.title,
        body=data.body,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    audit.record(db, actor=actor, action="create", entity="consent_text", entity_id=row.id)
    return ConsentTextPublic.model_validate(row)


def _newest(db: Session, *, clinic_id: int, purpose: str, language: str) -> ConsentText | None:
    return db.scalar(
        select(ConsentText)
        .where(
            ConsentText.clinic_id == clinic_id,
            ConsentText.purpose == purpose,
            ConsentText.language == language,
        )
        .order_by(ConsentText.version.desc())
        .limit(1)
    )
