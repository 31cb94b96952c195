"""API tokens as clinic IT manages them: issued for a user and a number of days, listed
(never shown again: only their label, owner and dates), and revoked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import auth
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.transaction import use_case
from dorsum.storage.tables import ApiToken, User

MAX_DAYS = 366


class TokenCreate(BaseModel):
    user_id: int = Field(ge=1, le=2_147_483_647)
    label: str = Field(min_length=1, max_length=100)
    days: int = Field(default=auth.TOKEN_DAYS, ge=1, le=MAX_DAYS)


class TokenPublic(BaseModel):
    id: int
    label: str
    user_id: int
    user_email: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        """ "revoked", "expired" or "active"."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def list_tokens(db: Session, *, clinic_id: int | None = None) -> list[TokenPublic]:
    """Every token (of one clinic's users when `clinic_id` is given), newest first."""
    query = select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
    if clinic_id is not None:
        query = query.where(User.clinic_id == clinic_id)
    return [
        TokenPublic(
            id=token.id,
            label=token.label,
            user_id=token.user_id,
            user_email=email,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )
        for token, email in db.execute(query.order_by(ApiToken.id.desc()))
    ]


def clinic_tokens(db: Session, *, actor: Actor) -> list[TokenPublic]:
    actor.require("admin")
    return list_tokens(db, clinic_id=actor.clinic_id)


@use_case
def issue_for(db: Session, *, actor: Actor, data: TokenCreate, now: datetime) -> str:
    """An admin issues a token for a user of their clinic; the secret is returned once."""
    actor.require("admin")
    user = db.scalar(select(User).where(User.id == data.user_id, User.clinic_id == actor.clinic_id))
    if user is None:
        raise NotFound(N_("There is no such user in your clinic."))
    if not user.active:
        raise InvalidInput(N_("This user is deactivated."), field="user_id")
    return auth.issue_api_token(db, user_id=user.id, label=data.label, now=now, days=data.days)


@use_case
def revoke(db: Session, *, token_id: int, now: datetime, clinic_id: int | None = None) -> None:
    """Revoke a token at once (within one clinic when `clinic_id` is given)."""
    query = select(ApiToken).join(User, User.id == ApiToken.user_id).where(ApiToken.id == token_id)
    if clinic_id is not None:
        query = query.where(User.clinic_id == clinic_id)
    token = db.scalar(query)
    if token is None:
        raise NotFound(N_("There is no such API token."))
    if token.revoked_at is None:
        token.revoked_at = now


def revoke_for(db: Session, *, actor: Actor, token_id: int, now: datetime) -> None:
    actor.require("admin")
    revoke(db, token_id=token_id, now=now, clinic_id=actor.clinic_id)


def revoke_all_of(db: Session, *, user_id: int, now: datetime) -> None:
    """Revoke every live token of a user (when the user is deactivated)."""
    for token in db.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
