"""Clinics and their users: added, edited, deactivated (which signs them out everywhere and
revokes their API tokens) and given a new password by an admin.

An admin cannot lock the clinic out: the last active admin can be neither deactivated nor
turned into another role, and nobody deactivates themselves.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services import audit, tokens
from dorsum.services.actors import ROLES, Actor, Role
from dorsum.services.auth import end_sessions
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.passwords import MIN_LENGTH, hash_password
from dorsum.services.text import Email, Name
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Clinic, User


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    language: str
    active: bool


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    role: Role
    language: str = Field(default="en", pattern="^(en|es)$")
    password: str = Field(min_length=MIN_LENGTH, max_length=200)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    role: Role
    language: str = Field(default="en", pattern="^(en|es)$")


@use_case
def create_clinic(db: Session, *, slug: str, name: str) -> Clinic:
    clinic = Clinic(slug=slug, name=name)
    db.add(clinic)
    db.flush()
    return clinic


@use_case
def create_user(
    db: Session,
    *,
    clinic_id: int,
    email: str,
    name: str,
    password: str,
    role: Role,
    language: str = "en",
) -> User:
    """A user of a clinic. Passwords need at least 10 characters."""
    if role not in ROLES:
        raise InvalidInput(N_("Choose a role."), field="role")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("A password needs at least %(count)s characters."),
            field="password",
            count=MIN_LENGTH,
        )
    email = email.strip().lower()
    _check_email_free(db, email=email)
    user = User(
        clinic_id=clinic_id,
        email=email,
        name=name,
        role=role,
        language=language,
        password_hash=hash_password(password),
    )
    db.add(user)
    db.flush()
    return user


def _check_email_free(db: Session, *, email: str, user_id: int | None = None) -> None:
    """E-mails sign users in, so they are unique across clinics; the refusal is the same
    whoever has the address, so it never tells that another clinic uses it."""
    owner = db.scalar(select(User.id).where(User.email == email))
    if owner is None or owner == user_id:
        return
    raise InvalidInput(
        N_("This e-mail cannot be used for an account here. Use another address."), field="email"
    )


def list_users(db: Session, *, actor: Actor) -> list[UserPublic]:
    actor.require("admin")
    users = db.scalars(
        select(User)
        .where(User.clinic_id == actor.clinic_id)
        .order_by(User.active.desc(), User.name)
    )
    return [UserPublic.model_validate(user, from_attributes=True) for user in users]


def get_user(db: Session, *, actor: Actor, user_id: int) -> UserPublic:
    actor.require("admin")
    return UserPublic.model_validate(_row(db, actor=actor, user_id=user_id), from_attributes=True)


@use_case
def add_user(db: Session, *, actor: Actor, data: UserCreate) -> UserPublic:
    """An admin adds a user to their own clinic."""
    actor.require("admin")
    user = create_user(
        db,
        clinic_id=actor.clinic_id,
        email=data.email,
        name=data.name,
        password=data.password,
        role=data.role,
        language=data.language,
    )
    audit.record(db, actor=actor, action="create", entity="user", entity_id=user.id)
    return UserPublic.model_validate(user, from_attributes=True)


@use_case
def update_user(db: Session, *, actor: Actor, user_id: int, data: UserUpdate) -> UserPublic:
    """An admin edits a user's name, e-mail, role or language."""
    actor.require("admin")
    user = _row(db, actor=actor, user_id=user_id)
    email = data.email.strip().lower()
    _check_email_free(db, email=email, user_id=user.id)
    if user.role == "admin" and data.role != "admin":
        _keep_an_admin(db, actor=actor, leaving=user)
    user.name, user.email, user.role, user.language = data.name, email, data.role, data.language
    db.flush()
    audit.record(db, actor=actor, action="update", entity="user", entity_id=user.id)
    return UserPublic.model_validate(user, from_attributes=True)


@use_case
def set_active(db: Session, *, actor: Actor, user_id: int, active: bool, now: datetime) -> None:
    """Deactivate (signed out everywhere, API tokens revoked) or reactivate a user."""
    actor.require("admin")
    user = _row(db, actor=actor, user_id=user_id)
    if not active:
        if user.id == actor.user_id:
            raise InvalidInput(N_("You cannot deactivate yourself."))
        if user.role == "admin":
            _keep_an_admin(db, actor=actor, leaving=user)
        end_sessions(db, user_id=user.id)
        tokens.revoke_all_of(db, user_id=user.id, now=now)
    user.active = active
    db.flush()
    action = "activate" if active else "deactivate"
    audit.record(db, actor=actor, action=action, entity="user", entity_id=user.id)


@use_case
def reset_password(db: Session, *, actor: Actor, user_id: int, password: str) -> None:
    """An admin gives a user a new password; the user's sessions end."""
    actor.require("admin")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            N_("A password needs at least %(count)s characters."),
            field="password",
            count=MIN_LENGTH,
        )
    user = _row(db, actor=actor, user_id=user_id)
    user.password_hash = hash_password(password)
    end_sessions(db, user_id=user.id)
    db.flush()
    audit.record(db, actor=actor, action="password", entity="user", entity_id=user.id)


def _row(db: Session, *, actor: Actor, user_id: int) -> User:
    user = db.scalar(select(User).where(User.id == user_id, User.clinic_id == actor.clinic_id))
    if user is None:
        raise NotFound(N_("There is no such user in your clinic."))
    return user


def _keep_an_admin(db: Session, *, actor: Actor, leaving: User) -> None:
    others = db.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.clinic_id == actor.clinic_id,
            User.role == "admin",
            User.active.is_(True),
            User.id != leaving.id,
        )
    )
    if not others:
        raise InvalidInput(N_("The clinic needs at least one active admin."), field="role")


@use_case
def set_language(db: Session, *, actor: Actor, language: str) -> None:
    if language not in ("en", "es"):
        raise InvalidInput(N_("Choose English or Spanish."), field="language")
    user = db.get(User, actor.user_id)
    if user is not None:
        user.language = language
