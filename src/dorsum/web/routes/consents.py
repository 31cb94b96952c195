"""Consent pages: collecting a consent with a signature drawn on screen, reading it back,
its PDF form, and withdrawing it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.i18n import Language, Localizer
from dorsum.reports.consent_form import SignedConsent, consent_pdf
from dorsum.services import consent_texts, consents, consultations, patients, report_branding
from dorsum.services.consent_purposes import LABELS, PURPOSES, Purpose
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
FIELDS = ("purpose", "plan_id", "language", "signed_by", "signature", "witness_id", "shown_text")
HIDDEN_FIELDS = ("purpose", "language", "shown_text")
PRIVATE = {"Cache-Control": "private, no-store"}


def _form_page(
    request: Request,
    who: Caller,
    patient_id: int,
    values: dict[str, Any],
    errors: dict[str, Problem] | None = None,
) -> Response:
    actor = who.signed_in()
    actor.require_clinical()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    purpose: Purpose = next((p for p in PURPOSES if p == values.get("purpose")), "photos_clinical")
    language: Language = "es" if values.get("language") == "es" else "en"
    text = consent_texts.current_text(
        who.db, clinic_id=actor.clinic_id, purpose=purpose, language=language
    )
    visits = consultations.list_consultations(who.db, actor=actor, patient_id=patient.id)
    plans = [(plan_id, visit.visit_date) for visit in visits for plan_id in visit.plan_ids]
    return render(
        request,
        who,
        "consent_new.html.j2",
        status=422 if errors else 200,
        patient=patient,
        values={**values, "purpose": purpose, "language": language},
        text=text,
        plans=plans,
        purposes=PURPOSES,
        labels=LABELS,
        witnesses=consents.witnesses(who.db, actor=actor),
        errors=errors or {},
    )


@router.get("/patients/{patient_id}/consents/new", response_class=HTMLResponse)
def new_consent(
    request: Request,
    who: SignedInDep,
    patient_id: RecordId,
    purpose: Annotated[str | None, Query(max_length=20)] = None,
    plan_id: Annotated[int | None, Query(ge=1)] = None,
    language: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    actor = who.signed_in()
    preferred = patients.preferred_language(who.db, actor=actor, patient_id=patient_id)
    person = patients.patient_row(who.db, actor=actor, patient_id=patient_id)
    values = {
        "purpose": purpose,
        "plan_id": str(plan_id or ""),
        "language": language or preferred,
        "signed_by": person.name,
        "witness_id": str(actor.user_id),
    }
    return _form_page(request, who, patient_id, values)


@router.post("/patients/{patient_id}/consents", response_class=HTMLResponse)
def record(request: Request, form: FormDep, who: WriteDep, patient_id: RecordId) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    values["language"] = values["language"] or "en"
    try:
        data = consents.ConsentInput.model_validate(
            {name: value or None for name, value in values.items() if name != "signature"}
            | {"signature": values["signature"], "signed_by": values["signed_by"]}
        )
        done = consents.record_consent(
            who.db, actor=who.signed_in(), patient_id=patient_id, data=data, now=who.now
        )
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        if isinstance(error, InvalidInput) and error.message == consents.TEXT_CHANGED:
            values["signature"] = ""  # signed for the old text: the new one is signed afresh
        problems = refusal(error)
        for hidden in HIDDEN_FIELDS:  # not on the page: said at the top of the form
            if hidden in problems:
                problems.setdefault("form", problems.pop(hidden))
        return _form_page(request, who, patient_id, values, problems)
    return RedirectResponse(f"/consents/{done.id}?recorded=1", status_code=303)


@router.get("/consents/{consent_id}", response_class=HTMLResponse)
def consent_page(request: Request, who: SignedInDep, consent_id: RecordId) -> Response:
    actor = who.signed_in()
    consent = consents.get_consent(who.db, actor=actor, consent_id=consent_id)
    patient = patients.get_patient(who.db, actor=actor, patient_id=consent.patient_id)
    return render(request, who, "consent.html.j2", consent=consent, patient=patient, labels=LABELS)


@router.get("/consents/{consent_id}/signature.png")
def signature(who: SignedInDep, consent_id: RecordId) -> Response:
    data = consents.signature_of(who.db, actor=who.signed_in(), consent_id=consent_id)
    return Response(data, media_type="image/png", headers=PRIVATE)


@router.get("/consents/{consent_id}/form.pdf")
def consent_form(who: SignedInDep, consent_id: RecordId) -> Response:
    actor = who.signed_in()
    consent = consents.get_consent(who.db, actor=actor, consent_id=consent_id)
    letterhead = report_branding.clinic_letterhead(
        who.db, actor=actor, patient_id=consent.patient_id
    )
    localizer = Localizer("es" if consent.language == "es" else "en")
    signed = SignedConsent(
        purpose_label=localizer.gettext(LABELS[consent.purpose]),
        title=consent.title,
        text=consent.text_shown,
        version=consent.version,
        signed_by=consent.signed_by,
        signed_at=consent.signed_at,
        signature_png=consents.signature_of(who.db, actor=actor, consent_id=consent_id),
        witness_name=consent.witness_name,
        withdrawn_at=consent.withdrawn_at,
        withdrawal_note=consent.withdrawal_note,
    )
    pdf = consent_pdf(signed, letterhead=letterhead, localizer=localizer, zone=who.zone)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="dorsum-consent-{consent_id}.pdf"',
        },
    )


@router.post("/consents/{consent_id}/withdraw", response_class=HTMLResponse)
def withdraw(form: FormDep, who: WriteDep, consent_id: RecordId) -> Response:
    note = str(form.get("note") or "")
    consents.withdraw_consent(
        who.db, actor=who.signed_in(), consent_id=consent_id, now=who.now, note=note
    )
    return RedirectResponse(f"/consents/{consent_id}?withdrawn=1", status_code=303)
