"""Pages anyone can open: sign-in, patient education from the knowledge base, and the
self-check questionnaire. The self-check stores nothing unless the person asks to be contacted
and consents."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.routing import Match

from dorsum.i18n import N_, Language
from dorsum.services import appointments, auth, users
from dorsum.services.errors import InvalidInput, LoginFailed, NotFound, RateLimited
from dorsum.services.selfcheck import SelfCheckAnswers, self_check
from dorsum.web.addresses import client_address
from dorsum.web.deps import SESSION_COOKIE, CallerDep, CsrfDep, FormDep, KnowledgeDep
from dorsum.web.problems import Problem, of_model
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: CallerDep) -> Response:
    if who.actor is not None:
        target = "/patients" if who.actor.role != "reception" else "/appointments"
        return RedirectResponse(target, status_code=303)
    return render(request, who, "home.html.j2")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers that ask for the old name get the icon the pages link to."""
    return RedirectResponse("/static/img/favicon.svg", status_code=301)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, who: CallerDep, next: str = "/") -> Response:
    return render(request, who, "login.html.j2", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: FormDep, who: CsrfDep) -> Response:
    """Sign in. The attempt is counted (and committed) before the password is checked, so
    simultaneous guesses cannot slip past the limit (see `dorsum.services.auth`)."""
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")[:200]
    target = _safe_next(str(form.get("next") or "/")[:500])
    settings = request.app.state.settings
    address = client_address(request, settings.proxies)

    def attempt() -> auth.SignedIn:
        auth.count_attempt(who.db, email=email, address=address, settings=settings, now=who.now)
        who.db.commit()  # the attempt counts, whatever happens next
        found = auth.credentials(who.db, email=email)
        who.db.commit()  # no transaction (no SQLite lock) while the password is hashed
        return auth.sign_in(
            who.db,
            found=found,
            password=password,
            email=email,
            address=address,
            settings=settings,
            now=who.now,
        )

    try:
        signed = attempt()
    except (LoginFailed, RateLimited) as error:
        who.db.rollback()
        status = 429 if isinstance(error, RateLimited) else 401
        return render(
            request, who, "login.html.j2", status=status, next=target, error=str(error), email=email
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, who: CsrfDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.sign_out(who.db, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def set_language(
    request: Request,
    who: CsrfDep,
    language: Annotated[Language, Form()] = "en",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Signed in: saved for the user. Otherwise the public pages follow ?lang=. Back to the
    page the switch was made on (`next`, which a page shown after a form sets to the form's
    own page), never to the address a form was posted to."""
    back = urlsplit(_safe_next(next or request.headers.get("referer", "/")))
    back = back._replace(path=_page_to_show(request, back.path))
    if who.actor is not None:
        users.set_language(who.db, actor=who.actor, language=language)
        return RedirectResponse(urlunsplit(back), status_code=303)
    query = [(k, v) for k, v in parse_qsl(back.query) if k != "lang"] + [("lang", language)]
    return RedirectResponse(urlunsplit(back._replace(query=urlencode(query))), status_code=303)


def _page_to_show(request: Request, path: str) -> str:
    """`path` if it can be opened, else the nearest page above it (a form's address, such as
    /consultations/7/plans, leads back to /consultations/7)."""
    while path not in ("", "/"):
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            return path
        path = path.rsplit("/", 1)[0]
    return "/"


def _safe_next(target: str) -> str:
    """The path and query of `target` on this site, or "/" for anything that could leave it
    (another host, a scheme, backslashes or control characters that browsers reinterpret)."""
    if "\\" in target or any(ord(character) < 32 for character in target):
        return "/"
    parts = urlsplit(target)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return urlunsplit(("", "", parts.path, parts.query, ""))


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request, who: CallerDep, index: KnowledgeDep) -> Response:
    kb = index.kb
    return render(
        request, who, "learn_index.html.j2", conditions=kb.conditions, treatments=kb.treatments
    )


@router.get("/learn/conditions/{condition_id}", response_class=HTMLResponse)
def learn_condition(
    request: Request, who: CallerDep, index: KnowledgeDep, condition_id: str
) -> Response:
    condition = index.conditions.get(condition_id)
    if condition is None:
        raise NotFound(N_("There is no such condition."))
    treatments = [
        t for t in index.kb.treatments if any(i.condition == condition_id for i in t.indications)
    ]
    return render(
        request,
        who,
        "learn_condition.html.j2",
        condition=condition,
        treatments=treatments,
        sources=index.sources,
    )


@router.get("/learn/treatments/{treatment_id}", response_class=HTMLResponse)
def learn_treatment(
    request: Request, who: CallerDep, index: KnowledgeDep, treatment_id: str
) -> Response:
    treatment = index.treatments.get(treatment_id)
    if treatment is None:
        raise NotFound(N_("There is no such treatment."))
    return render(
        request,
        who,
        "learn_treatment.html.j2",
        treatment=treatment,
        conditions=index.conditions,
        sources=index.sources,
    )


@router.get("/self-check", response_class=HTMLResponse)
def self_check_page(request: Request, who: CallerDep) -> Response:
    return render(request, who, "selfcheck.html.j2", answers=None, values={}, errors={})


@router.post("/self-check", response_class=HTMLResponse)
def self_check_result(
    request: Request, form: FormDep, who: CsrfDep, index: KnowledgeDep
) -> Response:
    raw: dict[str, object] = {key: value for key, value in form.items() if key != "csrf_token"}
    for flag in (
        "pregnant",
        "blackheads",
        "lumps",
        "worse_fast_with_fever",
        "itchy_uniform",
        "fat_fold",
        "raised_scar",
        "mole_changed",
    ):
        raw[flag] = flag in form
    try:
        answers = SelfCheckAnswers.model_validate(raw)
    except ValidationError as error:
        return render(
            request,
            who,
            "selfcheck.html.j2",
            status=422,
            answers=raw,
            values=raw,
            errors=of_model(error.errors()),
        )
    assessment = self_check(answers, index=index, today=who.today, language=who.language)
    return render(
        request,
        who,
        "selfcheck_result.html.j2",
        assessment=assessment,
        index=index,
        booked=False,
        booking_error=None,
    )


@router.post("/self-check/book", response_class=HTMLResponse)
def book_from_self_check(request: Request, form: FormDep, who: CsrfDep) -> Response:
    """Stores a booking request only when the consent box is ticked; a refusal shows the form
    again with what was typed."""
    values = {name: str(form.get(name) or "") for name in ("name", "contact", "message", "urgency")}
    consent = str(form.get("consent") or "").lower() in ("true", "on", "1")
    errors: dict[str, Problem] = {}
    try:
        data = appointments.BookingCreate.model_validate(
            {**values, "urgency": values["urgency"] or "none", "consent": consent}
        )
        appointments.request_booking(
            who.db, clinic_slug=request.app.state.settings.public_clinic, data=data, now=who.now
        )
    except ValidationError as invalid:
        errors = of_model(invalid.errors())
    except (InvalidInput, NotFound) as refused:
        field = getattr(refused, "field", None) or "form"
        errors = {field: Problem(field, str(refused))}
    if errors:
        who.db.rollback()
    return render(
        request,
        who,
        "booking_done.html.j2",
        status=422 if errors else 200,
        errors=errors,
        values={**values, "consent": consent},
    )
