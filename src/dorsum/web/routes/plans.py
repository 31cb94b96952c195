"""Plan pages: the timeline, and the patient report to download (HTML, PDF, calendar, JSON)
in English or Spanish."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from dorsum.i18n import Localizer
from dorsum.media.store import PhotoStore
from dorsum.reports import ics, patient
from dorsum.reports.gantt import gantt_svg
from dorsum.reports.letterhead import Letterhead, ReportPhoto
from dorsum.reports.wording import zone_names
from dorsum.services import consents, patients, plans, report_branding
from dorsum.web.context import Caller
from dorsum.web.deps import KnowledgeDep, PhotoStoreDep, SignedInDep
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
Lang = Annotated[Literal["en", "es"] | None, Query()]
PRIVATE = {"Cache-Control": "private, no-store"}


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request, who: SignedInDep, index: KnowledgeDep, plan_id: RecordId
) -> Response:
    actor = who.signed_in()
    record = plans.get_plan(who.db, actor=actor, plan_id=plan_id)
    person = patients.get_patient(who.db, actor=actor, patient_id=record.patient_id)
    loc = who.localizer
    return render(
        request,
        who,
        "plan.html.j2",
        record=record,
        plan=record.plan,
        patient=person,
        index=index,
        timeline=Markup(gantt_svg(record.plan, loc)),
        report=patient.report_context(record.plan, index=index, localizer=loc),
        treatment_consent=consents.active_consent(
            who.db,
            clinic_id=actor.clinic_id,
            patient_id=person.id,
            purpose="treatment",
            plan_id=record.id,
        ),
    )


@router.get("/plans/{plan_id}/report.{kind}")
def plan_download(
    who: SignedInDep,
    index: KnowledgeDep,
    store: PhotoStoreDep,
    plan_id: RecordId,
    kind: Literal["html", "pdf", "ics", "json"],
    lang: Lang = None,
) -> Response:
    actor = who.signed_in()
    record = plans.get_plan(who.db, actor=actor, plan_id=plan_id)
    # the patient's own language unless the link asks for another (`?lang=`)
    chosen = lang or patients.preferred_language(who.db, actor=actor, patient_id=record.patient_id)
    localizer = Localizer("es" if chosen == "es" else "en")
    name = f"dorsum-plan-{plan_id}-{localizer.language}"
    if kind == "html":
        letterhead, photos = _branding(who, store, plan_id, localizer)
        body = patient.report_html(
            record.plan, index=index, localizer=localizer, letterhead=letterhead, photos=photos
        )
        return Response(body, media_type="text/html; charset=utf-8", headers=PRIVATE)
    if kind == "pdf":
        letterhead, photos = _branding(who, store, plan_id, localizer)
        data = patient.report_pdf(
            record.plan, index=index, localizer=localizer, letterhead=letterhead, photos=photos
        )
        return Response(
            data,
            media_type="application/pdf",
            headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    if kind == "ics":
        data = ics.plan_ics(record.plan, index=index, localizer=localizer)
        return Response(
            data,
            media_type="text/calendar",
            headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
        )
    return Response(record.plan.model_dump_json(indent=2), media_type="application/json")


def _branding(
    who: Caller, store: PhotoStore, plan_id: int, localizer: Localizer
) -> tuple[Letterhead, list[ReportPhoto]]:
    """The clinic's letterhead and, under photo consent, the treated zones' before photos."""
    actor = who.signed_in()
    letterhead = report_branding.letterhead_for(who.db, actor=actor, plan_id=plan_id)
    photos = report_branding.before_photos(
        who.db, actor=actor, store=store, plan_id=plan_id, zone_label=zone_names(localizer)
    )
    return letterhead, photos
