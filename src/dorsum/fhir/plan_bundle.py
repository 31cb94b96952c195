"""The plan as a FHIR R4 CarePlan with dated activities: one more renderer of `Plan`.

The Bundle carries the plan's assessment (as `assessment_bundle` writes it), a Goal for the
patient's date when there is one, and the CarePlan: each treatment an activity over its course
(a period), each session a dated activity, each window (a topical course, downtime, sun
avoidance) a period, each review a dated activity. Nothing is rescheduled here; the sentences
are the wording module's, in the localizer's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan, PlanItem, Review, Session
from dorsum.fhir.assessment_bundle import add_assessment
from dorsum.fhir.citations import citation_extensions
from dorsum.fhir.entries import BundleBuilder, concept, digest, local_coding, slug
from dorsum.i18n import N_, Localizer
from dorsum.reports import wording
from dorsum.reports.worded import worded, wording_for

WINDOW_WORDS = {  # the timeline legend's words, so they are translated already
    "course": N_("Course"),
    "downtime": N_("Recovery"),
    "sun_avoidance": N_("Avoid the sun"),
}


def plan_bundle(
    plan: Plan, *, index: KnowledgeIndex, localizer: Localizer, patient_id: str = "patient"
) -> dict[str, Any]:
    """The plan as a collection Bundle: its assessment, its Goal and its CarePlan.

    The assessment's texts are worded again in the localizer's language (its decisions are
    the plan's own), so the whole bundle speaks one language.
    """
    builder = BundleBuilder(digest(plan.model_dump_json() + patient_id + localizer.language))
    assessment = worded(plan.assessment, wording_for(index, localizer.language))
    add_assessment(builder, assessment, index=index, patient_id=patient_id, words=localizer)
    subject = {"reference": f"Patient/{patient_id}"}
    goal = _goal(builder, plan, index, subject, localizer)
    care_plan = _care_plan(
        plan, index=index, loc=localizer, subject=subject, builder=builder, goal=goal
    )
    builder.add(care_plan)
    return builder.bundle(f"plan-{builder.key[:16]}")


def _period(start: date, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def _goal(
    builder: BundleBuilder,
    plan: Plan,
    index: KnowledgeIndex,
    subject: dict[str, str],
    loc: Localizer,
) -> dict[str, str] | None:
    """The patient's date as a Goal, with what the plan says about meeting it."""
    target = plan.target
    if target is None:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": "target-date",
        "lifecycleStatus": "proposed",
        "description": concept(
            loc.gettext(
                "Results should be visible and the skin recovered by %(finish)s.",
                finish=loc.date(target.date),
            )
        ),
        "subject": subject,
        "startDate": plan.start.isoformat(),
        "target": [{"dueDate": target.date.isoformat()}],
    }
    lines = wording.target_lines(plan, index, loc)
    if lines:
        resource["note"] = [{"text": line} for line in lines]
    return builder.add(resource)


def _care_plan(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    loc: Localizer,
    subject: dict[str, str],
    builder: BundleBuilder,
    goal: dict[str, str] | None,
) -> dict[str, Any]:
    """The CarePlan: the plan's period, what it addresses, and every dated activity."""
    activities = [
        a
        for position, item in enumerate(plan.items)
        for a in _item_activities(plan, position, index, loc, builder)
    ]
    notes = [wording.note_text(n, index, loc) for n in plan.warnings]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": "plan",
        "status": "active",
        "intent": "plan",
        "title": loc.gettext("Treatment plan"),
        "subject": subject,
        "period": _period(plan.start, _last_day(plan.finish, activities)),
        "created": plan.assessment.assessed_on.isoformat(),
        "addresses": [
            builder.ref("Condition", f"condition-{slug(c)}")
            for c in dict.fromkeys(item.condition for item in plan.items)
        ],
    }
    if goal is not None:
        resource["goal"] = [goal]
    if activities:
        resource["activity"] = activities
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    if plan.knowledge_base_version:
        resource["instantiatesUri"] = [
            f"https://dorsum.dev/fhir/knowledge-base/{plan.knowledge_base_version}"
        ]
    if not resource["addresses"]:
        del resource["addresses"]
    return resource


def _last_day(finish: date | None, activities: list[dict[str, Any]]) -> date | None:
    """The plan's end: its finish, or its last activity when that is later (None: open)."""
    if finish is None:
        return None
    ends = [a["detail"]["scheduledPeriod"].get("end") for a in activities]
    return max([finish, *(date.fromisoformat(end) for end in ends if end)])


def _item_activities(
    plan: Plan, position: int, index: KnowledgeIndex, loc: Localizer, builder: BundleBuilder
) -> list[dict[str, Any]]:
    """The item's course as one activity, then its sessions, windows and reviews, dated."""
    item = plan.items[position]
    name = wording.name(item.treatment, index, loc)
    treatment = local_coding("treatment", item.treatment, name)
    reason = [builder.ref("Condition", f"condition-{slug(item.condition)}")]
    course: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": concept(name, treatment),
        "reasonReference": reason,
        "status": "on-hold" if item.deferred_until else "not-started",
        "scheduledPeriod": _period(item.start, item.end),
        "description": f"{loc.kb(item.rationale)} {wording.schedule_line(item, loc)}".strip(),
    }
    if item.deferred_until is not None:  # on hold until it starts, which may be later
        until = max(item.deferred_until, item.start)
        course["statusReason"] = concept(loc.gettext("Until %(date)s.", date=loc.date(until)))
    if item.sources:
        course["extension"] = citation_extensions(item.sources, index)
    details = [course]
    details += [
        _dated(
            s.date,
            s.date,
            wording.session_text(s, index, loc),
            treatment=treatment,
            reason=reason,
            kind="session",
        )
        for s in plan.sessions
        if _same(s, item)
    ]
    details += [
        _dated(
            w.start,
            w.end,
            loc.gettext(WINDOW_WORDS[w.kind]),
            treatment=treatment,
            reason=reason,
            kind=w.kind,
        )
        for w in plan.windows
        if _owner(plan, w.treatment, _window_days(plan, w.start)) == position
    ]
    details += [
        _dated(
            r.date,
            r.date,
            wording.review_text(r, index, loc),
            treatment=treatment,
            reason=reason,
            kind=r.code,
        )
        for r in plan.reviews
        if _owner(plan, r.treatment, _review_days(r)) == position
    ]
    activities: list[dict[str, Any]] = [{"detail": d} for d in details]
    for note in item.notes:
        activities[0].setdefault("progress", []).append(
            {"text": wording.note_text(note, index, loc)}
        )
    return activities


def _same(session: Session, item: PlanItem) -> bool:
    return session.treatment == item.treatment and session.condition == item.condition


def _owner(plan: Plan, treatment: str, days: Callable[[PlanItem], bool]) -> int | None:
    """The one item a window or review belongs to, when a treatment serves two conditions.

    Windows and reviews name only the treatment: the item whose dates they follow owns them
    (`days`), else the first item of that treatment, so none is written twice.
    """
    same = [at for at, item in enumerate(plan.items) if item.treatment == treatment]
    matching = [at for at in same if days(plan.items[at])]
    found = matching or same
    return found[0] if found else None


def _window_days(plan: Plan, start: date) -> Callable[[PlanItem], bool]:
    """A window starts with its item's course or on one of its sessions."""

    def owns(item: PlanItem) -> bool:
        return item.start == start or any(_same(s, item) and s.date == start for s in plan.sessions)

    return owns


def _review_days(review: Review) -> Callable[[PlanItem], bool]:
    """A review judges its item's result, or follows its item's course or last session."""

    def owns(item: PlanItem) -> bool:
        if review.code == "judge_result":
            return item.results_visible == review.date
        if review.code == "course_review":
            return item.start < review.date <= (item.end or review.date)
        return item.end is not None and item.end <= review.date

    return owns


def _dated(
    start: date,
    end: date,
    text: str,
    *,
    treatment: dict[str, str],
    reason: list[dict[str, str]],
    kind: str,
) -> dict[str, Any]:
    """One dated activity detail: a session, a window or a review."""
    return {
        "code": concept(text, treatment, local_coding("plan-activity", kind)),
        "reasonReference": reason,
        "status": "scheduled" if kind == "session" else "not-started",
        "scheduledPeriod": _period(start, end),
        "description": text,
    }
