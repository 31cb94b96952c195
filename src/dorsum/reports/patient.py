"""The report a patient takes home: HTML, and PDF made from it with WeasyPrint.

The template holds the layout and the headings (gettext `_()` calls, extracted by Babel); this
module gathers the plan's facts, already worded in the reader's language, for it to lay out.
A clinic's letterhead and the patient's before photos make the report the clinic's own; images
are embedded in the document (data: URIs in HTML, served from memory to WeasyPrint), never read
from disk or the network.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.i18n import Language, Localizer
from dorsum.reports import wording
from dorsum.reports.gantt import gantt_svg
from dorsum.reports.letterhead import JPEG, Letterhead, ReportPhoto
from dorsum.reports.pdf_timeline import pdf_chart

TEMPLATE = "patient_report.html.j2"
STYLESHEET = "patient_report.css"
# Puts bytes into the document and gives back the address to refer to them by.
Embed = Callable[[bytes, str], str]


@dataclass
class Event:
    day: date
    text: str
    kind: str  # session | review | result | target


@dataclass
class TreatmentSection:
    name: str
    condition: str
    rationale: str
    schedule: str
    physician: bool
    notes: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    aftercare: list[str] = field(default_factory=list)
    call_clinic: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("dorsum.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )


def report_html(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    localizer: Localizer,
    letterhead: Letterhead | None = None,
    photos: Sequence[ReportPhoto] = (),
) -> str:
    """The patient report as a complete HTML document, its styles and images inside it."""
    context = report_context(
        plan, index=index, localizer=localizer, letterhead=letterhead, photos=photos
    )
    return _render_template(localizer, context, inline_style=True)


def report_pdf(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    localizer: Localizer,
    letterhead: Letterhead | None = None,
    photos: Sequence[ReportPhoto] = (),
) -> bytes:
    """The patient report as a PDF (WeasyPrint), A4.

    Same template as the HTML, but the stylesheet is the cached, pre-parsed one of
    `dorsum.reports.pdf`, images are served from memory rather than inlined as base64, and the
    timeline's words are HTML text over its drawing (see `dorsum.reports.pdf_timeline`).
    """
    from dorsum.reports import pdf

    served: dict[str, pdf.Resource] = {}

    def embed(data: bytes, media_type: str) -> str:
        address = f"{pdf.SCHEME}:image-{len(served)}"
        served[address] = pdf.Resource(data, media_type)
        return address

    chart = pdf_chart(plan, localizer)
    context = _context(
        plan,
        index=index,
        loc=localizer,
        letterhead=letterhead,
        photos=photos,
        embed=embed,
        timeline="",
    )
    # As an image the drawing is parsed as XML, not as HTML, and its few hundred shapes skip
    # the HTML cascade and box building: a large part of the report's cost when inline.
    context["chart"] = chart
    context["timeline_src"] = embed(chart.svg.encode("utf-8"), pdf.SVG)
    html = _render_template(localizer, context, inline_style=False)
    return pdf.write_pdf(html, stylesheet=STYLESHEET, served=served)


def render(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    language: Language = "en",
    pdf: bool = False,
    letterhead: Letterhead | None = None,
    photos: Sequence[ReportPhoto] = (),
) -> str | bytes:
    """HTML (text) or PDF (bytes) in one language."""
    localizer = Localizer(language)
    if pdf:
        return report_pdf(
            plan, index=index, localizer=localizer, letterhead=letterhead, photos=photos
        )
    return report_html(plan, index=index, localizer=localizer, letterhead=letterhead, photos=photos)


def report_context(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    localizer: Localizer,
    letterhead: Letterhead | None = None,
    photos: Sequence[ReportPhoto] = (),
) -> dict[str, Any]:
    """Everything the template shows, worded in the localizer's language (images as data:
    URIs, so the HTML stands alone)."""
    return _context(
        plan,
        index=index,
        loc=localizer,
        letterhead=letterhead,
        photos=photos,
        embed=data_uri,
        timeline=gantt_svg(plan, localizer),
    )


def data_uri(data: bytes, media_type: str) -> str:
    """`data` as a data: URI (base64), to embed an image in an HTML document."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _render_template(localizer: Localizer, context: dict[str, Any], *, inline_style: bool) -> str:
    """The HTML carries its stylesheet inline; the PDF leaves it out, as WeasyPrint is given the
    stylesheet already parsed (parsing it again on every report was part of the cost)."""
    template = environment().get_template(TEMPLATE)
    return template.render(
        _=localizer.gettext,
        ngettext=localizer.ngettext,
        inline_style=inline_style,
        **context,
    )


def _context(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    loc: Localizer,
    letterhead: Letterhead | None,
    photos: Sequence[ReportPhoto],
    embed: Embed,
    timeline: str,
) -> dict[str, Any]:
    """What the template shows; `embed` says how images get in, `timeline` is the chart."""
    assessment = plan.assessment
    findings = [
        {
            "name": loc.kb(index.conditions[c.id].name),
            "severity": wording.severity_word(c.severity, loc),
            "summary": loc.kb(index.conditions[c.id].summary),
        }
        for c in assessment.conditions
    ]
    return {
        "lang": loc.language,
        "prepared": loc.date(assessment.assessed_on),
        "start": loc.date(plan.start),
        "findings": findings,
        "referral": [wording.referral_text(r, index, loc) for r in assessment.referral.reasons],
        "referral_urgency": assessment.referral.urgency,
        "treatments": [_treatment(item, plan, index, loc) for item in plan.items],
        "timeline": Markup(timeline),  # built from escaped parts
        "timeline_src": "",
        "chart": None,
        "events": _events(plan, index, loc),
        "target": _target(plan, index, loc),
        "warnings": [wording.note_text(w, index, loc) for w in plan.warnings],
        "advice": [wording.advice_text(a, index, loc) for a in assessment.advice],
        "call_clinic": _call_clinic(plan, index, loc),
        "sources": _sources(plan, index),
        "kb_version": plan.knowledge_base_version,
        **_branding(letterhead, photos, loc, embed),
    }


def _branding(
    letterhead: Letterhead | None, photos: Sequence[ReportPhoto], loc: Localizer, embed: Embed
) -> dict[str, Any]:
    """The letterhead, who the report is for and by, and the before photos (all optional)."""
    logo = ""
    if letterhead is not None and letterhead.logo:
        logo = embed(letterhead.logo, letterhead.logo_type)
    return {
        "letterhead": letterhead,
        "logo": logo,
        "prepared_for": _prepared_for(letterhead, loc),
        "clinic_phone": letterhead.phone if letterhead is not None else "",
        "photos": [
            {
                "src": embed(photo.jpeg, JPEG),
                "zone": photo.zone,
                "date": loc.date(photo.taken_on, "medium"),
            }
            for photo in photos
        ],
    }


def _prepared_for(letterhead: Letterhead | None, loc: Localizer) -> str:
    """The line "Prepared for <patient> by <practitioner>", naming only who is known."""
    if letterhead is None:
        return ""
    patient, practitioner = letterhead.patient_name, letterhead.practitioner_name
    if patient and practitioner:
        return loc.gettext(
            "Prepared for %(patient)s by %(practitioner)s",
            patient=patient,
            practitioner=practitioner,
        )
    if patient:
        return loc.gettext("Prepared for %(patient)s", patient=patient)
    if practitioner:
        return loc.gettext("Prepared by %(practitioner)s", practitioner=practitioner)
    return ""


def _treatment(item: Any, plan: Plan, index: KnowledgeIndex, loc: Localizer) -> TreatmentSection:
    treatment = index.treatments[item.treatment]
    cautions = plan.assessment.cautions_on(item.treatment, item.condition)
    return TreatmentSection(
        name=loc.kb(treatment.name),
        condition=wording.condition_name(item.condition, index, loc),
        rationale=loc.kb(item.rationale),
        schedule=wording.schedule_line(item, loc),
        physician=treatment.physician_required,
        notes=[wording.note_text(n, index, loc) for n in item.notes],
        cautions=[wording.caution_text(c, index, loc) for c in cautions],
        aftercare=[loc.kb(s.text) for s in treatment.aftercare],
        call_clinic=[loc.kb(s.text) for s in treatment.call_clinic],
    )


def _events(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> list[dict[str, str]]:
    events = [Event(s.date, wording.session_text(s, index, loc), "session") for s in plan.sessions]
    events += [Event(r.date, wording.review_text(r, index, loc), "review") for r in plan.reviews]
    events += [
        Event(
            item.results_visible,
            loc.gettext(
                "%(name)s: results should be visible", name=wording.name(item.treatment, index, loc)
            ),
            "result",
        )
        for item in plan.items
        if item.results_visible is not None
    ]
    if plan.target is not None:
        events.append(Event(plan.target.date, loc.gettext("Your date"), "target"))
    order = {"session": 0, "review": 1, "result": 2, "target": 3}
    events.sort(key=lambda e: (e.day, order[e.kind]))
    return [{"date": loc.date(e.day, "medium"), "text": e.text, "kind": e.kind} for e in events]


def _target(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> dict[str, Any] | None:
    check = plan.target
    if check is None:
        return None
    return {
        "date": loc.date(check.date),
        "met": check.met,
        "finish": loc.date(check.finish) if check.finish else None,
        "lines": wording.target_lines(plan, index, loc),
    }


def _call_clinic(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> list[dict[str, str]]:
    """Each warning sign once, with the treatments it applies to (none: any treatment)."""
    signs: dict[str, list[str]] = {}
    for item in plan.items:
        for statement in index.treatments[item.treatment].call_clinic:
            names = signs.setdefault(loc.kb(statement.text), [])
            treatment = loc.kb(item.name)
            if treatment not in names:
                names.append(treatment)
    for statement in index.kb.general_call_clinic:
        signs.setdefault(loc.kb(statement.text), [])
    return [{"text": text, "for": ", ".join(names)} for text, names in signs.items()]


def _sources(plan: Plan, index: KnowledgeIndex) -> list[dict[str, str]]:
    """The sources behind what the report shows, in order of first use."""
    assessment = plan.assessment
    cited: dict[str, None] = {}
    for condition in assessment.conditions:
        for reading in condition.grading:
            cited.update(dict.fromkeys(reading.sources))
    for reason in assessment.referral.reasons:
        cited.update(dict.fromkeys(reason.sources))
    for item in plan.items:
        for caution in assessment.cautions_on(item.treatment, item.condition):
            cited.update(dict.fromkeys(caution.sources))
    for advice in assessment.advice:
        cited.update(dict.fromkeys(advice.sources))
    for item in plan.items:
        treatment = index.treatments[item.treatment]
        cited.update(dict.fromkeys(item.sources))
        for statement in (*treatment.aftercare, *treatment.call_clinic):
            cited.update(dict.fromkeys(statement.sources))
        for note in item.notes:
            cited.update(dict.fromkeys(note.sources))
    for note in plan.warnings:
        cited.update(dict.fromkeys(note.sources))
    for statement in index.kb.general_call_clinic:
        cited.update(dict.fromkeys(statement.sources))
    return [
        {
            "id": source_id,
            "title": index.sources[source_id].title,
            "url": index.sources[source_id].url or "",
        }
        for source_id in cited
        if source_id in index.sources
    ]
