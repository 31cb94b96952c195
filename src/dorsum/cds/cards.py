"""CDS Hooks cards: renderers of one worded `Assessment`, like the terminal, web and PDF reports.

Nothing is decided here. The assessment already says which conditions, which referral, which
options rank first and which are excluded or deferred (and until when), in the reader's
language; a card only arranges those words (CDS Hooks 2.0, "Card Attributes"). The only mapping
is presentational: a referral's urgency chooses the indicator (same_day: critical, urgent:
warning, otherwise info).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dorsum.core.assessment import Assessment, Exclusion, Reason
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.entries import LOCAL
from dorsum.i18n import N_, Localizer
from dorsum.reports import wording

__all__ = [
    "OVERRIDE_REASONS",
    "OVERRIDE_SYSTEM",
    "TOP_OPTIONS",
    "exclusion_card",
    "indicator_for",
    "summary_card",
    "unchecked_card",
]

SUMMARY_LIMIT = 140  # the specification: "SHOULD be less than 140 characters"
TOP_OPTIONS = 3
INDICATORS = {"same_day": "critical", "urgent": "warning"}
URGENCY_WORDS = {"routine": N_("routine"), "urgent": N_("urgent"), "same_day": N_("same day")}
# dorsum's own code system for why a clinician kept an order dorsum advised against
OVERRIDE_SYSTEM = LOCAL + "cds-override-reason"
OVERRIDE_REASONS = {
    "discussed-with-patient": N_("Discussed with the patient; the order stands"),
    "does-not-apply": N_("The contraindication does not apply to this patient"),
    "specialist-decision": N_("A specialist has decided to go ahead"),
}


def indicator_for(assessment: Assessment) -> str:
    return INDICATORS.get(assessment.referral.urgency, "info")


def summary_card(
    assessment: Assessment, *, index: KnowledgeIndex, loc: Localizer, uuid: str, link: str
) -> dict[str, Any]:
    """The patient-view card: findings, referral and the top options, with their guideline."""
    return {
        "uuid": uuid,
        "summary": _short(_summary(assessment, index, loc)),
        "detail": _detail(assessment, index, loc),
        "indicator": indicator_for(assessment),
        "source": _source(_guidance_first(assessment), assessment, index, loc),
        "links": [{"label": loc.gettext("Open in dorsum"), "url": link, "type": "absolute"}],
    }


def exclusion_card(
    exclusions: Sequence[Exclusion],
    *,
    order: str,
    assessment: Assessment,
    index: KnowledgeIndex,
    loc: Localizer,
    uuid: str,
    suggestion: str,
) -> dict[str, Any]:
    """The order card: every reason this patient should not have the ordered treatment (or not
    yet), whichever condition it was excluded for, and a suggestion that deletes the order."""
    name = wording.name(exclusions[0].treatment, index, loc)
    reasons = _every_reason(exclusions, index, loc)
    until = [r.until for _about, r in reasons if r.until is not None]
    deferred = bool(until) and len(until) == len(reasons)
    if deferred:
        summary = loc.gettext(
            "Not before %(date)s: %(treatment)s", date=loc.date(max(until)), treatment=name
        )
    else:
        summary = loc.gettext("Not advised for this patient: %(treatment)s", treatment=name)
    sources = [s for _about, r in reasons for s in r.sources]
    return {
        "uuid": uuid,
        "summary": _short(summary),
        "detail": "\n".join(f"- {about}{_reason(r.text, r.until, loc)}" for about, r in reasons),
        "indicator": "warning",
        "source": _source(sources, assessment, index, loc),
        "suggestions": [
            {
                "label": loc.gettext("Remove the order for %(treatment)s", treatment=name),
                "uuid": suggestion,
                "isRecommended": True,
                "actions": [
                    {
                        "type": "delete",
                        "description": loc.gettext("Remove %(order)s", order=order),
                        "resourceId": order,
                    }
                ],
            }
        ],
        "selectionBehavior": "at-most-one",
        "overrideReasons": [
            {"system": OVERRIDE_SYSTEM, "code": code, "display": loc.gettext(display)}
            for code, display in OVERRIDE_REASONS.items()
        ],
    }


def unchecked_card(
    treatment: str, *, assessment: Assessment, index: KnowledgeIndex, loc: Localizer, uuid: str
) -> dict[str, Any]:
    """The order card when dorsum did not weigh the ordered treatment at all: with no graded
    back-skin finding it is indicated for, its contraindications were not checked, and the
    clinician must not read silence as "safe"."""
    name = wording.name(treatment, index, loc)
    return {
        "uuid": uuid,
        "summary": _short(loc.gettext("Not checked by dorsum: %(treatment)s", treatment=name)),
        "detail": loc.gettext(
            "dorsum checks an order against the back-skin findings it can grade, and this "
            "patient's record has none that %(treatment)s treats (lesion or scar counts, stretch "
            "marks, fat thickness), so its contraindications and waits were not checked. Record "
            "the findings in dorsum to check it.",
            treatment=name,
        ),
        "indicator": "info",
        "source": _source([], assessment, index, loc),
    }


def _every_reason(
    exclusions: Sequence[Exclusion], index: KnowledgeIndex, loc: Localizer
) -> list[tuple[str, Reason]]:
    """Each distinct reason once, prefixed by its condition when there are several."""
    several = len({e.condition for e in exclusions}) > 1
    seen: set[tuple[str, object]] = set()
    reasons: list[tuple[str, Reason]] = []
    for exclusion in exclusions:
        about = wording.condition_name(exclusion.condition, index, loc) + ": " if several else ""
        for reason in exclusion.reasons:
            if (reason.code, reason.until) not in seen:
                seen.add((reason.code, reason.until))
                reasons.append((about, reason))
    return reasons


def _summary(assessment: Assessment, index: KnowledgeIndex, loc: Localizer) -> str:
    found = ", ".join(
        f"{wording.condition_name(c.id, index, loc)} ({wording.severity_word(c.severity, loc)})"
        for c in assessment.conditions
    )
    text = loc.gettext("Back skin: %(findings)s", findings=found or loc.gettext("nothing found"))
    if assessment.referral.urgency != "none":
        urgency = loc.gettext(URGENCY_WORDS[assessment.referral.urgency])
        text += "; " + loc.gettext("referral: %(urgency)s", urgency=urgency)
    return text


def _detail(assessment: Assessment, index: KnowledgeIndex, loc: Localizer) -> str:
    """Sections in CommonMark: a blank line before each heading, so none joins the list above."""
    lines: list[str] = []
    if assessment.conditions:
        lines.append(_bold(loc.gettext("Findings")))
        for c in assessment.conditions:
            lines.append(
                f"- {wording.condition_name(c.id, index, loc)}: "
                f"{wording.severity_word(c.severity, loc)}"
            )
            lines.extend(f"  - {r.scale}: {r.value}" for r in c.grading)
    if assessment.referral.reasons:
        urgency = loc.gettext(URGENCY_WORDS[assessment.referral.urgency])
        lines.append("\n" + _bold(loc.gettext("Referral")) + f" ({urgency})")
        lines.extend(f"- {r.text}" for r in assessment.referral.reasons)
    top = assessment.recommendations[:TOP_OPTIONS]
    if top:
        lines.append("\n" + _bold(loc.gettext("Top options")))
        lines.extend(
            f"{n}. {wording.name(r.treatment, index, loc)}: {r.rationale}"
            for n, r in enumerate(top, start=1)
        )
    if assessment.excluded:
        lines.append("\n" + _bold(loc.gettext("Not advised now")))
        lines.extend(
            f"- {wording.name(e.treatment, index, loc)} "
            f"({wording.condition_name(e.condition, index, loc)}): "
            + " ".join(_reason(r.text, r.until, loc) for r in e.reasons)
            for e in assessment.excluded
        )
    lines.append(
        "\n"
        + loc.gettext(
            "Knowledge base %(version)s, assessed on %(date)s.",
            version=assessment.knowledge_base_version,
            date=loc.date(assessment.assessed_on),
        )
    )
    return "\n".join(lines)


def _reason(text: str, until: Any, loc: Localizer) -> str:
    if until is None or loc.date(until) in text:
        return text
    return loc.gettext("%(reason)s (until %(date)s)", reason=text, date=loc.date(until))


def _guidance_first(assessment: Assessment) -> list[str]:
    """Cited sources, those behind the advice first: the referral, then the top options, then
    the exclusions, then the rest (the gradings)."""
    first = [s for r in assessment.referral.reasons for s in r.sources]
    first += [s for r in assessment.recommendations[:TOP_OPTIONS] for s in r.sources]
    first += [s for e in assessment.excluded for r in e.reasons for s in r.sources]
    return list(dict.fromkeys(first + assessment.cited_sources()))


def _source(
    cited: list[str], assessment: Assessment, index: KnowledgeIndex, loc: Localizer
) -> dict[str, Any]:
    """The first cited clinical source with a URL: the guideline the card rests on."""
    for source_id in cited:
        source = index.sources.get(source_id)
        if source is not None and source.clinical and source.url:
            return {"label": source.title, "url": source.url}
    return {
        "label": loc.gettext(
            "dorsum knowledge base %(version)s", version=assessment.knowledge_base_version
        )
    }


def _bold(text: str) -> str:
    return f"**{text}**"


def _short(text: str) -> str:
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2].rstrip() + "…"
