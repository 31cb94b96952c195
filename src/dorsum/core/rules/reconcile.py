"""Step: one answer per treatment. When a treatment is recommended for one condition but held
back for another only by a condition-specific rule (no scar procedure while acne is active),
the hold-back is folded into a caution on the recommendation instead of a contradictory
exclusion. Nothing is deleted: a `fold` finding says which exclusion became cautions.
"""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules.found import Found, Seen


def reconcile_conditions(
    facts: DecisionInput, index: KnowledgeIndex, seen: Seen
) -> tuple[Found, ...]:
    """Fold condition-specific exclusions into the same treatment's surviving options."""
    if len(facts.conditions) < 2:
        return ()  # one condition: nothing to reconcile
    reasons = seen.excluded
    by_treatment: dict[str, list[str]] = {}
    for treatment, condition in seen.considered:
        by_treatment.setdefault(treatment, []).append(condition)
    out: list[Found] = []
    for treatment, conditions in by_treatment.items():
        kept = [c for c in conditions if (treatment, c) not in reasons]
        held = [c for c in conditions if (treatment, c) in reasons]
        for condition in held if kept else ():
            why = reasons[(treatment, condition)]
            if not all(index.condition_specific(reason.rule) for reason in why):
                continue
            out.append(Found("reconcile", "fold", treatment, condition))
            out.extend(
                reason._replace(
                    effect="caution",
                    condition=survivor,
                    params=(*reason.params, ("about", condition)),
                )
                for reason in why
                for survivor in kept
            )
    return tuple(out)
