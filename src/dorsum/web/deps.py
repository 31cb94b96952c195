"""FastAPI dependencies: one database transaction per request, the caller (cookie session or
bearer token), the language, and CSRF checks on every form."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from babel import Locale, negotiate_locale
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from dorsum.i18n import N_, Language
from dorsum.services import auth
from dorsum.services.actors import Actor
from dorsum.web.context import Caller
from dorsum.web.errors import CsrfFailed, SignInRequired

SESSION_COOKIE = "dorsum_session"
MAX_FORM_FIELDS = 10_000
ANONYMOUS_CSRF_COOKIE = "dorsum_csrf"


def database(request: Request) -> Iterator[Session]:
    """A session whose transaction commits if the request succeeds and rolls back if not."""
    factory = request.app.state.sessions
    with factory() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a 201 or a redirect never reports
# data that then fails to commit, and the next page always sees it.
DatabaseDep = Annotated[Session, Depends(database, scope="function")]


def browser_language(request: Request) -> Language:
    """`?lang=` first, then the Accept-Language header; English by default."""
    asked = request.query_params.get("lang")
    if asked in ("en", "es"):
        return asked  # type: ignore[return-value]
    header = request.headers.get("accept-language", "")
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    chosen = negotiate_locale([p for p in preferred if p], ["en", "es"], sep="_")
    return "es" if chosen and Locale.parse(chosen).language == "es" else "en"


def caller(request: Request, db: DatabaseDep) -> Caller:
    """Who is calling: a bearer token, a session cookie, or nobody. Kept on the request, so
    that an error page can still show who is signed in, in their language."""
    who = identify(request, db, now=datetime.now(UTC))
    request.state.caller = who
    return who


def identify(request: Request, db: Session, *, now: datetime) -> Caller:
    zone = request.app.state.settings.zone
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = auth.bearer_actor(db, token=header[7:].strip(), now=now)
        if actor is None:
            raise SignInRequired()
        request.state.bearer = True
        return Caller(
            db=db, actor=actor, language=_language(actor), csrf_token="", now=now, zone=zone
        )
    request.state.bearer = False
    token = request.cookies.get(SESSION_COOKIE)
    session = auth.session_of(db, token=token, now=now) if token else None
    if session is None:
        anonymous = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.anonymous_csrf = anonymous
        language = browser_language(request)
        return Caller(
            db=db, actor=None, language=language, csrf_token=anonymous, now=now, zone=zone
        )
    actor, csrf = session
    return Caller(
        db=db, actor=actor, language=_language(actor), csrf_token=csrf, now=now, zone=zone
    )


def _language(actor: Actor) -> Language:
    return "es" if actor.language == "es" else "en"


CallerDep = Annotated[Caller, Depends(caller)]


def signed_in(who: CallerDep) -> Caller:
    who.signed_in()
    return who


SignedInDep = Annotated[Caller, Depends(signed_in)]


async def submitted_form(request: Request) -> FormData:
    """The posted form (empty for other bodies), read before the database is touched: reading
    waits for the client, and nothing may wait while holding SQLite's write lock. Room for a
    consultation with hundreds of scars; the body size limit bounds it in any case."""
    return await request.form(max_fields=MAX_FORM_FIELDS)


FormDep = Annotated[FormData, Depends(submitted_form)]


def _verify_csrf(request: Request, form: FormData, who: Caller) -> Caller:
    """Unsafe requests from a browser must carry the session's CSRF token (form or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or getattr(request.state, "bearer", False):
        return who
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, who.csrf_token):
        raise CsrfFailed(N_("This form has expired or did not come from dorsum. Reload the page."))
    return who


def check_csrf(request: Request, form: FormDep, who: CallerDep) -> Caller:
    """For forms anyone may send (sign-in, the public self-check)."""
    return _verify_csrf(request, form, who)


CsrfDep = Annotated[Caller, Depends(check_csrf)]


def csrf_signed_in(request: Request, form: FormDep, who: SignedInDep) -> Caller:
    """The form first (read before any lock), then signed in (401), then the CSRF token (403)."""
    return _verify_csrf(request, form, who)


WriteDep = Annotated[Caller, Depends(csrf_signed_in)]
