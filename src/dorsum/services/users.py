"""Clinics and their users."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.services.actors import ROLES, Actor, Role
from dorsum.services.errors import InvalidInput
from dorsum.services.passwords import MIN_LENGTH, hash_password
from dorsum.storage.tables import Clinic, User


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    language: str
    active: bool


def create_clinic(db: Session, *, slug: str, name: str) -> Clinic:
    clinic = Clinic(slug=slug, name=name)
    db.add(clinic)
    db.flush()
    return clinic


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
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_LENGTH} characters")
    email = email.strip().lower()
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput("a user with this e-mail already exists")
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


def list_users(db: Session, *, actor: Actor) -> list[UserPublic]:
    actor.require("admin")
    users = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.name))
    return [UserPublic.model_validate(user, from_attributes=True) for user in users]


def add_user(
    db: Session, *, actor: Actor, email: str, name: str, password: str, role: Role
) -> UserPublic:
    """An admin adds a user to their own clinic."""
    actor.require("admin")
    user = create_user(
        db, clinic_id=actor.clinic_id, email=email, name=name, password=password, role=role
    )
    return UserPublic.model_validate(user, from_attributes=True)


def set_language(db: Session, *, actor: Actor, language: str) -> None:
    if language not in ("en", "es"):
        raise InvalidInput("language must be en or es")
    user = db.get(User, actor.user_id)
    if user is not None:
        user.language = language
