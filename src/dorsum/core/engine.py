"""The assessment engine: grade, decide (screen, rank, refer, advise), and keep the trace.

Pure and deterministic: the same intake, knowledge base and `today` always give the same
`Assessment`. `today` is explicit because waits (isotretinoin) are dated from it.

The decision is a pure function of `DecisionInput`, so it is memoised per knowledge base: many
patients share the same conditions, severities and flags. `memo=False` computes afresh (the
benchmark reports both, and the tests check they agree).
"""

from __future__ import annotations

from datetime import date

from dorsum.core.assessment import (
    CONTRACT_VERSION,
    Assessment,
    Code,
    ConditionResult,
    Exclusion,
    Recommendation,
    ScaleReading,
    trusted,
)
from dorsum.core.dates import check_supported
from dorsum.core.decision import Decision, DecisionInput, decision_input
from dorsum.core.flags import patient_flags
from dorsum.core.grading import GradedCondition, grade_findings
from dorsum.core.intake import Intake
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules import STEPS, Context, Option, advise, rank, refer

MEMO_LIMIT = 50_000


def assess_intake(
    intake: Intake, *, index: KnowledgeIndex, today: date, memo: bool = True
) -> Assessment:
    """Turn a validated intake into the contract's result."""
    check_supported(today, "today")
    conditions = grade_findings(intake)
    flags = patient_flags(intake)
    raised = [condition.flags for condition in conditions if condition.flags]
    if raised:
        flags = flags.union(*raised)
    facts = decision_input(intake, conditions, flags, index=index, today=today)
    decision = _memoised(facts, index) if memo else decide(facts, index)
    return trusted(
        Assessment,
        {
            "contract": CONTRACT_VERSION,
            "knowledge_base_version": index.version,
            "conditions": tuple(_condition_result(c, index) for c in conditions),
            "recommendations": decision.recommendations,
            "excluded": decision.excluded,
            "referral": decision.referral,
            "advice": decision.advice,
            "trace": (*[c.trace for c in conditions], *decision.trace),
            "assessed_on": today,
            "patient_age": intake.patient.age,
        },
    )


def decide(facts: DecisionInput, index: KnowledgeIndex) -> Decision:
    """Run the rule steps over the facts and collect the decision."""
    ctx = Context(facts=facts, index=index)
    referral = refer(ctx)
    for step in STEPS:
        step(ctx)
    ranked = rank(ctx)
    advice = advise(ctx)
    return Decision(
        recommendations=tuple(_recommendation(o, n) for n, o in enumerate(ranked, start=1)),
        excluded=tuple(_exclusion(o) for o in ctx.options.values() if o.excluded),
        referral=referral,
        advice=tuple(advice),
        trace=("flags: " + ", ".join(sorted(facts.flags)), *ctx.trace),
    )


def _memoised(facts: DecisionInput, index: KnowledgeIndex) -> Decision:
    memo = index.memo
    decision = memo.get(facts)
    if decision is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        decision = memo[facts] = decide(facts, index)
    assert isinstance(decision, Decision)
    return decision


def _condition_result(condition: GradedCondition, index: KnowledgeIndex) -> ConditionResult:
    # Memoised by identity: graded conditions are themselves memoised, and the entry keeps the
    # graded object so that its id cannot be reused by another while the entry lives.
    key = ("condition", id(condition))
    entry = index.memo.get(key)
    if isinstance(entry, tuple) and entry[0] is condition:
        result: ConditionResult = entry[1]
        return result
    kb_entry = index.conditions[condition.id]
    result = ConditionResult(
        id=condition.id,
        severity=condition.severity,
        name=kb_entry.name,
        basis=kb_entry.severity_basis,
        features=tuple(sorted(condition.features)),
        grading=tuple(ScaleReading(**reading._asdict()) for reading in condition.grading),
        codes=tuple(Code(system=c.system, code=c.code, display=c.display) for c in kb_entry.codes),
        areas=condition.areas,
    )
    index.memo[key] = (condition, result)
    return result


def _recommendation(option: Option, rank_: int) -> Recommendation:
    treatment = option.candidate.treatment
    indication = option.candidate.indication
    return trusted(
        Recommendation,
        {
            "treatment": treatment.id,
            "condition": option.condition.id,
            "rank": rank_,
            "rationale": indication.rationale,
            "cautions": tuple(option.cautions),
            "requires": treatment.requires,
            "sources": indication.sources,
            "name": treatment.name,
            "indication": indication.id,
            "evidence": indication.evidence,
            "invasiveness": treatment.invasiveness,
            "physician_required": treatment.physician_required,
            "score": option.score,
        },
    )


def _exclusion(option: Option) -> Exclusion:
    return trusted(
        Exclusion,
        {
            "treatment": option.treatment_id,
            "condition": option.condition.id,
            "reasons": tuple(option.reasons),
            "name": option.candidate.treatment.name,
            "indication": option.candidate.indication.id,
        },
    )
