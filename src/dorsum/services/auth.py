"""Signing in and out: argon2 passwords, an atomic sign-in limit, server-side sessions and API
tokens. Only hashes of session and API tokens are stored.

The sign-in limit counts attempts, not failures, and counts them *before* the password is
checked: `count_attempt` raises the counters for the account and for the address in one
atomic statement each, and the caller commits that before going on. Twenty or forty
simultaneous guesses therefore get numbers 1..40, and only those within the limit are checked.
A correct password gives its attempt back. The caller then reads the `credentials` and ends
that transaction before `sign_in` runs the slow password hash, so no lock is held meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.services.actors import Actor
from dorsum.services.errors import LoginFailed, RateLimited
from dorsum.services.passwords import DUMMY_HASH, new_token, token_hash, verify_password
from dorsum.settings import Settings
from dorsum.storage.tables import ApiToken, LoginSession, LoginThrottle, User

TOKEN_DAYS = 90
TOKEN_USE_RECORDED_EVERY = timedelta(hours=1)


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


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()}"[:300], f"address:{address}"[:300]


def count_attempt(
    db: Session, *, email: str, address: str, settings: Settings, now: datetime
) -> None:
    """Count a sign-in attempt for the account and the address; RateLimited over the limit.

    The caller commits right after, whatever the outcome, before checking the password."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    account, origin = _keys(email, address)
    by_account = _bump(db, key=account, now=now, since=since)
    by_address = _bump(db, key=origin, now=now, since=since)
    if by_account > settings.login_max_failures or by_address > settings.login_ip_max_failures:
        raise RateLimited(N_("Too many failed sign-ins. Please try again later."))


def _bump(db: Session, *, key: str, now: datetime, since: datetime) -> int:
    """Add one to the key's count in its window (a new window once it is over), atomically."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__
    expired = table.c.window_started_at < since
    statement = (
        insert(LoginThrottle)
        .values(key=key, attempts=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "attempts": case((expired, 1), else_=table.c.attempts + 1),
                "window_started_at": case((expired, now), else_=table.c.window_started_at),
            },
        )
        .returning(table.c.attempts)
    )
    return int(db.execute(statement).scalar_one())


@dataclass(frozen=True)
class Credentials:
    """What a password is checked against: the active user's id and hash, if any."""

    user_id: int | None
    password_hash: str


def credentials(db: Session, *, email: str) -> Credentials:
    """The active user with this e-mail, or a dummy hash so that timing tells nothing."""
    row = db.execute(
        select(User.id, User.password_hash).where(
            User.email == email.strip().lower(), User.active.is_(True)
        )
    ).first()
    return Credentials(row.id, row.password_hash) if row else Credentials(None, DUMMY_HASH)


def sign_in(
    db: Session,
    *,
    found: Credentials,
    password: str,
    email: str,
    address: str,
    settings: Settings,
    now: datetime,
) -> SignedIn:
    """Check the password against `found` (read, and its transaction ended, beforehand: the
    slow hash must not hold the database) and open a session."""
    if not verify_password(found.password_hash, password) or found.user_id is None:
        raise LoginFailed(N_("The e-mail or password is not right."))
    user = db.get(User, found.user_id)
    if user is None or not user.active:
        raise LoginFailed(N_("The e-mail or password is not right."))
    account, origin = _keys(email, address)
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == account))
    db.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == origin, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )
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
    if session.expires_at <= now:
        return None
    return actor_of(user), session.csrf_token


def sign_out(db: Session, *, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_sessions(db: Session, *, user_id: int) -> None:
    """Sign the user out everywhere (deactivation, a new password)."""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def bearer_actor(db: Session, *, token: str, now: datetime) -> Actor | None:
    """The actor behind a live API token (not expired, not revoked, its user active), or None.
    When it was last used is recorded, at most once an hour."""
    row = db.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_hash(token),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.expires_at <= now:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_RECORDED_EVERY:
        api_token.last_used_at = now
    return actor_of(user)


def issue_api_token(
    db: Session, *, user_id: int, label: str, now: datetime | None = None, days: int = TOKEN_DAYS
) -> str:
    """A new API token for a user, valid for `days`; shown once, stored hashed."""
    issued = now or datetime.now(UTC)
    token = new_token()
    db.add(
        ApiToken(
            token_hash=token_hash(token),
            user_id=user_id,
            label=label,
            created_at=issued,
            expires_at=issued + timedelta(days=days),
        )
    )
    db.flush()
    return token
