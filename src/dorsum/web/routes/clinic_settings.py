"""The clinic's own settings, for admins: its details for the letterhead of patient reports and
consent forms (name, address, phone, logo), and the consent texts, kept in versions. Refused
forms come back with what was typed and each problem next to its field; nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from dorsum.i18n import N_, Language
from dorsum.services import clinic_details, consent_texts
from dorsum.services.consent_purposes import LABELS, Purpose
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, by_field, refusal
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
DETAILS = ("name", "address", "phone")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español"}  # each in its own words
# the logo can change at any moment: a browser may keep it, but asks each time
LOGO_HEADERS = {"Cache-Control": "private, no-cache"}


# ---- the clinic's details -------------------------------------------------------------------


def _details_page(
    request: Request,
    who: Caller,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    actor = who.signed_in()
    actor.require("admin")
    details = clinic_details.clinic_details(who.db, actor=actor)
    return render(
        request,
        who,
        "admin_clinic.html.j2",
        status=422 if errors else 200,
        details=details,
        values=values or details.model_dump(),
        errors=errors or {},
    )


@router.get("/admin/clinic", response_class=HTMLResponse)
def details_page(request: Request, who: SignedInDep) -> Response:
    return _details_page(request, who)


@router.post("/admin/clinic", response_class=HTMLResponse)
def save_details(request: Request, form: FormDep, who: WriteDep) -> Response:
    """The details from a multipart form; a chosen file replaces the logo."""
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in DETAILS}
    values["remove_logo"] = form.get("remove_logo") is not None
    chosen_logo = _file(form, "logo")
    # an upload's body is not scanned for NUL on the way in (web.limits): its words are, here
    if nul := [name for name in DETAILS if "\x00" in values[name]]:
        shown = {**values, **{name: values[name].replace("\x00", "") for name in nul}}
        return _details_page(request, who, values=shown, errors=by_field(_nul(nul)))
    try:
        data = clinic_details.ClinicDetailsInput.model_validate(
            {name: values[name] for name in DETAILS}
        )
        clinic_details.update_details(
            who.db,
            actor=who.signed_in(),
            data=data,
            logo=chosen_logo,
            remove_logo=values["remove_logo"],
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _details_page(request, who, values=values, errors=refusal(error))
    return RedirectResponse("/admin/clinic?saved=1", status_code=303)


@router.get("/admin/clinic/logo")
def logo_file(who: SignedInDep) -> Response:
    """The logo for anyone signed in to the clinic (the patient report shows it)."""
    found = clinic_details.clinic_logo(who.db, actor=who.signed_in())
    if found is None:
        raise HTTPException(status_code=404)  # the usual "There is no such page."
    data, media_type = found
    return Response(data, media_type=media_type, headers=LOGO_HEADERS)


def _nul(fields: list[str]) -> list[Problem]:
    return [Problem(name, N_("This cannot contain a NUL character.")) for name in fields]


def _file(form: FormData, name: str) -> bytes | None:
    """The bytes of a chosen file; None when none was chosen (an empty part). Every file of the
    form is closed here: the form dependency reads them into temporary files, never closed."""
    chosen = form.get(name)
    try:
        return (chosen.file.read() or None) if isinstance(chosen, UploadFile) else None
    finally:
        for _key, value in form.multi_items():
            if isinstance(value, UploadFile):
                value.file.close()


# ---- consent texts --------------------------------------------------------------------------


@router.get("/admin/consent-texts", response_class=HTMLResponse)
def consent_texts_page(request: Request, who: SignedInDep) -> Response:
    actor = who.signed_in()
    actor.require("admin")
    return render(
        request,
        who,
        "admin_consent_texts.html.j2",
        texts=consent_texts.all_current(who.db, actor=actor),
        purpose_labels=LABELS,
        language_names=LANGUAGE_NAMES,
    )


def _text_page(
    request: Request,
    who: Caller,
    purpose: Purpose,
    language: Language,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    actor = who.signed_in()
    actor.require("admin")
    current = consent_texts.current_text(
        who.db, clinic_id=actor.clinic_id, purpose=purpose, language=language
    )
    versions = consent_texts.history(who.db, actor=actor, purpose=purpose, language=language)
    return render(
        request,
        who,
        "admin_consent_text.html.j2",
        status=422 if errors else 200,
        current=current,
        versions=versions,
        purpose_label=LABELS[purpose],
        language_name=LANGUAGE_NAMES[language],
        action=f"/admin/consent-texts/{purpose}/{language}",
        values=values or {"title": current.title, "body": current.body},
        errors=errors or {},
    )


# Purpose and Language are Literal types: any other value in the path is the 404 page
@router.get("/admin/consent-texts/{purpose}/{language}", response_class=HTMLResponse)
def consent_text_page(
    request: Request, who: SignedInDep, purpose: Purpose, language: Language
) -> Response:
    return _text_page(request, who, purpose, language)


@router.post("/admin/consent-texts/{purpose}/{language}", response_class=HTMLResponse)
def save_consent_text(
    request: Request, form: FormDep, who: WriteDep, purpose: Purpose, language: Language
) -> Response:
    """Stores the text as the next version; versions already signed never change."""
    # browsers send a textarea's line breaks as CRLF; the texts keep plain LF
    values = {name: str(form.get(name) or "").replace("\r\n", "\n") for name in ("title", "body")}
    try:
        data = consent_texts.ConsentTextInput.model_validate(
            {"purpose": purpose, "language": language, **values}
        )
        consent_texts.save_text(who.db, actor=who.signed_in(), data=data)
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _text_page(request, who, purpose, language, values=values, errors=refusal(error))
    return RedirectResponse(f"/admin/consent-texts/{purpose}/{language}?saved=1", status_code=303)
