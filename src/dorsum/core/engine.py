"""The assessment engine: grade, run the rule steps, and build the result from their findings.

Pure and deterministic: the same intake, knowledge base and `today` always give the same
`Assessment`. `today` is explicit because waits (isotretinoin) are dated from it. Each step
returns findings; this module only collects them (`_collect`), so the structured trace
(`findings`) is exactly what produced the result.

The decision is a pure function of `DecisionInput`, so a caller that assesses many intakes may
pass an `AssessmentCache` (owned by the caller) to memoise it; without one, everything is
computed afresh (the benchmark's cold path, and the tests check both agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from dorsum.core.assessment import (
    CONTRACT_VERSION,
    URGENCY_ORDER,
    Advice,
    Assessment,
    Caution,
    ConditionResult,
    Exclusion,
    Finding,
    Reason,
    Recommendation,
    Referral,
    ReferralReason,
    ScaleReading,
    trusted,
)
from dorsum.core.cache import AssessmentCache
from dorsum.core.dates import check_supported
from dorsum.core.decision import Decision, DecisionInput, decision_input
from dorsum.core.findings import NO_PARAMS, Found, Prebuilt, entry, trace_line
from dorsum.core.flags import derived_flags, patient_flags
from dorsum.core.grading import GradedCondition, grade_findings
from dorsum.core.intake import Intake
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules import STEPS
from dorsum.core.rules.found import Seen


def assess_intake(
    intake: Intake,
    *,
    index: KnowledgeIndex,
    today: date,
    cache: AssessmentCache | None = None,
) -> Assessment:
    """Turn a validated intake into the contract's result (codes and values; no words)."""
    conditions, facts = graded_facts(intake, index=index, today=today, cache=cache)
    decision = _memoised(facts, index, cache) if cache is not None else decide(facts, index)
    return trusted(
        Assessment,
        {
            "contract": CONTRACT_VERSION,
            "knowledge_base_version": index.version,
            "conditions": tuple(_condition_result(c, index, cache) for c in conditions),
            "recommendations": decision.recommendations,
            "excluded": decision.excluded,
            "referral": decision.referral,
            "advice": decision.advice,
            "trace": (*[c.trace for c in conditions], *decision.trace),
            "assessed_on": today,
            "patient_age": intake.patient.age,
            "findings": decision.findings,
        },
    )


def graded_facts(
    intake: Intake,
    *,
    index: KnowledgeIndex,
    today: date,
    cache: AssessmentCache | None = None,
) -> tuple[list[GradedCondition], DecisionInput]:
    """The graded conditions and the facts the decision is a function of.

    The decision (options, exclusions, referral, advice) depends on these facts alone, and they
    hold each condition's id and severity; a caller that needs no more of many assessments
    (population re-screening) may memoise on them instead of on whole intakes, which differ far
    more often (in the counts behind each grade, for one).
    """
    check_supported(today, "today")
    conditions = grade_findings(intake, None if cache is None else cache.gradings)
    flags = patient_flags(intake, cache=None if cache is None else cache.flags)
    raised = [condition.flags for condition in conditions if condition.flags]
    if raised:
        flags = flags.union(*raised)
    flags = derived_flags(flags)
    return conditions, decision_input(intake, conditions, flags, index=index, today=today)


def decide(facts: DecisionInput, index: KnowledgeIndex) -> Decision:
    """Run every step over the facts, each seeing what the earlier ones found, and collect."""
    return _collect(facts, _found(facts, index), index)


def _found(facts: DecisionInput, index: KnowledgeIndex) -> tuple[Found, ...]:
    """Every step's findings, each step seeing what the earlier ones found."""
    seen = Seen()
    for step in STEPS:
        seen.extend(step(facts, index, seen))
    return seen.found


def _memoised(facts: DecisionInput, index: KnowledgeIndex, cache: AssessmentCache) -> Decision:
    key = (index, facts)
    decision = cache.decisions.get(key)
    if decision is None:
        decision = decide(facts, index)
        cache.remember(cache.decisions, key, decision)
    assert isinstance(decision, Decision)
    return decision


class Screening(NamedTuple):
    """The part of a decision a population screen reports."""

    excluded: tuple[Exclusion, ...]
    referral: Referral


def screen_decision(facts: DecisionInput, index: KnowledgeIndex) -> Screening:
    """What `decide` excludes and whom it refers: the same steps and the same collection of
    exclusions and referral, without building the ranked options and the trace, for a caller
    that reports only those of many patients (population re-screening)."""
    found = _found(facts, index)
    prebuilt = index.prebuilt.by_id
    bins = _binned(found, [prebuilt.get(id(f)) for f in found])
    return Screening(_excluded(bins, index), _referral(bins))


@dataclass(slots=True)
class _Bins:
    """The findings by effect, each one that becomes a result value already turned into it."""

    considered: dict[tuple[str, str], Found] = field(default_factory=dict)
    reasons: dict[tuple[str, str], list[Reason]] = field(default_factory=dict)
    cautions: dict[tuple[str, str], list[Caution]] = field(default_factory=dict)
    folded: set[tuple[str, str]] = field(default_factory=set)
    ranked: list[Found] = field(default_factory=list)
    referrals: list[ReferralReason] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)


def _binned(found: tuple[Found, ...], pres: list[Prebuilt | None]) -> _Bins:
    """The findings by effect; `pres` holds each finding's prebuilt value, if it has one."""
    bins = _Bins()
    considered, reasons, cautions = bins.considered, bins.reasons, bins.cautions
    for f, pre in zip(found, pres, strict=True):
        effect, option = f.effect, (f.treatment, f.condition)
        if effect == "consider":
            considered[option] = f
        elif effect == "caution":
            cautions.setdefault(option, []).append(_caution(f) if pre is None else pre.value)
        elif effect == "exclude":
            reasons.setdefault(option, []).append(_reason(f) if pre is None else pre.value)
        elif effect == "rank":
            bins.ranked.append(f)
        elif effect == "advise":
            bins.advice.append(pre.value)  # type: ignore[union-attr]  # always prebuilt
        elif effect == "refer":
            bins.referrals.append(_referral_reason(f) if pre is None else pre.value)
        elif effect == "fold":
            bins.folded.add(option)
    return bins


def _excluded(bins: _Bins, index: KnowledgeIndex) -> tuple[Exclusion, ...]:
    """Each option considered with a reason against it (unless folded into another), with
    every reason and caution, in the order the options were considered."""
    reasons, folded = bins.reasons, bins.folded
    return tuple(
        _exclusion(key, option, reasons[key], bins.cautions.get(key, ()), index)
        for key, option in bins.considered.items()
        if key in reasons and key not in folded
    )


def _referral(bins: _Bins) -> Referral:
    """Every referral reason, at the most urgent of their urgencies ("none" without any)."""
    referrals = bins.referrals
    urgency = max(
        (reason.urgency for reason in referrals), key=URGENCY_ORDER.__getitem__, default="none"
    )
    return trusted(Referral, {"urgency": urgency, "reasons": tuple(referrals)})


def _collect(facts: DecisionInput, found: tuple[Found, ...], index: KnowledgeIndex) -> Decision:
    prebuilt = index.prebuilt.by_id
    flags = ",".join(sorted(facts.flags))
    lines = ["flags: " + flags.replace(",", ", ")]
    entries = [_flags_entry(flags)]
    pres = [prebuilt.get(id(f)) for f in found]
    lines += [trace_line(f) if p is None else p.line for f, p in zip(found, pres, strict=True)]
    entries += [entry(f) if p is None else p.entry for f, p in zip(found, pres, strict=True)]
    bins = _binned(found, pres)
    considered, cautions = bins.considered, bins.cautions
    recommendations = tuple(
        _recommendation(f, considered[(f.treatment, f.condition)], cautions, index)
        for f in bins.ranked
    )
    return Decision(
        recommendations=recommendations,
        excluded=_excluded(bins, index),
        referral=_referral(bins),
        advice=tuple(bins.advice),
        findings=tuple(entries),
        trace=tuple(lines),
    )


def _flags_entry(flags: str) -> Finding:
    """The structured trace starts with the patient's flags, as the text trace does."""
    return {
        "rule": "flags",
        "effect": "flags",
        "treatment": "",
        "condition": "",
        "code": "",
        "until": None,
        "params": {"flags": flags},
        "sources": (),
    }


def _reason(f: Found) -> Reason:
    return trusted(
        Reason,
        {
            "code": f.code,
            "text": "",
            "until": f.until,
            "rule": f.rule,
            "sources": f.sources,
            "params": dict(f.params) if f.params else NO_PARAMS,
        },
    )


def _caution(f: Found) -> Caution:
    if not f.params and f.until is None:
        params, about = NO_PARAMS, None
    else:
        params = dict(f.params)
        about = params.pop("about", None)
        if f.until is not None:
            params["until"] = f.until.isoformat()
    return trusted(
        Caution,
        {
            "code": f.code,
            "text": "",
            "rule": f.rule,
            "sources": f.sources,
            "about": about,
            "params": params,
        },
    )


def _referral_reason(f: Found) -> ReferralReason:
    params = dict(f.params)
    return trusted(
        ReferralReason,
        {
            "code": f.code,
            "text": "",
            "urgency": params["urgency"],
            "rule": f.rule,
            "sources": f.sources,
            "variant": params.get("variant", ""),
        },
    )


def _recommendation(
    ranked: Found,
    option: Found,
    cautions: dict[tuple[str, str], list[Caution]],
    index: KnowledgeIndex,
) -> Recommendation:
    candidate = index.candidate_by_indication[option.rule]
    treatment, indication = candidate.treatment, candidate.indication
    values = dict(ranked.params)
    return trusted(
        Recommendation,
        {
            "treatment": treatment.id,
            "condition": option.condition,
            "rank": values["rank"],
            "rationale": "",
            "cautions": tuple(cautions.get((option.treatment, option.condition), ())),
            "requires": treatment.requires,
            "sources": indication.sources,
            "name": treatment.name,
            "indication": indication.id,
            "evidence": indication.evidence,
            "invasiveness": treatment.invasiveness,
            "physician_required": treatment.physician_required,
            "score": values["score"],
        },
    )


def _exclusion(
    key: tuple[str, str],
    option: Found,
    reasons: list[Reason],
    cautions: list[Caution] | tuple[()],
    index: KnowledgeIndex,
) -> Exclusion:
    return trusted(
        Exclusion,
        {
            "treatment": key[0],
            "condition": key[1],
            "reasons": tuple(reasons),
            "name": index.treatments[key[0]].name,
            "indication": option.rule,
            "cautions": tuple(cautions),
        },
    )


def _condition_result(
    condition: GradedCondition, index: KnowledgeIndex, cache: AssessmentCache | None
) -> ConditionResult:
    # Memoised by identity: graded conditions are themselves memoised, and the entry keeps the
    # graded object so that its id cannot be reused by another while the entry lives.
    key = (index, id(condition))
    entry = cache.conditions.get(key) if cache is not None else None
    if isinstance(entry, tuple) and entry[0] is condition:
        result: ConditionResult = entry[1]
        return result
    kb_entry = index.conditions[condition.id]
    result = trusted(
        ConditionResult,
        {
            "id": condition.id,
            "severity": condition.severity,
            "name": kb_entry.name,
            "basis": kb_entry.severity_basis,
            "features": tuple(sorted(condition.features)),
            "grading": tuple(
                trusted(
                    ScaleReading,
                    {
                        "scale": reading.code,
                        "value": "",
                        "band": reading.band,
                        "note": None,
                        "sources": reading.sources,
                        "code": reading.code,
                        "params": dict(reading.values),
                    },
                )
                for reading in condition.grading
            ),
            "codes": index.condition_codes[condition.id],
            "areas": condition.areas,
        },
    )
    if cache is not None:
        cache.remember(cache.conditions, key, (condition, result))
    return result
