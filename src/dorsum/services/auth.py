"""Signing in and out: argon2 passwords, rate-limited attempts, server-side sessions and API
tokens. Only hashes of session and API tokens are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services.actors import Actor
from dorsum.services.errors import LoginFailed, RateLimited
from dorsum.services.passwords import DUMMY_HASH, new_token, token_hash, verify_password
from dorsum.settings import Settings
from dorsum.storage.tables import ApiToken, LoginAttempt, LoginSession, User


@dataclass(frozen=True)
class SignedIn:
    """A new session: the secret for the cookie, and the CSRF token for its forms."""

    token: str
    csrf_token: str
    actor: Actor


def actor_of(user: User) -> Actor:
    role = user.role if user.role in ("admin", "practitioner", "reception") else "reception"
    return Actor(
        user_id=user.id,
        clinic_id=user.clinic_id,
        role=role,  # type: ignore[arg-type]
        name=user.name,
        language=user.language,
    )


def sign_in(
    db: Session, *, email: str, password: str, address: str, settings: Settings, now: datetime
) -> SignedIn:
    """Check the password, within the rate limit, and open a session."""
    email = email.strip().lower()
    since = now - timedelta(minutes=settings.login_window_minutes)
    failures = db.scalar(
        select(func.count()).where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    from_address = db.scalar(
        select(func.count()).where(LoginAttempt.address == address, LoginAttempt.at >= since)
    )
    if (failures or 0) >= settings.login_max_failures or (
        from_address or 0
    ) >= settings.login_ip_max_failures:
        raise RateLimited(N_("Too many failed sign-ins. Please try again later."))
    user = db.scalar(select(User).where(User.email == email, User.active.is_(True)))
    if not verify_password(user.password_hash if user else DUMMY_HASH, password) or user is None:
        db.add(LoginAttempt(email=email, address=address, at=now))
        raise LoginFailed(N_("The e-mail or password is not right."))
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    token, csrf = new_token(), new_token()
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    return SignedIn(token=token, csrf_token=csrf, actor=actor_of(user))


def session_of(db: Session, *, token: str, now: datetime) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session, or None."""
    row = db.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token), User.active.is_(True))
    ).first()
    if row is None:
        return None
    session, user = row
    expires = session.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires <= now:
        return None
    return actor_of(user), session.csrf_token


def sign_out(db: Session, *, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def bearer_actor(db: Session, *, token: str) -> Actor | None:
    """The actor behind an API token, or None."""
    user = db.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token), User.active.is_(True))
    )
    return actor_of(user) if user else None


def issue_api_token(db: Session, *, user_id: int, label: str) -> str:
    """A new API token for a user; shown once, stored hashed."""
    token = new_token()
    db.add(ApiToken(token_hash=token_hash(token), user_id=user_id, label=label))
    return token
