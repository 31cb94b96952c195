"""FastAPI dependencies: the knowledge base and the clock the application was created with,
one database transaction per request, the caller (cookie session or bearer token), the
language, and CSRF checks on every form.

The knowledge base and the clock live on `app.state` (set by `create_app`), never in a module
global, so a test hands the application its own index or a `FixedClock`. "Today" is always the
clinic's: the clock's instant seen in the `timezone` setting.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Protocol

from babel import Locale, negotiate_locale
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from dorsum.core.cache import AssessmentCache
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_, Language
from dorsum.media.images import Limits
from dorsum.media.settings import limits_from_settings
from dorsum.media.store import PhotoStore
from dorsum.services import auth
from dorsum.services.actors import Actor
from dorsum.web.context import Caller, clinic_day
from dorsum.web.errors import CsrfFailed, SignInRequired

SESSION_COOKIE = "dorsum_session"
MAX_FORM_FIELDS = 10_000
ANONYMOUS_CSRF_COOKIE = "dorsum_csrf"


class Clock(Protocol):
    """Where the application reads the time."""

    def now(self) -> datetime:
        """The current instant, time-zone aware, in UTC."""
        ...


class SystemClock:
    """The server's clock: what production runs on."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant, for tests (`create_app(clock=FixedClock(...))`)."""

    instant: datetime

    def __post_init__(self) -> None:
        if self.instant.tzinfo is None:
            raise ValueError("a FixedClock needs an aware instant, e.g. tzinfo=UTC")

    def now(self) -> datetime:
        return self.instant.astimezone(UTC)


# Plain functions as well as dependencies: the hot path (`POST /api/assess`) calls them
# directly, without FastAPI's parameter machinery (see dorsum.web.hot_path).
def knowledge_of(request: Request) -> KnowledgeIndex:
    """The knowledge base the application was created with."""
    index: KnowledgeIndex = request.app.state.index
    return index


def cache_of(request: Request) -> AssessmentCache:
    """The application's memos of assessments (owned here, never by the core)."""
    cache: AssessmentCache = request.app.state.cache
    return cache


def clock_of(request: Request) -> Clock:
    """The application's clock."""
    clock: Clock = request.app.state.clock
    return clock


def clinic_today(request: Request) -> date:
    """Today in the clinic's time zone (the `timezone` setting), by the application's clock."""
    return clinic_day(clock_of(request).now(), request.app.state.settings.zone)


# async: reading app.state never blocks, so these run on the event loop, not in a thread
async def _knowledge(request: Request) -> KnowledgeIndex:
    return knowledge_of(request)


async def _today(request: Request) -> date:
    return clinic_today(request)


async def _photo_store(request: Request) -> PhotoStore:
    store: PhotoStore = request.app.state.photos
    return store


async def _photo_limits(request: Request) -> Limits:
    return limits_from_settings(request.app.state.settings)


KnowledgeDep = Annotated[KnowledgeIndex, Depends(_knowledge)]
PhotoStoreDep = Annotated[PhotoStore, Depends(_photo_store)]
PhotoLimitsDep = Annotated[Limits, Depends(_photo_limits)]
TodayDep = Annotated[date, Depends(_today)]


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
    who = identify(request, db, now=clock_of(request).now())
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


async def submitted_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form (empty for other bodies), read before the database is touched: reading
    waits for the client, and nothing may wait while holding SQLite's write lock. Room for a
    consultation with hundreds of scars; the body size limit bounds it in any case. Uploaded
    files (photos, a logo) are closed when the request is done, whatever happened."""
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    try:
        yield form
    finally:
        await form.close()


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
