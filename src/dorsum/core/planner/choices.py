"""Which options a plan schedules, checked against the assessment.

A plan is never built around a contraindication. An option the assessment excluded may only be
chosen when every reason is a deferral: a wait that ends on a date (isotretinoin), or "treat
the acne first" (the acne course is then scheduled before it).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from dorsum.core.assessment import Assessment, ConditionId, Exclusion, Recommendation
from dorsum.core.errors import PlanError
from dorsum.core.knowledge.index import KnowledgeIndex


@dataclass(frozen=True)
class Choice:
    """One option to schedule, and why it may have to wait."""

    treatment: str
    condition: ConditionId
    rationale: str
    sources: tuple[str, ...]
    rank: int  # position in the assessment (deferred options come after the recommended)
    deferred_until: date | None = None
    after_acne: bool = False
    deferral_notes: tuple[str, ...] = ()
    deferral_rules: tuple[str, ...] = ()


def choose(
    assessment: Assessment, chosen: list[str] | None, *, index: KnowledgeIndex
) -> list[Choice]:
    """The options to plan: `chosen` treatment ids, or the top recommendation per condition."""
    if not chosen:
        return _defaults(assessment, index)
    choices: list[Choice] = []
    for treatment_id in dict.fromkeys(chosen):
        if treatment_id not in index.treatments:
            close = difflib.get_close_matches(treatment_id, list(index.treatments), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            offered = ", ".join(sorted(assessment.recommended_ids())) or "none"
            raise PlanError(
                f"{treatment_id!r} is not a treatment dorsum knows.{hint} "
                f"Options for this patient: {offered}.",
                code="unknown_treatment",
                field="choose",
            )
        recommended = [r for r in assessment.recommendations if r.treatment == treatment_id]
        if recommended:
            choices.extend(_from_recommendation(r, index) for r in recommended)
            continue
        excluded = [e for e in assessment.excluded if e.treatment == treatment_id]
        if not excluded:
            offered = ", ".join(sorted(assessment.recommended_ids())) or "none"
            raise PlanError(
                f"{treatment_id!r} does not suit this patient's findings. Options: {offered}.",
                code="not_indicated",
                field="choose",
                treatment=treatment_id,
            )
        choices.extend(_deferrable(excluded, index, rank=len(assessment.recommendations) + 1))
    return _with_acne_first(choices, assessment, index)


def _defaults(assessment: Assessment, index: KnowledgeIndex) -> list[Choice]:
    seen: set[str] = set()
    choices = []
    for recommendation in assessment.recommendations:
        if recommendation.condition not in seen:
            seen.add(recommendation.condition)
            choices.append(_from_recommendation(recommendation, index))
    return choices


def _from_recommendation(recommendation: Recommendation, index: KnowledgeIndex) -> Choice:
    indication = index.indications.get(recommendation.indication)
    return Choice(
        treatment=recommendation.treatment,
        condition=recommendation.condition,
        rationale=indication.rationale if indication else recommendation.rationale,
        sources=recommendation.sources,
        rank=recommendation.rank,
    )


def _deferrable(excluded: list[Exclusion], index: KnowledgeIndex, *, rank: int) -> list[Choice]:
    """The exclusions that only defer the option; an error if every one of them forbids it."""
    deferred: list[Choice] = []
    blocking: list[str] = []
    for exclusion in excluded:
        blockers = _blockers(exclusion, index)
        if blockers:
            blocking.extend(f"{exclusion.condition}, {blocker}" for blocker in blockers)
        else:
            deferred.append(_deferred(exclusion, index, rank=rank))
    if not deferred:
        reasons = "\n  ".join(blocking)
        raise PlanError(
            f"{excluded[0].treatment!r} was ruled out and cannot be planned:\n  {reasons}",
            code="ruled_out",
            field="choose",
            treatment=excluded[0].treatment,
        )
    return deferred


def _blockers(exclusion: Exclusion, index: KnowledgeIndex) -> list[str]:
    blockers = []
    for reason in exclusion.reasons:
        rule = index.rules.get(reason.rule)
        deferral = rule.deferral if rule is not None else None
        # While isotretinoin is still taken the wait counts from a last dose not yet known:
        # its date is only the earliest possible, so no plan may be dated from it.
        still_taken = reason.params.get("counted_from") == "last_dose"
        dated = deferral == "wait" and reason.until is not None and not still_taken
        if not (dated or deferral == "acne_controlled"):
            said = _said(reason.text, rule.text if rule is not None else "", reason.until)
            blockers.append(f"{reason.code}: {said}" if said else reason.code)
    return blockers


def _deferred(exclusion: Exclusion, index: KnowledgeIndex, *, rank: int) -> Choice:
    until: date | None = None
    after_acne = False
    notes, rules = [], []
    for reason in exclusion.reasons:
        rule = index.rules[reason.rule]
        if rule.deferral == "wait" and reason.until is not None:
            until = reason.until if until is None else max(until, reason.until)
        else:
            after_acne = True
        notes.append(_said(reason.text, rule.text, reason.until))
        rules.append(reason.rule)
    indication = index.indications[exclusion.indication]
    return Choice(
        treatment=exclusion.treatment,
        condition=exclusion.condition,
        rationale=indication.rationale,
        sources=indication.sources,
        rank=rank,
        deferred_until=until,
        after_acne=after_acne,
        deferral_notes=tuple(notes),
        deferral_rules=tuple(rules),
    )


def _said(text: str, rule_text: str, until: date | None) -> str:
    """What a reason says in the knowledge base's own words (the wording module renders it for
    readers; this is the plain English a plan's JSON carries)."""
    if text:
        return text
    said = " ".join(rule_text.split())
    return said.replace("{until}", until.isoformat()) if until else said


def _with_acne_first(
    choices: list[Choice], assessment: Assessment, index: KnowledgeIndex
) -> list[Choice]:
    """Scar procedures that wait for the acne need an acne course before them in the plan."""
    waiting = [c for c in choices if c.after_acne]
    if not waiting:
        return choices
    courses = {
        treatment
        for sequence in index.kb.sequences
        if any(c.treatment in sequence.then for c in waiting)
        for treatment in sequence.first
    }
    if any(c.treatment in courses and c.condition == "acne" for c in choices):
        return choices
    for recommendation in assessment.recommendations:
        if recommendation.condition == "acne" and recommendation.treatment in courses:
            return [*choices, _from_recommendation(recommendation, index)]
    names = ", ".join(sorted({c.treatment for c in waiting}))
    raise PlanError(
        f"{names} must wait until the acne is treated, but no acne treatment can be planned "
        "for this patient; a physician should see the acne first.",
        code="acne_first",
        field="choose",
    )
