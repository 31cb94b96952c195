"""Plan pages: the timeline, and the patient report to download (HTML, PDF, calendar, JSON)
in English or Spanish."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from dorsum.i18n import Localizer
from dorsum.reports import ics, patient
from dorsum.reports.gantt import gantt_svg
from dorsum.services import patients, plans
from dorsum.web.deps import KnowledgeDep, SignedInDep
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
Lang = Annotated[Literal["en", "es"] | None, Query()]


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
    )


@router.get("/plans/{plan_id}/report.{kind}")
def plan_download(
    who: SignedInDep,
    index: KnowledgeDep,
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
        body = patient.report_html(record.plan, index=index, localizer=localizer)
        return Response(body, media_type="text/html; charset=utf-8")
    if kind == "pdf":
        data = patient.report_pdf(record.plan, index=index, localizer=localizer)
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    if kind == "ics":
        data = ics.plan_ics(record.plan, index=index, localizer=localizer)
        return Response(
            data,
            media_type="text/calendar",
            headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
        )
    return Response(record.plan.model_dump_json(indent=2), media_type="application/json")
