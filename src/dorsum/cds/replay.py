"""Replay protection: a JWT's `jti` is accepted once per issuer until the token expires.

Remembered in the database under a unique constraint, committed before the call is answered
(by `dorsum.cds.writes`): two workers that receive the same token at the same moment cannot
both accept it (the second waits for the first's transaction and then hits the constraint).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dorsum.cds.errors import NotAuthorised
from dorsum.cds.trust import VerifiedClient
from dorsum.storage.tables import CdsJti

__all__ = ["forget_expired", "remember_jti"]


def forget_expired(db: Session, *, now: datetime) -> None:
    """Expired tokens cannot be replayed anyway: their jtis need no keeping."""
    db.execute(delete(CdsJti).where(CdsJti.expires_at < now))


def remember_jti(db: Session, *, client: VerifiedClient) -> None:
    """Record the token's jti, or NotAuthorised when it was seen before."""
    row = {"issuer": client.issuer, "jti": client.jti, "expires_at": client.expires_at}
    try:
        with db.begin_nested():
            db.execute(insert(CdsJti), [row])
    except IntegrityError:
        raise NotAuthorised("the JWT's jti was already used: a replayed token is refused") from None
