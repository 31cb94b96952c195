"""The report a patient takes home: HTML, and PDF made from it with WeasyPrint.

The template holds the layout and the headings (gettext `_()` calls, extracted by Babel); this
module gathers the plan's facts, already worded in the reader's language, for it to lay out.
"""

from __future__ import annotations

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


def report_html(plan: Plan, *, index: KnowledgeIndex, localizer: Localizer) -> str:
    """The patient report as a complete HTML document."""
    env = environment()
    template = env.get_template("patient_report.html.j2")
    return template.render(
        _=localizer.gettext,
        ngettext=localizer.ngettext,
        **report_context(plan, index=index, localizer=localizer),
    )


def report_pdf(plan: Plan, *, index: KnowledgeIndex, localizer: Localizer) -> bytes:
    """The patient report as a PDF (WeasyPrint), A4."""
    from weasyprint import HTML

    document = HTML(string=report_html(plan, index=index, localizer=localizer))
    pdf: bytes = document.write_pdf()
    return pdf


def render(
    plan: Plan, *, index: KnowledgeIndex, language: Language = "en", pdf: bool = False
) -> str | bytes:
    """HTML (text) or PDF (bytes) in one language."""
    localizer = Localizer(language)
    if pdf:
        return report_pdf(plan, index=index, localizer=localizer)
    return report_html(plan, index=index, localizer=localizer)


def report_context(plan: Plan, *, index: KnowledgeIndex, localizer: Localizer) -> dict[str, Any]:
    """Everything the template shows, worded in the localizer's language."""
    loc = localizer
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
        "timeline": Markup(gantt_svg(plan, loc)),  # built from escaped parts
        "events": _events(plan, index, loc),
        "target": _target(plan, index, loc),
        "warnings": [wording.note_text(w, index, loc) for w in plan.warnings],
        "advice": [wording.advice_text(a, index, loc) for a in assessment.advice],
        "call_clinic": _call_clinic(plan, index, loc),
        "sources": _sources(plan, index),
        "kb_version": plan.knowledge_base_version,
    }


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
