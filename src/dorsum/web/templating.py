"""Rendering pages: one Jinja2 environment, gettext from the caller's language, the CSRF token
in every form, and the anonymous CSRF cookie set when a visitor first sees a form."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from dorsum.i18n import Localizer
from dorsum.reports import wording
from dorsum.web.context import Caller
from dorsum.web.deps import ANONYMOUS_CSRF_COOKIE

SEVERITY_CLASS = {"mild": "ok", "moderate": "warn", "severe": "bad"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dorsum.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["severity_class"] = SEVERITY_CLASS
    env.tests["match_plan"] = lambda name: str(name).startswith("plan_")
    env.tests["match_token"] = lambda name: str(name).startswith("token_")
    return env


def _when(who: Caller, instant: datetime) -> str:
    """An instant as the clinic's local day and time, in the reader's language."""
    local = who.local(instant)
    return f"{who.localizer.date(local.date(), 'medium')} {local:%H:%M}"


def render(
    request: Request, who: Caller, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    loc: Localizer = who.localizer
    index = request.app.state.index
    html = (
        environment()
        .get_template(template)
        .render(
            caution_text=lambda caution: wording.caution_text(caution, index, loc),
            reason_text=lambda reason: wording.reason_text(reason, index, loc),
            referral_text=lambda reason: wording.referral_text(reason, index, loc),
            rationale_text=lambda item: wording.rationale_text(item, index, loc),
            advice_text=lambda advice: wording.advice_text(advice, index, loc),
            reading_words=lambda reading: wording.reading_words(reading, loc),
            _=loc.gettext,
            ngettext=loc.ngettext,
            when=lambda instant: _when(who, instant),
            clock=lambda instant: who.local(instant).strftime("%H:%M"),
            booking_label=lambda b: wording.booking_label(
                b.treatment, b.session_number, b.purpose, index, loc
            ),
            kb=loc.kb,
            date=loc.date,
            loc=loc,
            request=request,
            who=who,
            actor=who.actor,
            csrf_token=who.csrf_token,
            lang=who.language,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    anonymous = getattr(request.state, "anonymous_csrf", None)
    if anonymous and request.cookies.get(ANONYMOUS_CSRF_COOKIE) != anonymous:
        settings = request.app.state.settings
        response.set_cookie(
            ANONYMOUS_CSRF_COOKIE,
            anonymous,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
    return response
